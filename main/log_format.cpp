#include "main/log_format.hpp"

#include <cstdio>
#include <ctime>

namespace actorrent::msglog {

namespace {

bool bare_string(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= ' ' || c == '"' || c == '=' || c == ',' || c == '{' || c == '}' || c == '[' ||
        c == ']')
      return false;
  return true;
}

// Message and event keys that the line shows elsewhere.
bool shown_elsewhere(const std::string& key) {
  return key == "t" || key == "event" || key == "from" || key == "to" || key == "type" ||
         key == "fields" || key == "actor" || key == "parent" || key == "sampled" || key == "dir" ||
         key == "what";
}

std::string pad(std::string s, std::size_t width) {
  // Width in code points: the arrow is three bytes, one column.
  std::size_t cols = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++cols;
  if (cols < width) s.append(width - cols, ' ');
  return s;
}

}  // namespace

std::string format_time(std::int64_t t_us, bool utc) {
  std::int64_t secs = t_us / 1000000;
  std::int64_t frac = t_us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (utc)
    gmtime_r(&tt, &tm);
  else
    localtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06lld%s", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac), utc ? "Z" : "");
  return buf;
}

std::string short_torrent(const std::string& hex) {
  return hex.substr(0, 8);
}

std::string format_actor(const actor_ref& a) {
  if (!a.present) return "?";
  std::string s = a.kind;
  if (a.id != 0 || (a.kind != "socket" && a.kind != "client")) s += "#" + std::to_string(a.id);
  if (!a.peer.empty()) s += "@" + a.peer;
  return s;
}

std::string compact_value(const nlohmann::json& v, std::size_t max_items) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return bare_string(s) ? s : nlohmann::json(s).dump();
  }
  if (v.is_array()) {
    std::string out = "[";
    std::size_t n = 0;
    for (const auto& item : v) {
      if (n == max_items) {
        out += ",…+" + std::to_string(v.size() - max_items);
        break;
      }
      if (n++) out += ",";
      out += compact_value(item, max_items);
    }
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += " ";
      first = false;
      out += it.key() + "=" + compact_value(it.value(), max_items);
    }
    return out + "}";
  }
  return v.dump();
}

std::string compact_fields(const nlohmann::json& fields) {
  if (!fields.is_object()) return fields.is_null() ? std::string() : compact_value(fields);
  std::string out;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (!out.empty()) out += " ";
    out += it.key() + "=" + compact_value(it.value());
  }
  return out;
}

std::string format_record(const record& r, bool utc) {
  std::string ends, type = r.type, rest;
  const auto& j = r.json;
  if (r.event == "message") {
    ends = format_actor(r.from) + " → " + format_actor(r.to);
    if (type.empty()) type = "?";
    rest = compact_fields(j.value("fields", nlohmann::json()));
    auto s = j.find("sampled");
    if (s != j.end())
      rest += std::string(rest.empty() ? "" : " ") + "(sampled: 1 of " + s->dump() + ")";
  } else if (r.event == "wire") {
    std::string dir = j.value("dir", std::string());
    std::string remote = r.actor.peer.empty() ? "remote" : r.actor.peer;
    std::string local = format_actor(r.actor);
    ends = dir == "out" ? local + " → " + remote : remote + " → " + local;
    type = "wire:" + (type.empty() ? std::string("?") : type);
    rest = compact_fields(j.value("fields", nlohmann::json()));
  } else {
    ends = r.parent.present ? format_actor(r.parent) + " → " + format_actor(r.actor)
                            : format_actor(r.actor);
    type = r.event;
    // Every other key, in the line's order: reason, replaces, restarts, later additions.
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() != "fields" && shown_elsewhere(it.key())) continue;
      std::string part = it.key() == "fields" ? compact_fields(it.value())
                                              : it.key() + "=" + compact_value(it.value());
      if (part.empty()) continue;
      if (!rest.empty()) rest += " ";
      rest += part;
    }
  }
  std::string line = format_time(r.t, utc) + "  " + pad(ends, 44) + "  " + pad(type, 16);
  if (!rest.empty()) line += "  " + rest;
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
  return line;
}

}  // namespace actorrent::msglog
