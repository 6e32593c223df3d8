// The metadata fetcher: turns a magnet link into its info dictionary (BEP 9). It connects to
// the peers the link names (x.pe) and those its trackers (tr) return, one metadata peer actor
// per connection (metadata_peer.hpp), and hands out the 16 KiB pieces to ask for with
// engine/metadata_download, which checks the assembled bytes against the info-hash before
// anything may use them.
//
// Peers may announce different sizes; one download runs per announced size (at most
// `max_sizes`), so a peer lying about the size cannot stall honest ones: its download fails
// the hash with it as the sole contributor and it is banned. A piece rejected or unanswered
// is asked of another peer; a hash mismatch starts that download over. A peer that finishes
// neither handshake within `ready_timeout` is dropped for another.
//
// The result, once: the verified info dictionary and every peer address learnt on the way
// (the download that follows dials them again), or, when the actor is stopped first, an
// error. Nothing unverified ever leaves this actor.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actors/peer_connection.hpp"
#include "engine/metadata_download.hpp"
#include "protocol/magnet.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

struct fetched_metadata {
  std::string info;                 // the info dictionary, verified against the info-hash
  std::vector<peer_address> peers;  // every peer learnt of, those that served it first
};

struct metadata_fetch_config {
  magnet_link magnet;
  sha1_hash peer_id;
  std::uint16_t listen_port = 0;
  boost::asio::io_context* io = nullptr;
  peer_connection_options connection;
  std::int32_t numwant = 50;
  // Asked for peers of the info-hash (never announced: we cannot serve the torrent yet); null
  // when the DHT is off.
  caf::actor dht;
  std::size_t max_connections = 30;
  std::size_t max_sizes = 3;
  std::chrono::seconds ready_timeout{20};
  metadata_download_config download;
  // Called once, on the actor's thread: the result, or why there is none.
  std::function<void(expected<fetched_metadata, std::string>)> done;
};

caf::actor spawn_metadata_fetcher(caf::actor_system& system, metadata_fetch_config config);

}  // namespace actorrent
