#include "actors/message_json.hpp"

#include <algorithm>

namespace actorrent {

namespace {

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto u = b(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
  if (u >= 0xc2 && u <= 0xdf) {
    n = 2;
  } else if (u >= 0xe0 && u <= 0xef) {
    n = 3;
    if (u == 0xe0) lo = 0xa0;
    if (u == 0xed) hi = 0x9f;
  } else if (u >= 0xf0 && u <= 0xf4) {
    n = 4;
    if (u == 0xf0) lo = 0x90;
    if (u == 0xf4) hi = 0x8f;
  }
  if (n == 0 || i + n > s.size() || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if ((b(k) & 0xc0) != 0x80) return 0;
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

}  // namespace actorrent
