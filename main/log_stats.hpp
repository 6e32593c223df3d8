// `actorrent log stats`: message counts and rates by type and by actor, the busiest
// sender → receiver pairs, restarts by kind and terminations by reason. Fed one record at a
// time; holds one counter per type, actor and pair, never the records.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "main/log_records.hpp"

namespace actorrent::msglog {

class log_stats {
 public:
  void add(const record& r);

  struct actor_count {
    actor_ref actor;
    std::size_t source = 0;
    std::uint64_t sent = 0, received = 0;
  };
  struct pair_count {
    actor_ref from, to;
    std::size_t source = 0;
    std::uint64_t count = 0;
  };

  std::uint64_t records() const { return records_; }
  std::uint64_t messages() const { return messages_; }  // sampled lines count N each
  std::uint64_t message_lines() const { return message_lines_; }
  double duration_s() const;               // first to last record; 0 for fewer than two
  double rate(std::uint64_t count) const;  // count / duration (count when duration is 0)

  // Sorted by count, largest first (ties by name).
  std::vector<std::pair<std::string, std::uint64_t>> by_type() const;
  std::vector<actor_count> by_actor() const;  // by sent + received
  std::vector<pair_count> top_pairs() const;
  std::vector<std::pair<std::string, std::uint64_t>> events() const;
  std::vector<std::pair<std::string, std::uint64_t>> restarts_by_kind() const;
  std::vector<std::pair<std::string, std::uint64_t>> terminations_by_reason() const;
  bool type_sampled(const std::string& type) const { return sampled_types_.count(type) != 0; }

  // `top`: how many actors and pairs (0: all). `sources` > 1 prefixes actors with their file.
  void print(std::ostream& out, std::size_t top, std::size_t sources) const;
  nlohmann::json to_json(std::size_t top) const;

 private:
  actor_count& actor_slot(const actor_ref& a, std::size_t source);

  std::uint64_t records_ = 0, messages_ = 0, message_lines_ = 0;
  std::int64_t first_t_ = 0, last_t_ = 0;
  std::map<std::string, std::uint64_t> types_, events_, restarts_, terminations_;
  std::map<std::string, bool> sampled_types_;
  std::map<std::tuple<std::size_t, std::string, std::uint64_t>, actor_count> actors_;
  std::map<std::tuple<std::size_t, std::string, std::uint64_t, std::string, std::uint64_t>,
           pair_count>
      pairs_;
};

}  // namespace actorrent::msglog
