// The client's JSON config file: every setting of session_settings under a key, plus the
// torrents to add. The layout, each key's type,
// default and meaning are in README.md, "Configuration"; default_config_json() prints them.
//
// Strict on purpose: an unknown key, a duplicate key, a wrong type or an out-of-range value
// is an error naming the key's full path ("choker.uplod_slots: unknown key (known: ...)"),
// because a misspelt limit silently left at its default is worse than a refusal to start.
// Missing keys keep the struct defaults; command-line flags are applied over the result by
// the caller. Comments (// and /* */) are allowed, as in most hand-edited configs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/session_settings.hpp"
#include "protocol/expected.hpp"

namespace actorrent {

// One entry of "torrents": what the user wrote, checked but not loaded (the .torrent is read
// and the peers resolved by the command, which owns the errors of doing so).
struct config_torrent {
  std::string source;                  // path to a .torrent, or a magnet URI
  std::filesystem::path download_dir;  // empty: the session's
  std::vector<std::string> peers;      // "HOST:PORT", as written (checked by the parser)
  std::optional<bool> seed;            // absent: the command's default
  bool sequential = false;
  std::vector<std::string> only;     // file indexes or globs, as torrent_params::only
  std::uint64_t download_limit = 0;  // bytes per second, 0 = only the session's limit
  std::uint64_t upload_limit = 0;
};

struct client_config {
  session_settings session;
  std::vector<config_torrent> torrents;
};

// `source_name` prefixes every error ("client.json: limits.download: ..."). Relative paths
// (download_dir, state_dir, logging.file, message_log.file, torrents' sources and
// directories)
// are taken relative to `base_dir` when it is not empty, and kept as written otherwise.
expected<client_config, std::string> parse_client_config(
    std::string_view json_text, const std::string& source_name,
    const std::filesystem::path& base_dir = {});

// Reads and parses the file; relative paths in it are relative to the file's directory, so
// that a config works from any current directory (as tracker.json's allow_torrents do).
expected<client_config, std::string> load_client_config(const std::filesystem::path& file);

// The config as JSON, every key present, in the documented order; parse_client_config reads
// it back to the same config (durations set in code finer than their key's unit, e.g. 1500 ms
// under a `_s` key, are truncated).
std::string config_json(const client_config& config);

// config_json of the defaults: what README.md documents.
std::string default_config_json();

}  // namespace actorrent
