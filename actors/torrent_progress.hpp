// What a torrent reports about itself once a second: what the progress display prints and
// what --json-progress emits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace actorrent {

enum class torrent_state : std::uint8_t {
  checking,  // verifying data found on disk
  downloading,
  seeding,   // complete, uploading
  complete,  // complete, not seeding (about to stop)
  paused,    // e.g. disk full; `error` says why
  error,     // gave up; `error` says why
  stopping,
};

inline const char* to_string(torrent_state s) {
  switch (s) {
    case torrent_state::checking:
      return "checking";
    case torrent_state::downloading:
      return "downloading";
    case torrent_state::seeding:
      return "seeding";
    case torrent_state::complete:
      return "complete";
    case torrent_state::paused:
      return "paused";
    case torrent_state::error:
      return "error";
    case torrent_state::stopping:
      return "stopping";
  }
  return "unknown";
}

// How often one kind of actor of a torrent was restarted by its supervisor, and why last.
struct restart_stat {
  std::string actor;  // "peer", "piece_manager", "disk_writer", "choker", "tracker"
  std::uint32_t restarts = 0;
  std::string last_failure;
};

struct torrent_progress {
  std::string name;
  std::string info_hash;  // hex
  torrent_state state = torrent_state::checking;
  std::uint32_t pieces_total = 0;
  std::uint32_t pieces_have = 0;    // verified
  std::uint32_t pieces_wanted = 0;  // selected by --only (pieces_total when all)
  std::int64_t bytes_total = 0;     // of the wanted pieces
  std::int64_t bytes_left = 0;      // of the wanted pieces, not yet verified
  double download_rate = 0;         // payload bytes/s, over the last seconds
  double upload_rate = 0;
  std::int64_t downloaded = 0;  // payload bytes this session
  std::int64_t uploaded = 0;
  std::uint32_t peers = 0;     // connected (handshake done)
  std::uint32_t seeds = 0;     // of which have everything
  std::int64_t eta_s = -1;     // -1: unknown
  std::uint32_t restarts = 0;  // actors restarted, of every kind (`supervision` splits them)
  std::uint32_t hash_failures = 0;
  std::string error;                      // why paused or in error
  std::vector<restart_stat> supervision;  // the kinds that failed at least once
};

}  // namespace actorrent
