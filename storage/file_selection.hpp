// `--only`: which pieces to download when the user selects files, by index ("3") or by a
// glob over the file's path inside the torrent ("*.mkv", "docs/*", fnmatch rules with '/'
// matched only explicitly). A piece is wanted when it holds a byte of a selected file; the
// pieces a skipped file shares with a selected one are downloaded and written in full, which
// is the only part of a skipped file that is created.
#pragma once

#include <string>
#include <vector>

#include "protocol/bitfield.hpp"
#include "protocol/expected.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

// Empty `only`: every piece. An index out of range, or a pattern that selects no file, is an
// error naming it (a typo should not silently download nothing).
expected<bitfield, std::string> select_pieces(const metainfo& torrent,
                                              const std::vector<std::string>& only);

}  // namespace actorrent
