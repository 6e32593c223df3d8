// What the UDP tracker answers to one datagram (BEP 15), apart from any socket. Datagrams
// that do not decode get no answer at all: answering garbage from a possibly spoofed source
// would make us a reflector. Requests with a connection id that does not check out, and
// announces the store refuses, get an error action with the reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/peer_address.hpp"
#include "tracker/server/connection_ids.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::server {

// `from` is the datagram's source. Its family decides the peers' family in an announce
// answer (6-byte IPv4 or 18-byte IPv6 entries, as BEP 15 specifies).
std::optional<std::string> answer_udp(std::string_view datagram, const peer_address& from,
                                      swarm_store& store, const connection_ids& ids,
                                      tracker_clock::time_point now);

}  // namespace actorrent::server
