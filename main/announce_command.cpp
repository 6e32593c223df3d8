#include "main/announce_command.hpp"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "protocol/hex.hpp"
#include "tracker/tracker_client.hpp"

namespace actorrent {

namespace {

struct announce_cli {
  std::string url;
  std::string torrent;
  std::string info_hash_hex;
  std::uint16_t port = 6881;
  std::string event = "started";
  std::int64_t left = 0;
  std::int32_t numwant = 50;
  bool scrape = false;
  bool json = false;
  int timeout_s = 30;
};

int usage_error(const std::string& message) {
  std::cerr << "actorrent announce: " << message << "\n";
  return exit_bad_input;
}

int run_announce(const announce_cli& cli) {
  sha1_hash info_hash;
  if (!cli.torrent.empty()) {
    auto m = load_torrent(cli.torrent);
    if (!m) return usage_error(m.error());
    info_hash = m->info_hash;
  } else {
    auto raw = from_hex(cli.info_hash_hex);
    if (!raw || raw->size() != 20) return usage_error("--info-hash: 40 hex characters expected");
    info_hash = sha1_hash::from_bytes(*raw);
  }
  tracker_transport_options options;
  options.http.total_timeout = std::chrono::seconds(cli.timeout_s);
  options.udp.total_timeout = std::chrono::seconds(cli.timeout_s);

  if (cli.scrape) {
    auto r = scrape_tracker(cli.url, {info_hash}, options);
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
  req.port = cli.port;
  req.left = cli.left;
  req.numwant = cli.numwant;
  req.key = rd();
  if (cli.event == "started")
    req.event = announce_event::started;
  else if (cli.event == "stopped")
    req.event = announce_event::stopped;
  else if (cli.event == "completed")
    req.event = announce_event::completed;
  else if (cli.event == "none")
    req.event = announce_event::none;
  else
    return usage_error("--event: started, stopped, completed or none");

  auto r = announce_to_tracker(cli.url, req, options);
  if (!r) {
    std::cerr << "actorrent announce: " << r.error().message << "\n";
    return exit_failure;
  }
  if (cli.json) {
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

}  // namespace

void add_announce_command(CLI::App& app) {
  auto cli = std::make_shared<announce_cli>();
  auto* cmd =
      app.add_subcommand("announce", "Announce to (or scrape) one tracker and print the answer");
  cmd->add_option("tracker", cli->url, "tracker URL: http://, https:// or udp://")->required();
  auto* t = cmd->add_option("--torrent", cli->torrent, "take the info-hash from this .torrent");
  auto* h = cmd->add_option("--info-hash", cli->info_hash_hex, "the info-hash, 40 hex characters");
  t->excludes(h);
  cmd->add_option("--port", cli->port, "the port to announce (default 6881)");
  cmd->add_option("--event", cli->event, "started (default), stopped, completed or none");
  cmd->add_option("--left", cli->left, "bytes left to download (0: a seeder)");
  cmd->add_option("--numwant", cli->numwant, "how many peers to ask for");
  cmd->add_option("--timeout", cli->timeout_s, "seconds before giving up (default 30)");
  cmd->add_flag("--scrape", cli->scrape, "scrape instead of announcing");
  cmd->add_flag("--json", cli->json, "machine-readable output");
  cmd->callback([cli] {
    if (cli->torrent.empty() && cli->info_hash_hex.empty())
      throw command_result{usage_error("give --torrent FILE or --info-hash HEX")};
    throw command_result{run_announce(*cli)};
  });
}

}  // namespace actorrent
