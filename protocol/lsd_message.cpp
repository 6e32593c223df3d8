#include "protocol/lsd_message.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/hex.hpp"

namespace actorrent {

namespace {

constexpr std::string_view request_line = "BT-SEARCH * HTTP/1.1";
constexpr std::size_t max_received = 8 * 1024;
constexpr std::size_t max_kept_hashes = 64;
constexpr std::size_t hash_line = std::string_view("Infohash: \r\n").size() + 40;

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::size_t fixed_size(std::string_view host, std::string_view cookie) {
  std::size_t n = request_line.size() + 2;  // request line
  n += 6 + host.size() + 2;                 // Host: …
  n += std::string_view("Port: 65535\r\n").size();
  if (!cookie.empty()) n += 8 + cookie.size() + 2;  // cookie: …
  return n + 4;                                     // the two empty lines
}

unexpected<lsd_error> fail(std::size_t line, std::string_view what) {
  return make_unexpected(lsd_error{"line " + std::to_string(line) + ": " + std::string(what)});
}

}  // namespace

std::size_t lsd_max_hashes(std::string_view host, std::string_view cookie) {
  auto fixed = fixed_size(host, cookie);
  return fixed >= lsd_max_datagram ? 0 : (lsd_max_datagram - fixed) / hash_line;
}

std::string encode_lsd_announce(const lsd_announce& a, std::string_view host) {
  std::string out;
  out.reserve(fixed_size(host, a.cookie) + a.info_hashes.size() * hash_line);
  out.append(request_line).append("\r\n");
  out.append("Host: ").append(host).append("\r\n");
  out.append("Port: ").append(std::to_string(a.port)).append("\r\n");
  for (const auto& h : a.info_hashes)
    out.append("Infohash: ").append(h.hex()).append("\r\n");
  if (!a.cookie.empty()) out.append("cookie: ").append(a.cookie).append("\r\n");
  out.append("\r\n\r\n");
  return out;
}

expected<lsd_announce, lsd_error> decode_lsd_announce(std::string_view datagram) {
  if (datagram.size() > max_received)
    return make_unexpected(lsd_error{"announce of " + std::to_string(datagram.size()) +
                                     " bytes (at most " + std::to_string(max_received) + ")"});
  lsd_announce out;
  bool have_port = false;
  std::size_t line_no = 0;
  while (!datagram.empty()) {
    auto end = datagram.find('\n');
    auto line = trim(datagram.substr(0, end));
    datagram.remove_prefix(end == std::string_view::npos ? datagram.size() : end + 1);
    ++line_no;
    if (line_no == 1) {
      if (line != request_line)
        return fail(1, "not an LSD announce (expected \"BT-SEARCH * HTTP/1.1\")");
      continue;
    }
    if (line.empty()) break;  // the end of the headers
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail(line_no, "header without ':'");
    auto name = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (same_name(name, "Port")) {
      unsigned long port = 0;
      bool digits =
          !value.empty() && value.size() <= 5 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) port = std::stoul(std::string(value));
      if (!digits || port == 0 || port > 65535)
        return fail(line_no,
                    "Port: expected 1..65535, got \"" + std::string(value.substr(0, 16)) + "\"");
      out.port = static_cast<std::uint16_t>(port);
      have_port = true;
    } else if (same_name(name, "Infohash")) {
      auto raw = value.size() == 40 ? from_hex(value) : std::nullopt;
      if (!raw) return fail(line_no, "Infohash: expected 40 hex digits");
      auto h = sha1_hash::from_bytes(*raw);
      if (out.info_hashes.size() < max_kept_hashes &&
          std::find(out.info_hashes.begin(), out.info_hashes.end(), h) == out.info_hashes.end())
        out.info_hashes.push_back(h);
    } else if (same_name(name, "cookie")) {
      out.cookie = std::string(value.substr(0, 64));
    }
  }
  if (line_no == 0) return fail(1, "empty datagram");
  if (!have_port) return fail(line_no, "no Port header");
  if (out.info_hashes.empty()) return fail(line_no, "no Infohash header");
  return out;
}

}  // namespace actorrent
