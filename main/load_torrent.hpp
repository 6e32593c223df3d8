// Loading a .torrent for a command: read, parse, and one error line naming the file and the
// byte offset ("FILE: info.pieces length 59 is not a multiple of 20 at byte 212").
#pragma once

#include <string>

#include "protocol/expected.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

expected<metainfo, std::string> load_torrent(const std::string& path);

}  // namespace actorrent
