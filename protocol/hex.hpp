// Hex and base32 (RFC 4648) text forms of binary strings: info-hashes in magnets,
// config files and `actorrent info` output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace actorrent {

std::string to_hex(std::string_view raw);  // lowercase
// Accepts upper and lower case; nullopt on an odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view text);
// RFC 4648 base32 without padding; accepts upper and lower case.
std::optional<std::string> from_base32(std::string_view text);

}  // namespace actorrent
