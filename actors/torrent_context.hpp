// What every peer actor of a torrent needs to know, built once by the torrent when its data
// is checked and shared (read-only) by all its peers and by the listener.
#pragma once

#include <caf/actor.hpp>

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <vector>

#include "actors/block_pool.hpp"
#include "actors/peer_connection.hpp"
#include "engine/request_pipeline.hpp"
#include "protocol/handshake.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

struct torrent_context {
  std::shared_ptr<const metainfo> torrent;
  handshake ours;  // our handshake for this torrent (info-hash, peer id, feature bits)
  caf::actor torrent_actor;
  // The piece manager, disk writers and choker are not here: the torrent restarts them when
  // they fail, and tells its peers (torrent_parts in messages.hpp).
  caf::actor rate_limiter;
  std::uint64_t torrent_id = 0;  // this torrent's buckets in the rate limiter
  // Whether a download / upload limit applies (the session's or this torrent's): only then
  // do peers ask the rate limiter before moving bytes.
  bool limit_download = false;
  bool limit_upload = false;
  boost::asio::io_context* io = nullptr;
  std::shared_ptr<block_pool> pool;
  request_pipeline_config pipeline;
  peer_connection_options connection;  // its pool is `pool`
  std::size_t max_incoming_requests = 250;
  std::uint16_t listen_port = 0;  // told to peers in the BEP 10 handshake
  bool pex = false;               // offer ut_pex (BEP 11); never for a private torrent
};

}  // namespace actorrent
