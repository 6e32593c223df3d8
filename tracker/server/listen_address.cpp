#include "tracker/server/listen_address.hpp"

namespace actorrent::server {

expected<listen_address, std::string> parse_listen_address(std::string_view text) {
  const std::string quoted = "'" + std::string(text.substr(0, 80)) + "'";
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_unexpected(quoted + ": expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_unexpected(quoted + ": expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return make_unexpected(quoted + ": write an IPv6 address in brackets, [::1]:6969");
  }
  if (port.empty() || port.size() > 5)
    return make_unexpected(quoted + ": port must be a number 0..65535");
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return make_unexpected(quoted + ": port must be a number 0..65535");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return make_unexpected(quoted + ": port must be a number 0..65535");
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return make_unexpected(quoted + ": host must be an IP address");
  return listen_address{ip, static_cast<std::uint16_t>(value)};
}

std::string to_string(const boost::asio::ip::address& ip, std::uint16_t port) {
  const std::string host = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
  return host + ":" + std::to_string(port);
}

peer_address to_peer_address(const boost::asio::ip::address& ip, std::uint16_t port) {
  peer_address p;
  p.port = port;
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    auto b = ip.to_v6().to_bytes();
    for (std::size_t i = 0; i < 4; ++i)
      p.ip[i] = b[12 + i];
  } else if (ip.is_v6()) {
    auto b = ip.to_v6().to_bytes();
    for (std::size_t i = 0; i < 16; ++i)
      p.ip[i] = b[i];
    p.v6 = true;
  } else {
    auto b = ip.to_v4().to_bytes();
    for (std::size_t i = 0; i < 4; ++i)
      p.ip[i] = b[i];
  }
  return p;
}

}  // namespace actorrent::server
