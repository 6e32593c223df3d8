#include "protocol/host_port.hpp"

namespace actorrent {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == ':';  // ':' only inside brackets, checked by the caller
}

}  // namespace

expected<host_port, std::string> split_host_port(std::string_view text) {
  const std::string where = "'" + std::string(text) + "': ";
  const std::string form = " (expected HOST:PORT, e.g. 192.0.2.7:6881 or router.example.org:6881)";
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_unexpected(where + "an IPv6 address needs [ADDRESS]:PORT" + form);
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_unexpected(where + "missing port" + form);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return make_unexpected(where + "an IPv6 address needs [ADDRESS]:PORT" + form);
  }
  if (host.empty()) return make_unexpected(where + "missing host" + form);
  if (host.size() > 253) return make_unexpected(where + "a host of over 253 characters" + form);
  for (char c : host)
    if (!is_name_char(c))
      return make_unexpected(where + "the host has a character no address or name has" + form);
  // Five digits at most keeps the accumulation below overflow.
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos)
    return make_unexpected(where + "the port is not a number 1..65535" + form);
  std::uint32_t value = 0;
  for (char c : port)
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  if (value == 0 || value > 65535)
    return make_unexpected(where + "the port is not a number 1..65535" + form);
  return host_port{std::string(host), static_cast<std::uint16_t>(value)};
}

std::string join_host_port(std::string_view host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string out = v6 ? "[" + std::string(host) + "]" : std::string(host);
  return out + ":" + std::to_string(port);
}

}  // namespace actorrent
