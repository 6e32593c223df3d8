// Peers are opaque keys to the engine: the classes decide about peers without knowing how
// a connection is addressed, and the actor shell maps keys to peer actors. One alias
// shared by every engine class so that a key means the same peer everywhere.
#pragma once

#include <cstdint>

namespace actorrent {

using peer_key = std::uint64_t;

}  // namespace actorrent
