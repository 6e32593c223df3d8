// BEP 11 peer exchange (ut_pex): the peers a connection's other end has connected to or
// dropped since its last message, in compact form (6 bytes per IPv4 peer, 18 per IPv6 peer,
// see peer_address):
//
//   d5:added12:<2 peers>7:added.f2:<2 flag bytes>6:added618:<1 peer>8:added6.f1:<1 byte>
//    7:dropped6:<1 peer>8:dropped60:e
//
// BEP 11 (and the uTorrent/Azureus convention it records) allows at most 50 added and 50
// dropped peers per message, IPv4 and IPv6 together. A peer that sends more is not wrong
// enough to disconnect, but we keep only a bounded number and say how many were ignored;
// lengths that do not divide into whole entries are errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/extension_error.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {
namespace ut_pex {

// Bits of added.f / added6.f (BEP 11).
enum flag : std::uint8_t {
  prefers_encryption = 0x01,
  seed = 0x02,  // upload only
  supports_utp = 0x04,
  supports_holepunch = 0x08,  // ut_holepunch (BEP 55)
  reachable = 0x10,           // the sender connected to it: it accepts connections
};

inline constexpr std::size_t max_added = 50;
inline constexpr std::size_t max_dropped = 50;

struct pex_peer {
  peer_address address;
  std::uint8_t flags = 0;
  friend bool operator==(const pex_peer& a, const pex_peer& b) {
    return a.address == b.address && a.flags == b.flags;
  }
};

struct message {
  std::vector<pex_peer> added;        // IPv4 and IPv6 together
  std::vector<peer_address> dropped;  // IPv4 and IPv6 together
  bool empty() const { return added.empty() && dropped.empty(); }
  friend bool operator==(const message& a, const message& b) {
    return a.added == b.added && a.dropped == b.dropped;
  }
};

// The payload (after the extended id byte): IPv4 and IPv6 peers split into their own keys in
// the order given, flags written for added peers, empty lists left out. At most max_added /
// max_dropped of each (asserted: encoders take our own data; pex_state keeps to them).
std::string encode(const message& m);

struct decode_limits {
  // 50 IPv4 and 50 IPv6 added peers with flags, and as many dropped, take ~4 KiB; a payload
  // four times that is refused before it is parsed.
  std::size_t max_payload = 16 * 1024;
  std::size_t keep_added = max_added;      // entries kept; the rest are counted as ignored
  std::size_t keep_dropped = max_dropped;  // (IPv4 first, then IPv6)
};

struct decoded {
  message peers;
  std::size_t ignored_added = 0;    // beyond keep_added, or with port 0 (not dialable)
  std::size_t ignored_dropped = 0;  // beyond keep_dropped
};

// Decodes a peer's ut_pex payload. Errors name the key and the byte offset: invalid bencode,
// a payload over max_payload or not a dictionary, a key of ours that is not a string, a
// peer list whose length is not a multiple of 6 (IPv4) or 18 (IPv6), a flags string whose
// length differs from its list's entry count. Unknown keys are ignored.
expected<decoded, extension_error> decode(std::string_view payload,
                                          const decode_limits& limits = {});

}  // namespace ut_pex
}  // namespace actorrent
