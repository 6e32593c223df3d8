// The BEP 10 extension handshake: the bencoded dictionary sent as extended message 0 right
// after the BitTorrent handshake, when both sides set the extension bit. It says which
// extension messages the sender accepts and with which ids (`m`), and a few facts about it.
//
//   d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei31235e1:pi6881e4:reqqi500e
//    1:v15:actorrent 0.1.06:yourip4:<4 bytes>e
//
// Every key is optional. Keys we do not use are ignored (BEP 10), and so are their types;
// the keys we use are checked for type and range, because a wrong value would mislead the
// actors (a port 0 dialled, a request queue of 2^40, a 1 TiB buffer reserved for metadata).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/extension_error.hpp"
#include "protocol/extension_ids.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/ut_metadata.hpp"

namespace actorrent {

struct extension_handshake {
  // Extension name → the id the sender wants it sent with; 0 disables it (in a later
  // handshake, one it had enabled: see peer_extension_ids).
  extension_map m;
  std::optional<std::string> v;               // client name and version, e.g. "actorrent 0.1"
  std::optional<std::uint16_t> p;             // the sender's TCP listen port, 1..65535
  std::optional<std::uint32_t> reqq;          // requests it accepts outstanding, >= 1
  std::optional<std::int64_t> metadata_size;  // BEP 9: its info dictionary's size, >= 1
  // The address the sender sees us at; 4 or 16 bytes on the wire. `port` is unused (0).
  std::optional<peer_address> yourip;

  friend bool operator==(const extension_handshake& a, const extension_handshake& b) {
    return a.m == b.m && a.v == b.v && a.p == b.p && a.reqq == b.reqq &&
           a.metadata_size == b.metadata_size && a.yourip == b.yourip;
  }
  friend bool operator!=(const extension_handshake& a, const extension_handshake& b) {
    return !(a == b);
  }
};

// Real handshakes are a few hundred bytes with a handful of `m` entries and names under 20
// characters; each limit is far above that and far below what could cost us memory.
struct extension_handshake_limits {
  std::size_t max_payload = 16 * 1024;
  std::size_t max_m_entries = 128;
  std::size_t max_name_length = 64;     // an `m` key
  std::size_t max_client_length = 256;  // `v`
  std::int64_t max_metadata_size = default_max_metadata_size;
};

// The payload of extended message 0 (without the extended id byte). Canonical bencode: keys
// sorted, absent fields left out, `m` always present (possibly empty).
std::string encode(const extension_handshake& h);

// Decodes a peer's handshake payload. Errors name the key and the byte offset: invalid
// bencode, a payload that is not a dictionary or is over max_payload; `m` not a dictionary,
// with more than max_m_entries entries, a name empty or over max_name_length, an id that is
// not an integer in [0, 255], or a non-zero id given to two names; `v` not a string or over
// max_client_length; `p` not an integer in [1, 65535]; `reqq` not an integer in
// [1, 2^31 - 1]; `metadata_size` not an integer in [1, max_metadata_size]; `yourip` not a
// string of 4 or 16 bytes. Duplicate keys are an error (which value would count?).
expected<extension_handshake, extension_error> decode_extension_handshake(
    std::string_view payload, const extension_handshake_limits& limits = {});

}  // namespace actorrent
