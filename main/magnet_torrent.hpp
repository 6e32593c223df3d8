// A magnet link's torrent, once its info dictionary has been fetched (and verified against
// the info-hash by the fetcher): the metainfo to download with, and the .torrent file kept
// next to the resume data, so that the next start needs no fetch and a user can share it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/magnet.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

// The info dictionary parsed with the link's trackers (tr), each its own tier. An error
// names the magnet's info-hash and what the parser found wrong.
expected<metainfo, std::string> metainfo_from_magnet(const magnet_link& magnet,
                                                     std::string_view info);

// The files a magnet's `so` (BEP 53) selects, as `--only` indexes; the indexes beyond the
// torrent's file count (the link was written before the metadata was known) are left out and
// listed in `ignored`. Empty when the link selects nothing: every file.
struct magnet_selection {
  std::vector<std::string> only;
  std::vector<std::uint32_t> ignored;
};
magnet_selection magnet_file_selection(const magnet_link& magnet, const metainfo& m);

// A .torrent file for `m`: announce, announce-list, and its info dictionary byte for byte
// (re-encoding it could change its hash).
std::string torrent_file_bytes(const metainfo& m);

}  // namespace actorrent
