#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "engine/request_pipeline.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

using time_point = engine_clock::time_point;
const time_point t0 = time_point{} + 1000h;
constexpr double kib = 1024.0;

// A pipeline past its ramp, so depth() is the rate-based depth alone.
request_pipeline settled(request_pipeline_config c = {}) {
  request_pipeline p(c);
  p.on_request_sent(t0);
  p.on_block_received(t0);
  p.depth(0, t0 + 1h);
  REQUIRE_FALSE(p.ramping());
  return p;
}

}  // namespace

TEST_CASE("request_pipeline: depth is about one second of data, clamped", "[request_pipeline]") {
  request_pipeline_config c;
  CHECK(pipeline_depth_for_rate(0, c) == 2);
  CHECK(pipeline_depth_for_rate(16 * kib, c) == 2);  // 1 block, raised to min 2
  CHECK(pipeline_depth_for_rate(3 * 16 * kib, c) == 3);
  CHECK(pipeline_depth_for_rate(3 * 16 * kib + 1, c) == 4);  // ceil
  CHECK(pipeline_depth_for_rate(1024 * kib, c) == 64);
  CHECK(pipeline_depth_for_rate(1024 * kib + 1, c) == 65);
  CHECK(pipeline_depth_for_rate(500 * 16 * kib, c) == 500);
  CHECK(pipeline_depth_for_rate(100 * 1024 * kib, c) == 500);  // max
  CHECK(pipeline_depth_for_rate(std::numeric_limits<double>::infinity(), c) == 500);
  CHECK(pipeline_depth_for_rate(std::nan(""), c) == 2);
  CHECK(pipeline_depth_for_rate(-5, c) == 2);

  request_pipeline_config custom;
  custom.min_depth = 5;
  custom.max_depth = 10;
  custom.in_flight_time = 2s;
  CHECK(pipeline_depth_for_rate(16 * kib, custom) == 5);
  CHECK(pipeline_depth_for_rate(4 * 16 * kib, custom) == 8);  // two seconds of data
  CHECK(pipeline_depth_for_rate(6 * 16 * kib, custom) == 10);

  request_pipeline_config big_blocks;
  big_blocks.block_size = 32 * 1024;
  CHECK(pipeline_depth_for_rate(1024 * kib, big_blocks) == 32);

  request_pipeline_config nonsense;
  nonsense.min_depth = 0;
  nonsense.max_depth = 0;
  nonsense.block_size = 0;
  CHECK(pipeline_depth_for_rate(1024 * kib, nonsense) == 1);

  auto p = settled();
  CHECK(p.depth(1024 * kib, t0 + 1h) == 64);
  CHECK(p.depth(0, t0 + 1h) == 2);
}

TEST_CASE("request_pipeline: a new peer ramps up, then the rate decides", "[request_pipeline]") {
  request_pipeline p;
  CHECK(p.ramping());
  CHECK(p.depth(0, t0) == 4);  // initial depth without any measured rate
  CHECK(p.wanted(0, t0) == 4);
  p.on_request_sent(t0, 4);
  CHECK(p.wanted(0, t0) == 0);

  // One per block: the depth doubles every round trip while the peer keeps up.
  auto t = t0;
  for (int round = 0; round < 3; ++round) {
    t += 100ms;
    auto depth = p.depth(0, t);
    auto in_flight = p.outstanding();
    for (std::size_t i = 0; i < in_flight; ++i)
      p.on_block_received(t);
    CHECK(p.depth(0, t) == 2 * depth);
    p.on_request_sent(t, p.wanted(0, t));
    CHECK(p.outstanding() == 2 * depth);
  }
  CHECK(p.depth(0, t) == 32);
  // A high measured rate wins over the ramp.
  CHECK(p.depth(1024 * kib, t) == 64);

  // After ramp_time from the first request the rate alone decides.
  CHECK(p.depth(100 * kib, t0 + 999ms) == 32);
  CHECK(p.depth(100 * kib, t0 + 1s) == 7);
  CHECK_FALSE(p.ramping());
  p.on_block_received(t0 + 1s);
  CHECK(p.depth(100 * kib, t0 + 1s) == 7);
}

