#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "engine/piece_hash_cursor.hpp"

using namespace actorrent;

namespace {

// Feeds one piece's blocks in the given order, as the disk writer does; `disk` stands for
// the bytes written so far.
sha1_hash feed(piece_hash_cursor& c, std::uint32_t piece, const std::string& data,
               std::vector<std::int64_t> offsets, std::int64_t block, std::int64_t* read_back) {
  std::string disk(data.size(), '\0');
  for (auto off : offsets) {
    auto len = std::min<std::int64_t>(block, static_cast<std::int64_t>(data.size()) - off);
    const char* bytes = data.data() + off;
    if (c.at_cursor(piece, off)) c.hash_block(piece, bytes, len);
    std::copy(bytes, bytes + len, disk.begin() + off);
    REQUIRE(c.valid_block(piece, off, len));
    if (c.block_written(piece, off)) {
      auto from = c.cursor(piece);
      *read_back = static_cast<std::int64_t>(data.size()) - from;
      return c.finish(piece, disk.data() + from, *read_back);
    }
  }
  FAIL("the piece never completed");
  return {};
}

}  // namespace

TEST_CASE("piece hash cursor: in-order blocks are hashed with nothing read back", "[hash_cursor]") {
  const std::int64_t piece = 4 * 16384, block = 16384;
  std::string data(static_cast<std::size_t>(piece), '\0');
  std::mt19937 rng(1);
  for (auto& ch : data)
    ch = static_cast<char>(rng());
  piece_hash_cursor c(3, piece, 3 * piece);
  std::int64_t read_back = -1;
  CHECK(feed(c, 1, data, {0, 16384, 32768, 49152}, block, &read_back) == sha1(data));
  CHECK(read_back == 0);
  CHECK(c.pieces_in_progress() == 0);
}

TEST_CASE("piece hash cursor: out-of-order blocks are read back from the cursor", "[hash_cursor]") {
  const std::int64_t piece = 8 * 16384, block = 16384;
  std::string data(static_cast<std::size_t>(piece), '\0');
  std::mt19937 rng(2);
  for (auto& ch : data)
    ch = static_cast<char>(rng());
  std::vector<std::int64_t> order;
  for (std::int64_t o = 0; o < piece; o += block)
    order.push_back(o);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    piece_hash_cursor c(1, piece, piece);
    std::int64_t read_back = -1;
    CHECK(feed(c, 0, data, order, block, &read_back) == sha1(data));
    CHECK(read_back >= 0);
    CHECK(read_back <= piece);
  }
}

TEST_CASE("piece hash cursor: short last piece and short last block", "[hash_cursor]") {
  const std::int64_t piece_length = 32768;
  const std::int64_t total = 2 * piece_length + 20000;  // last piece 20000: blocks 16384 + 3616
  piece_hash_cursor c(3, piece_length, total);
  CHECK(c.piece_size(2) == 20000);
  std::string last(20000, 'z');
  std::int64_t read_back = -1;
  CHECK(feed(c, 2, last, {16384, 0}, 16384, &read_back) == sha1(last));
  CHECK(read_back == 20000 - 16384);  // the block at 0 was hashed at once; 16384.. read back

  // Whole blocks only.
  CHECK_FALSE(c.valid_block(2, 100, 16384));
  CHECK_FALSE(c.valid_block(2, 16384, 16384));
  CHECK_FALSE(c.valid_block(3, 0, 16384));
  CHECK(c.valid_block(0, 16384, 16384));

  // A block written twice (endgame) counts once.
  piece_hash_cursor d(1, 32768, 32768);
  CHECK_FALSE(d.block_written(0, 0));
  CHECK_FALSE(d.block_written(0, 0));
  CHECK(d.block_written(0, 16384));

  // A reset piece starts over.
  c.hash_block(0, "abc", 3);
  CHECK(c.cursor(0) == 3);
  c.reset(0);
  CHECK(c.cursor(0) == 0);
}
