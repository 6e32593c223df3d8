// `actorrent create <path> -o <out.torrent> ...`: make a v1 torrent from a file or directory.
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_create_command(CLI::App& app);

}  // namespace actorrent
