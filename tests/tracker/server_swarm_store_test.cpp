#include <catch2/catch.hpp>

#include <set>

#include "tracker/server/swarm_store.hpp"

// Named: the file shares a unity batch with other tests.
namespace server_swarm_store_test {

using namespace actorrent;
using namespace actorrent::server;
using namespace std::chrono_literals;

namespace {

sha1_hash hash_of(int n, std::uint8_t tag = 0xAA) {
  sha1_hash h;
  h.bytes.fill(tag);
  h.bytes[0] = static_cast<std::uint8_t>(n & 0xff);
  h.bytes[1] = static_cast<std::uint8_t>(n >> 8);
  return h;
}

peer_address v4(int n, std::uint16_t port = 6881) {
  return peer_address::v4_address(
      {10, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 0xff)}, port);
}

announce_input input(const sha1_hash& info_hash, int peer, std::int64_t left = 100,
                     announce_event event = announce_event::none) {
  announce_input in;
  in.request.info_hash = info_hash;
  in.request.peer_id = hash_of(peer, 0x11);
  in.request.port = 6881;
  in.request.left = left;
  in.request.event = event;
  in.source = v4(peer);
  return in;
}

const tracker_clock::time_point t0 = tracker_clock::time_point(1000h);

swarm_config small_config() {
  swarm_config c;
  c.interval = 10s;
  c.min_interval = 5s;
  return c;
}

bool has_peer(const announce_reply& r, const peer_address& a) {
  for (const auto& p : r.peers)
    if (p.address == a) return true;
  return false;
}

}  // namespace

TEST_CASE("swarm store: peers see each other, never themselves", "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  auto a = store.announce(input(ih, 1, 100, announce_event::started), t0);
  REQUIRE(a);
  CHECK(a->peers.empty());
  CHECK(a->interval == 10s);
  CHECK(a->min_interval == 5s);
  CHECK(a->incomplete == 1);
  auto b = store.announce(input(ih, 2, 0, announce_event::started), t0);
  REQUIRE(b);
  REQUIRE(b->peers.size() == 1);
  CHECK(b->peers[0].address == v4(1));
  CHECK(b->peers[0].peer_id == hash_of(1, 0x11));
  CHECK(b->complete == 1);
  CHECK(b->incomplete == 1);
  auto a2 = store.announce(input(ih, 1), t0 + 1s);
  REQUIRE(a2);
  REQUIRE(a2->peers.size() == 1);
  CHECK(a2->peers[0].address == v4(2));
}

TEST_CASE("swarm store: seeders are peers with left == 0, tracked as left changes",
          "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  REQUIRE(store.announce(input(ih, 1, 0), t0));
  REQUIRE(store.announce(input(ih, 2, 50), t0));
  REQUIRE(store.announce(input(ih, 3, 50), t0));
  auto st = store.stats(t0);
  CHECK(st.seeders == 1);
  CHECK(st.leechers == 2);
  auto r = store.announce(input(ih, 2, 0, announce_event::completed), t0 + 1s);
  REQUIRE(r);
  CHECK(r->complete == 2);
  CHECK(r->incomplete == 1);
  // A seeder that starts over (deleted its data) becomes a leecher again.
  r = store.announce(input(ih, 1, 10), t0 + 2s);
  REQUIRE(r);
  CHECK(r->complete == 1);
  CHECK(r->incomplete == 2);
  // Unknown left (-1, before metadata) counts as a leecher.
  r = store.announce(input(ih, 4, -1), t0 + 2s);
  REQUIRE(r);
  CHECK(r->incomplete == 3);
}

