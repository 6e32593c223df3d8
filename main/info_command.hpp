// `actorrent info <file.torrent | magnet>`: what a torrent or magnet link describes.
#pragma once

#include <string>

namespace actorrent {

struct info_command_options {
  std::string input;  // a .torrent file or a magnet: URI
  bool json = false;
};

// Prints the description; returns the exit status (exit_codes.hpp).
int run_info(const info_command_options& o);

}  // namespace actorrent
