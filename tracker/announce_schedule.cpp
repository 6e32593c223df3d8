#include "tracker/announce_schedule.hpp"

#include <algorithm>

namespace actorrent {

void announce_schedule::start(clock::time_point now) {
  state_ = state::running;
  pending_ = announce_event::started;
  next_ = now;
}

void announce_schedule::succeeded(const announce_response& response, clock::time_point now) {
  failures_ = 0;
  last_success_ = now;
  if (pending_ == announce_event::started) announced_started_ = true;
  if (state_ == state::stopping) {
    state_ = state::finished;
    return;
  }
  interval_ = std::clamp(response.interval, config_.shortest_interval, config_.longest_interval);
  min_interval_ = std::min(response.min_interval.value_or(seconds{0}), interval_);
  pending_ = announce_event::none;
  next_ = now + interval_;
}

void announce_schedule::failed(clock::time_point now) {
  if (state_ == state::stopping) {
    // A stopped announce is a courtesy: one round, then we are done.
    state_ = state::finished;
    return;
  }
  auto backoff = config_.initial_backoff;
  for (int i = 0; i < failures_ && backoff < config_.max_backoff; ++i)
    backoff *= 2;
  ++failures_;
  next_ = now + std::min(backoff, config_.max_backoff);
}

void announce_schedule::completed(clock::time_point now) {
  if (state_ != state::running) return;
  // A "started" not yet heard stays pending: the tracker learns we are a seed from `left`.
  if (pending_ == announce_event::started) return;
  pending_ = announce_event::completed;
  if (failures_ == 0) next_ = std::min(next_, earliest(now));
}

void announce_schedule::want_peers(clock::time_point now) {
  if (state_ != state::running || failures_ > 0) return;
  next_ = std::min(next_, earliest(now));
}

void announce_schedule::stop(clock::time_point now) {
  if (state_ == state::idle || state_ == state::finished) return;
  if (!announced_started_) {
    state_ = state::finished;
    return;
  }
  state_ = state::stopping;
  pending_ = announce_event::stopped;
  next_ = now;
}

announce_schedule::clock::time_point announce_schedule::earliest(clock::time_point now) const {
  if (!last_success_) return now;
  return std::max(now, *last_success_ + min_interval_);
}

}  // namespace actorrent
