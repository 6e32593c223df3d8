#include <catch2/catch.hpp>

#include <cstddef>

#include "engine/request_guard.hpp"

using namespace actorrent;
using verdict = request_guard::verdict;

TEST_CASE("request guard: requests are queued up to the cap, then refused", "[request_guard]") {
  request_guard g(250);
  CHECK(g.on_request(false, true, 0) == verdict::queue);
  CHECK(g.on_request(false, true, 249) == verdict::queue);
  CHECK(g.on_request(false, true, 250) == verdict::refuse);  // the cap: never queued past it
  CHECK(g.on_request(false, false, 0) == verdict::refuse);   // a piece we do not have
  CHECK(g.on_request(true, true, 0) == verdict::refuse);     // we choke it
}

TEST_CASE("request guard: a flood past a full queue with no block sent is cut off",
          "[request_guard]") {
  request_guard g(250);
  REQUIRE(g.flood_limit() == 4096);
  for (std::size_t i = 0; i < g.flood_limit(); ++i)
    REQUIRE(g.on_request(false, true, 250) == verdict::refuse);
  CHECK(g.on_request(false, true, 250) == verdict::flood);
  CHECK(g.flood_reason() ==
        "request flood: 4097 requests refused in a row, beyond the 250 queued, with no block "
        "sent in between (more than 4096)");
}

TEST_CASE("request guard: a deep pipeline served block by block is no flood", "[request_guard]") {
  // A client keeping 1500 requests out against our 250: each block sent lets it ask again, and
  // what it asks beyond our queue is refused, round after round, for as long as it likes.
  request_guard g(250);
  for (int round = 0; round < 100; ++round) {
    for (std::size_t i = 0; i < 1500 - 250; ++i)
      REQUIRE(g.on_request(false, true, 250) == verdict::refuse);
    g.on_block_sent();
  }
}

TEST_CASE("request guard: requests while choked", "[request_guard]") {
  request_guard g(250);
  REQUIRE(g.choked_limit() == 1000);
  SECTION("those crossing our choke are refused") {
    for (std::size_t i = 0; i < g.choked_limit(); ++i)
      REQUIRE(g.on_request(true, true, 0) == verdict::refuse);
    g.on_choke_changed();  // unchoked: the count starts over
    g.on_choke_changed();  // choked again
    for (std::size_t i = 0; i < g.choked_limit(); ++i)
      REQUIRE(g.on_request(true, true, 0) == verdict::refuse);
  }
  SECTION("a peer that goes on asking is flooding") {
    for (std::size_t i = 0; i < g.choked_limit(); ++i)
      REQUIRE(g.on_request(true, true, 0) == verdict::refuse);
    g.on_block_sent();  // a block sent earlier does not excuse asking while choked
    CHECK(g.on_request(true, true, 0) == verdict::flood);
    CHECK(g.flood_reason() == "request flood: 1001 requests while choked (more than 1000)");
  }
}

TEST_CASE("request guard: limits follow a large queue", "[request_guard]") {
  request_guard g(5000);
  CHECK(g.flood_limit() == 20000);
  CHECK(g.choked_limit() == 5000);
  request_guard tiny(0);
  CHECK(tiny.max_queued() == 1);
  CHECK(tiny.on_request(false, true, 0) == verdict::queue);
  CHECK(tiny.on_request(false, true, 1) == verdict::refuse);
}
