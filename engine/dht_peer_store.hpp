// The peers other nodes announced to us (BEP 5 announce_peer), by info-hash, and what a
// get_peers answer says about them.
//
// An announce lasts 30 minutes (clients re-announce every 15 to 30); a re-announce refreshes
// it. Everything is bounded, since anyone with a valid token may announce: per info-hash (the
// oldest announce gives way to a new one, so a swarm's list stays current), in info-hashes
// and in total (new ones are refused when full, after expired entries are dropped, so an
// attacker cannot flush what honest peers announced). An answer is a random subset, so that
// different askers learn of different peers and no peer is always left out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "engine/engine_clock.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

struct dht_peer_store_config {
  engine_clock::duration peer_lifetime = std::chrono::minutes(30);
  std::size_t max_peers_per_hash = 200;
  std::size_t max_info_hashes = 2000;
  std::size_t max_total_peers = 20000;  // about 1 MB at most
  // Peers in one get_peers answer: 50 IPv6 values (20 bytes each encoded) plus the rest of
  // the message stay well inside a 1500-byte datagram.
  std::size_t max_reply = 50;
};

class dht_peer_store {
 public:
  using time_point = engine_clock::time_point;

  explicit dht_peer_store(dht_peer_store_config config = {},
                          std::optional<std::uint64_t> seed = std::nullopt);

  enum class announce_result : std::uint8_t {
    added,
    refreshed,  // already stored: its time is renewed
    replaced,   // the info-hash was full: its oldest announce gave way
    refused,    // too many info-hashes or peers in total
  };
  // Stores `peer` (the announcer's IP with the announced or implied port) for `info_hash`.
  announce_result announce(const sha1_hash& info_hash, const peer_address& peer, time_point now);

  // At most max_reply live peers of the info-hash of one address family (a get_peers
  // answer carries the family it was asked over, BEP 32), a random subset when there are more.
  std::vector<peer_address> peers_for(const sha1_hash& info_hash, bool ipv6, time_point now);

  // Drops every announce older than peer_lifetime.
  void expire(time_point now);

  std::size_t size() const { return total_; }
  std::size_t info_hash_count() const { return swarms_.size(); }
  std::size_t peer_count(const sha1_hash& info_hash) const;

 private:
  struct entry {
    peer_address peer;
    time_point announced;
  };
  // Drops the expired entries of one swarm; erases the swarm when empty. Returns whether it
  // is still there.
  bool expire_swarm(std::map<sha1_hash, std::vector<entry>>::iterator it, time_point now);

  dht_peer_store_config config_;
  std::mt19937_64 rng_;
  std::map<sha1_hash, std::vector<entry>> swarms_;
  std::size_t total_ = 0;
};

}  // namespace actorrent
