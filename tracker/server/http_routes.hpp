// What the HTTP tracker answers to one request, apart from any socket: the front end hands
// in the method, target and the connection's remote address and sends back what comes out.
//
// Malformed announces and scrapes get status 200 with a bencoded `failure reason`, because
// that is what BitTorrent clients read and show; only unknown paths (404) and methods (405)
// use HTTP status codes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/peer_address.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::server {

struct http_route_options {
  std::size_t max_target = 8 * 1024;  // longer targets are answered with a failure reason
  bool stats = true;                  // serve GET /stats
};

struct http_answer {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

http_answer route_request(std::string_view method, std::string_view target,
                          const peer_address& remote, swarm_store& store,
                          const http_route_options& options, tracker_clock::time_point now);

}  // namespace actorrent::server
