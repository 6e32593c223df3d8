#include "protocol/peer_address.hpp"

#include <arpa/inet.h>

namespace actorrent {

peer_address peer_address::v4_address(std::array<std::uint8_t, 4> ip, std::uint16_t port) {
  peer_address p;
  for (std::size_t i = 0; i < 4; ++i)
    p.ip[i] = ip[i];
  p.port = port;
  return p;
}

std::optional<peer_address> peer_address::parse_ip(std::string_view ip, std::uint16_t port) {
  // inet_pton reads a C string: "1.2.3.4\0junk" would otherwise pass as 1.2.3.4.
  if (ip.find('\0') != std::string_view::npos) return std::nullopt;
  std::string text(ip);
  peer_address p;
  p.port = port;
  if (::inet_pton(AF_INET, text.c_str(), p.ip.data()) == 1) return p;
  if (::inet_pton(AF_INET6, text.c_str(), p.ip.data()) == 1) {
    p.v6 = true;
    return p;
  }
  return std::nullopt;
}

std::string peer_address::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
  return buf;
}

std::string peer_address::to_string() const {
  return (v6 ? "[" + ip_string() + "]" : ip_string()) + ":" + std::to_string(port);
}

void append_compact(const peer_address& peer, std::string& out) {
  out.append(reinterpret_cast<const char*>(peer.ip.data()), peer.v6 ? 16 : 4);
  out.push_back(static_cast<char>(peer.port >> 8));
  out.push_back(static_cast<char>(peer.port & 0xff));
}

static std::optional<std::vector<peer_address>> parse_compact(std::string_view bytes, bool v6) {
  const std::size_t entry = v6 ? compact_v6_size : compact_v4_size;
  if (bytes.size() % entry != 0) return std::nullopt;
  std::vector<peer_address> peers;
  peers.reserve(bytes.size() / entry);
  for (std::size_t off = 0; off < bytes.size(); off += entry) {
    peer_address p;
    p.v6 = v6;
    const std::size_t ip_len = v6 ? 16 : 4;
    for (std::size_t i = 0; i < ip_len; ++i)
      p.ip[i] = static_cast<std::uint8_t>(bytes[off + i]);
    p.port = static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes[off + ip_len]) << 8) |
                                        static_cast<std::uint8_t>(bytes[off + ip_len + 1]));
    peers.push_back(p);
  }
  return peers;
}

std::optional<std::vector<peer_address>> parse_compact_v4(std::string_view bytes) {
  return parse_compact(bytes, false);
}

std::optional<std::vector<peer_address>> parse_compact_v6(std::string_view bytes) {
  return parse_compact(bytes, true);
}

}  // namespace actorrent
