#include "main/log_records.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

namespace actorrent::msglog {

namespace {

std::string string_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// The position of the extension's dot in a file name, spdlog's rule: the last dot of the last
// path component, not its first character (a hidden file has no extension).
std::string::size_type extension_dot(const std::string& path) {
  auto dot = path.rfind('.');
  auto slash = path.find_last_of('/');
  if (dot == std::string::npos || dot == 0 || dot == path.size() - 1) return std::string::npos;
  if (slash != std::string::npos && dot <= slash + 1) return std::string::npos;
  return dot;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

}  // namespace

actor_ref actor_from_json(const nlohmann::json& j) {
  actor_ref a;
  if (!j.is_object()) return a;
  a.present = true;
  a.kind = string_field(j, "kind");
  if (a.kind.empty()) a.kind = "unknown";
  auto id = j.find("id");
  if (id != j.end() && id->is_number_unsigned())
    a.id = id->get<std::uint64_t>();
  else if (id != j.end() && id->is_number_integer() && id->get<std::int64_t>() >= 0)
    a.id = static_cast<std::uint64_t>(id->get<std::int64_t>());
  a.torrent = string_field(j, "torrent");
  a.peer = string_field(j, "peer");
  return a;
}

bool parse_record(std::string line, record& out, std::string& error) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    auto pos = what.find("] ");
    error = "not JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2));
    return false;
  }
  if (!j.is_object()) {
    error = "not a JSON object";
    return false;
  }
  auto t = j.find("t");
  if (t == j.end() || !t->is_number_integer()) {
    error = "no integer \"t\"";
    return false;
  }
  auto event = j.find("event");
  if (event == j.end() || !event->is_string()) {
    error = "no string \"event\"";
    return false;
  }
  out.t = t->get<std::int64_t>();
  out.event = event->get<std::string>();
  out.from = actor_from_json(j.value("from", nlohmann::json()));
  out.to = actor_from_json(j.value("to", nlohmann::json()));
  out.actor = actor_from_json(j.value("actor", nlohmann::json()));
  out.parent = actor_from_json(j.value("parent", nlohmann::json()));
  out.type = string_field(j, out.event == "wire" ? "what" : "type");
  out.json = std::move(j);
  out.raw = std::move(line);
  return true;
}

std::string rotated_name(const std::string& path, unsigned index) {
  if (index == 0) return path;
  auto dot = extension_dot(path);
  if (dot == std::string::npos) return path + "." + std::to_string(index);
  return path.substr(0, dot) + "." + std::to_string(index) + path.substr(dot);
}

std::optional<std::pair<std::string, unsigned>> rotated_base(const std::string& path) {
  auto dot = extension_dot(path);
  if (dot == std::string::npos) return std::nullopt;
  std::string stem = path.substr(0, dot), ext = path.substr(dot);
  // msgs.3.jsonl: the index's dot before the extension's.
  auto index_dot = extension_dot(stem);
  if (index_dot != std::string::npos) {
    std::string digits = stem.substr(index_dot + 1);
    if (all_digits(digits) && digits.size() <= 6 && std::stoul(digits) > 0)
      return std::make_pair(stem.substr(0, index_dot) + ext,
                            static_cast<unsigned>(std::stoul(digits)));
  }
  // msgs.3: the sibling of a file without an extension.
  std::string digits = ext.substr(1);
  if (all_digits(digits) && digits.size() <= 6 && std::stoul(digits) > 0 &&
      extension_dot(stem) == std::string::npos)
    return std::make_pair(stem, static_cast<unsigned>(std::stoul(digits)));
  return std::nullopt;
}

bool resolve_sources(const std::vector<std::string>& args, std::vector<log_source>& out,
                     std::string& error) {
  out.clear();
  for (const auto& a : args) {
    if (!exists(a)) {
      error = a + ": no such file";
      return false;
    }
  }
  // Arguments that are siblings of another argument join its chain.
  std::set<std::string> named;
  for (const auto& a : args)
    named.insert(canonical(a));
  std::set<std::string> seen;
  for (const auto& a : args) {
    auto base = rotated_base(a);
    if (base && named.count(canonical(base->first))) continue;  // read with its base
    log_source s;
    s.name = a;
    std::vector<std::string> chain{a};
    if (!base) {
      for (unsigned i = 1; i < 100000; ++i) {
        auto sibling = rotated_name(a, i);
        if (!exists(sibling)) break;
        chain.push_back(sibling);
      }
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      if (seen.insert(canonical(*it)).second) s.files.push_back(*it);
    if (!s.files.empty()) out.push_back(std::move(s));
  }
  return true;
}

struct record_reader::cursor {
  std::size_t source = 0;
  std::size_t file = 0;  // index into the source's files
  std::ifstream in;
  bool open = false;
  std::size_t line = 0;
  bool has = false;  // `pending` holds the next record
  bool done = false;
  record pending;
};

record_reader::record_reader(std::vector<log_source> sources, warning_handler warn)
    : sources_(std::move(sources)), warn_(std::move(warn)) {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    cursors_.push_back(std::make_unique<cursor>());
    cursors_.back()->source = i;
  }
}

record_reader::~record_reader() = default;

bool record_reader::fill(cursor& c) {
  const auto& files = sources_[c.source].files;
  std::string line;
  while (!c.done) {
    if (!c.open) {
      if (c.file >= files.size()) {
        c.done = true;
        break;
      }
      c.in = std::ifstream(files[c.file], std::ios::binary);
      if (!c.in) {
        error_ = files[c.file] + ": cannot open";
        return false;
      }
      c.open = true;
      c.line = 0;
    }
    if (!std::getline(c.in, line)) {
      c.in.close();
      c.open = false;
      ++c.file;
      continue;
    }
    ++c.line;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string why;
    if (!parse_record(std::move(line), c.pending, why)) {
      ++malformed_;
      if (warn_) warn_(files[c.file] + ":" + std::to_string(c.line) + ": " + why);
      continue;
    }
    c.pending.source = c.source;
    c.pending.file = files[c.file];
    c.pending.line = c.line;
    c.has = true;
    return true;
  }
  return true;
}

bool record_reader::next(record& out) {
  if (!error_.empty()) return false;
  if (!started_) {
    started_ = true;
    for (auto& c : cursors_)
      if (!fill(*c)) return false;
  }
  cursor* best = nullptr;
  for (auto& c : cursors_)
    if (c->has && (!best || c->pending.t < best->pending.t)) best = c.get();
  if (!best) return false;
  out = std::move(best->pending);
  best->has = false;
  if (!fill(*best)) return false;
  return true;
}

std::optional<std::int64_t> first_time(const log_source& source) {
  log_source first{source.name, {}};
  for (const auto& f : source.files) {
    first.files = {f};
    record_reader r({first}, nullptr);
    record rec;
    if (r.next(rec)) return rec.t;
  }
  return std::nullopt;
}

}  // namespace actorrent::msglog
