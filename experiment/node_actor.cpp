#include "experiment/node_actor.hpp"

#include <caf/all.hpp>

#include <sys/resource.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "actors/error_text.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "experiment/client_host.hpp"
#include "experiment/generated_data.hpp"
#include "experiment/node_messages.hpp"
#include "experiment/process_clock.hpp"
#include "experiment/tracker_host.hpp"
#include "main/client_config.hpp"
#include "storage/create_torrent.hpp"

namespace actorrent {

namespace {

using node_tick_atom = caf::atom_constant<caf::atom("node_tick")>;
// The clients' progress is read this often; stats go to subscribers every fourth time.
constexpr auto poll_interval = std::chrono::milliseconds{250};
namespace fs = std::filesystem;

struct hosted_client {
  caf::actor host;
  std::string owner;  // the token of the controller that spawned it
  node_client_stat last;
};

struct node_state {
  std::set<std::string> tokens;
  std::map<std::string, hosted_client> clients;
  std::map<std::string, caf::actor> subscribers;  // by token
  std::unique_ptr<tracker_host> tracker;
  bool shutting_down = false;
  unsigned ticks = 0;  // every fourth pushes the stats
};

using node_self = caf::stateful_actor<node_state>;

caf::error node_error(const std::string& text) {
  return caf::make_error(caf::sec::runtime_error, text);
}

std::string random_token() {
  std::random_device rd;
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i)
    out += digits[rd() % 16];
  return out;
}

bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

// Who sent the current message, for the log: the remote CAF node it came from.
std::string sender_name(node_self* self) {
  const auto& sender = self->current_sender();
  if (!sender) return "an anonymous sender";
  return "CAF node " + to_string(sender->node());
}

// Refuses (and logs) a command whose token this node never gave.
std::optional<caf::error> unauthenticated(node_self* self, const std::string& token,
                                          const char* command) {
  if (self->state.tokens.count(token)) return std::nullopt;
  log_warn("node: refused " + std::string(command) + " from " + sender_name(self) +
           ": not authenticated (no node_hello with the secret)");
  return node_error(std::string(command) +
                    " refused: not authenticated; say node_hello with the "
                    "node's secret first");
}

node_stats stats(node_self* self, const node_actor_config& cfg) {
  node_stats out;
  out.node = cfg.description;
  out.unix_ms = unix_ms_now();
  out.cpu_s = process_cpu_seconds();
  for (const auto& [name, c] : self->state.clients)
    out.clients.push_back(c.last);
  return out;
}

// A client's directory name: its name with every character but [A-Za-z0-9_-] made '_'
// ("a/leecher-2" → "a_leecher-2"), so no name reaches outside dir/clients.
std::string directory_name(const std::string& client) {
  std::string out;
  for (char ch : client)
    out += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') ? ch : '_';
  return out;
}

fs::path generated_path(const node_actor_config& cfg, std::uint64_t seed, std::uint64_t size,
                        const std::string& name) {
  return cfg.dir / "cache" / (std::to_string(seed) + "-" + std::to_string(size)) / name;
}

caf::result<node_torrent> generate_torrent(const node_actor_config& cfg,
                                           const node_generate_torrent& g) {
  if (auto bad = unsafe_path_component(g.name)) return node_error("name: " + *bad);
  const auto file = generated_path(cfg, g.seed, g.size, g.name);
  if (auto problem = write_generated_file(file, g.size, g.seed)) return node_error(*problem);
  create_options o;
  o.path = file.string();
  if (!g.announce_url.empty()) o.tracker_tiers = {{g.announce_url}};
  o.piece_length = g.piece_size;
  o.include_creation_date = false;
  o.created_by = "actorrent experiment";
  auto created = create_torrent(o);
  if (!created) return node_error(created.error());
  return node_torrent{created->bytes, created->info_hash_hex};
}

// The client's config: the node's addresses and directories, then the controller's keys.
expected<session_settings, std::string> client_settings(const node_actor_config& cfg,
                                                        const node_spawn_client& s,
                                                        const fs::path& root) {
  nlohmann::json config = nlohmann::json::object();
  if (!s.config_json.empty()) {
    auto given = nlohmann::json::parse(s.config_json, nullptr, false);
    if (!given.is_object()) return make_unexpected(std::string("config: not a JSON object"));
    for (const char* key : {"listen", "download_dir", "state_dir", "torrents"})
      if (given.contains(key))
        return make_unexpected(std::string("config: ") + key + " is the node's to set");
    config = std::move(given);
  }
  config["listen"] = {{"address", cfg.host}, {"port", 0}};
  config["download_dir"] = (root / "data").string();
  config["state_dir"] = (root / "state").string();
  if (!config.contains("dht")) config["dht"] = {{"enabled", false}};
  auto parsed = parse_client_config(config.dump(), "client " + s.client + " config", root);
  if (!parsed) return make_unexpected(parsed.error());
  return std::move(parsed->session);
}

caf::result<node_ack> spawn_client(node_self* self, const node_actor_config& cfg,
                                   const node_spawn_client& s) {
  auto& st = self->state;
  if (s.client.empty()) return node_error("node_spawn_client: no client name");
  if (st.clients.count(s.client)) return node_error(s.client + ": a client of that name exists");
  auto torrent = parse_metainfo(s.torrent);
  if (!torrent) return node_error(s.client + ": the torrent: " + torrent.error().to_string());
  const auto root = cfg.dir / "clients" / directory_name(s.client);
  auto settings = client_settings(cfg, s, root);
  if (!settings) return node_error(s.client + ": " + settings.error());
  std::error_code ec;
  fs::create_directories(settings->download_dir, ec);
  if (ec)
    return node_error(s.client + ": " + settings->download_dir.string() + ": " + ec.message());
  if (s.seeder && s.generate) {
    if (torrent->files.size() != 1)
      return node_error(s.client + ": generated data is one file, the torrent has several");
    const auto size = static_cast<std::uint64_t>(torrent->total_length);
    const auto cached = generated_path(cfg, s.generate_seed, size, torrent->name);
    if (auto problem = write_generated_file(cached, size, s.generate_seed))
      return node_error(s.client + ": " + *problem);
    const auto target = settings->download_dir / torrent->name;
    if (!fs::exists(target, ec)) {
      fs::create_hard_link(cached, target, ec);
      if (ec) fs::copy_file(cached, target, ec);
      if (ec) return node_error(s.client + ": " + target.string() + ": " + ec.message());
    }
  } else if (s.seeder && !s.data_dir.empty()) {
    settings->download_dir = s.data_dir;
  }
  client_host_config hc;
  hc.name = s.client;
  hc.settings = std::move(*settings);
  if (!s.announce_url.empty()) torrent->tracker_tiers = {{s.announce_url}};
  hc.torrent = std::make_shared<const metainfo>(std::move(*torrent));
  hc.node = self;
  auto host = spawn_client_host(self->system(), std::move(hc));
  self->monitor(host);
  hosted_client c;
  c.host = host;
  c.owner = s.token;
  c.last.client = s.client;
  c.last.state = "created";
  st.clients.emplace(s.client, std::move(c));
  return node_ack{};
}

// The client's host, or an error naming the client.
expected<caf::actor, caf::error> host_of(node_self* self, const std::string& client) {
  auto it = self->state.clients.find(client);
  if (it == self->state.clients.end())
    return make_unexpected(node_error(client + ": no such client"));
  if (!it->second.host)
    return make_unexpected(node_error(client + ": failed: " + it->second.last.error));
  return it->second.host;
}

// What node_set_faults may turn on in a running client: the peer kills (the other faults are
// wired into the disk writers and tracker transports when a session starts).
expected<std::chrono::milliseconds, std::string> peer_kill_interval(
    const std::string& faults_json) {
  auto parsed =
      parse_client_config("{\"faults\": " + faults_json + "}", "node_set_faults", fs::path{});
  if (!parsed) return make_unexpected(parsed.error());
  const auto& f = parsed->session.faults;
  if (f.disk_write.enabled() || f.tracker_drop.enabled() || f.tracker_corrupt.enabled())
    return make_unexpected(std::string(
        "node_set_faults: only kill_peer_every_ms can be turned on in a running client; "
        "give disk and tracker faults in the client's config, from its start"));
  return f.kill_peer_interval;
}

void remove_clients(node_self* self, const std::string& owner) {
  auto& clients = self->state.clients;
  for (auto it = clients.begin(); it != clients.end();) {
    if (!owner.empty() && it->second.owner != owner) {
      ++it;
    } else if (!it->second.host) {
      it = clients.erase(it);  // failed: nothing to stop
    } else {
      self->send(it->second.host, node_client_control{{}, it->first, node_client_command::remove});
      ++it;
    }
  }
}

void maybe_finish_shutdown(node_self* self, const node_actor_config& cfg) {
  if (self->state.shutting_down && self->state.clients.empty()) {
    self->state.tracker.reset();
    if (cfg.on_shutdown) cfg.on_shutdown();
    self->quit();
  }
}

}  // namespace

