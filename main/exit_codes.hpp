// Exit statuses shared by every subcommand, and the way a subcommand reports its own.
#pragma once

namespace actorrent {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;    // the command ran and the answer is "no" or it failed
constexpr int exit_bad_input = 2;  // bad arguments, unreadable or malformed input

// Thrown from a subcommand's CLI11 callback to end the program with a status.
struct command_result {
  int status;
};

}  // namespace actorrent
