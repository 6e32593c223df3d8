#include <catch2/catch.hpp>

#include <vector>

#include "engine/fault_schedule.hpp"

using namespace actorrent;

namespace {

std::vector<int> failing_events(fault_schedule s, int events) {
  fault_counter counter{s};
  std::vector<int> out;
  for (int n = 1; n <= events; ++n)
    if (counter.next()) out.push_back(n);
  return out;
}

}  // namespace

TEST_CASE("fault schedule: off by default", "[fault_schedule]") {
  CHECK(failing_events({}, 100).empty());
  CHECK_FALSE(fault_schedule{}.enabled());
}

TEST_CASE("fault schedule: every n-th event after the first ones", "[fault_schedule]") {
  CHECK(failing_events({3, 0, 0}, 10) == std::vector<int>{3, 6, 9});
  CHECK(failing_events({1, 4, 0}, 7) == std::vector<int>{5, 6, 7});
  CHECK(failing_events({2, 5, 0}, 12) == std::vector<int>{7, 9, 11});
}

TEST_CASE("fault schedule: at most count failures", "[fault_schedule]") {
  CHECK(failing_events({1, 2, 3}, 10) == std::vector<int>{3, 4, 5});
  fault_counter c{{1, 0, 2}};
  for (int i = 0; i < 5; ++i)
    c.next();
  CHECK(c.events() == 5);
  CHECK(c.failed() == 2);
}
