#include <catch2/catch.hpp>

#include <algorithm>

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

TEST_CASE("lsd schedule: a new torrent is announced at once, then every 5 minutes") {
  lsd_schedule s;
  s.sync({lsd_hash(1)});
  CHECK(s.due(lsd_t0, 25) == std::vector<sha1_hash>{lsd_hash(1)});
  CHECK(s.due(lsd_t0 + 1s, 25).empty());
  CHECK(s.due(lsd_t0 + 299s, 25).empty());
  CHECK(s.due(lsd_t0 + 300s, 25) == std::vector<sha1_hash>{lsd_hash(1)});
}

TEST_CASE("lsd schedule: at most one announce a minute; a torrent added meanwhile waits") {
  lsd_schedule s;
  s.sync({lsd_hash(1)});
  REQUIRE(s.due(lsd_t0, 25).size() == 1);
  s.sync({lsd_hash(1), lsd_hash(2)});
  CHECK(s.due(lsd_t0 + 59s, 25).empty());
  CHECK(s.due(lsd_t0 + 60s, 25) == std::vector<sha1_hash>{lsd_hash(2)});
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
  CHECK(first.size() == 2);
  CHECK(second.size() == 2);
  CHECK(third.size() == 1);
  std::vector<sha1_hash> seen = first;
  seen.insert(seen.end(), second.begin(), second.end());
  seen.insert(seen.end(), third.begin(), third.end());
  std::sort(seen.begin(), seen.end());
  CHECK(seen == all);
  // The oldest announce comes first once they are due again.
  CHECK(s.due(lsd_t0 + 300s, 2) == first);
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
