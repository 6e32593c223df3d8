#include "main/session_commands.hpp"

#include <iostream>
#include <memory>

#include "main/client_config.hpp"
#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "main/peer_endpoint.hpp"
#include "main/run_session.hpp"
#include "protocol/host_port.hpp"
#include "protocol/magnet.hpp"

namespace actorrent {

namespace {

struct fail {
  int status;
  std::string message;
};

client_config load_config(const session_flags& f) {
  if (f.config_file.empty()) return client_config{};
  auto c = load_client_config(f.config_file);
  if (!c) throw fail{exit_bad_input, c.error()};
  return std::move(*c);
}

void apply_session_flags(const session_flags& f, session_settings& s) {
  if (f.listen_port) s.listen_port = *f.listen_port;
  if (f.state_dir) s.state_dir = *f.state_dir;
  if (f.download_limit) s.download_limit = *f.download_limit;
  if (f.upload_limit) s.upload_limit = *f.upload_limit;
  if (f.log_level) s.log_level = *f.log_level;
  if (f.message_log) s.message_log.file = *f.message_log;
  if (f.no_dht) s.dht.enabled = false;
  if (f.dht_port) s.dht.port = *f.dht_port;
  if (!f.dht_bootstrap.empty()) {
    for (const auto& node : f.dht_bootstrap)
      if (auto hp = split_host_port(node); !hp)
        throw fail{exit_bad_input, "--dht-bootstrap: " + hp.error()};
    s.dht.bootstrap = f.dht_bootstrap;
  }
}

std::vector<peer_address> parse_peers(const std::vector<std::string>& peers) {
  std::vector<peer_address> out;
  for (const auto& p : peers) {
    auto a = parse_peer_endpoint(p);
    if (!a) throw fail{exit_bad_input, "--peer: " + a.error()};
    out.push_back(*a);
  }
  return out;
}

torrent_params load_params(const std::string& source) {
  torrent_params p;
  if (is_magnet_uri(source)) {
    auto magnet = parse_magnet(source);
    if (!magnet) throw fail{exit_bad_input, "magnet link: " + magnet.error().message};
    p.magnet = std::move(*magnet);
    return p;
  }
  auto m = load_torrent(source);
  if (!m) throw fail{exit_bad_input, m.error()};
  p.torrent = std::make_shared<const metainfo>(std::move(*m));
  return p;
}

int guarded(const std::string& command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const fail& f) {
    std::cerr << "actorrent " << command << ": " << f.message << "\n";
    return f.status;
  }
}

int run_torrent_command(const std::string& command, const session_flags& sf,
                        const torrent_flags& tf, bool exit_when_complete) {
  return guarded(command, [&] {
    auto config = load_config(sf);
    session_run run;
    run.command = command;
    run.settings = config.session;
    apply_session_flags(sf, run.settings);
    run.json_progress = sf.json_progress;
    run.quiet = sf.quiet;
    run.exit_when_complete = exit_when_complete;
    auto params = load_params(tf.source);
    params.download_dir = tf.dir;
    params.peers = parse_peers(tf.peers);
    params.only = tf.only;
    params.seed = !exit_when_complete;
    params.sequential = tf.sequential;
    if (!tf.dir.empty()) run.settings.download_dir = tf.dir;
    run.torrents.push_back(std::move(params));
    return run_session(run);
  });
}

}  // namespace

int run_download(const session_flags& sf, const torrent_flags& tf) {
  return run_torrent_command("download", sf, tf, !tf.seed);
}

int run_seed(const session_flags& sf, const torrent_flags& tf) {
  return run_torrent_command("seed", sf, tf, false);
}

int run_config_command(const session_flags& sf) {
  return guarded("run", [&] {
    if (sf.config_file.empty()) throw fail{exit_bad_input, "-c CONFIG is required"};
    auto config = load_config(sf);
    session_run run;
    run.command = "run";
    run.settings = config.session;
    apply_session_flags(sf, run.settings);
    run.json_progress = sf.json_progress;
    run.quiet = sf.quiet;
    if (config.torrents.empty())
      throw fail{exit_bad_input, sf.config_file + ": \"torrents\" lists no torrent to run"};
    bool any_seeding = false;
    for (const auto& t : config.torrents) {
      auto params = load_params(t.source);
      params.download_dir = t.download_dir;
      params.peers = parse_peers(t.peers);
      params.only = t.only;
      params.seed = t.seed.value_or(true);
      params.sequential = t.sequential;
      params.download_limit = t.download_limit;
      params.upload_limit = t.upload_limit;
      any_seeding = any_seeding || params.seed;
      run.torrents.push_back(std::move(params));
    }
    // A session whose torrents all stop at completion ends then; one that seeds runs on.
    run.exit_when_complete = !any_seeding;
    return run_session(run);
  });
}

}  // namespace actorrent
