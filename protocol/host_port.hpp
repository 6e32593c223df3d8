// "host:port" as written in a config or on the command line, split without resolving
// anything: for addresses that are resolved later, on the asio thread (DHT bootstrap nodes).
// Accepted: "1.2.3.4:6881", "[::1]:6881", "router.example.org:6881"; port 1..65535.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace actorrent {

struct host_port {
  std::string host;  // an IP literal (without brackets) or a DNS name
  std::uint16_t port = 0;
};

// The error quotes the text and says what is wrong with it.
expected<host_port, std::string> split_host_port(std::string_view text);

// The reverse: "host:port", an IPv6 literal in brackets ("[::1]:0"); any port, 0 included.
std::string join_host_port(std::string_view host, std::uint16_t port);

}  // namespace actorrent
