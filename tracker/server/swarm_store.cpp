#include "tracker/server/swarm_store.hpp"

#include <algorithm>

namespace actorrent::server {

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

bool same_ip(const peer_address& a, const peer_address& b) {
  return a.v6 == b.v6 && a.ip == b.ip;
}

}  // namespace

swarm_store::swarm_store(swarm_config config, std::uint64_t seed)
    : config_(std::move(config)), hash_key_(siphash_key::random()), rng_(seed) {}

bool swarm_store::allowed(const sha1_hash& info_hash) const {
  return !config_.allow || config_.allow->count(info_hash) > 0;
}

bool swarm_store::expired(const endpoint& e, tracker_clock::time_point now) const {
  return now - e.last_seen >= 2 * config_.interval;
}

void swarm_store::set_left(swarm& s, peer_entry& p, std::int64_t left) {
  const bool was_seeder = p.left == 0;
  const bool is_seeder = left == 0;
  p.left = left;
  if (was_seeder == is_seeder) return;
  if (is_seeder) {
    ++s.seeders;
    ++seeders_;
  } else {
    --s.seeders;
    --seeders_;
  }
}

void swarm_store::remove_peer(swarm& s, std::size_t i) {
  if (s.peers[i].left == 0) {
    --s.seeders;
    --seeders_;
  }
  s.index.erase(s.peers[i].peer_id);
  if (i + 1 != s.peers.size()) {
    s.peers[i] = std::move(s.peers.back());
    s.index[s.peers[i].peer_id] = i;
  }
  s.peers.pop_back();
  --peers_;
}

expected<announce_reply, std::string> swarm_store::announce(const announce_input& in,
                                                            tracker_clock::time_point now) {
  ++announces_;
  announce_rate_.add(now);
  const auto& req = in.request;
  auto refuse = [this](std::string why) {
    ++refused_;
    return make_unexpected(std::move(why));
  };
  if (!allowed(req.info_hash)) return refuse("info-hash not allowed");

  announce_reply reply;
  reply.interval = config_.interval;
  reply.min_interval = config_.min_interval;
  const bool stopping = req.event == announce_event::stopped;

  auto sit = swarms_.find(req.info_hash);
  if (sit == swarms_.end()) {
    // A stop for a swarm we never saw needs no state; creating one would let stray stops
    // fill the swarm table.
    if (stopping) return reply;
    // Checked here too so that a full tracker does not collect empty swarms.
    if (peers_ >= config_.max_peers)
      return refuse("tracker full: too many peers (limit " + std::to_string(config_.max_peers) +
                    ")");
    if (swarms_.size() >= config_.max_swarms)
      return refuse("tracker full: too many torrents (limit " + std::to_string(config_.max_swarms) +
                    ")");
    sit = swarms_.emplace(req.info_hash, swarm(hash_key_)).first;
  }
  swarm& s = sit->second;
  const bool v6 = in.source.v6;

  std::size_t self = npos;
  auto pit = s.index.find(req.peer_id);
  if (pit != s.index.end()) {
    self = pit->second;
    peer_entry& p = s.peers[self];
    const auto& slot = v6 ? p.v6 : p.v4;
    const bool from_known_ip = slot && same_ip(slot->address, in.source);
    if (!from_known_ip && req.key != p.key)
      return refuse("peer_id already in use from another address (key mismatch)");
    if (stopping) {
      (v6 ? p.v6 : p.v4).reset();
      if (!p.v4 && !p.v6) remove_peer(s, self);
      reply.complete = static_cast<std::int64_t>(s.seeders);
      reply.incomplete = static_cast<std::int64_t>(s.peers.size() - s.seeders);
      reply.downloaded = s.downloaded;
      return reply;
    }
  } else if (!stopping) {
    if (s.peers.size() >= config_.max_peers_per_swarm)
      return refuse("swarm full: too many peers (limit " +
                    std::to_string(config_.max_peers_per_swarm) + ")");
    if (peers_ >= config_.max_peers)
      return refuse("tracker full: too many peers (limit " + std::to_string(config_.max_peers) +
                    ")");
    peer_entry p;
    p.peer_id = req.peer_id;
    p.key = req.key;
    p.left = -1;  // not a seeder until set_left says so, keeping the counters consistent
    s.peers.push_back(std::move(p));
    self = s.peers.size() - 1;
    s.index.emplace(req.peer_id, self);
    ++peers_;
  }

  if (self != npos) {
    peer_entry& p = s.peers[self];
    (v6 ? p.v6 : p.v4) = endpoint{in.source, now};
    // A negative left ("unknown", sent by some clients before they have metadata) counts
    // as a leecher.
    set_left(s, p, req.left);
    if (req.event == announce_event::completed && !p.counted_completed) {
      p.counted_completed = true;
      ++s.downloaded;
    }
  }

  reply.complete = static_cast<std::int64_t>(s.seeders);
  reply.incomplete = static_cast<std::int64_t>(s.peers.size() - s.seeders);
  reply.downloaded = s.downloaded;
  if (!stopping) {
    std::int32_t want = req.numwant < 0 ? config_.numwant_default : req.numwant;
    want = std::min(want, config_.numwant_max);
    reply.peers = pick_peers(s, self, static_cast<std::size_t>(std::max(want, 0)), in.want, now);
  }
  return reply;
}

