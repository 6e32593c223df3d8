// Reading small input files (.torrent, configs) whole, with a size cap and errors that name
// the path: a user who points the CLI at the wrong file gets a sentence, not a crash.
#pragma once

#include <cstddef>
#include <string>

#include "protocol/expected.hpp"

namespace actorrent {

expected<std::string, std::string> read_file(const std::string& path,
                                             std::size_t max_size = std::size_t{64} << 20);

}  // namespace actorrent
