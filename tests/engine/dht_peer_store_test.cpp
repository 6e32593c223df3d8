#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "engine/dht_peer_store.hpp"

// Named: the file shares a unity batch with other tests.
namespace dht_peer_store_test {

using namespace actorrent;
using namespace std::chrono_literals;
using result = dht_peer_store::announce_result;

namespace {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::hours(1000);

sha1_hash hash_of(std::uint8_t b) {
  sha1_hash h;
  h.bytes.fill(b);
  return h;
}

peer_address peer(std::uint32_t n, std::uint16_t port = 6881) {
  return peer_address::v4_address({30, static_cast<std::uint8_t>(n >> 16),
                                   static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)},
                                  port);
}

}  // namespace

TEST_CASE("announced peers are answered, refreshed, and expire after 30 minutes",
          "[dht_peer_store]") {
  dht_peer_store store({}, 1);
  const auto h = hash_of(1);
  CHECK(store.announce(h, peer(1), t0) == result::added);
  CHECK(store.announce(h, peer(2), t0 + 10min) == result::added);
  CHECK(store.announce(h, peer(1, 7000), t0 + 10min) == result::added);  // another port: a peer
  CHECK(store.size() == 3);
  CHECK(store.peers_for(h, false, t0 + 10min).size() == 3);
  CHECK(store.peers_for(hash_of(2), false, t0).empty());
  CHECK(store.peers_for(h, true, t0).empty());  // no IPv6 peers

  CHECK(store.peers_for(h, false, t0 + 30min).size() == 2);  // peer 1 expired
  CHECK(store.size() == 2);
  CHECK(store.announce(h, peer(2), t0 + 35min) == result::refreshed);
  auto left = store.peers_for(h, false, t0 + 40min + 1s);  // peer(1, 7000) expired at 40 min
  CHECK(left == std::vector<peer_address>{peer(2)});
  store.expire(t0 + 65min);
  CHECK(store.size() == 0);
  CHECK(store.info_hash_count() == 0);
}

TEST_CASE("answers keep to the asker's address family", "[dht_peer_store]") {
  dht_peer_store store({}, 2);
  const auto h = hash_of(3);
  const auto v6 = *peer_address::parse_ip("2001:db8::5", 51413);
  store.announce(h, peer(1), t0);
  store.announce(h, v6, t0);
  CHECK(store.peers_for(h, false, t0) == std::vector<peer_address>{peer(1)});
  CHECK(store.peers_for(h, true, t0) == std::vector<peer_address>{v6});
}

TEST_CASE("a full info-hash replaces its oldest announce", "[dht_peer_store]") {
  dht_peer_store_config cfg;
  cfg.max_peers_per_hash = 5;
  dht_peer_store store(cfg, 3);
  const auto h = hash_of(4);
  for (std::uint32_t i = 0; i < 5; ++i)
    CHECK(store.announce(h, peer(i), t0 + std::chrono::seconds(i)) == result::added);
  CHECK(store.announce(h, peer(99), t0 + 1min) == result::replaced);
  CHECK(store.peer_count(h) == 5);
  const auto reply = store.peers_for(h, false, t0 + 1min);
  const std::set<peer_address> now(reply.begin(), reply.end());
  CHECK(now.count(peer(0)) == 0);  // the oldest went
  CHECK(now.count(peer(99)) == 1);
}

TEST_CASE("the totals are bounded: new info-hashes and peers are refused when full",
          "[dht_peer_store]") {
  dht_peer_store_config cfg;
  cfg.max_info_hashes = 3;
  cfg.max_total_peers = 10;
  dht_peer_store store(cfg, 4);
  for (std::uint8_t h = 0; h < 3; ++h)
    CHECK(store.announce(hash_of(h), peer(h), t0) == result::added);
  CHECK(store.announce(hash_of(9), peer(9), t0) == result::refused);
  CHECK(store.info_hash_count() == 3);
  for (std::uint32_t i = 10; i < 17; ++i)
    CHECK(store.announce(hash_of(0), peer(i), t0 + 1min) == result::added);
  CHECK(store.size() == 10);
  CHECK(store.announce(hash_of(1), peer(50), t0 + 1min) == result::refused);
  CHECK(store.announce(hash_of(0), peer(10), t0 + 2min) == result::refreshed);  // still fine
  // Once the first announces expire there is room again.
  CHECK(store.announce(hash_of(9), peer(9), t0 + 30min) == result::added);
  CHECK(store.size() == 8);
  CHECK(store.info_hash_count() == 2);
  CHECK(store.peer_count(hash_of(1)) == 0);
}

TEST_CASE("large swarms are answered with a bounded, varying random subset", "[dht_peer_store]") {
  dht_peer_store store({}, 5);
  const auto h = hash_of(7);
  for (std::uint32_t i = 0; i < 200; ++i)
    store.announce(h, peer(i), t0);
  std::map<peer_address, int> times;
  for (int round = 0; round < 200; ++round) {
    const auto reply = store.peers_for(h, false, t0 + 1min);
    REQUIRE(reply.size() == 50);
    CHECK(std::set<peer_address>(reply.begin(), reply.end()).size() == 50);  // no repeats
    for (const auto& p : reply)
      ++times[p];
  }
  // Every peer shows up, about 50 times each (200 rounds × 50 / 200 peers).
  CHECK(times.size() == 200);
  for (const auto& [p, n] : times) {
    CHECK(n > 20);
    CHECK(n < 90);
  }
}

}  // namespace dht_peer_store_test
