// Hashing many pieces on all cores: for `create`, for `verify`, and for rechecking existing
// data at start-up. Each worker takes the next piece index, reads the piece into its own
// buffer through the caller's reader, and hashes it; no reader thread feeds the workers,
// so reading (a memcpy from the page cache, or the disk) and SHA-1 overlap across cores.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/sha1.hpp"

namespace actorrent {

enum class piece_read_status {
  ok,       // the buffer holds the piece's bytes
  missing,  // some of the piece's data is not on disk (a hole, a short or absent file)
  failed,   // an I/O error; the hashing stops and reports it
};

struct piece_read_result {
  piece_read_status status = piece_read_status::ok;
  std::string error;  // with `failed`: what went wrong, naming the file
};

struct piece_hash_job {
  std::uint32_t num_pieces = 0;
  std::function<std::size_t(std::uint32_t piece)> piece_size;
  // Fills `buffer` (piece_size(piece) bytes) with the piece; called from worker threads
  // concurrently for different pieces.
  std::function<piece_read_result(std::uint32_t piece, char* buffer)> read;
  unsigned threads = 0;  // 0: one per core
  // Called from worker threads, with the number of pieces done so far; may be empty.
  std::function<void(std::uint32_t done)> progress;
  // Set by another thread to stop early (the result then has failed == "cancelled").
  const std::atomic<bool>* cancel = nullptr;
};

struct piece_hash_result {
  std::vector<std::optional<sha1_hash>> hashes;  // nullopt: the piece's data was missing
  std::optional<std::string> failure;            // the first read failure, if any
};

piece_hash_result hash_pieces(const piece_hash_job& job);

}  // namespace actorrent
