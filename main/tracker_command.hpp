// `actorrent tracker [-c tracker.json] [--http HOST:PORT] [--udp HOST:PORT]`: run our
// BitTorrent tracker (HTTP and/or UDP) until SIGINT or SIGTERM.
#pragma once

#include <CLI/CLI.hpp>

namespace actorrent {

void add_tracker_command(CLI::App& app);

}  // namespace actorrent
