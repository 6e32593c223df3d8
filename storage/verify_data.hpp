// Rechecking a torrent's data on disk against its piece hashes: `actorrent verify`, and the
// recheck at start-up when resume data cannot be trusted. Hashing runs on all cores.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bitfield.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

struct file_verdict {
  std::size_t file = 0;                       // index into metainfo::files
  std::int64_t bytes_valid = 0;               // bytes of the file inside pieces that passed
  std::vector<std::uint32_t> missing_pieces;  // pieces of the file with data not on disk
  std::vector<std::uint32_t> corrupt_pieces;  // pieces of the file that fail their hash
};

struct verify_result {
  bitfield valid;                      // pieces whose data is present and passes its hash
  std::vector<file_verdict> files;     // one per file, pad files included (always complete)
  std::optional<std::string> failure;  // an I/O error that stopped the check, naming the file
  bool complete() const { return !failure && valid.all(); }
};

struct verify_options {
  unsigned threads = 0;  // 0: one per core
  std::function<void(std::uint32_t done, std::uint32_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;
  // Pieces taken as valid without reading them (those trusted resume data vouches for);
  // null, or of the torrent's piece count. `progress` then counts only the pieces read.
  const bitfield* known_valid = nullptr;
};

verify_result verify_data(const metainfo& torrent, const std::filesystem::path& download_dir,
                          const verify_options& options = {});

}  // namespace actorrent
