#include "main/announce_command.hpp"

#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "protocol/hex.hpp"
#include "tracker/tracker_client.hpp"

namespace actorrent {

namespace {

int usage_error(const std::string& message) {
  std::cerr << "actorrent announce: " << message << "\n";
  return exit_bad_input;
}

}  // namespace

int run_announce(const announce_command_options& o) {
  if (o.torrent.empty() && o.info_hash_hex.empty())
    return usage_error("give --torrent FILE or --info-hash HEX");
  sha1_hash info_hash;
  if (!o.torrent.empty()) {
    auto m = load_torrent(o.torrent);
    if (!m) return usage_error(m.error());
    info_hash = m->info_hash;
  } else {
    auto raw = from_hex(o.info_hash_hex);
    if (!raw || raw->size() != 20) return usage_error("--info-hash: 40 hex characters expected");
    info_hash = sha1_hash::from_bytes(*raw);
  }
  tracker_transport_options options;
  options.http.total_timeout = std::chrono::seconds(o.timeout_s);
  options.udp.total_timeout = std::chrono::seconds(o.timeout_s);

  if (o.scrape) {
    auto r = scrape_tracker(o.url, {info_hash}, options);
    if (!r) {
      std::cerr << "actorrent announce: scrape failed: " << r.error().message << "\n";
      return exit_failure;
    }
    for (const auto& e : *r)
      std::cout << e.info_hash.hex() << ": " << e.complete << " seeders, " << e.incomplete
                << " leechers, " << e.downloaded << " downloads\n";
    return exit_ok;
  }

  announce_request req;
  req.info_hash = info_hash;
  std::random_device rd;
  std::string peer_id = "-AT0100-";
  while (peer_id.size() < 20)
    peer_id.push_back(static_cast<char>('0' + rd() % 10));
  req.peer_id = sha1_hash::from_bytes(peer_id);
  req.port = o.port;
  req.left = o.left;
  req.numwant = o.numwant;
  req.key = rd();
  if (o.event == "started")
    req.event = announce_event::started;
  else if (o.event == "stopped")
    req.event = announce_event::stopped;
  else if (o.event == "completed")
    req.event = announce_event::completed;
  else if (o.event == "none")
    req.event = announce_event::none;
  else
    return usage_error("--event: started, stopped, completed or none");

  auto r = announce_to_tracker(o.url, req, options);
  if (!r) {
    std::cerr << "actorrent announce: " << r.error().message << "\n";
    return exit_failure;
  }
  if (o.json) {
    nlohmann::json peers = nlohmann::json::array();
    for (const auto& p : r->peers)
      peers.push_back(p.to_string());
    nlohmann::json j{
        {"interval", r->interval.count()},
        {"min_interval",
         r->min_interval ? nlohmann::json(r->min_interval->count()) : nlohmann::json()},
        {"seeders", r->complete ? nlohmann::json(*r->complete) : nlohmann::json()},
        {"leechers", r->incomplete ? nlohmann::json(*r->incomplete) : nlohmann::json()},
        {"warning", r->warning},
        {"peers", peers}};
    std::cout << j.dump(2) << "\n";
    return exit_ok;
  }
  std::cout << "interval: " << r->interval.count() << " s";
  if (r->min_interval) std::cout << " (min " << r->min_interval->count() << " s)";
  std::cout << "\nseeders: " << (r->complete ? std::to_string(*r->complete) : "?")
            << "  leechers: " << (r->incomplete ? std::to_string(*r->incomplete) : "?") << "\n";
  if (!r->warning.empty()) std::cout << "warning: " << r->warning << "\n";
  std::cout << "peers (" << r->peers.size() << "):\n";
  for (const auto& p : r->peers)
    std::cout << "  " << p.to_string() << "\n";
  return exit_ok;
}

}  // namespace actorrent
