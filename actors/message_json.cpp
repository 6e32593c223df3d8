#include "actors/message_json.hpp"

#include <algorithm>

namespace actorrent {

namespace {

// The length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto u = static_cast<unsigned char>(s[i]);
  std::size_t n = u >= 0xf0 && u <= 0xf4 ? 4 : u >= 0xe0 ? 3 : u >= 0xc2 && u <= 0xdf ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  // Long strings (bitfields, extension payloads) would swamp a line; their start and size
  // say enough.
  const std::size_t shown = std::min(s.size(), max_json_string);
  out += '"';
  for (std::size_t i = 0; i < shown; ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u >= 0x80) {
          // Valid UTF-8 stays readable; any other byte (binary payloads) is escaped, so the
          // line is always valid JSON.
          if (auto n = utf8_length(s, i)) {
            out.append(s.data() + i, n);
            i += n - 1;
            break;
          }
        }
        if (u < 0x20 || u >= 0x7f) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 15];
        } else {
          out += c;
        }
    }
  }
  if (shown < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
  out += '"';
}

void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 15];
  }
}

}  // namespace actorrent
