// A metadata peer: one connection of a magnet link's metadata fetch (BEP 9). Before the info
// dictionary is known there are no pieces, no picker and no disk, so this is not a peer
// actor: it does the BitTorrent handshake (with BEP 10's bit), says it has nothing (BEP 6
// HAVE NONE, when the peer speaks it), sends our extension handshake, tells the fetcher what
// metadata size the peer announced, and then carries ut_metadata requests out and pieces
// and rejects back. Everything else the peer says is ignored. It ends with a peer_exit
// reason (peer_exit.hpp); the fetcher monitors it.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <cstdint>

#include "actors/peer_connection.hpp"
#include "engine/peer_key.hpp"
#include "protocol/handshake.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {

struct metadata_peer_config {
  caf::actor fetcher;
  boost::asio::io_context* io = nullptr;
  handshake ours;  // the magnet's info-hash, our peer id, BEP 6 and BEP 10 bits
  peer_connection_options connection;
  std::uint16_t listen_port = 0;  // told in the extension handshake
  peer_key key = 0;
  peer_address address;
};

caf::actor spawn_metadata_peer(caf::actor_system& system, metadata_peer_config config);

}  // namespace actorrent
