#include "engine/dht_search_schedule.hpp"

#include <algorithm>

namespace actorrent {

bool dht_search_schedule::add(const sha1_hash& info_hash, time_point now) {
  return entries_.emplace(info_hash, entry{now, false, false, 0}).second;
}

void dht_search_schedule::remove(const sha1_hash& info_hash) {
  entries_.erase(info_hash);
}

std::vector<sha1_hash> dht_search_schedule::take_due(time_point now, std::size_t max) {
  std::vector<sha1_hash> out;
  for (auto& [hash, e] : entries_) {
    if (out.size() >= max) break;
    if (e.running || e.due > now) continue;
    e.running = true;
    out.push_back(hash);
  }
  return out;
}

void dht_search_schedule::finished(const sha1_hash& info_hash, std::size_t peers,
                                   bool asked_anybody, time_point now) {
  auto it = entries_.find(info_hash);
  if (it == entries_.end()) return;
  auto& e = it->second;
  e.running = false;
  e.starved = !asked_anybody;
  if (peers >= config_.enough_peers) {
    e.lean_in_a_row = 0;
    e.due = now + config_.interval;
    return;
  }
  // first_retry << lean_in_a_row, without overflowing: the cap is reached within 20 doublings
  // for any interval a config allows.
  auto delay = config_.first_retry;
  for (std::uint32_t i = 0; i < e.lean_in_a_row && delay < config_.interval; ++i)
    delay *= 2;
  e.lean_in_a_row = std::min<std::uint32_t>(e.lean_in_a_row + 1, 64);
  e.due = now + std::min(delay, config_.interval);
}

void dht_search_schedule::nodes_available(time_point now) {
  for (auto& [hash, e] : entries_)
    if (e.starved && !e.running) {
      e.starved = false;
      e.due = now;
    }
}

std::optional<dht_search_schedule::time_point> dht_search_schedule::next_due(
    const sha1_hash& info_hash) const {
  auto it = entries_.find(info_hash);
  if (it == entries_.end()) return std::nullopt;
  return it->second.due;
}

bool dht_search_schedule::running(const sha1_hash& info_hash) const {
  auto it = entries_.find(info_hash);
  return it != entries_.end() && it->second.running;
}

}  // namespace actorrent
