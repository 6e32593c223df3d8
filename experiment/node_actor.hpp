// The node: the actor `actorrent node` publishes, which an experiment's controller drives
// through the typed messages of node_messages.hpp. It owns the node's client sessions (one
// client_host each, monitored: a host that dies is reported "failed", the node goes on), an
// optional tracker, and the data it generates. Everything it writes is under `dir`:
//
//   dir/cache/SEED-SIZE/NAME     generated data, shared by the node's seeders (hard links)
//   dir/clients/CLIENT/data      a client's download directory
//   dir/clients/CLIENT/state     its resume data
//
// Authentication: node_hello with the node's secret (compared in constant time) gives a
// token; every other command must carry a token the node gave, or it is refused and logged.
// The clients a controller spawned are removed when that controller's stats subscriber goes
// down (the controller ended or its node connection was lost).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <filesystem>
#include <functional>
#include <string>

namespace actorrent {

struct node_actor_config {
  std::string secret;  // "" : any node_hello is welcome (a loopback node, or TLS)
  std::filesystem::path dir;
  std::string host;         // the address the node's clients and tracker listen on
  std::string description;  // "HOST:PORT pid N": told to controllers, used in stats
  // Called once node_shutdown was answered and every client has stopped.
  std::function<void()> on_shutdown;
};

caf::actor spawn_node(caf::actor_system& system, node_actor_config config);

}  // namespace actorrent
