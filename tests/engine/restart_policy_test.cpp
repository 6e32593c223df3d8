#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/restart_policy.hpp"

// Named: the file shares a unity batch with other tests.
namespace restart_policy_test {

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

using time_point = engine_clock::time_point;
using duration = engine_clock::duration;
const time_point t0 = time_point{} + 1000h;
const std::string peer = "192.0.2.1:6881";

restart_policy_config roomy() {
  restart_policy_config c;
  c.initial_delay = 1s;
  c.max_delay = 30s;
  c.max_restarts = 1000;
  c.window = 1h;
  return c;
}

}  // namespace

TEST_CASE("restart_policy: exponential backoff, capped", "[restart_policy]") {
  restart_policy p(roomy());
  std::vector<duration> delays;
  auto t = t0;
  for (int i = 0; i < 8; ++i) {
    auto d = p.on_abnormal_exit(peer, t);
    REQUIRE(d.restart());
    delays.push_back(d.delay);
    t += d.delay + 1s;
  }
  CHECK(delays == std::vector<duration>{1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s});
  CHECK(p.consecutive_failures(peer) == 8);
}

TEST_CASE("restart_policy: the default sequence", "[restart_policy]") {
  restart_policy p;
  std::vector<duration> delays;
  for (int i = 0; i < 5; ++i)
    delays.push_back(p.on_abnormal_exit(peer, t0 + i * 1s).delay);
  CHECK(delays == std::vector<duration>{2s, 4s, 8s, 16s, 32s});
  CHECK_FALSE(p.on_abnormal_exit(peer, t0 + 5s).restart());  // the sixth within 120 s
}

TEST_CASE("restart_policy: a long run of failures does not overflow", "[restart_policy]") {
  auto c = roomy();
  c.max_delay = 24h;
  restart_policy p(c);
  duration last{};
  for (int i = 0; i < 300; ++i)
    last = p.on_abnormal_exit(peer, t0 + i * 1s).delay;
  CHECK(last == 24h);
}

TEST_CASE("restart_policy: R restarts in W, then the address is dropped", "[restart_policy]") {
  restart_policy_config c;
  c.max_restarts = 3;
  c.window = 60s;
  c.drop_duration = 10min;
  restart_policy p(c);

  CHECK(p.on_abnormal_exit(peer, t0).restart());
  CHECK(p.on_abnormal_exit(peer, t0 + 10s).restart());
  CHECK(p.on_abnormal_exit(peer, t0 + 20s).restart());
  auto d = p.on_abnormal_exit(peer, t0 + 30s);
  REQUIRE_FALSE(d.restart());
  CHECK(d.drop_until == t0 + 30s + 10min);
  CHECK(p.dropped_until(peer, t0 + 31s) == t0 + 30s + 10min);
  CHECK(p.dropped_until("198.51.100.7:1", t0 + 31s) == std::nullopt);

  // Another ending while dropped changes nothing.
  auto again = p.on_abnormal_exit(peer, t0 + 5min);
  CHECK_FALSE(again.restart());
  CHECK(again.drop_until == t0 + 30s + 10min);

  // The drop expires; the address starts over with a clean slate.
  CHECK(p.dropped_until(peer, t0 + 30s + 10min - 1ns).has_value());
  CHECK_FALSE(p.dropped_until(peer, t0 + 30s + 10min).has_value());
  auto fresh = p.on_abnormal_exit(peer, t0 + 11min);
  CHECK(fresh.restart());
  CHECK(fresh.delay == c.initial_delay);
  CHECK(p.on_abnormal_exit(peer, t0 + 11min + 1s).restart());
  CHECK(p.on_abnormal_exit(peer, t0 + 11min + 2s).restart());
  CHECK_FALSE(p.on_abnormal_exit(peer, t0 + 11min + 3s).restart());
}

TEST_CASE("restart_policy: endings leave the window after exactly W", "[restart_policy]") {
  restart_policy_config c;
  c.max_restarts = 2;
  c.window = 60s;
  {
    restart_policy p(c);
    CHECK(p.on_abnormal_exit(peer, t0).restart());
    CHECK(p.on_abnormal_exit(peer, t0 + 30s).restart());
    CHECK_FALSE(p.on_abnormal_exit(peer, t0 + 60s - 1ms).restart());
  }
  {
    restart_policy p(c);
    CHECK(p.on_abnormal_exit(peer, t0).restart());
    CHECK(p.on_abnormal_exit(peer, t0 + 30s).restart());
    CHECK(p.on_abnormal_exit(peer, t0 + 60s).restart());  // the first one no longer counts
    CHECK_FALSE(p.on_abnormal_exit(peer, t0 + 61s).restart());
  }
  {
    c.max_restarts = 0;
    restart_policy p(c);
    CHECK_FALSE(p.on_abnormal_exit(peer, t0).restart());
  }
}

