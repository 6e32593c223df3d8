// The intensity limit of a supervisor (Erlang's MaxR in MaxT): at most `max_restarts`
// failures within any `window` are answered with a restart; the next one inside the window
// means the supervised group keeps failing, and the supervisor gives up on it.
#pragma once

#include <cstddef>
#include <deque>

#include "engine/engine_clock.hpp"

namespace actorrent {

class restart_budget {
 public:
  using time_point = engine_clock::time_point;

  restart_budget(std::size_t max_restarts, engine_clock::duration window)
      : max_(max_restarts), window_(window) {}

  // Records a failure at `now`; true when it may be answered with a restart.
  bool allow(time_point now) {
    while (!failures_.empty() && now - failures_.front() >= window_)
      failures_.pop_front();
    if (failures_.size() >= max_) return false;
    failures_.push_back(now);
    return true;
  }

  std::size_t max_restarts() const { return max_; }
  engine_clock::duration window() const { return window_; }

 private:
  std::size_t max_;
  engine_clock::duration window_;
  std::deque<time_point> failures_;  // restarts granted inside the window, oldest first
};

}  // namespace actorrent
