#include "main/tracker_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>

#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "main/read_file.hpp"
#include "tracker/server/tracker_config.hpp"
#include "tracker/server/tracker_server.hpp"

namespace actorrent {

namespace {

int fail(int status, const std::string& message) {
  std::cerr << "actorrent tracker: " << message << "\n";
  return status;
}

// Relative .torrent paths in a config file are read relative to that file, so the config
// works from any current directory.
std::string resolve_near(const std::string& config_path, const std::string& path) {
  namespace fs = std::filesystem;
  if (config_path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(config_path).parent_path() / path).string();
}

}  // namespace

int run_tracker(const tracker_command_options& o) {
  server::tracker_config config;
  if (!o.config_path.empty()) {
    auto text = read_file(o.config_path, std::size_t{1} << 20);
    if (!text) return fail(exit_bad_input, text.error());
    auto parsed = server::parse_tracker_config(*text);
    if (!parsed) return fail(exit_bad_input, o.config_path + ": " + parsed.error());
    config = std::move(*parsed);
  }
  if (!o.http.empty()) config.http = o.http;
  if (!o.udp.empty()) config.udp = o.udp;
  if (auto problem = server::check_tracker_config(config)) return fail(exit_bad_input, *problem);
  for (const auto& path : config.allow_torrents) {
    auto m = load_torrent(resolve_near(o.config_path, path));
    if (!m) return fail(exit_bad_input, "allow_torrents: " + m.error());
    config.swarm.allow->insert(m->info_hash);
  }

  server::tracker_server_options options;
  if (config.http) options.http = *server::parse_listen_address(*config.http);
  if (config.udp) options.udp = *server::parse_listen_address(*config.udp);
  options.swarm = config.swarm;
  options.http_options.routes.stats = config.stats;

  boost::asio::io_context io;
  auto tracker = server::tracker_server::open(io, std::move(options));
  if (!tracker) return fail(exit_failure, tracker.error());
  auto& srv = **tracker;
  // Tests and scripts read the bound ports (port 0 picks one) from these lines.
  if (auto ep = srv.http_endpoint())
    std::cout << "http listening on " << server::to_string(ep->address(), ep->port()) << std::endl;
  if (auto ep = srv.udp_endpoint())
    std::cout << "udp listening on " << server::to_string(ep->address(), ep->port()) << std::endl;

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    srv.stop();
    io.stop();  // open connections are not waited for: announces are cheap to repeat
  });
  srv.start();
  io.run();
  return exit_ok;
}

}  // namespace actorrent
