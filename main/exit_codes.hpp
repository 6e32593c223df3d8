// Exit statuses shared by every subcommand.
#pragma once

namespace actorrent {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;    // the command ran and the answer is "no" or it failed
constexpr int exit_bad_input = 2;  // bad arguments, unreadable or malformed input

}  // namespace actorrent
