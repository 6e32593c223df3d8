#include <catch2/catch.hpp>

#include "engine/dht_search_schedule.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

// Named, not anonymous: the unit tests are unity-built (tests/CMakeLists.txt), and the
// helpers of another file of the batch have the same names.
namespace dht_search_schedule_test {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::hours(1000);

sha1_hash hash_of(std::uint8_t b) {
  sha1_hash h;
  h.bytes.fill(b);
  return h;
}

TEST_CASE("a new info-hash is due at once, and runs one search at a time",
          "[dht_search_schedule]") {
  dht_search_schedule s;
  CHECK(s.add(hash_of(1), t0));
  CHECK_FALSE(s.add(hash_of(1), t0));
  auto due = s.take_due(t0, 10);
  REQUIRE(due.size() == 1);
  CHECK(s.running(hash_of(1)));
  CHECK(s.take_due(t0 + 1h, 10).empty());  // still running
  s.finished(hash_of(1), 20, true, t0 + 5s);
  CHECK(s.next_due(hash_of(1)) == t0 + 5s + 15min);
  CHECK(s.take_due(t0 + 15min, 10).empty());
  CHECK(s.take_due(t0 + 5s + 15min, 10).size() == 1);
}

TEST_CASE("searches that find few peers come back sooner, doubling up to the interval",
          "[dht_search_schedule]") {
  dht_search_schedule s({15min, 10s, 8});
  s.add(hash_of(1), t0);
  auto now = t0;
  std::vector<engine_clock::duration> delays;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(s.take_due(now, 1).size() == 1);
    s.finished(hash_of(1), 2, true, now);
    delays.push_back(*s.next_due(hash_of(1)) - now);
    now = *s.next_due(hash_of(1));
  }
  CHECK(delays[0] == 10s);
  CHECK(delays[1] == 20s);
  CHECK(delays[2] == 40s);
  CHECK(delays[9] == 15min);  // capped
  REQUIRE(s.take_due(now, 1).size() == 1);
  s.finished(hash_of(1), 8, true, now);  // enough: back to the interval, the run forgotten
  now = *s.next_due(hash_of(1));
  REQUIRE(s.take_due(now, 1).size() == 1);
  s.finished(hash_of(1), 0, true, now);
  CHECK(*s.next_due(hash_of(1)) - now == 10s);
}

TEST_CASE("a starved search is due again when the first nodes are known", "[dht_search_schedule]") {
  dht_search_schedule s;
  s.add(hash_of(1), t0);
  s.add(hash_of(2), t0);
  REQUIRE(s.take_due(t0, 10).size() == 2);
  s.finished(hash_of(1), 0, false, t0);  // asked nobody
  s.finished(hash_of(2), 0, true, t0);
  s.nodes_available(t0 + 1s);
  CHECK(s.next_due(hash_of(1)) == t0 + 1s);
  CHECK(s.next_due(hash_of(2)) == t0 + 10s);
  CHECK(s.take_due(t0 + 1s, 10).size() == 1);
  s.remove(hash_of(1));
  CHECK_FALSE(s.tracks(hash_of(1)));
  CHECK(s.size() == 1);
}

TEST_CASE("take_due hands out at most `max` searches", "[dht_search_schedule]") {
  dht_search_schedule s;
  for (std::uint8_t i = 1; i <= 5; ++i)
    s.add(hash_of(i), t0);
  CHECK(s.take_due(t0, 2).size() == 2);
  CHECK(s.take_due(t0, 10).size() == 3);
}

}  // namespace dht_search_schedule_test
