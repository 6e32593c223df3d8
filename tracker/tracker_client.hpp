// One announce or scrape to one tracker URL, whatever its transport: http(s):// through
// libcurl, udp:// per BEP 15. Blocking: call from a worker thread (the tracker actor runs
// each on a detached worker), never from an actor's own handler.
#pragma once

#include <string>
#include <vector>

#include "protocol/expected.hpp"
#include "tracker/announce.hpp"
#include "tracker/http_client.hpp"
#include "tracker/udp_tracker_client.hpp"

namespace actorrent {

struct tracker_transport_options {
  http_options http;
  udp_tracker_blocking_options udp;
};

expected<announce_response, tracker_error> announce_to_tracker(
    const std::string& url, const announce_request& request,
    const tracker_transport_options& options = {});

expected<std::vector<scrape_entry>, tracker_error> scrape_tracker(
    const std::string& announce_url, const std::vector<sha1_hash>& info_hashes,
    const tracker_transport_options& options = {});

}  // namespace actorrent
