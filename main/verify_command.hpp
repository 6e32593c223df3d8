// `actorrent verify <file.torrent> --dir DIR`: recheck data, per-file completeness.
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_verify_command(CLI::App& app);

}  // namespace actorrent
