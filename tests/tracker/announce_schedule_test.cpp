#include <catch2/catch.hpp>

#include "tracker/announce_schedule.hpp"

using namespace actorrent;
using namespace std::chrono_literals;
using clock_type = announce_schedule::clock;

namespace {

announce_response answer(std::chrono::seconds interval,
                         std::optional<std::chrono::seconds> min = {}) {
  announce_response r;
  r.interval = interval;
  r.min_interval = min;
  return r;
}

const clock_type::time_point t0 = clock_type::time_point{} + 1000s;

}  // namespace

TEST_CASE("schedule: started now, then every interval", "[announce_schedule]") {
  announce_schedule s({});
  CHECK_FALSE(s.active());
  s.start(t0);
  CHECK(s.active());
  CHECK(s.next_event() == announce_event::started);
  CHECK(s.next_time() == t0);
  s.succeeded(answer(600s), t0);
  CHECK(s.next_event() == announce_event::none);
  CHECK(s.next_time() == t0 + 600s);
  s.succeeded(answer(900s), t0 + 600s);
  CHECK(s.next_time() == t0 + 1500s);
}

TEST_CASE("schedule: a tracker's interval is clamped to sane bounds", "[announce_schedule]") {
  announce_schedule s({});
  s.start(t0);
  s.succeeded(answer(1s), t0);
  CHECK(s.next_time() == t0 + 30s);
  s.succeeded(answer(std::chrono::hours(100)), t0);
  CHECK(s.next_time() == t0 + 4h);
}

TEST_CASE("schedule: failures back off exponentially up to the cap, started kept",
          "[announce_schedule]") {
  announce_schedule s({15s, 300s, 30s, 4h});
  s.start(t0);
  std::vector<std::chrono::seconds> waits;
  auto now = t0;
  for (int i = 0; i < 7; ++i) {
    s.failed(now);
    waits.push_back(std::chrono::duration_cast<std::chrono::seconds>(s.next_time() - now));
    now = s.next_time();
    CHECK(s.next_event() == announce_event::started);
  }
  CHECK(waits == std::vector<std::chrono::seconds>{15s, 30s, 60s, 120s, 240s, 300s, 300s});
  s.succeeded(answer(600s), now);
  CHECK(s.consecutive_failures() == 0);
  s.failed(now + 600s);
  CHECK(s.next_time() == now + 600s + 15s);  // the backoff starts over
}

TEST_CASE("schedule: completed is sent as soon as min interval allows", "[announce_schedule]") {
  announce_schedule s({});
  s.start(t0);
  s.succeeded(answer(1800s, 120s), t0);
  s.completed(t0 + 10s);
  CHECK(s.next_event() == announce_event::completed);
  CHECK(s.next_time() == t0 + 120s);
  s.succeeded(answer(1800s, 120s), t0 + 120s);
  CHECK(s.next_event() == announce_event::none);
  CHECK(s.next_time() == t0 + 1920s);

  announce_schedule no_min({});
  no_min.start(t0);
  no_min.succeeded(answer(1800s), t0);
  no_min.completed(t0 + 5s);
  CHECK(no_min.next_time() == t0 + 5s);
}

TEST_CASE("schedule: want_peers announces early, but not before min interval",
          "[announce_schedule]") {
  announce_schedule s({});
  s.start(t0);
  s.succeeded(answer(1800s, 300s), t0);
  s.want_peers(t0 + 60s);
  CHECK(s.next_time() == t0 + 300s);
  CHECK(s.next_event() == announce_event::none);
}

TEST_CASE("schedule: stopped only after a tracker heard started; one round",
          "[announce_schedule]") {
  announce_schedule never({});
  never.start(t0);
  never.failed(t0);
  never.stop(t0 + 1s);
  CHECK_FALSE(never.active());  // no tracker knows us: nothing to stop

  announce_schedule s({});
  s.start(t0);
  s.succeeded(answer(1800s), t0);
  s.stop(t0 + 50s);
  CHECK(s.active());
  CHECK(s.next_event() == announce_event::stopped);
  CHECK(s.next_time() == t0 + 50s);
  s.failed(t0 + 51s);
  CHECK_FALSE(s.active());

  announce_schedule ok({});
  ok.start(t0);
  ok.succeeded(answer(1800s), t0);
  ok.stop(t0 + 5s);
  ok.succeeded(answer(1800s), t0 + 6s);
  CHECK_FALSE(ok.active());
}
