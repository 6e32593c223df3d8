#include "tracker/server/http_routes.hpp"

#include "tracker/server/announce_query.hpp"
#include "tracker/server/query_string.hpp"
#include "tracker/server/tracker_response.hpp"

namespace actorrent::server {

namespace {

bool is_loopback(const peer_address& a) {
  if (!a.v6) return a.ip[0] == 127;
  for (std::size_t i = 0; i < 15; ++i)
    if (a.ip[i] != 0) return false;
  return a.ip[15] == 1;
}

http_answer failure(std::string_view reason) {
  return {200, "text/plain", bencode_failure(reason)};
}

http_answer announce(std::string_view query, const peer_address& remote, swarm_store& store,
                     tracker_clock::time_point now) {
  auto a = parse_announce_query(query);
  if (!a) return failure(a.error());
  announce_input in;
  in.request = a->request;
  in.source = remote;
  if (a->ip && is_loopback(remote)) {
    auto claimed = peer_address::parse_ip(*a->ip, 0);
    if (!claimed) return failure("invalid ip: not an IP address");
    in.source = *claimed;
  }
  in.source.port = a->request.port;
  in.want = address_family::any;
  auto reply = store.announce(in, now);
  if (!reply) return failure(reply.error());
  return {200, "text/plain", bencode_announce(*reply, a->compact, a->no_peer_id)};
}

http_answer scrape(std::string_view query, swarm_store& store, tracker_clock::time_point now) {
  auto hashes = parse_scrape_query(query);
  if (!hashes) return failure(hashes.error());
  auto entries = hashes->empty() ? store.scrape_all(now) : store.scrape(*hashes, now);
  return {200, "text/plain", bencode_scrape(entries)};
}

// Proxies may send the absolute form, "http://host:port/announce?..." (RFC 9112 3.2.2).
std::string_view origin_form(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      auto slash = target.find('/', scheme.size());
      return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  return target;
}

}  // namespace

http_answer route_request(std::string_view method, std::string_view target,
                          const peer_address& remote, swarm_store& store,
                          const http_route_options& options, tracker_clock::time_point now) {
  if (target.size() > options.max_target)
    return failure("request target too long (limit " + std::to_string(options.max_target) +
                   " bytes)");
  const auto [path, query] = split_target(origin_form(target));
  const bool known =
      path == "/announce" || path == "/scrape" || (options.stats && path == "/stats");
  if (!known) return {404, "text/plain", "not found\n"};
  if (method != "GET") return {405, "text/plain", "method not allowed\n"};
  if (path == "/announce") return announce(query, remote, store, now);
  if (path == "/scrape") return scrape(query, store, now);
  return {200, "application/json", stats_json(store.stats(now)) + "\n"};
}

}  // namespace actorrent::server
