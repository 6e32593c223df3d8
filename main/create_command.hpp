// `actorrent create <path> -o <out.torrent> ...`: make a v1 torrent from a file or directory.
#pragma once

#include <string>
#include <vector>

#include "storage/create_torrent.hpp"

namespace actorrent {

struct create_command_options {
  create_options options;  // all but the trackers and the piece size, which are parsed here
  std::string output;
  std::vector<std::string> trackers;  // one tier each, URLs within a tier separated by commas
  std::string piece_size;             // "262144", "256K", "4M", ...; empty: chosen
};

// Writes the .torrent; returns the exit status (exit_codes.hpp).
int run_create(create_command_options o);

}  // namespace actorrent
