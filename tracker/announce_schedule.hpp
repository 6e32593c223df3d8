// When a torrent announces, and with which event: the decisions of the tracker actor, kept
// out of the actor so they are tested with a fake clock.
//
//   start ──▶ "started" now ──ok──▶ regular announces every `interval` ──▶ "completed" when
//     the download finishes (as soon as `min interval` allows) ──▶ "stopped" at shutdown
//   a failed round (every tracker of every tier failed) backs off exponentially, capped;
//   the pending event ("started", "completed") is kept until a tracker has heard it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "tracker/announce.hpp"

namespace actorrent {

class announce_schedule {
 public:
  using clock = std::chrono::steady_clock;
  using seconds = std::chrono::seconds;

  struct config {
    // Milliseconds so that tests of the backoff need not wait for seconds.
    std::chrono::milliseconds initial_backoff{15'000};
    std::chrono::milliseconds max_backoff{30 * 60'000};
    // Bounds on what a tracker may ask for: a hostile or broken tracker must not make us
    // announce every second, nor never again.
    seconds shortest_interval{30};
    seconds longest_interval{4 * 60 * 60};
  };

  explicit announce_schedule(config c) : config_(c) {}

  void start(clock::time_point now);
  // A tracker answered. `interval` and `min interval` set the pace from now on.
  void succeeded(const announce_response& response, clock::time_point now);
  // Every tracker failed in this round: back off.
  void failed(clock::time_point now);
  // The download finished: "completed" at the earliest moment `min interval` allows.
  void completed(clock::time_point now);
  // We need peers sooner than the regular interval (few connections).
  void want_peers(clock::time_point now);
  // Shutdown: "stopped" now, if any tracker ever heard "started" from us; else nothing.
  void stop(clock::time_point now);

  bool active() const { return state_ != state::idle && state_ != state::finished; }
  // The event of the next announce, and when it is due (only while active()).
  announce_event next_event() const { return pending_; }
  clock::time_point next_time() const { return next_; }
  int consecutive_failures() const { return failures_; }

 private:
  enum class state { idle, running, stopping, finished };
  clock::time_point earliest(clock::time_point now) const;

  config config_;
  state state_ = state::idle;
  announce_event pending_ = announce_event::none;
  bool announced_started_ = false;
  clock::time_point next_{};
  std::optional<clock::time_point> last_success_;
  seconds interval_{1800};
  seconds min_interval_{0};
  int failures_ = 0;
};

}  // namespace actorrent
