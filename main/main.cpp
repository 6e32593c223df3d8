// The `actorrent` program.
#include "main/command_line.hpp"

int main(int argc, char** argv) {
  // ACTORRENT_VERSION is defined on this file alone (main/CMakeLists.txt): a new version
  // rebuilds this one small file.
  return actorrent::run_command_line(argc, argv, ACTORRENT_VERSION);
}