std::vector<swarm_peer> swarm_store::pick_peers(const swarm& s, std::size_t self,
                                                std::size_t want_count, address_family family,
                                                tracker_clock::time_point now) {
  std::vector<swarm_peer> out;
  const std::size_t n = s.peers.size();
  if (want_count == 0 || n == 0) return out;

  auto usable = [&](const std::optional<endpoint>& e) { return e && !expired(*e, now); };
  auto eligible = [&](std::size_t i) {
    if (i == self) return false;
    const auto& p = s.peers[i];
    switch (family) {
      case address_family::v4:
        return usable(p.v4);
      case address_family::v6:
        return usable(p.v6);
      case address_family::any:
        return usable(p.v4) || usable(p.v6);
    }
    return false;
  };
  auto emit = [&](std::size_t i) {
    const auto& p = s.peers[i];
    if (family != address_family::v6 && usable(p.v4)) out.push_back({p.v4->address, p.peer_id});
    if (family != address_family::v4 && usable(p.v6)) out.push_back({p.v6->address, p.peer_id});
  };

  const std::size_t others = n - (self == npos ? 0 : 1);
  if (others <= want_count) {
    for (std::size_t i = 0; i < n; ++i)
      if (eligible(i)) emit(i);
    return out;
  }

  // Uniform picks while they keep hitting; the walk from a random start afterwards bounds
  // the cost when most entries are ineligible (wrong family, expired).
  std::vector<bool> taken(n, false);
  std::size_t picked = 0;
  std::uniform_int_distribution<std::size_t> dist(0, n - 1);
  for (std::size_t tries = 0; picked < want_count && tries < 4 * want_count + 32; ++tries) {
    const std::size_t i = dist(rng_);
    if (taken[i] || !eligible(i)) continue;
    taken[i] = true;
    ++picked;
    emit(i);
  }
  const std::size_t start = dist(rng_);
  for (std::size_t k = 0; k < n && picked < want_count; ++k) {
    const std::size_t i = (start + k) % n;
    if (taken[i] || !eligible(i)) continue;
    taken[i] = true;
    ++picked;
    emit(i);
  }
  return out;
}

scrape_entry swarm_store::entry_for(const sha1_hash& h, const swarm& s) const {
  scrape_entry e;
  e.info_hash = h;
  e.complete = static_cast<std::int64_t>(s.seeders);
  e.incomplete = static_cast<std::int64_t>(s.peers.size() - s.seeders);
  e.downloaded = s.downloaded;
  return e;
}

std::vector<scrape_entry> swarm_store::scrape(const std::vector<sha1_hash>& hashes,
                                              tracker_clock::time_point now) {
  ++scrapes_;
  scrape_rate_.add(now);
  std::vector<scrape_entry> out;
  out.reserve(hashes.size());
  for (const auto& h : hashes) {
    auto it = swarms_.find(h);
    if (it != swarms_.end() && allowed(h)) {
      out.push_back(entry_for(h, it->second));
    } else {
      scrape_entry e;
      e.info_hash = h;
      out.push_back(e);
    }
  }
  return out;
}

std::vector<scrape_entry> swarm_store::scrape_all(tracker_clock::time_point now) {
  ++scrapes_;
  scrape_rate_.add(now);
  std::vector<scrape_entry> out;
  out.reserve(std::min(swarms_.size(), config_.scrape_all_max));
  for (const auto& [h, s] : swarms_) {
    if (out.size() >= config_.scrape_all_max) break;
    out.push_back(entry_for(h, s));
  }
  return out;
}

std::size_t swarm_store::expire(tracker_clock::time_point now, std::size_t budget) {
  std::size_t removed = 0;
  std::size_t work = 0;
  if (swarms_.empty()) return 0;
  auto it = sweep_swarm_ ? swarms_.lower_bound(*sweep_swarm_) : swarms_.begin();
  if (it == swarms_.end()) {
    it = swarms_.begin();
    sweep_peer_ = 0;
  }
  // Each swarm is visited at most once per call, so a call never loops on its own output.
  for (std::size_t visited = 0, total = swarms_.size(); visited < total; ++visited) {
    swarm& s = it->second;
    std::size_t i = (sweep_swarm_ && *sweep_swarm_ == it->first) ? sweep_peer_ : 0;
    ++work;  // visiting a swarm costs something even when it is empty
    while (i < s.peers.size() && work < budget) {
      ++work;
      peer_entry& p = s.peers[i];
      if (p.v4 && expired(*p.v4, now)) p.v4.reset();
      if (p.v6 && expired(*p.v6, now)) p.v6.reset();
      if (!p.v4 && !p.v6) {
        remove_peer(s, i);  // the last entry moved into i: look at i again
        ++removed;
      } else {
        ++i;
      }
    }
    if (i < s.peers.size()) {  // out of budget inside this swarm
      sweep_swarm_ = it->first;
      sweep_peer_ = i;
      return removed;
    }
    auto next = std::next(it);
    if (s.peers.empty() && !(config_.allow && config_.allow->count(it->first))) swarms_.erase(it);
    if (next == swarms_.end()) next = swarms_.begin();
    if (swarms_.empty()) {
      sweep_swarm_.reset();
      return removed;
    }
    sweep_swarm_ = next->first;
    sweep_peer_ = 0;
    it = next;
    if (work >= budget) return removed;
  }
  return removed;
}

tracker_stats swarm_store::stats(tracker_clock::time_point now) const {
  tracker_stats st;
  st.swarms = swarms_.size();
  st.peers = peers_;
  st.seeders = seeders_;
  st.leechers = peers_ - seeders_;
  st.announces = announces_;
  st.scrapes = scrapes_;
  st.refused = refused_;
  st.announces_per_second = announce_rate_.per_second(now);
  st.scrapes_per_second = scrape_rate_.per_second(now);
  return st;
}

}  // namespace actorrent::server
