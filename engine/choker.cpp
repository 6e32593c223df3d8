#include "engine/choker.hpp"

#include <algorithm>

namespace actorrent {

choker::choker(choker_config config, std::uint64_t seed) : config_(config) {
  if (config_.new_peer_weight == 0) config_.new_peer_weight = 1;
  if (seed == 0) {
    std::random_device rd;
    seed = (std::uint64_t{rd()} << 32) | rd();
  }
  rng_.seed(seed);
}

bool choker::add_peer(peer_key peer, time_point now) {
  peer_state p;
  p.connected_at = now;
  return peers_.emplace(peer, p).second;
}

void choker::remove_peer(peer_key peer) {
  peers_.erase(peer);
}

void choker::set_interested(peer_key peer, bool interested) {
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.interested = interested;
}

void choker::set_snubbed(peer_key peer, bool snubbed) {
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.snubbed = snubbed;
}

void choker::set_rates(peer_key peer, double download_rate, double upload_rate) {
  // A NaN would break the strict weak ordering the ranking sorts by.
  auto sane = [](double r) { return r > 0.0 ? r : 0.0; };
  if (auto it = peers_.find(peer); it != peers_.end()) {
    it->second.download_rate = sane(download_rate);
    it->second.upload_rate = sane(upload_rate);
  }
}

std::uint64_t choker::weight(const peer_state& p, time_point now) const {
  return now - p.connected_at < config_.new_peer_age ? config_.new_peer_weight : 1;
}

choke_decision choker::rechoke(time_point now, bool seeding) {
  next_rechoke_ = now + config_.rechoke_interval;

  // Regular slots.
  struct ranked {
    double rate;
    bool unchoked;
    peer_key key;
    peer_state* peer;
  };
  std::vector<ranked> eligible;
  for (auto& [key, p] : peers_) {
    p.regular = false;
    if (p.interested && !p.snubbed) {
      eligible.push_back({seeding ? p.upload_rate : p.download_rate, !p.choked, key, &p});
    }
  }
  auto regular_count = std::min(config_.upload_slots, eligible.size());
  std::partial_sort(eligible.begin(), eligible.begin() + static_cast<std::ptrdiff_t>(regular_count),
                    eligible.end(), [](const ranked& a, const ranked& b) {
                      if (a.rate != b.rate) return a.rate > b.rate;
                      if (a.unchoked != b.unchoked) return a.unchoked;
                      return a.key < b.key;
                    });
  for (std::size_t i = 0; i < regular_count; ++i)
    eligible[i].peer->regular = true;

  // Optimistic slots: kept until the rotation is due, unless the holder no longer fits.
  bool rotate = now >= next_rotation_;
  if (rotate) next_rotation_ = now + config_.optimistic_interval;
  struct candidate {
    peer_state* peer;
    std::uint64_t weight;
  };
  std::vector<candidate> others;
  std::vector<candidate> rotated_out;
  std::size_t taken = 0;
  for (auto& [key, p] : peers_) {
    bool fits = p.interested && !p.regular;
    bool was_optimistic = p.optimistic;
    p.optimistic = false;
    if (!fits) continue;
    if (!was_optimistic) {
      others.push_back({&p, weight(p, now)});
    } else if (rotate) {
      rotated_out.push_back({&p, weight(p, now)});
    } else {
      p.optimistic = true;
      ++taken;
    }
  }
  auto draw = [&](std::vector<candidate>& pool) {
    std::uint64_t total = 0;
    for (const auto& c : pool)
      total += c.weight;
    while (taken < config_.optimistic_slots && !pool.empty()) {
      auto r = rng_() % total;
      auto it = pool.begin();
      while (r >= it->weight)
        r -= (it++)->weight;
      it->peer->optimistic = true;
      ++taken;
      total -= it->weight;
      pool.erase(it);
    }
  };
  draw(others);
  // Only when nobody else can take a slot does a rotated-out peer keep one: choking it for
  // an empty slot would just make it wait for the next rechoke.
  draw(rotated_out);

  choke_decision d;
  for (auto& [key, p] : peers_) {
    bool unchoke = p.regular || p.optimistic;
    if (unchoke && p.choked) d.unchoke.push_back(key);
    if (!unchoke && !p.choked) d.choke.push_back(key);
    p.choked = !unchoke;
  }
  return d;
}

bool choker::is_choked(peer_key peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() || it->second.choked;
}

bool choker::is_optimistic(peer_key peer) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && it->second.optimistic;
}

std::vector<peer_key> choker::unchoked() const {
  std::vector<peer_key> out;
  for (const auto& [key, p] : peers_) {
    if (!p.choked) out.push_back(key);
  }
  return out;
}

std::vector<peer_key> choker::optimistic() const {
  std::vector<peer_key> out;
  for (const auto& [key, p] : peers_) {
    if (p.optimistic) out.push_back(key);
  }
  return out;
}

}  // namespace actorrent
