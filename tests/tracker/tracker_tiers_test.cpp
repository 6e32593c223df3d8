#include <catch2/catch.hpp>

#include <set>

#include "tracker/tracker_tiers.hpp"

using namespace actorrent;

TEST_CASE("tiers: each tier shuffled once, tried in order, then the next tier", "[tiers]") {
  std::mt19937 rng(1);
  tracker_tiers t({{"a1", "a2", "a3"}, {}, {"b1", ""}, {"c1", "c2"}}, rng);
  REQUIRE(t.tiers().size() == 3);  // the empty tier and the empty URL are dropped
  CHECK(std::set<std::string>(t.tiers()[0].begin(), t.tiers()[0].end()) ==
        std::set<std::string>{"a1", "a2", "a3"});
  auto order = t.tiers();
  std::vector<std::string> tried;
  bool more = true;
  while (more) {
    tried.push_back(*t.current());
    more = t.failed();
  }
  std::vector<std::string> expected;
  for (const auto& tier : order)
    expected.insert(expected.end(), tier.begin(), tier.end());
  CHECK(tried == expected);
  CHECK(*t.current() == order[0][0]);  // the next round starts over
}

TEST_CASE("tiers: a tracker that answers moves to the front of its tier", "[tiers]") {
  std::mt19937 rng(7);
  tracker_tiers t({{"a1", "a2", "a3"}, {"b1", "b2"}}, rng);
  auto first = t.tiers()[0];
  // The first two of tier 0 fail, the third answers.
  CHECK(t.failed());
  CHECK(t.failed());
  CHECK(*t.current() == first[2]);
  t.succeeded();
  CHECK(t.tiers()[0] == std::vector<std::string>{first[2], first[0], first[1]});
  CHECK(*t.current() == first[2]);

  // All of tier 0 fails; tier 1's second answers and moves to its front; next starts at tier 0.
  auto second = t.tiers()[1];
  CHECK(t.failed());
  CHECK(t.failed());
  CHECK(t.failed());
  CHECK(*t.current() == second[0]);
  CHECK(t.failed());
  CHECK(*t.current() == second[1]);
  t.succeeded();
  CHECK(t.tiers()[1] == std::vector<std::string>{second[1], second[0]});
  CHECK(*t.current() == first[2]);
}

TEST_CASE("tiers: shuffling depends on the random source, not on the input order", "[tiers]") {
  std::set<std::vector<std::string>> orders;
  for (unsigned seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(seed);
    orders.insert(tracker_tiers({{"a", "b", "c", "d"}}, rng).tiers()[0]);
  }
  CHECK(orders.size() > 5);
  std::mt19937 rng(0);
  tracker_tiers none({}, rng);
  CHECK(none.empty());
  CHECK_FALSE(none.current());
  CHECK_FALSE(none.failed());
}
