#include "tracker/server/tracker_response.hpp"

#include <nlohmann/json.hpp>

#include "protocol/bencode_value.hpp"

namespace actorrent::server {

std::string bencode_failure(std::string_view reason) {
  return bencode(bvalue::dict{{"failure reason", bvalue(reason)}});
}

std::string bencode_announce(const announce_reply& reply, bool compact, bool no_peer_id) {
  bvalue::dict d{{"interval", bvalue(static_cast<std::int64_t>(reply.interval.count()))},
                 {"min interval", bvalue(static_cast<std::int64_t>(reply.min_interval.count()))},
                 {"complete", bvalue(reply.complete)},
                 {"incomplete", bvalue(reply.incomplete)}};
  if (compact) {
    std::string v4, v6;
    for (const auto& p : reply.peers)
      append_compact(p.address, p.address.v6 ? v6 : v4);
    d.emplace("peers", bvalue(std::move(v4)));
    if (!v6.empty()) d.emplace("peers6", bvalue(std::move(v6)));
  } else {
    bvalue::list peers;
    peers.reserve(reply.peers.size());
    for (const auto& p : reply.peers) {
      bvalue::dict peer{{"ip", bvalue(p.address.ip_string())},
                        {"port", bvalue(static_cast<std::int64_t>(p.address.port))}};
      if (!no_peer_id) peer.emplace("peer id", bvalue(p.peer_id.view()));
      peers.emplace_back(std::move(peer));
    }
    d.emplace("peers", bvalue(std::move(peers)));
  }
  return bencode(bvalue(std::move(d)));
}

std::string bencode_scrape(const std::vector<scrape_entry>& entries) {
  bvalue::dict files;
  for (const auto& e : entries)
    files.emplace(std::string(e.info_hash.view()),
                  bvalue(bvalue::dict{{"complete", bvalue(e.complete)},
                                      {"downloaded", bvalue(e.downloaded)},
                                      {"incomplete", bvalue(e.incomplete)}}));
  return bencode(bvalue(bvalue::dict{{"files", bvalue(std::move(files))}}));
}

std::string stats_json(const tracker_stats& s) {
  nlohmann::json j{{"swarms", s.swarms},
                   {"peers", s.peers},
                   {"seeders", s.seeders},
                   {"leechers", s.leechers},
                   {"announces", s.announces},
                   {"scrapes", s.scrapes},
                   {"refused", s.refused},
                   {"announces_per_second", s.announces_per_second},
                   {"scrapes_per_second", s.scrapes_per_second}};
  return j.dump();
}

}  // namespace actorrent::server
