// "HOST:PORT" peers given by hand (--peer, a config's torrents[].peers): connected to
// directly, without a tracker, so a mistake here must be caught before the session starts,
// not show up as a connection that never happens.
//
// Accepted: "1.2.3.4:6881", "[::1]:6881" (IPv6 in brackets, as in URLs), and host names
// ("localhost:6881"), resolved once with getaddrinfo; a name with an IPv4 address gets it
// (a peer listening on 0.0.0.0 does not answer on ::1). Port 0 is refused: it names no
// listener.
#pragma once

#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {

expected<peer_address, std::string> parse_peer_endpoint(std::string_view host_port);

}  // namespace actorrent
