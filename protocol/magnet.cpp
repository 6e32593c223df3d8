#include "protocol/magnet.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "protocol/hex.hpp"

namespace actorrent {

namespace {

// Error messages quote user input; keep them one readable line however hostile the input.
std::string quoted(std::string_view text) {
  constexpr std::size_t max_shown = 64;  // characters of message, escapes included
  std::string out = "'";
  std::size_t i = 0;
  for (; i < text.size() && out.size() <= max_shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < text.size()) out += "...";
  out += "'";
  return out;
}

unexpected<magnet_error> fail(std::string_view param, const std::string& problem) {
  return make_unexpected(magnet_error{"magnet: " + std::string(param) + ": " + problem});
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

// "xt", and "xt.1", "xt.2"..., which some clients emit when a magnet carries several.
bool key_is(std::string_view key, std::string_view name) {
  if (key.substr(0, name.size()) != name) return false;
  if (key.size() == name.size()) return true;
  return key[name.size()] == '.' && all_digits(key.substr(name.size() + 1));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// '+' means space only in dn: in tracker URLs it is a literal '+' (e.g. in a passkey).
expected<std::string, magnet_error> percent_decode(std::string_view param, std::string_view value,
                                                   bool plus_is_space) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '%') {
      const int hi = i + 1 < value.size() ? hex_digit(value[i + 1]) : -1;
      const int lo = i + 2 < value.size() ? hex_digit(value[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return fail(param, "bad percent-escape " + quoted(value.substr(i, 3)) + " at offset " +
                               std::to_string(i) + " of " + quoted(value));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  // Values end up in C APIs (libcurl, resolvers, file names) where NUL truncates silently.
  if (out.find('\0') != std::string::npos) {
    return fail(param, "value " + quoted(value) + " decodes to a NUL byte");
  }
  return out;
}

expected<sha1_hash, magnet_error> parse_btih(std::string_view hash) {
  std::optional<std::string> raw;
  if (hash.size() == 40) {
    raw = from_hex(hash);
    if (!raw) return fail("xt", "urn:btih info-hash " + quoted(hash) + " is not valid hex");
  } else if (hash.size() == 32) {
    raw = from_base32(hash);
    if (!raw) return fail("xt", "urn:btih info-hash " + quoted(hash) + " is not valid base32");
  } else {
    return fail("xt", "urn:btih info-hash must be 40 hex or 32 base32 characters, got " +
                          std::to_string(hash.size()) + " in " + quoted(hash));
  }
  return sha1_hash::from_bytes(*raw);
}

std::optional<std::uint32_t> parse_u32(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > UINT32_MAX) return std::nullopt;
  }
  return static_cast<std::uint32_t>(n);
}

bool valid_host_name(std::string_view host) {
  constexpr std::size_t max_dns_name = 253;
  if (host.size() > max_dns_name) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
           c == '.' || c == '_';
  });
}

bool valid_ip(int family, const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(family, host.c_str(), buffer) == 1;
}

expected<magnet_peer, magnet_error> parse_peer(std::string_view value) {
  const std::string where = " in " + quoted(value);
  std::string_view host;
  std::string_view port_text;
  if (!value.empty() && value.front() == '[') {
    const std::size_t close = value.find(']');
    if (close == std::string_view::npos) return fail("x.pe", "unterminated '['" + where);
    host = value.substr(1, close - 1);
    const std::string_view rest = value.substr(close + 1);
    if (rest.empty() || rest.front() != ':')
      return fail("x.pe", "missing ':port' after ']'" + where);
    port_text = rest.substr(1);
    if (!valid_ip(AF_INET6, std::string(host))) {
      return fail("x.pe", quoted(host) + " is not a valid IPv6 address" + where);
    }
  } else {
    const std::size_t colon = value.rfind(':');
    if (colon == std::string_view::npos) return fail("x.pe", "missing ':port'" + where);
    host = value.substr(0, colon);
    port_text = value.substr(colon + 1);
    if (host.empty()) return fail("x.pe", "empty host" + where);
    if (host.find(':') != std::string_view::npos) {
      return fail("x.pe", "an IPv6 address needs brackets, like [::1]:6881" + where);
    }
    const bool looks_numeric =
        std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
    if (looks_numeric) {
      if (!valid_ip(AF_INET, std::string(host))) {
        return fail("x.pe", quoted(host) + " is not a valid IPv4 address" + where);
      }
    } else if (!valid_host_name(host)) {
      return fail("x.pe", quoted(host) + " is not a valid host name" + where);
    }
  }
  const std::optional<std::uint32_t> port = parse_u32(port_text);
  if (!port || *port == 0 || *port > 65535) {
    return fail("x.pe", "port " + quoted(port_text) + " is not a number in 1-65535" + where);
  }
  return magnet_peer{std::string(host), static_cast<std::uint16_t>(*port)};
}

// Appends the indices of one `so` value; `total` counts across repeated `so` parameters so
// the bound holds for the whole magnet. The bound is checked before anything is expanded.
std::optional<magnet_error> parse_select_only(std::string_view value,
                                              std::vector<std::uint32_t>& out,
                                              std::uint64_t& total) {
  auto error = [](const std::string& problem) {
    return std::optional<magnet_error>(fail("so", problem).error);
  };
  if (value.empty()) return error("empty value");
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t comma = std::min(value.find(',', start), value.size());
    const std::string_view item = value.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) return error("empty item in " + quoted(value));