TEST_CASE("swarm store: a peer expires after 2 x interval without an announce",
          "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  REQUIRE(store.announce(input(ih, 1), t0));
  REQUIRE(store.announce(input(ih, 2), t0 + 5s));

  CHECK(store.expire(t0 + 19s) == 0);
  CHECK(store.stats(t0 + 19s).peers == 2);
  CHECK(store.expire(t0 + 20s) == 1);  // peer 1, last seen at t0
  CHECK(store.stats(t0 + 20s).peers == 1);
  auto r = store.announce(input(ih, 3), t0 + 20s);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].address == v4(2));

  // Announcing again keeps a peer alive.
  REQUIRE(store.announce(input(ih, 2), t0 + 24s));
  CHECK(store.expire(t0 + 40s) == 1);  // peer 3 (seen at 20s) goes, peer 2 (24s) stays
  CHECK(store.stats(t0 + 40s).peers == 1);
  CHECK(store.expire(t0 + 44s) == 1);
  // The empty swarm went with its last peer.
  CHECK(store.stats(t0 + 44s).swarms == 0);
}

TEST_CASE("swarm store: answers skip expired peers before the sweep removes them",
          "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  REQUIRE(store.announce(input(ih, 1), t0));
  auto r = store.announce(input(ih, 2), t0 + 20s);
  REQUIRE(r);
  CHECK(r->peers.empty());
}

TEST_CASE("swarm store: stopped removes the peer and creates nothing", "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  REQUIRE(store.announce(input(ih, 1), t0));
  REQUIRE(store.announce(input(ih, 2), t0));
  auto r = store.announce(input(ih, 1, 100, announce_event::stopped), t0 + 1s);
  REQUIRE(r);
  CHECK(r->peers.empty());
  CHECK(r->incomplete == 1);
  r = store.announce(input(ih, 3), t0 + 1s);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].address == v4(2));

  // A stop for an unknown swarm or peer leaves no trace.
  REQUIRE(store.announce(input(hash_of(2), 1, 0, announce_event::stopped), t0));
  REQUIRE(store.announce(input(ih, 9, 0, announce_event::stopped), t0));
  CHECK(store.stats(t0).swarms == 1);
  CHECK(store.stats(t0).peers == 2);
}

TEST_CASE("swarm store: completed counts once per peer", "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  REQUIRE(store.announce(input(ih, 1, 100, announce_event::started), t0));
  REQUIRE(store.announce(input(ih, 1, 0, announce_event::completed), t0 + 1s));
  REQUIRE(store.announce(input(ih, 1, 0, announce_event::completed), t0 + 2s));  // repeated
  auto r = store.announce(input(ih, 2, 0, announce_event::completed), t0 + 3s);
  REQUIRE(r);
  CHECK(r->downloaded == 2);
  auto s = store.scrape({ih, hash_of(7)}, t0 + 3s);
  REQUIRE(s.size() == 2);
  CHECK(s[0].info_hash == ih);
  CHECK(s[0].complete == 2);
  CHECK(s[0].incomplete == 0);
  CHECK(s[0].downloaded == 2);
  CHECK(s[1].info_hash == hash_of(7));
  CHECK(s[1].complete == 0);
  CHECK(s[1].downloaded == 0);
}

TEST_CASE("swarm store: numwant is capped and picks a random subset without the requester",
          "[tracker_server]") {
  auto config = small_config();
  config.numwant_default = 30;
  config.numwant_max = 50;
  swarm_store store(config, 42);
  const auto ih = hash_of(1);
  for (int i = 1; i <= 300; ++i)
    REQUIRE(store.announce(input(ih, i), t0));

  auto req = input(ih, 1);
  auto r = store.announce(req, t0);
  REQUIRE(r);
  CHECK(r->peers.size() == 30);  // default

  req.request.numwant = 1000;
  std::set<peer_address> seen;
  for (int round = 0; round < 10; ++round) {
    r = store.announce(req, t0);
    REQUIRE(r);
    REQUIRE(r->peers.size() == 50);  // capped
    std::set<peer_address> distinct;
    for (const auto& p : r->peers) {
      CHECK(p.address != v4(1));
      distinct.insert(p.address);
      seen.insert(p.address);
    }
    CHECK(distinct.size() == 50);
  }
  // Ten answers of 50 from 299 others: the same 50 each time would mean no randomness.
  CHECK(seen.size() > 150);

  req.request.numwant = 0;
  r = store.announce(req, t0);
  REQUIRE(r);
  CHECK(r->peers.empty());
}

