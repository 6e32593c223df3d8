// tracker.json, the tracker server's configuration. Every key is optional:
//
//   {
//     "http": "0.0.0.0:6969",          listener for HTTP announce/scrape/stats
//     "udp": "[::]:6969",              listener for BEP 15
//     "interval": 1800,                seconds between announces we ask for
//     "min_interval": 900,             default interval / 2
//     "numwant_default": 50,           peers per answer when the client names no number
//     "numwant_max": 200,              cap on a client's numwant (at most 1000)
//     "max_swarms": 10000,
//     "max_peers_per_swarm": 10000,
//     "max_peers": 1000000,            over all swarms
//     "allow": ["<40 hex digits>"],    when this or allow_torrents is present, only
//     "allow_torrents": ["a.torrent"], these info-hashes are tracked
//     "stats": true                    serve GET /stats
//   }
//
// Unknown keys and wrong types are errors naming the key: a misspelt limit silently left at
// its default is worse than a refusal to start.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::server {

struct tracker_config {
  std::optional<std::string> http;
  std::optional<std::string> udp;
  swarm_config swarm;  // interval, limits, and the hex `allow` entries as swarm.allow
  // Paths to .torrent files. Reading them is the caller's job (the CLI has the file loader);
  // their info-hashes belong in swarm.allow, which is already engaged when this key is set.
  std::vector<std::string> allow_torrents;
  bool stats = true;
};

expected<tracker_config, std::string> parse_tracker_config(std::string_view json_text);

// Cross-field checks, run after command-line flags have been applied: a listener exists,
// addresses parse, min_interval <= interval, numwant_default <= numwant_max.
std::optional<std::string> check_tracker_config(const tracker_config& config);

}  // namespace actorrent::server
