#include "protocol/block_range.hpp"

namespace actorrent {

std::optional<std::string> block_range_problem(const metainfo& torrent, std::uint32_t piece,
                                               std::uint32_t offset, std::uint32_t length,
                                               std::uint32_t max_length) {
  const std::uint32_t pieces = torrent.num_pieces();
  if (piece >= pieces) {
    return "piece index " + std::to_string(piece) + " is out of range (the torrent has " +
           std::to_string(pieces) + " pieces)";
  }
  if (length == 0) return std::string("length 0");
  if (length > max_length) {
    return "length " + std::to_string(length) + " is more than the " + std::to_string(max_length) +
           "-byte block limit";
  }
  // 64-bit: offset + length may not fit in 32 bits.
  const std::int64_t end = static_cast<std::int64_t>(offset) + length;
  const std::int64_t size = torrent.piece_size(piece);
  if (end > size) {
    return "bytes " + std::to_string(offset) + "+" + std::to_string(length) + " end past piece " +
           std::to_string(piece) + " (" + std::to_string(size) + " bytes)";
  }
  return std::nullopt;
}

}  // namespace actorrent
