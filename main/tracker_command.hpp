// `actorrent tracker [-c tracker.json] [--http HOST:PORT] [--udp HOST:PORT]`: run our
// BitTorrent tracker (HTTP and/or UDP) until SIGINT or SIGTERM.
#pragma once

#include <string>

namespace actorrent {

struct tracker_command_options {
  std::string config_path;
  std::string http;  // HOST:PORT; overrides the config file's
  std::string udp;
};

// Serves until a signal; returns the exit status (exit_codes.hpp).
int run_tracker(const tracker_command_options& o);

}  // namespace actorrent
