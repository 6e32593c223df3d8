// Running a client session until its work is done: the body of `download`, `seed` and
// `run`, without the command-line parsing (which lives in command_line.cpp). It starts
// the session, adds the torrents, shows progress once a second, and ends on completion
// (when asked to), on SIGINT/SIGTERM, or on a torrent's failure — always by stopping the
// session cleanly: "stopped" announced, resume data saved.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "actors/session_settings.hpp"

namespace actorrent {

struct session_run {
  std::string command;  // "download", "seed", "run": prefixes messages
  session_settings settings;
  std::vector<torrent_params> torrents;
  bool exit_when_complete = false;  // download without --seed
  bool json_progress = false;
  bool quiet = false;
};

// The process exit status: 0 on success (complete, or stopped by a signal while seeding), 1
// when a torrent failed or the session could not start, 128 + the signal when a download
// that was to end on completion was stopped by SIGINT / SIGTERM before.
int run_session(const session_run& run);

// How often the session's progress is asked for while it runs (signals end the wait at once).
std::chrono::milliseconds progress_poll_interval(bool exit_when_complete);

}  // namespace actorrent
