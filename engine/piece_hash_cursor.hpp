// Hashing a piece while it is downloaded, without holding its blocks: blocks that arrive at
// the hash cursor are hashed at once (from the buffer that is about to be written); blocks
// that arrive ahead of it are only written, and when the piece is complete the bytes from
// the cursor to the end are read back from disk and hashed. With blocks requested in order
// (the usual case) nothing is read back. A block that arrives twice (endgame) counts once.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "protocol/sha1.hpp"

namespace actorrent {

class piece_hash_cursor {
 public:
  static constexpr std::int64_t block_size = 16 * 1024;

  piece_hash_cursor(std::uint32_t num_pieces, std::int64_t piece_length, std::int64_t total_length);

  // True when (offset, length) is a whole block of the piece: offset a multiple of
  // block_size, length block_size or the piece's shorter last block.
  bool valid_block(std::uint32_t piece, std::int64_t offset, std::int64_t length) const;

  // A block of `piece` at `offset` is being written. Returns true when its bytes should be
  // hashed now (call hash_block with them).
  bool at_cursor(std::uint32_t piece, std::int64_t offset) const;
  void hash_block(std::uint32_t piece, const char* data, std::int64_t length);
  // Records that the block's bytes are on disk (whether hashed or not). Returns true when the
  // piece has all its blocks: then finish it. `offset` must be a valid block's.
  bool block_written(std::uint32_t piece, std::int64_t offset);

  // The range still to hash from disk before finishing: [cursor, piece size).
  std::int64_t cursor(std::uint32_t piece) const;
  // Hashes the bytes read back from disk (from the cursor on) and returns the digest.
  sha1_hash finish(std::uint32_t piece, const char* rest, std::int64_t rest_length);
  // Forgets a piece (after a hash failure, or a piece abandoned by the picker).
  void reset(std::uint32_t piece);

  std::int64_t piece_size(std::uint32_t piece) const;
  std::size_t pieces_in_progress() const { return state_.size(); }

 private:
  struct piece_state {
    sha1_context ctx;
    std::int64_t cursor = 0;    // bytes hashed, from the piece's start
    std::vector<bool> written;  // per block
    std::size_t blocks_written = 0;
  };
  piece_state& state(std::uint32_t piece);

  std::uint32_t num_pieces_;
  std::int64_t piece_length_;
  std::int64_t total_length_;
  std::unordered_map<std::uint32_t, std::unique_ptr<piece_state>> state_;
};

}  // namespace actorrent
