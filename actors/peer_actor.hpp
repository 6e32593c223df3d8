// The peer actor: one per peer-wire connection (DESIGN.md: each peer connection is its own
// actor that owns the connection's protocol state). It owns a peer_connection (asio), whose
// callbacks arrive as messages; it speaks the protocol — interest, choking, request
// pipelining sized by the measured rate, serving requests through the disk writer, HAVE
// after each verified piece, BEP 6 where both sides set the bit — and asks the piece manager
// which blocks to request. It ends with a peer_exit reason (peer_exit.hpp) that tells the
// torrent's supervision whether to reconnect.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>

#include "actors/messages.hpp"
#include "actors/peer_connection.hpp"
#include "actors/torrent_context.hpp"
#include "engine/peer_key.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {

// Connects to `address`; the torrent that spawns it monitors it.
caf::actor spawn_outgoing_peer(caf::actor_system& system,
                               std::shared_ptr<const torrent_context> context, torrent_parts parts,
                               peer_key key, peer_address address);

// For a connection accepted by the listener, once the remote's info-hash named this
// torrent: the actor takes over `connection`, whose callbacks must forward to it (see
// forwarding_callbacks), and joins the torrent with a peer_joined, whose answer carries the
// torrent's parts.
caf::actor spawn_incoming_peer(caf::actor_system& system,
                               std::shared_ptr<const torrent_context> context, peer_key key,
                               peer_address address, std::shared_ptr<peer_connection> connection);

// Callbacks that turn the connection's events into messages to the actor `target()` returns
// (null: dropped). choose_handshake is left empty.
peer_connection_callbacks forwarding_callbacks(std::function<caf::actor()> target);

}  // namespace actorrent
