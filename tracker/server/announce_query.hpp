// The parameters of `GET /announce` (BEP 3, BEP 23, BEP 7) and `GET /scrape` (BEP 48), read
// strictly: every failure names the parameter, for the `failure reason` the client shows.
//
// Required: info_hash and peer_id (each exactly 20 bytes after decoding) and port
// (1..65535). uploaded and downloaded default to 0, left to -1 ("unknown": counted as a
// leecher); when present they must be non-negative decimal integers. compact defaults to 1.
// Unknown parameters are ignored (clients send many extensions); a known one given twice is
// an error, since which copy wins would be a guess.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"
#include "tracker/announce.hpp"

namespace actorrent::server {

struct announce_query {
  announce_request request;
  bool compact = true;
  bool no_peer_id = false;
  // The client's `ip` parameter, as sent. The front end uses it only for connections from
  // loopback (a local proxy or a test); anyone else would use it to list a victim's address.
  std::optional<std::string> ip;
};

constexpr std::size_t max_announce_params = 64;
constexpr std::size_t max_scrape_hashes = 100;

expected<announce_query, std::string> parse_announce_query(std::string_view query);

// The info_hash parameters of a scrape; none means "all swarms". Other parameters are
// ignored.
expected<std::vector<sha1_hash>, std::string> parse_scrape_query(std::string_view query);

}  // namespace actorrent::server
