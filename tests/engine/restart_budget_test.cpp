#include <catch2/catch.hpp>

#include "engine/restart_budget.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

TEST_CASE("restart budget: R restarts within W, then give up", "[restart_budget]") {
  restart_budget budget{3, 60s};
  const engine_clock::time_point t0{};
  CHECK(budget.allow(t0));
  CHECK(budget.allow(t0 + 1s));
  CHECK(budget.allow(t0 + 2s));
  CHECK_FALSE(budget.allow(t0 + 3s));
  // Once the first failure is a full window old, it no longer counts.
  CHECK(budget.allow(t0 + 60s));
  CHECK_FALSE(budget.allow(t0 + 60s));
}

TEST_CASE("restart budget: failures spread wider than the window never exhaust it",
          "[restart_budget]") {
  restart_budget budget{2, 10s};
  const engine_clock::time_point t0{};
  for (int i = 0; i < 100; ++i)
    CHECK(budget.allow(t0 + i * 6s));
}

TEST_CASE("restart budget: zero restarts gives up at the first failure", "[restart_budget]") {
  restart_budget budget{0, 10s};
  CHECK_FALSE(budget.allow(engine_clock::time_point{}));
}
