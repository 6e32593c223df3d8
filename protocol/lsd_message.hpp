// Local Service Discovery announces (BEP 14): an HTTP-like request in one UDP datagram sent
// to a multicast group, naming the sender's listen port and the torrents it takes part in:
//
//   BT-SEARCH * HTTP/1.1\r\n
//   Host: 239.192.152.143:6771\r\n
//   Port: 6881\r\n
//   Infohash: 0123456789abcdef0123456789abcdef01234567\r\n      (one or more, consecutive)
//   cookie: 5f3a9c01\r\n                                        (optional)
//   \r\n
//   \r\n
//
// The sender's address is the datagram's source address, not in the message. The cookie
// lets a client recognise its own announces looped back by the multicast group. Header names
// are case-insensitive (HTTP); headers we do not know are ignored (BEP 14). An announce is
// kept to lsd_max_datagram bytes (BEP 14: no fragmentation), so one carries a bounded number
// of info-hashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

inline constexpr std::size_t lsd_max_datagram = 1400;
inline constexpr std::string_view lsd_ipv4_group = "239.192.152.143";
inline constexpr std::uint16_t lsd_default_port = 6771;

struct lsd_announce {
  std::uint16_t port = 0;
  std::vector<sha1_hash> info_hashes;
  std::string cookie;  // empty: none sent

  friend bool operator==(const lsd_announce& a, const lsd_announce& b) {
    return a.port == b.port && a.info_hashes == b.info_hashes && a.cookie == b.cookie;
  }
};

struct lsd_error {
  std::string message;  // "line 3 (Port): ..." — the line and what is wrong with it
};

// The datagram; `host` is the Host header's value ("239.192.152.143:6771"). The caller keeps
// to lsd_max_hashes(host, cookie) info-hashes (asserted).
std::string encode_lsd_announce(const lsd_announce& a, std::string_view host);

// How many info-hashes fit in one datagram of at most lsd_max_datagram bytes.
std::size_t lsd_max_hashes(std::string_view host, std::string_view cookie);

// Parses a received datagram. Errors: larger than 8 KiB (no announce needs it), a first line
// other than "BT-SEARCH * HTTP/1.1", a header line without ':', a missing or bad Port
// (1..65535), an Infohash that is not 40 hex digits, no Infohash at all. Duplicated
// info-hashes count once; at most 64 are kept (what a 1400-byte datagram could hold at best,
// with room to spare).
expected<lsd_announce, lsd_error> decode_lsd_announce(std::string_view datagram);

}  // namespace actorrent
