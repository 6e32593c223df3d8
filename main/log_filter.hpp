// Which records of the message log a command looks at: `--actor`, `--type`, `--torrent`,
// `--peer`, `--since`, `--until`, `--grep`. Filters combine with AND; the values of one
// repeatable filter with OR.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "main/log_filter_options.hpp"
#include "main/log_records.hpp"

namespace actorrent::msglog {

// A point in time as the user writes it: an absolute local time (`2026-11-21T14:03:07.5`,
// a space for the T, a trailing Z for UTC; a time of day alone means the first record's
// day), µs since the epoch (all digits), or `+SECONDS` after the first record.
struct time_spec {
  enum class kind { absolute, relative, time_of_day } k = kind::absolute;
  std::int64_t us = 0;  // absolute: µs since the epoch; relative, time_of_day: µs offset
  bool utc = false;     // time_of_day: the given time is UTC
};

std::optional<time_spec> parse_time_spec(const std::string& text, std::string& error);

// The absolute time of a spec, given the log's first record time.
std::int64_t resolve_time(const time_spec& spec, std::int64_t first_t);

// `KIND`, `KIND#ID` or `#ID`.
struct actor_pattern {
  std::string kind;  // empty: any
  std::optional<std::uint64_t> id;
  bool matches(const actor_ref& a) const;
};

std::optional<actor_pattern> parse_actor_pattern(const std::string& text, std::string& error);

// Is `kind` one the format documents?
bool known_kind(const std::string& kind);

class record_filter {
 public:
  // False with a reason naming the bad value.
  bool init(const filter_options& o, std::string& error);

  // `+SECONDS` and times of day need the first record's time; a filter resolves them with
  // the first record it sees, unless told before.
  void set_first_time(std::int64_t first_t);

  bool matches(const record& r);

  // The resolved window, once known (INT64_MIN / INT64_MAX when open).
  std::int64_t since() const { return since_; }
  std::int64_t until() const { return until_; }
  bool has_time_bounds() const { return since_spec_ || until_spec_; }

 private:
  bool match_actor(const record& r) const;
  bool match_type(const record& r) const;
  bool match_torrent(const record& r) const;
  bool match_peer(const record& r) const;
  std::vector<actor_pattern> actors_;
  std::vector<std::string> types_, torrents_, peers_;
  std::vector<std::regex> greps_;
  std::optional<time_spec> since_spec_, until_spec_;
  bool resolved_ = false;
  std::int64_t since_ = INT64_MIN, until_ = INT64_MAX;
};

// The actors a record names: a message's from and to, an event's actor (and for `restarted`,
// the replaced actor, same kind and the `replaces` id). Parents are not counted.
std::vector<actor_ref> actors_of(const record& r);

}  // namespace actorrent::msglog
