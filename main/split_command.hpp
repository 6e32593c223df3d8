// `actorrent split <file.torrent> --dir DIR --parts K -o OUTDIR`: partial copies for tests.
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_split_command(CLI::App& app);

}  // namespace actorrent
