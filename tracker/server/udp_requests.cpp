#include "tracker/server/udp_requests.hpp"

#include <algorithm>
#include <limits>

#include "tracker/udp_tracker_protocol.hpp"

namespace actorrent::server {

namespace udp = actorrent::udp_tracker;

namespace {

std::int32_t clamp32(std::int64_t v) {
  return static_cast<std::int32_t>(
      std::clamp<std::int64_t>(v, 0, std::numeric_limits<std::int32_t>::max()));
}

std::string error_answer(std::uint32_t transaction_id, std::string message) {
  return udp::encode(udp::error_response_packet{transaction_id, std::move(message)});
}

bool is_loopback(const peer_address& a) {
  if (!a.v6) return a.ip[0] == 127;
  return std::all_of(a.ip.begin(), a.ip.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
         a.ip[15] == 1;
}

std::string announce(const udp::announce_request_packet& p, const peer_address& from,
                     swarm_store& store, tracker_clock::time_point now) {
  if (p.request.port == 0) return error_answer(p.transaction_id, "invalid port: must be 1..65535");
  announce_input in;
  in.request = p.request;
  in.source = from;
  // Same rule as HTTP's `ip`: only a loopback sender may speak for another IPv4 address.
  if (p.ip != 0 && is_loopback(from))
    in.source = peer_address::v4_address(
        {static_cast<std::uint8_t>(p.ip >> 24), static_cast<std::uint8_t>(p.ip >> 16),
         static_cast<std::uint8_t>(p.ip >> 8), static_cast<std::uint8_t>(p.ip)},
        0);
  in.source.port = p.request.port;
  const auto family = in.source.v6 ? udp::address_family::v6 : udp::address_family::v4;
  in.want = in.source.v6 ? address_family::v6 : address_family::v4;
  auto reply = store.announce(in, now);
  if (!reply) return error_answer(p.transaction_id, reply.error());

  udp::announce_response_packet r;
  r.transaction_id = p.transaction_id;
  r.interval = clamp32(reply->interval.count());
  r.leechers = clamp32(reply->incomplete);
  r.seeders = clamp32(reply->complete);
  const std::size_t cap = udp::max_announce_peers(family);
  for (const auto& peer : reply->peers) {
    if (r.peers.size() >= cap) break;
    r.peers.push_back(peer.address);
  }
  return udp::encode(r, family);
}

}  // namespace

std::optional<std::string> answer_udp(std::string_view datagram, const peer_address& from,
                                      swarm_store& store, const connection_ids& ids,
                                      tracker_clock::time_point now) {
  auto req = udp::decode_request(datagram);
  if (!req) return std::nullopt;
  if (auto* c = std::get_if<udp::connect_request_packet>(&*req))
    return udp::encode(udp::connect_response_packet{c->transaction_id, ids.issue(from, now)});
  if (auto* a = std::get_if<udp::announce_request_packet>(&*req)) {
    if (!ids.valid(a->connection_id, from, now))
      return error_answer(a->transaction_id, "invalid or expired connection id");
    return announce(*a, from, store, now);
  }
  const auto& s = std::get<udp::scrape_request_packet>(*req);
  if (!ids.valid(s.connection_id, from, now))
    return error_answer(s.transaction_id, "invalid or expired connection id");
  udp::scrape_response_packet r;
  r.transaction_id = s.transaction_id;
  r.entries = store.scrape(s.info_hashes, now);
  return udp::encode(r);
}

}  // namespace actorrent::server
