#include "engine/restart_policy.hpp"

#include <algorithm>

namespace actorrent {

restart_policy::restart_policy(restart_policy_config config) : config_(config) {
  config_.initial_delay = std::max(config_.initial_delay, engine_clock::duration::zero());
  config_.max_delay = std::max(config_.max_delay, config_.initial_delay);
  config_.max_keys = std::max<std::size_t>(1, config_.max_keys);
}

restart_policy::entry* restart_policy::find(const std::string& key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &*it->second;
}

restart_policy::entry& restart_policy::touch(const std::string& key) {
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return lru_.front();
  }
  if (index_.size() >= config_.max_keys) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(entry{});
  lru_.front().key = key;
  index_.emplace(key, lru_.begin());
  return lru_.front();
}

void restart_policy::forget(const std::string& key) {
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
}

void restart_policy::prune(entry& e, time_point now) const {
  while (!e.endings.empty() && now - e.endings.front() >= config_.window)
    e.endings.pop_front();
}

engine_clock::duration restart_policy::backoff(std::uint32_t n) const {
  auto d = config_.initial_delay;
  // Doubling with a check instead of a shift: no overflow however long the run.
  for (std::uint32_t i = 1; i < n && d < config_.max_delay; ++i) {
    d = d > config_.max_delay / 2 ? config_.max_delay : d * 2;
  }
  return std::min(d, config_.max_delay);
}

restart_decision restart_policy::on_abnormal_exit(const std::string& key, time_point now) {
  auto& e = touch(key);
  restart_decision d;
  if (e.dropped_until) {
    if (now < *e.dropped_until) {
      d.action = restart_decision::kind::give_up;
      d.drop_until = *e.dropped_until;
      return d;
    }
    e = entry{e.key, {}, 0, std::nullopt, std::nullopt};
  }
  prune(e, now);
  if (e.up_since && now - *e.up_since >= config_.stable_period) e.consecutive = 0;
  e.up_since.reset();

  if (e.endings.size() >= config_.max_restarts) {
    e.endings.clear();
    e.consecutive = 0;
    e.dropped_until = now + config_.drop_duration;
    d.action = restart_decision::kind::give_up;
    d.drop_until = *e.dropped_until;
    return d;
  }
  e.endings.push_back(now);
  ++e.consecutive;
  d.delay = backoff(e.consecutive);
  return d;
}

void restart_policy::on_normal_exit(const std::string& key, time_point now) {
  auto e = find(key);
  if (!e) return;
  e->up_since.reset();
  prune(*e, now);
  bool dropped = e->dropped_until && now < *e->dropped_until;
  if (e->endings.empty() && !dropped) forget(key);
}

void restart_policy::on_success(const std::string& key, time_point now) {
  // A key without failures has nothing to reset: remembering it would only cost memory.
  if (auto e = find(key)) e->up_since = now;
}

std::optional<restart_policy::time_point> restart_policy::dropped_until(const std::string& key,
                                                                        time_point now) const {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  const auto& e = *it->second;
  if (e.dropped_until && now < *e.dropped_until) return e.dropped_until;
  return std::nullopt;
}

std::uint32_t restart_policy::consecutive_failures(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? 0 : it->second->consecutive;
}

}  // namespace actorrent
