// Whether a block a peer names (in a request, a cancel or a piece) lies inside the torrent and
// is no longer than we serve: principle 6, hostile input gets a clear error naming what is
// wrong, before any disk is touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/metainfo.hpp"

namespace actorrent {

// nullopt when piece `piece`, bytes [offset, offset + length) are inside the torrent and
// 0 < length <= max_length; else what is wrong ("length 1048576 is more than the 16384-byte
// block limit").
std::optional<std::string> block_range_problem(const metainfo& torrent, std::uint32_t piece,
                                               std::uint32_t offset, std::uint32_t length,
                                               std::uint32_t max_length);

}  // namespace actorrent
