// Magnet URIs (BEP 9, with BEP 53 `so` and the `x.pe` peer hint): what a user pastes
// instead of a .torrent. Only the v1 info-hash (urn:btih) is used; the metadata itself is
// fetched from peers later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

struct magnet_error {
  std::string message;  // names the parameter and the problem, e.g. "x.pe: port 0 ..."
};

// A peer to try before any tracker answers. `host` is an IPv4 literal, an IPv6 literal
// without its brackets, or a host name still to be resolved.
struct magnet_peer {
  std::string host;
  std::uint16_t port = 0;

  std::string to_string() const;  // "1.2.3.4:6881", "[::1]:6881", "example.org:6881"
  friend bool operator==(const magnet_peer& a, const magnet_peer& b) {
    return a.host == b.host && a.port == b.port;
  }
  friend bool operator!=(const magnet_peer& a, const magnet_peer& b) { return !(a == b); }
};

struct magnet_link {
  sha1_hash info_hash;
  std::string display_name;           // dn; empty when absent
  std::vector<std::string> trackers;  // every tr, in the order given
  std::vector<magnet_peer> peers;     // every x.pe, in the order given
  // so (BEP 53): file indices to download, sorted and unique; empty means all files.
  std::vector<std::uint32_t> select_only;

  friend bool operator==(const magnet_link& a, const magnet_link& b) {
    return a.info_hash == b.info_hash && a.display_name == b.display_name &&
           a.trackers == b.trackers && a.peers == b.peers && a.select_only == b.select_only;
  }
  friend bool operator!=(const magnet_link& a, const magnet_link& b) { return !(a == b); }
};

// The file count is unknown until the metadata arrives, so `so` is bounded on its own:
// a range like 0-4000000000 is an error, not four billion indices.
constexpr std::size_t magnet_max_select_only = std::size_t{1} << 18;

expected<magnet_link, magnet_error> parse_magnet(std::string_view uri);

// Whether `text` is meant as a magnet URI (its scheme is "magnet:", in any case: RFC 3986),
// as opposed to a file path; parse_magnet then says whether it is a good one.
bool is_magnet_uri(std::string_view text);

// A canonical magnet URI (hex info-hash, values percent-encoded) that parse_magnet turns
// back into an equal magnet_link.
std::string to_string(const magnet_link& magnet);

}  // namespace actorrent
