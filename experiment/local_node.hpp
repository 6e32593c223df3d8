// `actorrent experiment --local`: a node started as a child process of the controller, as the
// original client's multiprocessing test mode did. The node's stdout says where it listens;
// its stderr goes to a log file in the results directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "protocol/expected.hpp"

namespace actorrent {

struct local_node {
  pid_t pid = -1;
  std::string address;  // "HOST:PORT" it listens on
  std::filesystem::path log_file;
};

// Starts `exe node --listen HOST:0 --dir DIR` and waits (at most `timeout`) for its
// "node listening on HOST:PORT" line. An error says why, with the log file's last lines.
expected<local_node, std::string> start_local_node(const std::filesystem::path& exe,
                                                   const std::string& host,
                                                   const std::filesystem::path& dir,
                                                   const std::filesystem::path& log_file,
                                                   std::chrono::seconds timeout);

// Waits for the node to exit (SIGKILL after `timeout`); its CPU seconds (user + system), or
// nothing when it had already been reaped or could not be waited for.
std::optional<double> wait_local_node(local_node& node, std::chrono::seconds timeout);

// True when the process has exited (it is then reaped: wait_local_node has nothing left).
bool local_node_exited(local_node& node);

}  // namespace actorrent
