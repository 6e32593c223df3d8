// "HOST:PORT" listener addresses for the tracker server's --http/--udp options and config,
// and the conversions between asio's addresses and the protocol's peer_address.
//
// HOST is an IP literal: "127.0.0.1:6969", "0.0.0.0:6969", "[::1]:6969", "[::]:0". Names are
// refused rather than resolved: a listener bound to whatever a resolver answered first is a
// surprise nobody asked for. Port 0 asks the system for a free port.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent::server {

struct listen_address {
  boost::asio::ip::address ip;
  std::uint16_t port = 0;
};

expected<listen_address, std::string> parse_listen_address(std::string_view text);

// "127.0.0.1:6969", "[::1]:6969": the form parse_listen_address reads.
std::string to_string(const boost::asio::ip::address& ip, std::uint16_t port);

// IPv4-mapped IPv6 addresses (from a dual-stack socket) become plain IPv4: the peer is an
// IPv4 peer and belongs in `peers`, not `peers6`.
peer_address to_peer_address(const boost::asio::ip::address& ip, std::uint16_t port);

}  // namespace actorrent::server
