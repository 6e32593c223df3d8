#include <catch2/catch.hpp>

#include <string>

#include "protocol/block_range.hpp"

using namespace actorrent;

namespace {

// 3 pieces of 32 KiB, the last one 1000 bytes.
metainfo three_pieces() {
  metainfo m;
  m.piece_length = 32768;
  m.total_length = 2 * 32768 + 1000;
  m.piece_hashes = std::string(3 * 20, '\0');
  return m;
}

constexpr std::uint32_t block = 16384;

}  // namespace

TEST_CASE("block range: blocks inside the torrent pass", "[block_range]") {
  const auto m = three_pieces();
  CHECK_FALSE(block_range_problem(m, 0, 0, block, block));
  CHECK_FALSE(block_range_problem(m, 1, 16384, block, block));  // ends at the piece's end
  CHECK_FALSE(block_range_problem(m, 2, 0, 1000, block));       // the short last piece
  CHECK_FALSE(block_range_problem(m, 2, 999, 1, block));
}

TEST_CASE("block range: each way out is named", "[block_range]") {
  const auto m = three_pieces();
  CHECK(block_range_problem(m, 3, 0, block, block) ==
        std::string("piece index 3 is out of range (the torrent has 3 pieces)"));
  CHECK(block_range_problem(m, 0xffffffffu, 0, block, block) ==
        std::string("piece index 4294967295 is out of range (the torrent has 3 pieces)"));
  CHECK(block_range_problem(m, 0, 0, 0, block) == std::string("length 0"));
  CHECK(block_range_problem(m, 0, 0, 1 << 20, block) ==
        std::string("length 1048576 is more than the 16384-byte block limit"));
  CHECK(block_range_problem(m, 0, 16385, block, block) ==
        std::string("bytes 16385+16384 end past piece 0 (32768 bytes)"));
  CHECK(block_range_problem(m, 2, 0, 1001, block) ==
        std::string("bytes 0+1001 end past piece 2 (1000 bytes)"));
  // offset + length overflows 32 bits: must not wrap into range.
  CHECK(block_range_problem(m, 0, 0xffffffffu, 1, block) ==
        std::string("bytes 4294967295+1 end past piece 0 (32768 bytes)"));
}
