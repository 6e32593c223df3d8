// The session: the root of the supervision tree (DESIGN.md principle 3). It adds torrents
// (one torrent actor each, monitored: a torrent that dies is shown in error, the session goes
// on), answers get_progress with every torrent's progress, and on torrent_stop stops them all
// (each announces "stopped" and saves resume data) before it ends.
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

struct session_actor_config {
  std::shared_ptr<const session_settings> settings;
  sha1_hash peer_id;
  std::uint16_t listen_port = 0;
  boost::asio::io_context* io = nullptr;
  std::shared_ptr<block_pool> pool;
  std::shared_ptr<disk_threads> disk;
  std::shared_ptr<open_file_cache> file_cache;
  std::shared_ptr<disk_threads> checker;
  std::shared_ptr<torrent_registry> registry;
  std::filesystem::path state_dir;
  caf::actor listener;      // ended with the session
  caf::actor rate_limiter;  // likewise
  caf::actor lsd;           // likewise; null when local service discovery is off
  caf::actor dht;           // null when the DHT is off; told of each torrent by the torrent
  std::uint16_t dht_port = 0;
  std::shared_ptr<const limits_in_force> session_limits;  // whether the rate limiter's are on
};

caf::actor spawn_session(caf::actor_system& system, session_actor_config config);

}  // namespace actorrent
