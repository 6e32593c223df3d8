// `actorrent log timeline --html OUT.html`: one self-contained page (inline CSS, script and
// SVG; no URL is fetched) drawing actors as lanes, grouped session / torrent / parts / peers,
// and each message as an arrow from sender to receiver at its time, coloured by type. Keeps
// only the window's records, at most `max_messages` messages.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "main/log_records.hpp"

namespace actorrent::msglog {

class timeline_builder {
 public:
  explicit timeline_builder(std::size_t max_messages) : max_messages_(max_messages) {}

  // Records in time order, already filtered to the window. Past `max_messages` messages,
  // records are only counted.
  void add(const record& r);

  std::size_t messages_kept() const { return messages_.size(); }
  std::size_t messages_seen() const { return messages_seen_; }
  std::size_t lane_count() const { return lanes_.size(); }
  bool truncated() const { return messages_seen_ > messages_.size(); }

  // `window_since`/`window_until`: the asked window, when one was given (else the records').
  std::string html(const std::string& title, const std::vector<std::string>& files,
                   std::optional<std::int64_t> window_since,
                   std::optional<std::int64_t> window_until) const;

  // The group a kind's lane is drawn in: session, torrent, parts, peers or other.
  static std::string group_of(const std::string& kind);

 private:
  struct lane {
    actor_ref actor;
    std::size_t source = 0;
    std::int64_t first_t = 0, last_t = 0;
    std::optional<std::int64_t> spawned_t, terminated_t;
  };
  struct message {
    std::int64_t t;
    std::size_t from, to, type;
    std::string text;  // from → to and fields, for the tooltip
  };
  struct event {
    std::int64_t t;
    std::size_t lane;
    std::string kind;  // spawned, terminated, restarted, wire, or another event's name
    std::string text;
  };
  std::size_t lane_of(const actor_ref& a, std::size_t source, std::int64_t t);
  std::size_t type_of(const std::string& type);

  std::size_t max_messages_;
  std::size_t messages_seen_ = 0;
  bool full_ = false;
  std::int64_t first_t_ = 0, last_t_ = 0;
  bool any_ = false;
  std::vector<lane> lanes_;
  std::map<std::tuple<std::size_t, std::string, std::uint64_t>, std::size_t> lane_index_;
  std::vector<std::string> types_;
  std::vector<std::size_t> type_counts_;
  std::map<std::string, std::size_t> type_index_;
  std::vector<message> messages_;
  std::vector<event> events_;
};

}  // namespace actorrent::msglog
