#include "main/log_filter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <ctime>

namespace actorrent::msglog {

namespace {

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Reads exactly `n` digits at `pos`.
bool read_int(const std::string& s, std::size_t& pos, std::size_t n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    value = value * 10 + (s[pos + i] - '0');
  }
  pos += n;
  return true;
}

// "HH:MM[:SS[.ffffff]]" at pos: µs since midnight.
bool read_time_of_day(const std::string& s, std::size_t& pos, std::int64_t& us) {
  int h = 0, m = 0, sec = 0;
  if (!read_int(s, pos, 2, h) || pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (!read_int(s, pos, 2, m)) return false;
  std::int64_t frac = 0;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!read_int(s, pos, 2, sec)) return false;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      std::int64_t scale = 100000;
      std::size_t digits = 0;
      while (pos < s.size() && is_digit(s[pos])) {
        if (digits < 6) frac += (s[pos] - '0') * scale;
        scale /= 10;
        ++digits;
        ++pos;
      }
      if (digits == 0) return false;
    }
  }
  if (h > 23 || m > 59 || sec > 60) return false;
  us = ((h * 60 + m) * 60 + sec) * std::int64_t{1000000} + frac;
  return true;
}

std::int64_t midnight_us(std::int64_t t_us, bool utc) {
  std::time_t secs = static_cast<std::time_t>(t_us / 1000000);
  std::tm tm{};
  if (utc)
    gmtime_r(&secs, &tm);
  else
    localtime_r(&secs, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  std::time_t m = utc ? timegm(&tm) : mktime(&tm);
  return static_cast<std::int64_t>(m) * 1000000;
}

constexpr std::array<const char*, 13> kinds{
    "session",  "torrent",      "piece_manager", "disk_writer", "choker", "tracker", "peer",
    "listener", "rate_limiter", "disk_thread",   "client",      "socket", "unknown"};

bool starts_with_ci(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

}  // namespace

bool known_kind(const std::string& kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::optional<time_spec> parse_time_spec(const std::string& text, std::string& error) {
  std::string s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  error = "'" + text +
          "' is not a time (2026-11-21T14:03:07.5, 14:03:07, µs since the epoch, or +SECONDS)";
  if (s.empty()) return std::nullopt;
  time_spec spec;
  if (s[0] == '+') {
    try {
      std::size_t used = 0;
      double secs = std::stod(s.substr(1), &used);
      if (used != s.size() - 1 || secs < 0 || !(secs < 1e12)) return std::nullopt;
      spec.k = time_spec::kind::relative;
      spec.us = static_cast<std::int64_t>(secs * 1e6 + 0.5);
      return spec;
    } catch (...) {
      return std::nullopt;
    }
  }
  if (std::all_of(s.begin(), s.end(), is_digit)) {
    if (s.size() > 18) return std::nullopt;
    spec.us = std::stoll(s);
    return spec;
  }
  bool utc = false;
  if (s.back() == 'Z' || s.back() == 'z') {
    utc = true;
    s.pop_back();
  }
  std::size_t pos = 0;
  if (s.size() >= 3 && s[2] == ':') {
    if (!read_time_of_day(s, pos, spec.us) || pos != s.size()) return std::nullopt;
    spec.k = time_spec::kind::time_of_day;
    spec.utc = utc;
    return spec;
  }
  int year = 0, month = 0, day = 0;
  if (!read_int(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' ||
      !read_int(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-' ||
      !read_int(s, pos, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  std::int64_t tod = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_time_of_day(s, pos, tod) || pos != s.size()) return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_isdst = -1;
  std::time_t midnight = utc ? timegm(&tm) : mktime(&tm);
  spec.us = static_cast<std::int64_t>(midnight) * 1000000 + tod;
  return spec;
}

std::int64_t resolve_time(const time_spec& spec, std::int64_t first_t) {
  switch (spec.k) {
    case time_spec::kind::absolute:
      return spec.us;
    case time_spec::kind::relative:
      return first_t + spec.us;
    case time_spec::kind::time_of_day:
      return midnight_us(first_t, spec.utc) + spec.us;
  }
  return spec.us;
}

bool actor_pattern::matches(const actor_ref& a) const {
  if (!a.present) return false;
  if (!kind.empty() && a.kind != kind) return false;
  if (id && a.id != *id) return false;
  return true;
}

std::optional<actor_pattern> parse_actor_pattern(const std::string& text, std::string& error) {
  actor_pattern p;
  auto hash = text.find('#');
  p.kind = text.substr(0, hash);
  if (hash != std::string::npos) {
    std::string digits = text.substr(hash + 1);
    if (digits.empty() || digits.size() > 19 ||
        !std::all_of(digits.begin(), digits.end(), is_digit)) {
      error = "'" + text + "' is not an actor (KIND, KIND#ID or #ID)";
      return std::nullopt;
    }
    p.id = std::stoull(digits);
  }
  if (p.kind.empty() && !p.id) {
    error = "empty actor pattern";
    return std::nullopt;
  }
  return p;
}

std::vector<actor_ref> actors_of(const record& r) {
  std::vector<actor_ref> out;
  if (r.from.present) out.push_back(r.from);
  if (r.to.present) out.push_back(r.to);
  if (r.actor.present) out.push_back(r.actor);
  if (r.event == "restarted" && r.actor.present) {
    auto it = r.json.find("replaces");
    if (it != r.json.end() && it->is_number_integer()) {
      actor_ref old = r.actor;
      old.id = it->get<std::uint64_t>();
      out.push_back(old);
    }
  }
  return out;
}

bool record_filter::init(const filter_options& o, std::string& error) {
  for (const auto& a : o.actors) {
    auto p = parse_actor_pattern(a, error);
    if (!p) return false;
    actors_.push_back(*p);
  }
  types_ = o.types;
  for (const auto& t : o.torrents) {
    std::string hex = lower(t);
    if (hex.empty() || !std::all_of(hex.begin(), hex.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      error = "--torrent '" + t + "' is not a hex prefix of an info-hash";
      return false;
    }
    torrents_.push_back(hex);
  }
  peers_ = o.peers;
  for (const auto& g : o.greps) {
    try {
      greps_.emplace_back(g, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      error = "--grep '" + g + "' is not a regular expression: " + e.what();
      return false;
    }
  }
  if (!o.since.empty()) {
    since_spec_ = parse_time_spec(o.since, error);
    if (!since_spec_) {
      error = "--since " + error;
      return false;
    }
  }
  if (!o.until.empty()) {
    until_spec_ = parse_time_spec(o.until, error);
    if (!until_spec_) {
      error = "--until " + error;
      return false;
    }
  }
  return true;
}

void record_filter::set_first_time(std::int64_t first_t) {
  if (resolved_) return;
  resolved_ = true;
  if (since_spec_) since_ = resolve_time(*since_spec_, first_t);
  if (until_spec_) until_ = resolve_time(*until_spec_, first_t);
}

bool record_filter::match_actor(const record& r) const {
  if (actors_.empty()) return true;
  for (const auto& a : actors_of(r))
    for (const auto& p : actors_)
      if (p.matches(a)) return true;
  return false;
}

bool record_filter::match_type(const record& r) const {
  if (types_.empty()) return true;
  for (const auto& t : types_)
    if (t == r.event || (!r.type.empty() && t == r.type)) return true;
  return false;
}

bool record_filter::match_torrent(const record& r) const {
  if (torrents_.empty()) return true;
  for (const auto* a : {&r.from, &r.to, &r.actor, &r.parent})
    if (a->present && !a->torrent.empty())
      for (const auto& t : torrents_)
        if (starts_with_ci(a->torrent, t)) return true;
  return false;
}

bool record_filter::match_peer(const record& r) const {
  if (peers_.empty()) return true;
  for (const auto* a : {&r.from, &r.to, &r.actor})
    if (a->present && !a->peer.empty())
      for (const auto& p : peers_)
        if (a->peer.find(p) != std::string::npos) return true;
  return false;
}

bool record_filter::matches(const record& r) {
  if (!resolved_) set_first_time(r.t);
  if (r.t < since_ || r.t > until_) return false;
  if (!match_type(r) || !match_actor(r) || !match_torrent(r) || !match_peer(r)) return false;
  if (!greps_.empty()) {
    bool any = false;
    for (const auto& g : greps_)
      if (std::regex_search(r.raw, g)) {
        any = true;
        break;
      }
    if (!any) return false;
  }
  return true;
}

}  // namespace actorrent::msglog
