#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <queue>
#include <random>
#include <tuple>
#include <vector>

#include "engine/rate_limiter.hpp"

// Named: the file shares a unity batch with other tests.
namespace rate_limiter_test {

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

using time_point = engine_clock::time_point;
using duration = engine_clock::duration;
const time_point t0 = time_point{} + 1000h;
constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = 1024 * kib;
constexpr std::uint64_t block = 16 * kib;

struct consumer {
  rate_limiter::torrent_id torrent = 0;
  std::uint64_t got = 0;
};

enum class mode { whole_blocks, partial };

struct sim_options {
  mode how = mode::whole_blocks;
  // Send a random number of blocks (1..max_burst), then pause up to 1 s: demand in bursts,
  // still above the limit on average (else the limit is not what is measured).
  bool bursty = false;
  std::uint32_t seed = 1;
  std::uint64_t max_burst = 16;
};

// Consumers competing for `limiter` over [start, start + length), as actors would: ask for
// a 16 KiB block, on a grant send it and ask again at once, on a refusal retry after
// wait_for(). Waiters due at the same instant are served in the order they queued.
void simulate(rate_limiter& limiter, std::vector<consumer>& consumers, time_point start,
              duration length, sim_options o = {}) {
  using event = std::tuple<time_point, std::uint64_t, std::size_t>;
  std::priority_queue<event, std::vector<event>, std::greater<>> queue;
  std::mt19937 rng(o.seed);
  std::uint64_t seq = 0;
  std::vector<unsigned> burst_left(consumers.size(), 8);
  for (std::size_t i = 0; i < consumers.size(); ++i)
    queue.emplace(start, seq++, i);
  const auto end = start + length;
  while (!queue.empty()) {
    auto [t, s, i] = queue.top();
    queue.pop();
    if (t >= end) break;
    auto& c = consumers[i];
    std::uint64_t got = 0;
    if (o.how == mode::whole_blocks) {
      got = limiter.try_acquire(c.torrent, block, t) ? block : 0;
    } else {
      got = limiter.request(c.torrent, block, t);
    }
    c.got += got;
    auto next = t;
    if (got > 0) {
      if (o.bursty && --burst_left[i] == 0) {
        burst_left[i] = static_cast<unsigned>(1 + rng() % o.max_burst);
        next += std::chrono::milliseconds(rng() % 1000);
      }
    } else {
      // Never zero after a refusal, or a broken wait_for() would spin the simulation.
      next += std::max<duration>(limiter.wait_for(c.torrent, block, t), 1us);
    }
    queue.emplace(next, seq++, i);
  }
}

std::uint64_t total(const std::vector<consumer>& cs, rate_limiter::torrent_id only = ~0ull) {
  std::uint64_t sum = 0;
  for (const auto& c : cs) {
    if (only == ~0ull || c.torrent == only) sum += c.got;
  }
  return sum;
}

// Within ±10 % of rate × seconds.
void check_accuracy(std::uint64_t got, std::uint64_t rate, double seconds) {
  auto expected = static_cast<double>(rate) * seconds;
  INFO("rate " << rate << " B/s: got " << got << " bytes in " << seconds << " s, expected "
               << expected << " (" << 100.0 * (static_cast<double>(got) / expected - 1.0) << " %)");
  CHECK(static_cast<double>(got) >= 0.9 * expected);
  CHECK(static_cast<double>(got) <= 1.1 * expected);
}

std::vector<consumer> consumers_of(std::vector<rate_limiter::torrent_id> torrents) {
  std::vector<consumer> cs;
  for (auto t : torrents)
    cs.push_back({t, 0});
  return cs;
}

}  // namespace

TEST_CASE("rate_limiter: within ±10 % over 20 s with competing 16 KiB requests", "[rate_limiter]") {
  auto rate = GENERATE(10 * kib, mib, 50 * mib);
  auto how = GENERATE(mode::whole_blocks, mode::partial);
  auto bursty = GENERATE(false, true);
  CAPTURE(rate, how == mode::partial, bursty);
  rate_limiter limiter(rate, t0);
  auto cs = consumers_of({1, 1, 2, 3, 3, 3});
  // Bursts of up to one second of the rate: six consumers ask for well above it.
  simulate(limiter, cs, t0, 20s, {how, bursty, 7, std::max<std::uint64_t>(16, rate / block)});
  check_accuracy(total(cs), rate, 20);
  // Demand far above the rate: every consumer got something.
  for (const auto& c : cs)
    CHECK(c.got > 0);
}

TEST_CASE("rate_limiter: global and per-torrent limits together", "[rate_limiter]") {
  SECTION("the global limit binds the sum, a torrent limit binds that torrent") {
    rate_limiter limiter(mib, t0);
    limiter.set_torrent_rate(1, 256 * kib, t0);  // torrent 2 has no limit of its own
    CHECK(limiter.torrent_rate(1) == 256 * kib);
    CHECK(limiter.torrent_rate(2) == 0);
    auto cs = consumers_of({1, 1, 1, 2, 2, 2});
    simulate(limiter, cs, t0, 20s);
    check_accuracy(total(cs), mib, 20);
    check_accuracy(total(cs, 1), 256 * kib, 20);
  }
  SECTION("torrent limits under a generous global one") {
    rate_limiter limiter(10 * mib, t0);
    limiter.set_torrent_rate(1, 100 * kib, t0);
    limiter.set_torrent_rate(2, 300 * kib, t0);
    auto cs = consumers_of({1, 1, 2, 2, 2});
    simulate(limiter, cs, t0, 20s, {mode::partial, true, 3, 64});
    check_accuracy(total(cs, 1), 100 * kib, 20);
    check_accuracy(total(cs, 2), 300 * kib, 20);
  }
  SECTION("a torrent limit with no global one") {
    rate_limiter limiter;
    limiter.set_torrent_rate(1, 2 * mib, t0);
    auto cs = consumers_of({1, 1, 1, 1});
    simulate(limiter, cs, t0, 20s);
    check_accuracy(total(cs), 2 * mib, 20);
  }
}

