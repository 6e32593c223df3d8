// The torrent: one per torrent in a session, and the supervisor of everything that serves it
// (DESIGN.md principle 3). It checks the data on disk at start (resume data, else a
// recheck), then runs its disk writer, piece manager, choker and tracker actor, connects to
// the peers it learns of within the connection limits, adopts incoming ones, and supervises
// its peer actors: an abnormal end is reconnected after the restart policy's backoff, a
// protocol violation or a ban drops the address, a normal end is left alone. It aggregates
// the peers' reports into the progress it answers get_progress with, saves resume data as
// pieces are verified, and on torrent_stop announces "stopped", saves, and ends.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>

#include "actors/block_pool.hpp"
#include "actors/disk_threads.hpp"
#include "actors/session_settings.hpp"
#include "actors/torrent_registry.hpp"
#include "protocol/sha1.hpp"
#include "storage/open_file_cache.hpp"

namespace actorrent {

struct torrent_actor_config {
  torrent_params params;  // params.download_dir resolved
  std::shared_ptr<const session_settings> settings;
  sha1_hash peer_id;
  std::uint16_t listen_port = 0;  // what trackers are told
  boost::asio::io_context* io = nullptr;
  std::shared_ptr<block_pool> pool;
  std::shared_ptr<disk_threads> disk;           // the session's, shared by its disk writers
  std::shared_ptr<open_file_cache> file_cache;  // the session's descriptor budget
  // Runs the torrents' data checks, a few at a time; null: each on a thread of its own.
  std::shared_ptr<disk_threads> checker;
  std::shared_ptr<torrent_registry> registry;
  std::filesystem::path state_dir;
  bitfield wanted;  // pieces of the selected files; empty: all
  caf::actor rate_limiter;
  std::uint64_t torrent_id = 0;  // unique in the session, not 0
};

caf::actor spawn_torrent(caf::actor_system& system, torrent_actor_config config);

}  // namespace actorrent
