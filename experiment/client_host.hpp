// One client session of a node, owned by an actor of its own: the node's commands (start,
// stop, kill, remove, limits, faults) become calls on an actorrent::client, and at each
// host_poll_atom the node sends (every 250 ms) the client's progress goes back to the node as
// a node_client_stat. Spawned detached: a client's calls block (starting a session binds
// sockets; stopping one waits for its announces), and must not hold one of the node's
// scheduler threads meanwhile. It sets no timer: a timer pending for a detached actor when
// the actor system shuts down keeps the actor alive, and the system waits for it forever
// (CAF 0.17 stops its clock before it awaits the detached threads).
//
// However the host ends, its state goes with it and the client's destructor stops the
// session.
//
// Counts survive a stop and a start (churn): each new session's bytes and restarts are added
// to those of the sessions before it.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "actors/session_settings.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

struct client_host_config {
  std::string name;
  session_settings settings;
  std::shared_ptr<const metainfo> torrent;
  caf::actor node;  // receives node_client_stat
};

// "Read the client's progress and send it": from the node's timer. One that comes sooner than
// 200 ms after the last read (a backlog while a call blocked) is dropped.
using host_poll_atom = caf::atom_constant<caf::atom("host_poll")>;

// Answers node_client_control, node_set_limits and set_peer_kills with node_ack, or with an
// error naming the client. Ends after node_client_command::remove.
caf::actor spawn_client_host(caf::actor_system& system, client_host_config config);

}  // namespace actorrent