caf::actor spawn_node(caf::actor_system& system, node_actor_config config) {
  // Not detached (its timer would keep it alive at shutdown: client_host.hpp); its few
  // blocking calls (generating data) happen while an experiment is set up.
  return system.spawn(
      [](node_self* self, node_actor_config cfg) -> caf::behavior {
        self->set_down_handler([=](caf::down_msg& dm) {
          auto& st = self->state;
          for (auto it = st.clients.begin(); it != st.clients.end(); ++it) {
            if (it->second.host.address() != dm.source) continue;
            if (dm.reason && dm.reason != caf::exit_reason::normal && !st.shutting_down) {
              // Kept, so that controllers see it failed.
              auto why = error_text(self->system(), dm.reason);
              log_warn("node: the host of " + it->first + " failed: " + why);
              it->second.host = nullptr;
              it->second.last.state = "failed";
              it->second.last.error = why;
            } else {
              st.clients.erase(it);
            }
            break;
          }
          for (auto it = st.subscribers.begin(); it != st.subscribers.end(); ++it) {
            if (it->second.address() != dm.source) continue;
            log_info("node: a controller is gone; removing its clients");
            remove_clients(self, it->first);
            st.tokens.erase(it->first);
            st.subscribers.erase(it);
            break;
          }
          maybe_finish_shutdown(self, cfg);
        });
        // The process is ending (a signal): every client host ends too, stopping its session.
        self->set_exit_handler([=](caf::exit_msg& m) {
          for (auto& [name, c] : self->state.clients)
            if (c.host) self->send_exit(c.host, m.reason);
          self->quit(m.reason);
        });
        self->delayed_send(self, poll_interval, node_tick_atom::value);
        return {
            [=](const node_hello& h) -> caf::result<node_welcome> {
              if (!same_secret(h.secret, cfg.secret)) {
                log_warn("node: refused the controller \"" + h.controller + "\" (" +
                         sender_name(self) + "): wrong secret");
                return node_error("refused: wrong secret");
              }
              auto token = random_token();
              self->state.tokens.insert(token);
              log_info("node: controller \"" + h.controller + "\" accepted (" + sender_name(self) +
                       ")");
              return node_welcome{token, cfg.description};
            },
            [=](const node_start_tracker& t) -> caf::result<node_tracker> {
              if (auto e = unauthenticated(self, t.token, "node_start_tracker")) return *e;
              auto& st = self->state;
              if (!st.tracker) {
                auto started = tracker_host::start(cfg.host);
                if (!started) return node_error(started.error());
                st.tracker = std::move(*started);
              }
              return node_tracker{st.tracker->announce_url()};
            },
            [=](const node_generate_torrent& g) -> caf::result<node_torrent> {
              if (auto e = unauthenticated(self, g.token, "node_generate_torrent")) return *e;
              return generate_torrent(cfg, g);
            },
            [=](const node_spawn_client& s) -> caf::result<node_ack> {
              if (auto e = unauthenticated(self, s.token, "node_spawn_client")) return *e;
              return spawn_client(self, cfg, s);
            },
            [=](const node_client_control& c) -> caf::result<node_ack> {
              if (auto e = unauthenticated(self, c.token, "node_client_control")) return *e;
              auto host = host_of(self, c.client);
              if (!host) return host.error();
              self->delegate(*host, c);
              return caf::delegated<node_ack>{};
            },
            [=](const node_set_limits& l) -> caf::result<node_ack> {
              if (auto e = unauthenticated(self, l.token, "node_set_limits")) return *e;
              auto host = host_of(self, l.client);
              if (!host) return host.error();
              self->delegate(*host, l);
              return caf::delegated<node_ack>{};
            },
            [=](const node_set_faults& f) -> caf::result<node_ack> {
              if (auto e = unauthenticated(self, f.token, "node_set_faults")) return *e;
              auto host = host_of(self, f.client);
              if (!host) return host.error();
              auto interval = peer_kill_interval(f.faults_json);
              if (!interval) return node_error(f.client + ": " + interval.error());
              self->delegate(*host, set_peer_kills{interval->count()});
              return caf::delegated<node_ack>{};
            },
            [=](const node_subscribe& s) -> caf::result<node_ack> {
              if (auto e = unauthenticated(self, s.token, "node_subscribe")) return *e;
              if (!s.subscriber) return node_error("node_subscribe: no subscriber");
              self->state.subscribers[s.token] = s.subscriber;
              self->monitor(s.subscriber);
              return node_ack{};
            },
            [=](const node_get_stats& g) -> caf::result<node_stats> {
              if (auto e = unauthenticated(self, g.token, "node_get_stats")) return *e;
              return stats(self, cfg);
            },
            [=](const node_shutdown& s) -> caf::result<node_ack> {
              if (auto e = unauthenticated(self, s.token, "node_shutdown")) return *e;
              log_info("node: shutting down (" + sender_name(self) + ")");
              self->state.shutting_down = true;
              remove_clients(self, {});
              // After the answer has left: on_shutdown ends the process.
              self->delayed_send(self, std::chrono::milliseconds{100}, node_tick_atom::value);
              return node_ack{};
            },
            // A host's answer to the remove the node sent it (remove_clients): nothing to do.
            [=](const node_ack&) {},
            [=](const node_client_stat& s) {
              auto it = self->state.clients.find(s.client);
              if (it != self->state.clients.end()) it->second.last = s;
            },
            [=](node_tick_atom) {
              auto& st = self->state;
              if (st.shutting_down) {
                maybe_finish_shutdown(self, cfg);
                if (!st.clients.empty())
                  self->delayed_send(self, std::chrono::milliseconds{100}, node_tick_atom::value);
                return;
              }
              for (const auto& [name, c] : st.clients)
                if (c.host) self->send(c.host, host_poll_atom::value);
              if (++st.ticks % 4 == 0 && !st.subscribers.empty()) {
                auto s = stats(self, cfg);
                for (const auto& [token, sub] : st.subscribers)
                  self->send(sub, s);
              }
              self->delayed_send(self, poll_interval, node_tick_atom::value);
            },
        };
      },
      // An argument, not a capture: CAF 0.17 dereferences the empty argument tuple of an actor
      // function spawned without one (UBSan).
      std::move(config));
}

}  // namespace actorrent
