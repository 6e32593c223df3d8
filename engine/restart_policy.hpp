// The restart policy of the peer supervisor (DESIGN.md, principle 3). CAF has no
// supervisor type; this class is the whole policy and the torrent actor only carries it
// out: on a peer actor's down message it asks here, then reconnects after the delay or
// drops the address.
//
// THE POLICY, per key (a peer address):
//  - A normal ending (the remote closed, the peer was not useful, we closed it) is not a
//    restart: no reconnect, no backoff, nothing counted. An abnormal ending (connect
//    failure, timeout, protocol error, crash) is answered with a restart or a give-up.
//  - Restart after an exponential backoff: initial_delay × 2^(n−1) for the n-th abnormal
//    ending in a row, capped at max_delay (2 s, 4 s, 8 s, … 120 s by default).
//  - At most max_restarts (R, 5) restarts for abnormal endings within any window (W,
//    120 s): the ending that would be restart R+1 inside the window — counted back from
//    it, endings exactly W earlier no longer count — gives up instead: the address is
//    dropped for drop_duration (15 min) and must not be reconnected until then (ask
//    dropped_until()). When the drop ends the address starts over with a clean slate.
//  - The backoff starts over after a stable connection: the supervisor reports
//    on_success() when a connection is established (handshake done); an abnormal ending at
//    least stable_period (60 s) after that resets the run to n = 1. An ending sooner than
//    that — a peer that accepts and then fails at once — keeps backing off. The restarts
//    counted in the window are not reset by success: a peer that crashes every minute
//    after a good start still exhausts its budget.
//  - Memory is bounded: at most max_keys addresses are remembered, each with at most R
//    ending times; the least recently touched one is forgotten first (even a dropped one:
//    under that much churn an early retry is the lesser evil), and an address whose normal
//    ending leaves nothing recent to remember is forgotten at once.
// No jitter: reconnects of different peers are already spread by their own histories.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/engine_clock.hpp"

namespace actorrent {

struct restart_policy_config {
  engine_clock::duration initial_delay = std::chrono::seconds{2};
  engine_clock::duration max_delay = std::chrono::seconds{120};  // at least initial_delay
  std::size_t max_restarts = 5;                                  // R; 0 never restarts
  engine_clock::duration window = std::chrono::seconds{120};     // W
  engine_clock::duration drop_duration = std::chrono::minutes{15};
  engine_clock::duration stable_period = std::chrono::seconds{60};
  std::size_t max_keys = 4096;  // at least 1
};

struct restart_decision {
  enum class kind { restart, give_up };
  kind action = kind::restart;
  engine_clock::duration delay{};         // restart: reconnect this long after the ending
  engine_clock::time_point drop_until{};  // give_up: no reconnect before this

  bool restart() const { return action == kind::restart; }
};

class restart_policy {
 public:
  using time_point = engine_clock::time_point;

  explicit restart_policy(restart_policy_config config = {});

  restart_decision on_abnormal_exit(const std::string& key, time_point now);
  void on_normal_exit(const std::string& key, time_point now);
  void on_success(const std::string& key, time_point now);
  void forget(const std::string& key);

  // When the key may be connected again; nullopt when it is not dropped at `now`.
  std::optional<time_point> dropped_until(const std::string& key, time_point now) const;
  // The length of the current run of abnormal endings (what the next delay grows from).
  std::uint32_t consecutive_failures(const std::string& key) const;
  std::size_t size() const { return index_.size(); }
  const restart_policy_config& config() const { return config_; }

 private:
  struct entry {
    std::string key;
    std::deque<time_point> endings;  // abnormal, inside the window, at most R
    std::uint32_t consecutive = 0;
    std::optional<time_point> up_since;
    std::optional<time_point> dropped_until;
  };
  using entry_list = std::list<entry>;

  entry* find(const std::string& key);
  entry& touch(const std::string& key);
  void prune(entry& e, time_point now) const;
  engine_clock::duration backoff(std::uint32_t n) const;

  restart_policy_config config_;
  entry_list lru_;  // most recently touched first
  std::unordered_map<std::string, entry_list::iterator> index_;
};

}  // namespace actorrent
