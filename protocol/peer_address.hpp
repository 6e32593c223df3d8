// A peer's IP address and port, and the compact forms trackers, PEX and the DHT use for
// them: 6 bytes for IPv4 (BEP 23), 18 bytes for IPv6 (BEP 7), address then port, both in
// network byte order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actorrent {

struct peer_address {
  // IPv4 addresses use the first 4 bytes; the rest are zero.
  std::array<std::uint8_t, 16> ip{};
  bool v6 = false;
  std::uint16_t port = 0;

  static peer_address v4_address(std::array<std::uint8_t, 4> ip, std::uint16_t port);
  // Parses an IP literal ("1.2.3.4", "::1", not a host name); nullopt when not one.
  static std::optional<peer_address> parse_ip(std::string_view ip, std::uint16_t port);

  std::string ip_string() const;  // "1.2.3.4", "::1"
  std::string to_string() const;  // "1.2.3.4:6881", "[::1]:6881"

  friend bool operator==(const peer_address& a, const peer_address& b) {
    return a.v6 == b.v6 && a.port == b.port && a.ip == b.ip;
  }
  friend bool operator!=(const peer_address& a, const peer_address& b) { return !(a == b); }
  friend bool operator<(const peer_address& a, const peer_address& b) {
    if (a.v6 != b.v6) return !a.v6;
    if (a.ip != b.ip) return a.ip < b.ip;
    return a.port < b.port;
  }
};

constexpr std::size_t compact_v4_size = 6;
constexpr std::size_t compact_v6_size = 18;

void append_compact(const peer_address& peer, std::string& out);  // 6 or 18 bytes
// A list of compact peers; nullopt when the length is not a multiple of the entry size.
std::optional<std::vector<peer_address>> parse_compact_v4(std::string_view bytes);
std::optional<std::vector<peer_address>> parse_compact_v6(std::string_view bytes);

}  // namespace actorrent
