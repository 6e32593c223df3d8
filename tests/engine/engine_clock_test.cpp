#include <catch2/catch.hpp>

#include "engine/engine_clock.hpp"

TEST_CASE("the engine clock is monotonic", "[engine]") {
  auto a = actorrent::engine_clock::now();
  auto b = actorrent::engine_clock::now();
  CHECK(b >= a);
  CHECK(actorrent::engine_clock::is_steady);
}
