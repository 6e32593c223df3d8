// Piece index lists for people: "3-17, 20, 31-33".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace actorrent {

// `pieces` sorted ascending; at most `max_runs` runs are written, then ", …".
std::string format_piece_list(const std::vector<std::uint32_t>& pieces, std::size_t max_runs = 8);

}  // namespace actorrent
