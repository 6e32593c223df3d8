#include "main/peer_endpoint.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <optional>

namespace actorrent {

namespace {

constexpr const char* form = " (expected HOST:PORT, e.g. 192.0.2.7:6881 or [2001:db8::7]:6881)";

expected<std::uint16_t, std::string> parse_port(std::string_view text, std::string_view whole) {
  const std::string where = "'" + std::string(whole) + "': ";
  if (text.empty()) return make_unexpected(where + "missing port" + form);
  // Five digits at most keeps the accumulation below overflow whatever the input.
  if (text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return make_unexpected(where + "port '" + std::string(text) + "' is not a number 1..65535");
  std::uint32_t port = 0;
  for (char c : text)
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
  if (port == 0) return make_unexpected(where + "port 0 names no listener (1..65535)");
  if (port > 65535) return make_unexpected(where + "port " + std::string(text) + " is over 65535");
  return static_cast<std::uint16_t>(port);
}

// Only the characters a DNS name can have: anything else is a typo or junk, and is refused
// here rather than handed to the resolver.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  char previous = '.';
  for (char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '.') return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

expected<peer_address, std::string> resolve(const std::string& host, std::uint16_t port,
                                            std::string_view whole) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list); rc != 0) {
    return make_unexpected("'" + std::string(whole) + "': cannot resolve '" + host +
                           "': " + ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(list, &::freeaddrinfo);
  std::optional<peer_address> v6;
  for (const addrinfo* a = list; a; a = a->ai_next) {
    peer_address p;
    p.port = port;
    if (a->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      std::memcpy(p.ip.data(), &sin->sin_addr, 4);
      return p;
    }
    if (a->ai_family == AF_INET6 && !v6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      std::memcpy(p.ip.data(), &sin6->sin6_addr, 16);
      p.v6 = true;
      v6 = p;
    }
  }
  if (v6) return *v6;
  return make_unexpected("'" + std::string(whole) + "': '" + host + "' has no IP address");
}

}  // namespace

expected<peer_address, std::string> parse_peer_endpoint(std::string_view text) {
  const std::string where = "'" + std::string(text) + "': ";
  if (text.empty()) return make_unexpected("empty peer address" + std::string(form));

  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return make_unexpected(where + "missing ']' after the IPv6 address" + form);
    const std::string_view ip = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return make_unexpected(where + "missing port" + form);
    auto port = parse_port(rest.substr(1), text);
    if (!port) return make_unexpected(port.error());
    auto address = peer_address::parse_ip(ip, *port);
    if (!address || !address->v6)
      return make_unexpected(where + "'" + std::string(ip) + "' is not an IPv6 address");
    return *address;
  }

  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return make_unexpected(where + "missing port" + form);
  const std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos)
    return make_unexpected(where + "an IPv6 address goes in brackets, as in [::1]:6881");
  if (host.empty()) return make_unexpected(where + "missing host" + form);
  auto port = parse_port(text.substr(colon + 1), text);
  if (!port) return make_unexpected(port.error());
  if (auto address = peer_address::parse_ip(host, *port)) return *address;
  // The resolver would read "10.1" or "1.2.3.300" in inet_aton's legacy forms or ask DNS.
  if (host.find_first_not_of("0123456789.") == std::string_view::npos)
    return make_unexpected(where + "'" + std::string(host) + "' is not an IPv4 address");
  if (!is_host_name(host))
    return make_unexpected(where + "'" + std::string(host) + "' is not an IP address or host name");
  return resolve(std::string(host), *port, text);
}

}  // namespace actorrent
