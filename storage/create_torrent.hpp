// Making a v1 .torrent from a file or a directory (`actorrent create`).
//
// Files are taken in a deterministic order (path components compared as bytes), so the
// same tree always gives the same info-hash. Piece hashing runs on all cores.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "protocol/expected.hpp"

namespace actorrent {

struct source_file {
  std::vector<std::string> path;  // relative to the source directory; {name} for a single file
  std::int64_t length = 0;
};

struct torrent_source {
  std::string root;  // the directory holding `name` (the parent of the source path)
  std::string name;  // the source's base name: the torrent's name
  bool is_directory = false;
  std::vector<source_file> files;
  std::vector<std::string> skipped;  // symlinks and special files, not included
  std::int64_t total_length = 0;
};

// Lists the regular files under `path` (or `path` itself). Symlinks and special files are
// skipped (reported in `skipped`): following them could pull data from outside the tree.
expected<torrent_source, std::string> scan_torrent_source(const std::string& path);

// A power of two from 16 KiB to 16 MiB giving at most 2,000 pieces where possible (about
// 1,000–2,000 for large data: fewer pieces mean a smaller .torrent and bitfield, more mean
// finer-grained verification and sharing).
std::int64_t choose_piece_length(std::int64_t total_length);

struct create_options {
  std::string path;
  std::vector<std::vector<std::string>> tracker_tiers;
  std::int64_t piece_length = 0;  // 0: choose_piece_length
  bool is_private = false;
  std::string comment;
  std::vector<std::string> web_seeds;
  std::string created_by = "actorrent 0.1.0";
  bool include_creation_date = true;
  unsigned threads = 0;  // 0: one per core
  // Called from hashing threads with (pieces done, pieces total, piece length); may be empty.
  std::function<void(std::uint32_t, std::uint32_t, std::int64_t)> progress;
};

struct created_torrent {
  std::string bytes;  // the .torrent file
  std::string info_hash_hex;
  std::uint32_t num_pieces = 0;
  std::int64_t piece_length = 0;
  std::int64_t total_length = 0;
  std::vector<std::string> skipped;
};

expected<created_torrent, std::string> create_torrent(const create_options& options);

}  // namespace actorrent