TEST_CASE("rate_limiter: 0 is unlimited", "[rate_limiter]") {
  rate_limiter limiter;
  CHECK(limiter.request(1, 1ull << 40, t0) == 1ull << 40);
  CHECK(limiter.try_acquire(1, 1ull << 40, t0));
  CHECK(limiter.wait_for(1, 1ull << 40, t0) == 0us);
  CHECK(limiter.global().unlimited());

  // Setting a torrent's rate to 0 lifts its limit.
  limiter.set_torrent_rate(1, 10 * kib, t0);
  CHECK(limiter.request(1, mib, t0) == 5 * kib);  // the default burst: half a second
  CHECK(limiter.request(1, mib, t0) == 0);
  CHECK(limiter.request(2, mib, t0) == mib);
  limiter.set_torrent_rate(1, 0, t0);
  CHECK(limiter.request(1, mib, t0) == mib);
}

TEST_CASE("rate_limiter: a rate change takes effect at once", "[rate_limiter]") {
  rate_limiter limiter(mib, t0);
  auto cs = consumers_of({1, 2, 3});
  simulate(limiter, cs, t0, 10s);
  check_accuracy(total(cs), mib, 10);

  limiter.set_global_rate(100 * kib, t0 + 10s);
  auto slow = consumers_of({1, 2, 3});
  simulate(limiter, slow, t0 + 10s, 20s);
  check_accuracy(total(slow), 100 * kib, 20);

  limiter.set_global_rate(0, t0 + 30s);
  CHECK(limiter.request(1, 100 * mib, t0 + 30s) == 100 * mib);

  limiter.set_global_rate(5 * mib, t0 + 31s);
  auto fast = consumers_of({1, 2, 3});
  simulate(limiter, fast, t0 + 31s, 20s, {mode::partial, true, 11, 5 * mib / block});
  check_accuracy(total(fast), 5 * mib, 20);
}

TEST_CASE("rate_limiter: idle time earns at most one burst", "[rate_limiter]") {
  rate_limiter limiter(mib, t0);
  CHECK(limiter.global().burst() == mib / 2);
  CHECK(limiter.request(1, 100 * mib, t0 + 1h) == mib / 2);
  // And a 20 s window right after an hour of idling is still within ±10 %.
  auto cs = consumers_of({1, 2});
  simulate(limiter, cs, t0 + 2h, 20s);
  check_accuracy(total(cs), mib, 20);

  rate_limiter explicit_burst(mib, t0, 64 * kib);
  CHECK(explicit_burst.global().burst() == 64 * kib);
  CHECK(explicit_burst.request(1, mib, t0 + 1h) == 64 * kib);
}

TEST_CASE("token_bucket: wait_for names the instant a retry succeeds", "[rate_limiter]") {
  token_bucket b(1000, t0, 1000);
  CHECK(b.try_acquire(1000, t0));
  CHECK_FALSE(b.try_acquire(1000, t0));
  auto wait = b.wait_for(1000, t0);
  CHECK(wait == 1s);
  CHECK_FALSE(b.ready(1000, t0 + wait - 1us));
  CHECK(b.ready(1000, t0 + wait));
  CHECK(b.wait_for(250, t0) == 250ms);
  CHECK(b.try_acquire(1000, t0 + wait));

  // Odd rates: the rounded-up wait still suffices.
  token_bucket odd(7, t0, 3);
  odd.consume(3, t0);
  auto w = odd.wait_for(3, t0);
  CHECK(w == std::chrono::microseconds{428572});  // ceil(3 / 7 s)
  CHECK(odd.try_acquire(3, t0 + w));
}

TEST_CASE("token_bucket: a block larger than the burst goes into debt", "[rate_limiter]") {
  token_bucket b(kib, t0);  // burst: 512 bytes
  CHECK(b.burst() == 512);
  CHECK(b.try_acquire(block, t0));  // 512 tokens suffice to start a 16 KiB block
  CHECK(b.tokens(t0) == Approx(512.0 - 16384.0));
  CHECK_FALSE(b.try_acquire(block, t0 + 15s));
  CHECK(b.wait_for(block, t0) == 16s);  // the debt is paid back first
  CHECK(b.try_acquire(block, t0 + 16s));
  // Partial requests never go into debt.
  CHECK(b.request(block, t0 + 16s) == 0);
  CHECK(b.request(block, t0 + 100s) == 512);
}

TEST_CASE("token_bucket: rate changes settle at the old rate first", "[rate_limiter]") {
  token_bucket b(1000, t0, 10'000);
  CHECK(b.request(10'000, t0) == 10'000);
  b.set_rate(2000, t0 + 2s, 10'000);  // 2 s at 1000 B/s earned 2000
  CHECK(b.tokens(t0 + 2s) == Approx(2000));
  CHECK(b.tokens(t0 + 3s) == Approx(4000));
  b.set_rate(100, t0 + 3s, 1000);  // capped to the new burst
  CHECK(b.tokens(t0 + 3s) == Approx(1000));
  b.set_rate(0, t0 + 4s);
  CHECK(b.unlimited());
  CHECK(b.request(1ull << 50, t0 + 4s) == 1ull << 50);
  b.set_rate(100, t0 + 5s);  // from unlimited: starts full
  CHECK(b.tokens(t0 + 5s) == Approx(50));
}

}  // namespace rate_limiter_test
