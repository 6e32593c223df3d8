// The error every extension-message codec (BEP 10 handshake, BEP 9 ut_metadata, BEP 11
// ut_pex) returns: what was wrong, naming the message and the key, and where, as a byte
// offset into the extended message's payload (the bytes after the extended id).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/bencode.hpp"

namespace actorrent {

struct extension_error {
  std::string message;  // "<message>: <key>: <problem>", e.g. "ut_pex: added: length 7 ..."
  std::size_t offset = 0;
  std::string to_string() const;  // "<message> at byte <offset>"
};

// "<what>: invalid bencode: <reason>" at the decoder's offset.
extension_error bencode_failure(std::string_view what, const bdecode_error& error);

}  // namespace actorrent
