// The threads that do a session's blocking disk work (pwrite, pread, fdatasync, hashing what
// was written), shared by all its torrents. Each is a detached actor that runs the jobs sent
// to it one after the other, in the order they arrive.
//
// Why shared: every torrent used to own its disk writers as detached actors, one thread each,
// up to 4 per torrent: a session seeding 200 torrents ran 400-800 threads, about 19 KiB of
// RSS per thread (stack, malloc arena state), and nothing bounded the count (bench/scale).
// The work they do is CPU-bound hashing and page-cache copies, for which more threads than
// cores only adds switching. So a session has a fixed set of threads, and a torrent's disk
// writers (actors/disk_writer.hpp) are cheap scheduled actors, each pinned to one of them.
//
// Thread-safe. Destroying the set, or stop(), ends the threads; jobs still queued are
// dropped.
#pragma once

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "actors/field_name.hpp"
#include "storage/io_buffer.hpp"

namespace actorrent {

// One piece of blocking work, delegated to a disk thread by the actor that received the
// request for it: what run returns is the reply to that request (an empty message: none),
// and `self` (the disk thread) sends anything else. `scratch` is the thread's buffer for
// reading back, reused from job to job. Should run throw, `owner` is ended with the error
// (as a disk writer on its own thread would have died) and a request gets the error.
struct disk_job {
  std::function<caf::message(caf::event_based_actor* self, io_buffer& scratch)> run;
  caf::actor owner;
};

// What the message log writes for a job (local only: a function is not data).
template <class Inspector>
void describe(Inspector& f, disk_job& x) {
  f(field("owner"), x.owner);
}

// The threads for `disk.threads` (0: one per core, at most 4).
std::size_t disk_thread_count(std::size_t configured);

class disk_threads {
 public:
  // `count` threads (at least one).
  static std::shared_ptr<disk_threads> create(caf::actor_system& system, std::size_t count);
  ~disk_threads();
  disk_threads(const disk_threads&) = delete;
  disk_threads& operator=(const disk_threads&) = delete;

  // The thread for a new disk writer: each in turn, so that the writers of one torrent, made
  // one after the other, land on distinct threads.
  caf::actor next();
  std::size_t size() const { return threads_.size(); }
  const std::vector<caf::actor>& actors() const { return threads_; }
  // Ends the threads (jobs still queued are dropped). Idempotent.
  void stop();

 private:
  explicit disk_threads(std::vector<caf::actor> threads);
  const std::vector<caf::actor> threads_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace actorrent

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::disk_job)
