#include <catch2/catch.hpp>

#include "engine/rate_meter.hpp"

// Named: the file shares a unity batch with other tests.
namespace rate_meter_test {

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

using time_point = engine_clock::time_point;
const time_point t0 = time_point{} + 1000h;

// `bytes_per_tick` every 100 ms over [from, to).
void feed(rate_meter& m, std::uint64_t bytes_per_tick, time_point from, time_point to) {
  for (auto t = from; t < to; t += 100ms)
    m.add(bytes_per_tick, t);
}

}  // namespace

TEST_CASE("rate_meter: nothing measured reads 0", "[rate_meter]") {
  rate_meter m;
  CHECK(m.rate(t0) == 0.0);
  CHECK(m.total() == 0);
  CHECK(m.window() == 20s);
}

TEST_CASE("rate_meter: a steady flow reads its rate, also in its first seconds", "[rate_meter]") {
  rate_meter m;
  feed(m, 10'000, t0, t0 + 5s);  // 100 kB/s
  // Five seconds of data is not diluted over the 20 s window.
  CHECK(m.rate(t0 + 5s) == Approx(100'000).epsilon(0.03));
  feed(m, 10'000, t0 + 5s, t0 + 30s);
  CHECK(m.rate(t0 + 30s) == Approx(100'000).epsilon(0.01));
  // Mid-bucket: the partial current bucket counts with its elapsed time only.
  m.add(10'000, t0 + 30s);
  m.add(10'000, t0 + 30s + 100ms);
  m.add(10'000, t0 + 30s + 200ms);
  m.add(10'000, t0 + 30s + 300ms);
  m.add(10'000, t0 + 30s + 400ms);
  CHECK(m.rate(t0 + 30s + 500ms) == Approx(100'000).epsilon(0.01));
  CHECK(m.total() == 3'050'000);
}

TEST_CASE("rate_meter: one early sample counts over at least one bucket", "[rate_meter]") {
  rate_meter m;
  m.add(50'000, t0);
  CHECK(m.rate(t0) == Approx(50'000));
  CHECK(m.rate(t0 + 500ms) == Approx(50'000));
  CHECK(m.rate(t0 + 2s) == Approx(25'000));
}

TEST_CASE("rate_meter: the window slides — old bytes drop out", "[rate_meter]") {
  rate_meter m;
  feed(m, 10'000, t0, t0 + 30s);
  // Idle since 30 s: at 40 s the window [20, 40) holds 10 s of data.
  CHECK(m.rate(t0 + 40s) == Approx(50'000).epsilon(0.01));
  CHECK(m.rate(t0 + 49s) == Approx(5'000).epsilon(0.05));
  CHECK(m.rate(t0 + 50s) == 0.0);
  CHECK(m.rate(t0 + 10h) == 0.0);

  // A rate change shows in full once the old rate left the window.
  feed(m, 20'000, t0 + 10h, t0 + 10h + 40s);
  CHECK(m.rate(t0 + 10h + 40s) == Approx(200'000).epsilon(0.01));
  feed(m, 10'000, t0 + 10h + 40s, t0 + 10h + 50s);
  CHECK(m.rate(t0 + 10h + 50s) == Approx(150'000).epsilon(0.01));
}

TEST_CASE("rate_meter: the window is configurable", "[rate_meter]") {
  rate_meter short_m(5s);
  rate_meter long_m(20s);
  CHECK(short_m.window() == 5s);
  for (auto* m : {&short_m, &long_m}) {
    feed(*m, 10'000, t0, t0 + 30s);
    feed(*m, 20'000, t0 + 30s, t0 + 35s);
  }
  CHECK(short_m.rate(t0 + 35s) == Approx(200'000).epsilon(0.01));
  CHECK(long_m.rate(t0 + 35s) == Approx(125'000).epsilon(0.01));

  rate_meter fine(2s, 100ms);
  CHECK(fine.window() == 2s);
  feed(fine, 1'000, t0, t0 + 10s);
  CHECK(fine.rate(t0 + 10s) == Approx(10'000).epsilon(0.01));
}

TEST_CASE("rate_meter: odd clocks do not break it", "[rate_meter]") {
  rate_meter m;
  auto before_epoch = time_point{} - 100h;  // negative time_since_epoch
  feed(m, 10'000, before_epoch, before_epoch + 30s);
  CHECK(m.rate(before_epoch + 30s) == Approx(100'000).epsilon(0.01));
  // A time that went backwards counts in the newest bucket.
  m.add(10'000, before_epoch);
  CHECK(m.total() == 3'010'000);
  CHECK(m.rate(before_epoch + 30s) > 100'000);
  m.reset();
  CHECK(m.total() == 0);
  CHECK(m.rate(before_epoch + 30s) == 0.0);
}

}  // namespace rate_meter_test
