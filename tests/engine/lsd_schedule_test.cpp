#include <catch2/catch.hpp>

#include "engine/lsd_schedule.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

const engine_clock::time_point lsd_t0 = engine_clock::time_point{} + 1000s;

sha1_hash lsd_hash(std::uint8_t i) {
  sha1_hash h;
  h.bytes[0] = i;
  return h;
}

}  // namespace

TEST_CASE(
    "lsd schedule: a new torrent is announced at once, again a minute later, then every "
    "5 minutes") {
  lsd_schedule s;
  s.sync({lsd_hash(1)});
  CHECK(s.due(lsd_t0, 25) == std::vector<sha1_hash>{lsd_hash(1)});
  CHECK(s.due(lsd_t0 + 1s, 25).empty());
  CHECK(s.due(lsd_t0 + 59s, 25).empty());
  CHECK(s.due(lsd_t0 + 60s, 25) == std::vector<sha1_hash>{lsd_hash(1)});
  CHECK(s.due(lsd_t0 + 120s, 25).empty());
  CHECK(s.due(lsd_t0 + 359s, 25).empty());
  CHECK(s.due(lsd_t0 + 360s, 25) == std::vector<sha1_hash>{lsd_hash(1)});
  CHECK(s.due(lsd_t0 + 600s, 25).empty());
  CHECK(s.due(lsd_t0 + 660s, 25) == std::vector<sha1_hash>{lsd_hash(1)});
}

TEST_CASE("lsd schedule: at most one announce a minute; a torrent added meanwhile waits") {
  lsd_schedule s;
  s.sync({lsd_hash(1)});
  REQUIRE(s.due(lsd_t0, 25).size() == 1);
  s.sync({lsd_hash(1), lsd_hash(2)});
  CHECK(s.due(lsd_t0 + 30s, 25).empty());
  CHECK(s.due(lsd_t0 + 59s, 25).empty());
  // The new one first, with the first one's second announce in the same datagram.
  CHECK(s.due(lsd_t0 + 60s, 25) == std::vector<sha1_hash>{lsd_hash(2), lsd_hash(1)});
}

TEST_CASE("lsd schedule: more torrents than fit in one datagram go in turns, new ones first") {
  lsd_schedule s;
  std::vector<sha1_hash> all;
  for (std::uint8_t i = 0; i < 5; ++i)
    all.push_back(lsd_hash(i));
  s.sync(all);
  auto first = s.due(lsd_t0, 2);
  auto second = s.due(lsd_t0 + 60s, 2);
  auto third = s.due(lsd_t0 + 120s, 2);
  CHECK(first == std::vector<sha1_hash>{lsd_hash(0), lsd_hash(1)});
  // Never announced before announced once: the first two wait for their second announce.
  CHECK(second == std::vector<sha1_hash>{lsd_hash(2), lsd_hash(3)});
  CHECK(third == std::vector<sha1_hash>{lsd_hash(4), lsd_hash(0)});
  CHECK(s.due(lsd_t0 + 150s, 2).empty());  // a minute between datagrams
}

TEST_CASE("lsd schedule: torrents no longer active are forgotten, and new again if re-added") {
  lsd_schedule s;
  s.sync({lsd_hash(1), lsd_hash(2)});
  REQUIRE(s.due(lsd_t0, 25).size() == 2);
  s.sync({lsd_hash(2)});
  CHECK(s.size() == 1);
  CHECK(s.due(lsd_t0 + 300s, 25) == std::vector<sha1_hash>{lsd_hash(2)});
  s.sync({lsd_hash(1), lsd_hash(2)});
  CHECK(s.due(lsd_t0 + 360s, 25) == std::vector<sha1_hash>{lsd_hash(1)});
  s.sync({});
  CHECK(s.due(lsd_t0 + 1000s, 25).empty());
}