    const std::size_t dash = item.find('-');
    const auto first = parse_u32(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_u32(item.substr(dash + 1));
    if (!first || !last) {
      return error(quoted(item) + " is not a file index or a range like 4-6 (indices are 0-" +
                   std::to_string(UINT32_MAX) + ")");
    }
    if (*first > *last) return error("range " + quoted(item) + " runs backwards");
    total += std::uint64_t{*last} - *first + 1;
    if (total > magnet_max_select_only) {
      return error("selects more than " + std::to_string(magnet_max_select_only) + " files (at " +
                   quoted(item) + ")");
    }
    for (std::uint64_t i = *first; i <= *last; ++i)
      out.push_back(static_cast<std::uint32_t>(i));
  }
  return std::nullopt;
}

// Keeps RFC 3986 unreserved characters plus ':' '/' '@', which are legal in a query and
// keep tracker URLs readable; everything else, including '&', '=', '+' and '%', is escaped.
std::string percent_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
                      c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == '@';
    if (keep) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(digits[byte >> 4]);
      out.push_back(digits[byte & 15]);
    }
  }
  return out;
}

std::string select_only_to_string(const std::vector<std::uint32_t>& indices) {
  std::string out;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1)
      ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(indices[i]);
    if (j > i) out += '-' + std::to_string(indices[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string magnet_peer::to_string() const {
  const std::string port_text = ":" + std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]" + port_text;
  return host + port_text;
}

expected<magnet_link, magnet_error> parse_magnet(std::string_view uri) {
  constexpr std::string_view scheme = "magnet:?";
  if (!starts_with_nocase(uri, scheme)) {
    return make_unexpected(
        magnet_error{"magnet: URI must start with 'magnet:?', got " + quoted(uri)});
  }
  std::string_view query = uri.substr(scheme.size());
  query = query.substr(0, query.find('#'));  // a fragment is not part of the query

  magnet_link magnet;
  bool have_btih = false;
  bool have_dn = false;
  bool saw_btmh = false;
  bool saw_xt = false;
  std::uint64_t select_only_total = 0;

  std::size_t start = 0;
  while (start < query.size()) {
    const std::size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view param = query.substr(start, amp - start);
    start = amp + 1;
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    const std::string_view key = param.substr(0, eq);
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);

    if (key_is(key, "xt")) {
      saw_xt = true;
      auto value = percent_decode("xt", raw, false);
      if (!value) return make_unexpected(value.error());
      constexpr std::string_view btih = "urn:btih:";
      if (value->empty()) return fail("xt", "empty value");
      if (starts_with_nocase(*value, btih)) {
        auto hash = parse_btih(std::string_view(*value).substr(btih.size()));
        if (!hash) return make_unexpected(hash.error());
        if (have_btih && *hash != magnet.info_hash) {
          return fail("xt", "two different urn:btih info-hashes, " + magnet.info_hash.hex() +
                                " and " + hash->hex());
        }
        magnet.info_hash = *hash;
        have_btih = true;
      } else if (starts_with_nocase(*value, "urn:btmh:")) {
        saw_btmh = true;
      }
      // Other xt namespaces (urn:sha1, urn:ed2k, ...) belong to other networks.
    } else if (key_is(key, "dn")) {
      auto value = percent_decode("dn", raw, true);
      if (!value) return make_unexpected(value.error());
      if (!have_dn) magnet.display_name = std::move(*value);
      have_dn = true;
    } else if (key_is(key, "tr")) {
      auto value = percent_decode("tr", raw, false);
      if (!value) return make_unexpected(value.error());
      if (value->empty()) return fail("tr", "empty tracker URL");
      magnet.trackers.push_back(std::move(*value));
    } else if (key == "x.pe") {
      auto value = percent_decode("x.pe", raw, false);
      if (!value) return make_unexpected(value.error());
      auto peer = parse_peer(*value);
      if (!peer) return make_unexpected(peer.error());
      magnet.peers.push_back(std::move(*peer));
    } else if (key == "so") {
      auto value = percent_decode("so", raw, false);
      if (!value) return make_unexpected(value.error());
      auto error = parse_select_only(*value, magnet.select_only, select_only_total);
      if (error) return make_unexpected(std::move(*error));
    }
    // Anything else (ws, xs, as, kt, xl, ...) is optional and not used by this client.
  }

  if (!have_btih) {
    if (saw_btmh) {
      return fail("xt",
                  "only a urn:btmh (BitTorrent v2) info-hash is present; v2-only magnets are "
                  "not supported, a urn:btih (v1) info-hash is required");
    }
    if (saw_xt) return fail("xt", "no urn:btih info-hash among the xt parameters");
    return fail("xt", "missing; a magnet needs xt=urn:btih:<info-hash>");
  }
  std::sort(magnet.select_only.begin(), magnet.select_only.end());
  magnet.select_only.erase(std::unique(magnet.select_only.begin(), magnet.select_only.end()),
                           magnet.select_only.end());
  return magnet;
}

std::string to_string(const magnet_link& magnet) {
  std::string out = "magnet:?xt=urn:btih:" + magnet.info_hash.hex();
  if (!magnet.display_name.empty()) out += "&dn=" + percent_encode(magnet.display_name);
  for (const std::string& tracker : magnet.trackers)
    out += "&tr=" + percent_encode(tracker);
  for (const magnet_peer& peer : magnet.peers)
    out += "&x.pe=" + percent_encode(peer.to_string());
  if (!magnet.select_only.empty()) out += "&so=" + select_only_to_string(magnet.select_only);
  return out;
}

bool is_magnet_uri(std::string_view text) {
  constexpr std::string_view scheme = "magnet:";
  if (text.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != scheme[i]) return false;
  return true;
}

}  // namespace actorrent
