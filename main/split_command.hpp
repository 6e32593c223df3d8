// `actorrent split <file.torrent> --dir DIR --parts K -o OUTDIR`: partial copies for tests.
#pragma once

#include <string>

namespace actorrent {

struct split_command_options {
  std::string torrent;
  std::string dir;
  unsigned parts = 0;
  std::string out;
};

// Writes the partial copies; returns the exit status (exit_codes.hpp).
int run_split(const split_command_options& o);

}  // namespace actorrent
