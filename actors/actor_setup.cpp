#include "actors/actor_setup.hpp"

#include <caf/timespan.hpp>

#include <chrono>
#include <thread>

#include "actors/message_types.hpp"

namespace actorrent {

void register_message_types(caf::actor_system_config& cfg) {
  for_each_message_type([&cfg](auto tag, const char* name) {
    cfg.add_message_type<typename decltype(tag)::type>(name);
  });
}

actorrent_config::actorrent_config() {
  register_message_types(*this);
  auto cores = std::thread::hardware_concurrency();
  set("scheduler.max-threads", static_cast<int>(cores > 0 ? cores : 2));
  // An idle worker spins briefly, then waits on its condition variable, which every
  // enqueue from outside the scheduler (the asio thread, the disk writers) notifies. CAF's
  // default inserts 500 sleeps of 50 µs in between: on a 1 GiB download those were over half
  // of all context switches and cost 10-20 % more CPU (bench/download, docs/design-notes.md).
  set("work-stealing.moderate-poll-attempts", 0);
  set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds{5}});
}

}  // namespace actorrent
