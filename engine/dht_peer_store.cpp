#include "engine/dht_peer_store.hpp"

#include <algorithm>

namespace actorrent {

dht_peer_store::dht_peer_store(dht_peer_store_config config, std::optional<std::uint64_t> seed)
    : config_(config), rng_(seed ? *seed : std::random_device{}()) {
  config_.max_peers_per_hash = std::max<std::size_t>(config_.max_peers_per_hash, 1);
}

bool dht_peer_store::expire_swarm(std::map<sha1_hash, std::vector<entry>>::iterator it,
                                  time_point now) {
  auto& list = it->second;
  const auto before = list.size();
  list.erase(
      std::remove_if(list.begin(), list.end(),
                     [&](const entry& e) { return now - e.announced >= config_.peer_lifetime; }),
      list.end());
  total_ -= before - list.size();
  if (!list.empty()) return true;
  swarms_.erase(it);
  return false;
}

void dht_peer_store::expire(time_point now) {
  for (auto it = swarms_.begin(); it != swarms_.end();) {
    auto next = std::next(it);
    expire_swarm(it, now);
    it = next;
  }
}

dht_peer_store::announce_result dht_peer_store::announce(const sha1_hash& info_hash,
                                                         const peer_address& peer, time_point now) {
  auto it = swarms_.find(info_hash);
  if (it != swarms_.end() && !expire_swarm(it, now)) it = swarms_.end();
  if (it != swarms_.end()) {
    auto& list = it->second;
    for (auto& e : list)
      if (e.peer == peer) {
        e.announced = now;
        return announce_result::refreshed;
      }
    if (list.size() >= config_.max_peers_per_hash) {
      auto oldest = std::min_element(list.begin(), list.end(), [](const entry& a, const entry& b) {
        return a.announced < b.announced;
      });
      *oldest = {peer, now};
      return announce_result::replaced;
    }
  }
  // A new peer, or a new info-hash: within the global bounds only.
  const bool new_hash = it == swarms_.end();
  if ((new_hash && swarms_.size() >= config_.max_info_hashes) ||
      total_ >= config_.max_total_peers) {
    expire(now);
    if (new_hash && swarms_.size() >= config_.max_info_hashes) return announce_result::refused;
    if (total_ >= config_.max_total_peers) return announce_result::refused;
    it = swarms_.find(info_hash);  // expire may have erased it
  }
  if (it == swarms_.end()) it = swarms_.emplace(info_hash, std::vector<entry>{}).first;
  it->second.push_back({peer, now});
  ++total_;
  return announce_result::added;
}

std::vector<peer_address> dht_peer_store::peers_for(const sha1_hash& info_hash, bool ipv6,
                                                    time_point now) {
  std::vector<peer_address> out;
  auto it = swarms_.find(info_hash);
  if (it == swarms_.end() || !expire_swarm(it, now)) return out;
  for (const auto& e : it->second)
    if (e.peer.v6 == ipv6) out.push_back(e.peer);
  if (out.size() > config_.max_reply) {
    // A partial Fisher-Yates shuffle: the first max_reply places get a uniform random choice.
    for (std::size_t i = 0; i < config_.max_reply; ++i) {
      std::uniform_int_distribution<std::size_t> pick(i, out.size() - 1);
      std::swap(out[i], out[pick(rng_)]);
    }
    out.resize(config_.max_reply);
  }
  return out;
}

std::size_t dht_peer_store::peer_count(const sha1_hash& info_hash) const {
  auto it = swarms_.find(info_hash);
  return it == swarms_.end() ? 0 : it->second.size();
}

}  // namespace actorrent
