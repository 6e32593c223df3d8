// What every peer actor of a torrent needs to know, built once by the torrent when its data
// is checked and shared (read-only) by all its peers and by the listener.
#pragma once

#include <caf/actor.hpp>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <vector>

#include "actors/block_pool.hpp"
#include "actors/limits_in_force.hpp"
#include "actors/peer_connection.hpp"
#include "engine/request_pipeline.hpp"
#include "protocol/handshake.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

// Payload bytes the torrent's peers moved, added by each peer as the bytes move: a peer actor
// that is killed, or ends with its torrent, takes none of them along (its last once-a-second
// report could not be counted on to arrive).
struct payload_totals {
  std::atomic<std::uint64_t> down{0};
  std::atomic<std::uint64_t> up{0};
};

struct torrent_context {
  std::shared_ptr<const metainfo> torrent;
  handshake ours;  // our handshake for this torrent (info-hash, peer id, feature bits)
  caf::actor torrent_actor;
  // The piece manager, disk writers and choker are not here: the torrent restarts them when
  // they fail, and tells its peers (torrent_parts in messages.hpp).
  caf::actor rate_limiter;
  std::uint64_t torrent_id = 0;            // this torrent's buckets in the rate limiter
  std::shared_ptr<payload_totals> totals;  // the torrent's, kept across its restarts
  // Whether a download / upload limit applies (the session's or this torrent's): only then
  // do peers ask the rate limiter before moving bytes. The session's change at runtime.
  std::shared_ptr<const limits_in_force> session_limits;
  bool torrent_limits_download = false;
  bool torrent_limits_upload = false;
  bool limit_download() const {
    return torrent_limits_download ||
           (session_limits && session_limits->download.load(std::memory_order_relaxed));
  }
  bool limit_upload() const {
    return torrent_limits_upload ||
           (session_limits && session_limits->upload.load(std::memory_order_relaxed));
  }
  boost::asio::io_context* io = nullptr;
  std::shared_ptr<block_pool> pool;
  request_pipeline_config pipeline;
  peer_connection_options connection;  // its pool is `pool`
  std::size_t max_incoming_requests = 250;
  std::uint16_t listen_port = 0;  // told to peers in the BEP 10 handshake
  bool pex = false;               // offer ut_pex (BEP 11); never for a private torrent
  // Our DHT node (BEP 5), told to peers that set the DHT bit (PORT); null and 0 when the DHT
  // is off or the torrent private (BEP 27).
  caf::actor dht;
  std::uint16_t dht_port = 0;
};

}  // namespace actorrent
