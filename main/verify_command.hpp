// `actorrent verify <file.torrent> --dir DIR`: recheck data, per-file completeness.
#pragma once

#include <string>

namespace actorrent {

struct verify_command_options {
  std::string torrent;
  std::string dir;
  unsigned threads = 0;  // 0: one per core
};

// Prints per-file completeness; returns the exit status (exit_codes.hpp): 1 when incomplete.
int run_verify(const verify_command_options& o);

}  // namespace actorrent
