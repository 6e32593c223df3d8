// The listener: accepts incoming peer connections on the session's port. The acceptor runs
// on the asio thread; each accepted connection reads the remote handshake, and when its
// info-hash names a torrent of the registry (and the global connection budget allows), a
// peer actor is spawned for that torrent and takes the connection over. The actor owns the
// acceptor: when it ends, the port is closed.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/peer_connection.hpp"
#include "actors/torrent_registry.hpp"
#include "protocol/expected.hpp"

namespace actorrent {

struct listener_handle {
  caf::actor actor;
  std::uint16_t port = 0;  // the bound port (the one asked for, or the kernel's pick for 0)
};

// Binds at once, so that a port in use is an error here, with the address in it.
expected<listener_handle, std::string> spawn_listener(caf::actor_system& system,
                                                      boost::asio::io_context& io,
                                                      std::shared_ptr<torrent_registry> registry,
                                                      const std::string& address,
                                                      std::uint16_t port,
                                                      peer_connection_options options);

}  // namespace actorrent
