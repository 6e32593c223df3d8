#include "actors/disk_threads.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <string>
#include <thread>

#include "actors/logged_actor.hpp"

namespace actorrent {

namespace {

struct disk_thread_state {
  static inline const char* name = "disk_thread";
  std::size_t index = 0;
  io_buffer scratch;
};

using disk_thread_self = caf::stateful_actor<disk_thread_state, logged_actor>;

// A job threw: the thread carries on with the other writers' jobs, the writer whose job it
// was ends with the error, and a request is answered with it.
caf::message job_failed(disk_thread_self* self, const disk_job& job, std::string what) {
  auto error = caf::make_error(caf::sec::runtime_error, std::move(what));
  if (job.owner) self->send_exit(job.owner, error);
  const auto* element = self->current_mailbox_element();
  if (element != nullptr && element->mid.is_request()) return caf::make_message(std::move(error));
  return {};
}

// `index` only names the thread in the actor's state; a function actor also needs an argument
// in CAF 0.17, which binds a reference to a null tuple without one (UBSan reports it).
caf::behavior disk_thread(disk_thread_self* self, std::size_t index) {
  self->state.index = index;
  return {
      [=](disk_job& job) -> caf::message {
        try {
          return job.run(self, self->state.scratch);
        } catch (const std::exception& e) {
          return job_failed(self, job, e.what());
        } catch (...) {
          return job_failed(self, job, "an exception that is not a std::exception");
        }
      },
  };
}

}  // namespace

std::size_t disk_thread_count(std::size_t configured) {
  if (configured > 0) return configured;
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
}

std::shared_ptr<disk_threads> disk_threads::create(caf::actor_system& system, std::size_t count) {
  std::vector<caf::actor> threads;
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i)
    threads.push_back(system.spawn<caf::detached>(disk_thread, i));
  return std::shared_ptr<disk_threads>(new disk_threads(std::move(threads)));
}

disk_threads::disk_threads(std::vector<caf::actor> threads) : threads_(std::move(threads)) {}

disk_threads::~disk_threads() {
  stop();
}

caf::actor disk_threads::next() {
  return threads_[next_.fetch_add(1) % threads_.size()];
}

void disk_threads::stop() {
  if (stopped_.exchange(true)) return;
  for (const auto& t : threads_)
    caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
}

}  // namespace actorrent
