// The `actorrent` command line: every subcommand's options, help and checks. CLI11 costs
// ~7 s of compile time in each file that includes it, so it is included in command_line.cpp
// alone; the commands themselves take plain option structs.
#pragma once

namespace actorrent {

// Parses the arguments and runs the subcommand they name; returns the exit status
// (exit_codes.hpp). `version` is what `--version` prints after "actorrent ".
int run_command_line(int argc, char** argv, const char* version);

}  // namespace actorrent
