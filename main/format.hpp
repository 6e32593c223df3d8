// Human-readable sizes for the command line.
#pragma once

#include <cstdint>
#include <string>

namespace actorrent {

std::string format_size(std::int64_t bytes);  // "1.50 GiB", "16 KiB", "999 B"

}  // namespace actorrent