TEST_CASE("restart_policy: normal endings are not restarts", "[restart_policy]") {
  restart_policy_config c;
  c.max_restarts = 2;
  c.window = 60s;
  restart_policy p(c);
  CHECK(p.on_abnormal_exit(peer, t0).delay == 2s);
  for (int i = 1; i <= 20; ++i)
    p.on_normal_exit(peer, t0 + i * 1s);
  CHECK(p.consecutive_failures(peer) == 1);
  CHECK(p.on_abnormal_exit(peer, t0 + 30s).delay == 4s);  // no growth from normal endings
  CHECK_FALSE(p.on_abnormal_exit(peer, t0 + 40s).restart());

  // A normal ending with nothing recent to remember forgets the address.
  restart_policy q(c);
  q.on_abnormal_exit(peer, t0);
  q.on_normal_exit(peer, t0 + 10s);
  CHECK(q.size() == 1);  // the ending at t0 still counts
  q.on_normal_exit(peer, t0 + 60s);
  CHECK(q.size() == 0);
  q.on_normal_exit("never seen", t0);
  CHECK(q.size() == 0);
}

TEST_CASE("restart_policy: a stable connection resets the backoff", "[restart_policy]") {
  restart_policy p(roomy());
  p.on_abnormal_exit(peer, t0);
  p.on_abnormal_exit(peer, t0 + 10s);
  CHECK(p.on_abnormal_exit(peer, t0 + 20s).delay == 4s);

  // Connected, but failed within the stable period: still backing off.
  p.on_success(peer, t0 + 30s);
  CHECK(p.on_abnormal_exit(peer, t0 + 89s).delay == 8s);

  // Connected and up for the stable period: back to the initial delay.
  p.on_success(peer, t0 + 100s);
  CHECK(p.on_abnormal_exit(peer, t0 + 160s).delay == 1s);
  CHECK(p.on_abnormal_exit(peer, t0 + 170s).delay == 2s);

  // A success is consumed by the ending that follows it.
  p.on_success(peer, t0 + 200s);
  p.on_abnormal_exit(peer, t0 + 300s);
  CHECK(p.on_abnormal_exit(peer, t0 + 900s).delay == 2s);

  // A success alone remembers nothing.
  p.on_success("198.51.100.7:1", t0);
  CHECK(p.size() == 1);
}

TEST_CASE("restart_policy: success does not refill the restart budget", "[restart_policy]") {
  restart_policy_config c;
  c.max_restarts = 2;
  c.window = 10min;
  restart_policy p(c);
  p.on_abnormal_exit(peer, t0);
  p.on_success(peer, t0 + 10s);
  p.on_abnormal_exit(peer, t0 + 100s);
  p.on_success(peer, t0 + 110s);
  auto d = p.on_abnormal_exit(peer, t0 + 200s);
  CHECK_FALSE(d.restart());
}

TEST_CASE("restart_policy: memory is bounded, least recently touched forgotten first",
          "[restart_policy]") {
  restart_policy_config c;
  c.max_keys = 100;
  restart_policy p(c);
  auto key = [](int i) { return "10.0.0." + std::to_string(i) + ":6881"; };
  for (int i = 0; i < 100; ++i)
    p.on_abnormal_exit(key(i), t0);
  CHECK(p.size() == 100);
  p.on_abnormal_exit(key(0), t0 + 1s);  // touched: now the most recent
  p.on_abnormal_exit(key(100), t0 + 2s);
  CHECK(p.size() == 100);
  CHECK(p.consecutive_failures(key(0)) == 2);
  CHECK(p.consecutive_failures(key(1)) == 0);  // the least recently touched went
  CHECK(p.consecutive_failures(key(2)) == 1);
  for (int i = 101; i < 1000; ++i) {
    p.on_abnormal_exit(key(i), t0 + 2s);
    REQUIRE(p.size() <= 100);
  }
  CHECK(p.size() == 100);
  CHECK(p.consecutive_failures(key(999)) == 1);
  CHECK(p.consecutive_failures(key(2)) == 0);
  for (int i = 100; i < 1000; ++i)
    p.on_abnormal_exit(key(i), t0 + 3s);
  CHECK(p.size() == 100);

  p.forget(key(999));
  CHECK(p.size() == 99);
  CHECK(p.consecutive_failures(key(999)) == 0);

  restart_policy_config tiny;
  tiny.max_keys = 0;  // taken as 1
  restart_policy one(tiny);
  one.on_abnormal_exit("a", t0);
  one.on_abnormal_exit("b", t0);
  CHECK(one.size() == 1);
  CHECK(one.consecutive_failures("b") == 1);
}

}  // namespace restart_policy_test