TEST_CASE("swarm store: a small swarm is returned whole", "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  for (int i = 1; i <= 5; ++i)
    REQUIRE(store.announce(input(ih, i), t0));
  auto r = store.announce(input(ih, 3), t0);
  REQUIRE(r);
  CHECK(r->peers.size() == 4);
  CHECK_FALSE(has_peer(*r, v4(3)));
}

TEST_CASE("swarm store: limits refuse new swarms and peers with a reason", "[tracker_server]") {
  auto config = small_config();
  config.max_swarms = 2;
  config.max_peers_per_swarm = 3;
  config.max_peers = 5;
  swarm_store store(config, 1);

  REQUIRE(store.announce(input(hash_of(1), 1), t0));
  REQUIRE(store.announce(input(hash_of(2), 1), t0));
  auto r = store.announce(input(hash_of(3), 1), t0);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("too many torrents") != std::string::npos);

  REQUIRE(store.announce(input(hash_of(1), 2), t0));
  REQUIRE(store.announce(input(hash_of(1), 3), t0));
  r = store.announce(input(hash_of(1), 4), t0);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("swarm full") != std::string::npos);
  // Known peers keep announcing.
  CHECK(store.announce(input(hash_of(1), 3), t0 + 1s));
  // A stop frees the place.
  REQUIRE(store.announce(input(hash_of(1), 3, 1, announce_event::stopped), t0 + 1s));
  CHECK(store.announce(input(hash_of(1), 4), t0 + 1s));

  REQUIRE(store.announce(input(hash_of(2), 2), t0));  // 5 peers in all
  r = store.announce(input(hash_of(2), 3), t0);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("too many peers") != std::string::npos);
  CHECK(store.stats(t0).refused == 3);
  CHECK(store.stats(t0).peers == 5);
}

TEST_CASE("swarm store: a tracker full of peers creates no empty swarms", "[tracker_server]") {
  auto config = small_config();
  config.max_peers = 2;
  swarm_store store(config, 1);
  REQUIRE(store.announce(input(hash_of(1), 1), t0));
  REQUIRE(store.announce(input(hash_of(1), 2), t0));
  for (int s = 2; s < 50; ++s) {
    auto r = store.announce(input(hash_of(s), 1), t0);
    REQUIRE_FALSE(r);
    CHECK(r.error() == "tracker full: too many peers (limit 2)");
  }
  CHECK(store.stats(t0).swarms == 1);
}

TEST_CASE("swarm store: the allow-list refuses every other info-hash", "[tracker_server]") {
  auto config = small_config();
  config.allow = std::set<sha1_hash>{hash_of(1)};
  swarm_store store(config, 1);
  auto r = store.announce(input(hash_of(2), 1), t0);
  REQUIRE_FALSE(r);
  CHECK(r.error() == "info-hash not allowed");
  REQUIRE(store.announce(input(hash_of(1), 1, 0, announce_event::completed), t0));
  CHECK(store.stats(t0).swarms == 1);
  CHECK(store.scrape({hash_of(2)}, t0)[0].complete == 0);

  // An allowed swarm outlives its peers, keeping its completed count.
  store.expire(t0 + 30s);
  CHECK(store.stats(t0 + 30s).swarms == 1);
  CHECK(store.stats(t0 + 30s).peers == 0);
  CHECK(store.scrape({hash_of(1)}, t0 + 30s)[0].downloaded == 1);
}

