// `actorrent split`: from complete data, K partial copies for building test swarms where a
// downloader must gather pieces from several peers. Every piece is in at least one copy and
// no copy is complete; a piece not in a copy is absent on disk (a hole or a short file), never
// zeros written to pass for data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

struct split_result {
  std::vector<std::filesystem::path> parts;  // OUTDIR/part-1 ... part-K
  std::vector<std::uint32_t> pieces_per_part;
};

// Piece p goes to copy p mod K. Needs 2 <= K <= the piece count (with fewer pieces than
// copies, some copy would hold nothing; with one piece, the copy holding it is complete).
expected<split_result, std::string> split_data(
    const metainfo& torrent, const std::filesystem::path& download_dir, unsigned parts,
    const std::filesystem::path& out_dir,
    const std::function<void(std::uint32_t done, std::uint32_t total)>& progress = {});

}  // namespace actorrent
