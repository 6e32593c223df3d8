// What the HTTP front end sends back: bencoded announce (BEP 3, compact peers per BEP 23 in
// `peers`, IPv6 per BEP 7 in `peers6`), scrape (BEP 48) and failure answers, and the
// /stats JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tracker/announce.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::server {

std::string bencode_failure(std::string_view reason);
// compact: IPv4 peers in `peers`, IPv6 peers in `peers6` (present only when there are any).
// Otherwise `peers` is a list of {ip, peer id, port} dictionaries of both families.
std::string bencode_announce(const announce_reply& reply, bool compact, bool no_peer_id);
std::string bencode_scrape(const std::vector<scrape_entry>& entries);
std::string stats_json(const tracker_stats& stats);

}  // namespace actorrent::server