TEST_CASE("swarm store: a dual-stack peer is one peer with an address per family",
          "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  auto in4 = input(ih, 1);
  auto in6 = in4;
  in6.source = *peer_address::parse_ip("2001:db8::1", 6881);
  REQUIRE(store.announce(in4, t0));
  REQUIRE(store.announce(in6, t0 + 5s));
  CHECK(store.stats(t0).peers == 1);

  auto asker = input(ih, 2);
  auto r = store.announce(asker, t0 + 6s);
  REQUIRE(r);
  CHECK(r->peers.size() == 2);
  CHECK(has_peer(*r, in4.source));
  CHECK(has_peer(*r, in6.source));

  asker.want = address_family::v4;
  r = store.announce(asker, t0 + 6s);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].address == in4.source);
  asker.want = address_family::v6;
  r = store.announce(asker, t0 + 6s);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].address == in6.source);

  // Each address expires on its own; the peer goes with the last one.
  REQUIRE(store.announce(asker, t0 + 20s));
  store.expire(t0 + 20s);
  CHECK(store.stats(t0 + 20s).peers == 2);
  asker.want = address_family::any;
  r = store.announce(asker, t0 + 20s);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].address == in6.source);
  store.expire(t0 + 25s);
  CHECK(store.stats(t0 + 25s).peers == 1);

  // A stop over one family removes that address only.
  REQUIRE(store.announce(in4, t0 + 26s));
  REQUIRE(store.announce(in6, t0 + 26s));
  auto stop4 = in4;
  stop4.request.event = announce_event::stopped;
  REQUIRE(store.announce(stop4, t0 + 27s));
  r = store.announce(asker, t0 + 27s);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].address == in6.source);
}

TEST_CASE("swarm store: another address needs the peer's key to speak for its peer_id",
          "[tracker_server]") {
  swarm_store store(small_config(), 1);
  const auto ih = hash_of(1);
  auto victim = input(ih, 1);
  victim.request.key = 0x1234;
  REQUIRE(store.announce(victim, t0));

  auto intruder = victim;
  intruder.source = v4(66);
  intruder.request.key = 0x9999;
  intruder.request.event = announce_event::stopped;
  auto r = store.announce(intruder, t0 + 1s);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("key") != std::string::npos);
  CHECK(store.stats(t0).peers == 1);

  // The same client after an IP change proves itself with its key.
  auto moved = victim;
  moved.source = v4(77);
  REQUIRE(store.announce(moved, t0 + 2s));
  r = store.announce(input(ih, 2), t0 + 2s);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].address == v4(77));
}

TEST_CASE("swarm store: the sweep does bounded work per call and resumes", "[tracker_server]") {
  swarm_store store(small_config(), 1);
  for (int s = 0; s < 5; ++s)
    for (int p = 0; p < 40; ++p)
      REQUIRE(store.announce(input(hash_of(s), p), t0));
  CHECK(store.stats(t0).peers == 200);
  const auto later = t0 + 30s;
  std::size_t removed = 0;
  int calls = 0;
  while (store.stats(later).swarms > 0 && calls < 100) {
    const auto n = store.expire(later, 25);
    CHECK(n <= 25);
    removed += n;
    ++calls;
  }
  CHECK(removed == 200);
  CHECK(store.stats(later).peers == 0);
  CHECK(store.stats(later).swarms == 0);
  CHECK(calls >= 8);
  CHECK(calls <= 12);
}

TEST_CASE("swarm store: stats count announces and scrapes, with rates", "[tracker_server]") {
  swarm_store store(small_config(), 1);
  for (int i = 0; i < 20; ++i)
    REQUIRE(store.announce(input(hash_of(1), i), t0 + std::chrono::milliseconds(i * 50)));
  store.scrape({hash_of(1)}, t0);
  store.scrape_all(t0);
  auto st = store.stats(t0 + 2s);
  CHECK(st.announces == 20);
  CHECK(st.scrapes == 2);
  CHECK(st.swarms == 1);
  CHECK(st.peers == 20);
  CHECK(st.announces_per_second == Approx(2.0));  // 20 over a 10 s window
  CHECK(st.scrapes_per_second == Approx(0.2));
  CHECK(store.stats(t0 + 60s).announces_per_second == 0);
}

TEST_CASE("swarm store: scrape of all swarms is capped", "[tracker_server]") {
  auto config = small_config();
  config.scrape_all_max = 3;
  swarm_store store(config, 1);
  for (int s = 0; s < 5; ++s)
    REQUIRE(store.announce(input(hash_of(s), 1), t0));
  CHECK(store.scrape_all(t0).size() == 3);
}

}  // namespace server_swarm_store_test
