// `actorrent info <file.torrent | magnet>`: what a torrent or magnet link describes.
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_info_command(CLI::App& app);

}  // namespace actorrent
