// `download`, `seed` and `run`: the commands that start a client session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actorrent {

// Flags shared by the three commands; each overrides the config file's value when given.
struct session_flags {
  std::string config_file;
  std::optional<std::uint16_t> listen_port;
  std::optional<std::string> state_dir;
  std::optional<std::uint64_t> download_limit;
  std::optional<std::uint64_t> upload_limit;
  std::optional<std::string> log_level;
  std::optional<std::string> message_log;
  std::vector<std::string> dht_bootstrap;  // replaces dht.bootstrap when given
  std::optional<std::uint16_t> dht_port;
  bool no_dht = false;
  bool quiet = false;
  bool json_progress = false;
};

// The one torrent of `download` and `seed`.
struct torrent_flags {
  std::string source;
  std::string dir;
  std::vector<std::string> peers;
  std::vector<std::string> only;
  bool seed = false;
  bool sequential = false;
};

// Each runs the session to its end and returns the exit status (run_session.hpp).
int run_download(const session_flags& sf, const torrent_flags& tf);
int run_seed(const session_flags& sf, const torrent_flags& tf);
int run_config_command(const session_flags& sf);  // `run`: the torrents of the config file

}  // namespace actorrent