TEST_CASE("request_pipeline: the ramp is bounded by max_depth", "[request_pipeline]") {
  request_pipeline_config c;
  c.max_depth = 10;
  request_pipeline p(c);
  p.on_request_sent(t0, 4);
  for (int i = 0; i < 100; ++i) {
    p.on_block_received(t0);
    p.on_request_sent(t0);
  }
  CHECK(p.depth(0, t0) == 10);
  CHECK(p.depth(0, t0 + 999ms) == 10);
  CHECK(p.depth(0, t0 + 1s) == 2);
  CHECK_FALSE(p.ramping());
}

TEST_CASE("request_pipeline: snubbed after exactly 60 s without a block", "[request_pipeline]") {
  request_pipeline p;
  p.on_request_sent(t0, 4);
  CHECK_FALSE(p.is_snubbed(t0 + 59s + 999ms));
  CHECK(p.is_snubbed(t0 + 60s));
  CHECK(p.depth(1024 * kib, t0 + 60s) == 1);   // snubbed_depth, whatever the rate
  CHECK(p.wanted(1024 * kib, t0 + 60s) == 0);  // four are out already
  CHECK_FALSE(p.ramping());                    // a snub ends the ramp

  // A block ends the snub and restarts the clock.
  p.on_block_received(t0 + 61s);
  CHECK_FALSE(p.is_snubbed(t0 + 61s));
  CHECK(p.depth(1024 * kib, t0 + 61s) == 64);
  CHECK_FALSE(p.is_snubbed(t0 + 120s + 999ms));
  CHECK(p.is_snubbed(t0 + 121s));
}

TEST_CASE("request_pipeline: silence is not a snub when nothing was asked", "[request_pipeline]") {
  request_pipeline p;
  CHECK_FALSE(p.is_snubbed(t0 + 1h));
  p.on_request_sent(t0, 2);
  p.on_block_received(t0 + 1s);
  p.on_block_received(t0 + 2s);
  CHECK(p.outstanding() == 0);
  CHECK_FALSE(p.is_snubbed(t0 + 1h));

  // Requests after a long idle time start the clock when they go out.
  p.on_request_sent(t0 + 1h);
  CHECK_FALSE(p.is_snubbed(t0 + 1h + 59s));
  CHECK(p.is_snubbed(t0 + 1h + 60s));

  // More requests while some are out do not restart it.
  request_pipeline q;
  q.on_request_sent(t0);
  q.on_request_sent(t0 + 30s);
  CHECK(q.is_snubbed(t0 + 60s));
}

TEST_CASE("request_pipeline: dropped requests and chokes", "[request_pipeline]") {
  request_pipeline p;
  p.on_request_sent(t0, 10);
  p.on_requests_dropped(3);
  CHECK(p.outstanding() == 7);
  p.on_requests_dropped(100);
  CHECK(p.outstanding() == 0);

  p.on_request_sent(t0, 5);
  p.on_choked();
  CHECK(p.outstanding() == 0);
  CHECK_FALSE(p.is_snubbed(t0 + 1h));  // nothing is out any more
  // A block sent before the choke still arrives; the count does not go below zero.
  p.on_block_received(t0 + 1s);
  CHECK(p.outstanding() == 0);
}

TEST_CASE("request_pipeline: the peer's reqq bounds the depth", "[request_pipeline]") {
  auto p = settled();
  CHECK(p.depth(100 * 1024 * kib, t0 + 1h) == 500);
  p.set_remote_limit(0);  // ignored
  CHECK(p.depth(100 * 1024 * kib, t0 + 1h) == 500);
  p.set_remote_limit(250);
  CHECK(p.depth(100 * 1024 * kib, t0 + 1h) == 250);
  CHECK(p.depth(64 * kib, t0 + 1h) == 4);  // below it, the rate decides
  p.on_request_sent(t0 + 1h, 250);
  CHECK(p.wanted(100 * 1024 * kib, t0 + 1h) == 0);

  // While ramping too: a peer that queues 2 requests gets 2, not the initial 4.
  request_pipeline fresh;
  fresh.set_remote_limit(2);
  CHECK(fresh.depth(0, t0) == 2);
}
