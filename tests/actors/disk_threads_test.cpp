#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

#include "actors/actor_setup.hpp"
#include "actors/disk_threads.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

disk_job job(std::function<caf::message()> f, caf::actor owner = {}) {
  return disk_job{[f = std::move(f)](caf::event_based_actor*, io_buffer&) { return f(); },
                  std::move(owner)};
}

}  // namespace

TEST_CASE("disk threads: one thread runs its jobs in order; a request is answered by the job",
          "[disk_threads]") {
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto threads = disk_threads::create(sys, 2);
  REQUIRE(threads->size() == 2);
  auto a = threads->next();
  auto b = threads->next();
  CHECK(a != b);
  CHECK(threads->next() == a);  // in turn

  auto order = std::make_shared<std::vector<int>>();  // touched by thread `a` only
  for (int i = 0; i < 100; ++i)
    self->send(a, job([order, i] {
                 order->push_back(i);
                 return caf::message{};
               }));
  self->request(a, 5s, job([order] { return caf::make_message(static_cast<int>(order->size())); }))
      .receive([](int n) { CHECK(n == 100); }, [&](caf::error& e) { FAIL(sys.render(e)); });
  for (int i = 0; i < 100; ++i)
    REQUIRE((*order)[static_cast<std::size_t>(i)] == i);
  // An asynchronous job's empty result is no reply.
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(self->has_next_message());
  threads->stop();
}

TEST_CASE(
    "disk threads: a job that throws ends its owner, answers with the error, and the "
    "thread goes on",
    "[disk_threads]") {
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto threads = disk_threads::create(sys, 1);
  auto thread = threads->next();
  // (An argument: CAF 0.17 binds a null reference for a function actor spawned without one.)
  auto owner = sys.spawn([](int) -> caf::behavior { return {[](int) {}}; }, 0);
  self->monitor(owner);
  self->request(thread, 5s,
                job([]() -> caf::message { throw std::runtime_error("disk on fire"); }, owner))
      .receive(
          [](int) { FAIL("a reply without the error"); },
          [&](caf::error& e) { CHECK(sys.render(e).find("disk on fire") != std::string::npos); });
  self->receive(
      [&](const caf::down_msg& d) {
        CHECK(d.source == owner.address());
        CHECK(d.reason == caf::sec::runtime_error);
      },
      caf::after(5s) >> [] { FAIL("the owner did not end"); });
  self->request(thread, 5s, job([] { return caf::make_message(7); }))
      .receive([](int x) { CHECK(x == 7); }, [&](caf::error& e) { FAIL(sys.render(e)); });
  threads->stop();
}

TEST_CASE("disk threads: stop ends every thread", "[disk_threads]") {
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto threads = disk_threads::create(sys, 3);
  for (std::size_t i = 0; i < threads->size(); ++i)
    self->monitor(threads->next());
  threads->stop();
  threads->stop();  // idempotent
  int down = 0;
  for (int i = 0; i < 3; ++i)
    self->receive([&](const caf::down_msg&) { ++down; }, caf::after(5s) >> [] {});
  CHECK(down == 3);
}

TEST_CASE("disk threads: 0 means one per core, at most four", "[disk_threads]") {
  CHECK(disk_thread_count(3) == 3);
  CHECK(disk_thread_count(0) >= 1);
  CHECK(disk_thread_count(0) <= 4);
}
