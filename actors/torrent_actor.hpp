// The torrent: one per torrent in a session, and the supervisor of everything that serves it
// (DESIGN.md principle 3). It checks the data on disk at start (resume data, else a
// recheck), then runs its parts, connects to the peers it learns of within the connection
// limits, adopts incoming ones, aggregates the peers' reports into the progress it answers
// get_progress with, saves resume data as pieces are verified, and on torrent_stop announces
// "stopped", saves, and ends.
//
// THE RESTART POLICY, in one place (the torrent carries it out on each child's down message):
//  - peer, outgoing: an abnormal end is reconnected after a backoff, per address, by
//    engine/restart_policy (R restarts in W, then the address is dropped for a while); a
//    violation or a ban drops the address; a normal end is left alone.
//  - peer, incoming: never called back (its listening port is unknown).
//  - piece_manager and disk_writers, one for all: they refer to each other and share the
//    blocks in flight, so both are restarted, from the verified pieces; every peer is sent
//    the new torrent_parts and re-registers (its requests of the old picker become stale).
//  - choker: restarted; every peer chokes and re-joins it, the successor unchokes anew.
//  - tracker: restarted, its announce schedule from scratch.
//  Parts share one budget (session_settings::part_supervision: R restarts in W); one more
//  failure puts the torrent in the `error` state: peers and parts end, progress says why.
// A disk-full write pauses downloads and retries later (not a failure); another disk error
// counts against the part budget. Restart counts and the last failure per kind of actor are
// in the progress (`supervision`). Whatever ends the torrent ends its children too, and the
// session marks a torrent that crashed as `error` and goes on.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>

#include "actors/block_pool.hpp"
#include "actors/disk_threads.hpp"
#include "actors/limits_in_force.hpp"
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
  std::shared_ptr<const limits_in_force> session_limits;  // null: the session has none
  caf::actor dht;                                         // null when the DHT is off
  std::uint16_t dht_port = 0;                             // its UDP port
  std::uint64_t torrent_id = 0;                           // unique in the session, not 0
};

caf::actor spawn_torrent(caf::actor_system& system, torrent_actor_config config);

}  // namespace actorrent
