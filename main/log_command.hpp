// `actorrent log <show|stats|follow|tree|timeline> FILE...`: reading the actor message log
// (docs/message-log.md).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "main/log_filter_options.hpp"

namespace actorrent {

// The options of all five subcommands; each reads the ones it offers.
struct log_command_options {
  std::vector<std::string> files;
  msglog::filter_options filters;
  bool json = false;
  bool utc = false;
  std::size_t top = 10;
  std::size_t last = 0;
  double idle_exit = 0;
  std::string at;
  bool all = false;
  std::string html;
  std::size_t max_messages = 5000;
  std::string title;
};

// Each returns the exit status (exit_codes.hpp).
int run_log_show(const log_command_options& o);
int run_log_stats(const log_command_options& o);
int run_log_follow(const log_command_options& o);
int run_log_tree(const log_command_options& o);
int run_log_timeline(const log_command_options& o);

}  // namespace actorrent
