// A disk writer: one per share of a torrent's pieces. It writes received blocks through
// file_storage, hashes each piece as its blocks arrive (piece_hash_cursor: in-order blocks
// are hashed from the buffer being written, the rest read back when the piece is complete),
// tells the torrent which pieces passed or failed, acknowledges every block to its sender
// (the credit that lets a paused connection read again), serves block reads for uploads, and
// reports disk errors by kind.
//
// The actor is a cheap scheduled one; the blocking work (pwrite, pread, fdatasync, SHA-1)
// runs on one of the session's disk threads (actors/disk_threads.hpp), the same one for all
// of this writer's work, so it is done one message at a time, in order, as on a thread of its
// own. Replies to requests come from that thread, straight to whoever asked.
// A piece whose write (or read-back) failed is never verified: the writer forgets its blocks
// and sends piece_write_failed, so that the piece manager has all of it downloaded again.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <filesystem>
#include <memory>
#include <mutex>

#include "actors/block_pool.hpp"
#include "actors/disk_threads.hpp"
#include "engine/fault_schedule.hpp"
#include "protocol/bitfield.hpp"
#include "protocol/metainfo.hpp"
#include "storage/file_io.hpp"

namespace actorrent {

// Injected write failures (config "faults.disk_write_*"): one schedule counts the writes
// of all of a torrent's disk writers (copies share it), each failing write gets `error`.
class disk_write_faults {
 public:
  disk_write_faults() = default;  // none
  disk_write_faults(fault_schedule schedule, int error);

  // The errno the next write fails with; 0: it succeeds. Thread-safe.
  int next();
  bool enabled() const { return shared_ != nullptr; }

 private:
  struct shared_state {
    std::mutex mutex;
    fault_counter counter;
    int error = 0;
  };
  std::shared_ptr<shared_state> shared_;
};

struct disk_writer_config {
  std::shared_ptr<const metainfo> torrent;
  std::filesystem::path download_dir;
  storage_options storage;
  bitfield verified;  // pieces already verified (from resume data or a recheck)
  // Receives piece_checked, piece_write_failed and disk_failure: the piece manager, in a
  // session.
  caf::actor torrent_actor;
  std::shared_ptr<block_pool> pool;  // buffers for block reads
  disk_write_faults faults;
  // The session's disk threads; null: the writer gets a thread of its own, which ends with it.
  std::shared_ptr<disk_threads> threads;
};

caf::actor spawn_disk_writer(caf::actor_system& system, disk_writer_config config);

}  // namespace actorrent
