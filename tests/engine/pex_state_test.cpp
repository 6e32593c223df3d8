#include <catch2/catch.hpp>

#include <string>

#include "engine/pex_state.hpp"

// Named: the file shares a unity batch with other tests.
namespace pex_state_test {

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::seconds(1000);

peer_address addr(std::uint32_t i, std::uint16_t port = 6881) {
  return peer_address::v4_address({10, static_cast<std::uint8_t>(i >> 16),
                                   static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                                  port);
}

std::vector<ut_pex::pex_peer> peers(std::uint32_t first, std::uint32_t count,
                                    std::uint8_t flags = 0) {
  std::vector<ut_pex::pex_peer> out;
  for (std::uint32_t i = first; i < first + count; ++i)
    out.push_back({addr(i), flags});
  return out;
}

std::vector<peer_address> addresses(const std::vector<ut_pex::pex_peer>& ps) {
  std::vector<peer_address> out;
  for (const auto& p : ps)
    out.push_back(p.address);
  return out;
}

const peer_address remote = addr(999);

}  // namespace

TEST_CASE("pex_state: private torrents never exchange peers", "[pex_state]") {
  CHECK_FALSE(pex_allowed(true));
  CHECK(pex_allowed(false));
  pex_state s(/*private_torrent=*/true, remote);
  CHECK_FALSE(s.enabled());
  CHECK_FALSE(s.next_message(peers(1, 5), t0));
  CHECK_FALSE(s.next_message(peers(1, 5), t0 + 10min));
  CHECK_FALSE(s.accept_incoming(t0));
  CHECK(s.told().empty());
}

TEST_CASE("pex_state: first message at once, then the differences once a minute", "[pex_state]") {
  pex_state s(false, remote);
  CHECK(s.enabled());
  auto current = peers(1, 3, ut_pex::reachable);
  current.push_back({remote, 0});  // the connection's own peer is never sent back to it
  auto first = s.next_message(current, t0);
  REQUIRE(first);
  CHECK(addresses(first->added) == std::vector<peer_address>{addr(1), addr(2), addr(3)});
  CHECK(first->added[0].flags == ut_pex::reachable);
  CHECK(first->dropped.empty());
  CHECK(s.told().size() == 3);

  // Peer 2 leaves, peer 4 arrives: not within the minute...
  const auto later = std::vector<ut_pex::pex_peer>{{addr(1), 0}, {addr(3), 0}, {addr(4), 0}};
  CHECK_FALSE(s.next_message(later, t0 + 59s));
  // ... but at the minute.
  auto second = s.next_message(later, t0 + 60s);
  REQUIRE(second);
  CHECK(addresses(second->added) == std::vector<peer_address>{addr(4)});
  CHECK(second->dropped == std::vector<peer_address>{addr(2)});
  CHECK(s.told() == std::set<peer_address>{addr(1), addr(3), addr(4)});

  // No change: no (empty) message, and the minute is not spent on nothing...
  CHECK_FALSE(s.next_message(later, t0 + 130s));
  // ... so a change after it is sent at once.
  auto third = s.next_message(peers(1, 1), t0 + 131s);
  REQUIRE(third);
  CHECK(third->added.empty());
  CHECK(third->dropped == std::vector<peer_address>{addr(3), addr(4)});
}

TEST_CASE("pex_state: at most 50 added and 50 dropped per message, the rest later", "[pex_state]") {
  pex_state s(false, remote);
  const auto all = peers(1, 120);
  auto m1 = s.next_message(all, t0);
  auto m2 = s.next_message(all, t0 + 60s);
  auto m3 = s.next_message(all, t0 + 120s);
  REQUIRE(m1);
  REQUIRE(m2);
  REQUIRE(m3);
  CHECK(m1->added.size() == 50);
  CHECK(m2->added.size() == 50);
  CHECK(m3->added.size() == 20);
  CHECK_FALSE(s.next_message(all, t0 + 180s));
  CHECK(s.told().size() == 120);

  // All of them leave, 70 new ones arrive: 50 of each direction now, the rest a minute later.
  const auto fresh = peers(1000, 70);
  auto m4 = s.next_message(fresh, t0 + 240s);
  REQUIRE(m4);
  CHECK(m4->added.size() == 50);
  CHECK(m4->dropped.size() == 50);
  // Every message fits BEP 11's limits and survives the codec.
  auto decoded = ut_pex::decode(ut_pex::encode(*m4));
  REQUIRE(decoded);
  CHECK(decoded->peers == *m4);
  CHECK(decoded->ignored_added == 0);

  auto m5 = s.next_message(fresh, t0 + 300s);
  REQUIRE(m5);
  CHECK(m5->added.size() == 20);
  CHECK(m5->dropped.size() == 50);
  auto m6 = s.next_message(fresh, t0 + 360s);
  REQUIRE(m6);
  CHECK(m6->added.empty());
  CHECK(m6->dropped.size() == 20);
  CHECK(s.told().size() == 70);
}

TEST_CASE("pex_state: duplicates, a peer leaving and coming back, the remote's address",
          "[pex_state]") {
  pex_state s(false, remote);
  // Listed twice (two connections to one address): told once, first flags kept.
  auto m = s.next_message({{addr(1), ut_pex::seed}, {addr(1), 0}, {addr(2), 0}}, t0);
  REQUIRE(m);
  CHECK(m->added == std::vector<ut_pex::pex_peer>{{addr(1), ut_pex::seed}, {addr(2), 0}});
  // Peer 2 left and came back between two messages: nothing to say.
  CHECK_FALSE(s.next_message(peers(1, 2), t0 + 60s));

  // The handshake told us the remote's listen port: from then on that address is excluded.
  const peer_address listen = addr(999, 51413);
  auto with_remote = peers(1, 2);
  with_remote.push_back({listen, 0});
  pex_state t(false, remote);
  t.set_remote(listen);
  auto first = t.next_message(with_remote, t0);
  REQUIRE(first);
  CHECK(addresses(first->added) == std::vector<peer_address>{addr(1), addr(2)});
}

TEST_CASE("pex_state: configurable interval and limits, clamped to BEP 11's", "[pex_state]") {
  pex_config c;
  c.send_interval = 10s;
  c.max_added = 5;
  c.max_dropped = 500;  // more than BEP 11 allows: clamped to 50
  pex_state s(false, remote, c);
  auto m1 = s.next_message(peers(1, 8), t0);
  REQUIRE(m1);
  CHECK(m1->added.size() == 5);
  auto m2 = s.next_message(peers(1, 8), t0 + 10s);
  REQUIRE(m2);
  CHECK(m2->added.size() == 3);
  pex_state big(false, remote, c);
  big.next_message(peers(1, 5), t0);
  for (int i = 1; i <= 20; ++i)
    big.next_message(peers(1, 5 + 5 * static_cast<std::uint32_t>(i)), t0 + i * 10s);
  REQUIRE(big.told().size() == 105);
  auto drop = big.next_message({}, t0 + 1000s);
  REQUIRE(drop);
  CHECK(drop->dropped.size() == 50);
}

TEST_CASE("pex_state: incoming messages more often than allowed are ignored", "[pex_state]") {
  pex_state s(false, remote);
  CHECK(s.accept_incoming(t0));
  CHECK_FALSE(s.accept_incoming(t0 + 30s));
  CHECK_FALSE(s.accept_incoming(t0 + 44s));
  // 45 s after the last one used: a minute's timer with some slack.
  CHECK(s.accept_incoming(t0 + 45s));
  CHECK_FALSE(s.accept_incoming(t0 + 60s));
  CHECK(s.accept_incoming(t0 + 90s));
}

}  // namespace pex_state_test
