// The disk writer: one per torrent, on its own thread (a detached actor: pwrite, pread and
// fdatasync block). It writes received blocks through file_storage, hashes each piece as
// its blocks arrive (piece_hash_cursor: in-order blocks are hashed from the buffer being
// written, the rest read back when the piece is complete), tells the torrent which pieces
// passed or failed, acknowledges every block to its sender (the credit that lets a paused
// connection read again), serves block reads for uploads, and reports disk errors by kind.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <filesystem>
#include <memory>

#include "actors/block_pool.hpp"
#include "protocol/bitfield.hpp"
#include "protocol/metainfo.hpp"
#include "storage/file_io.hpp"

namespace actorrent {

struct disk_writer_config {
  std::shared_ptr<const metainfo> torrent;
  std::filesystem::path download_dir;
  storage_options storage;
  bitfield verified;  // pieces already verified (from resume data or a recheck)
  // Receives piece_checked and disk_failure: the piece manager, in a session.
  caf::actor torrent_actor;
  std::shared_ptr<block_pool> pool;  // buffers for block reads
};

caf::actor spawn_disk_writer(caf::actor_system& system, disk_writer_config config);

}  // namespace actorrent
