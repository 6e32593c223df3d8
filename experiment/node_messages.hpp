// The typed messages between an experiment controller and a node (`actorrent node`), which
// travel over CAF's middleman (TCP, or TLS through caf_openssl). Both processes register them
// with register_node_message_types() before their actor system starts.
//
// A controller first says node_hello with the node's shared secret and gets a token; every
// other command carries that token. A node refuses a command whose token is not one it gave
// (an actor id can be guessed; a 128-bit token cannot), so nothing is done for a controller
// that did not prove the secret.
//
//   controller                         node
//     node_hello{secret}         ──▶   node_welcome{token}  (or an error: wrong secret)
//     node_start_tracker         ──▶   node_tracker{announce_url}
//     node_generate_torrent      ──▶   node_torrent{bytes, info_hash}
//     node_spawn_client          ──▶   node_ack           (a client: a config and a torrent)
//     node_start_client / node_stop_client / node_kill_client / node_remove_client
//     node_set_limits / node_set_faults                   ──▶ node_ack
//     node_subscribe{subscriber} ──▶   node_ack, then node_stats to the subscriber every second
//     node_get_stats             ──▶   node_stats
//     node_shutdown              ──▶   node_ack, then the node process exits
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/message_types.hpp"

namespace actorrent {

struct node_hello {
  std::string secret;      // "" when the node has none
  std::string controller;  // a name for the node's log: the controller's host and pid
};

struct node_welcome {
  std::string token;
  std::string node;  // the node's own description: host, pid, version
};

// The answer to every command that returns nothing else. A command that fails is answered
// with a caf::error instead, whose context is the reason (error_text reads it).
struct node_ack {};

struct node_start_tracker {
  std::string token;
};

struct node_tracker {
  std::string announce_url;
};

// Random bytes from `seed` (the same on every node), saved in the node's data cache, and a
// .torrent made of them.
struct node_generate_torrent {
  std::string token;
  std::string name;
  std::uint64_t size = 0;
  std::uint32_t piece_size = 0;
  std::uint64_t seed = 0;
  std::string announce_url;
};

struct node_torrent {
  std::string torrent;  // the .torrent file's bytes
  std::string info_hash;
};

// A client session on the node, not started yet. `config_json`: client config keys merged
// over the node's (its addresses and directories). The torrent: the .torrent's bytes; a
// seeder's data comes from `data_dir` (a directory on the node), or is generated from
// `generate_seed` when `generate` is set; a leecher starts with nothing.
struct node_spawn_client {
  std::string token;
  std::string client;
  std::string config_json;
  std::string torrent;
  bool seeder = false;
  bool generate = false;
  std::uint64_t generate_seed = 0;
  std::string data_dir;
  std::string announce_url;  // replaces the torrent's trackers when not empty
};

// Commands on one client: start (or resume after a stop), stop (the torrent announces
// "stopped" and saves its resume data; the data stays), kill (the session ends at once, as
// if the process crashed: no announce, no resume data), remove (stopped and forgotten).
enum class node_client_command : std::uint8_t { start, stop, kill, remove };

struct node_client_control {
  std::string token;
  std::string client;
  node_client_command command = node_client_command::start;
};

struct node_set_limits {
  std::string token;
  std::string client;
  std::uint64_t download = 0;  // bytes per second, 0 = unlimited
  std::uint64_t upload = 0;
};

// The client config's "faults" section (JSON text), turned on in the running client.
struct node_set_faults {
  std::string token;
  std::string client;
  std::string faults_json;
};

struct node_subscribe {
  std::string token;
  caf::actor subscriber;
};

struct node_get_stats {
  std::string token;
};

struct node_shutdown {
  std::string token;
};

// One client as the node last saw it. Byte and restart counts are summed over the client's
// sessions (a stop and a start begin a new one).
struct node_client_stat {
  std::string client;
  std::string state;  // a torrent_state's name, or "created", "stopped", "killed", "failed"
  std::int64_t downloaded = 0;
  std::int64_t uploaded = 0;
  std::uint32_t peers = 0;
  std::uint32_t pieces = 0;
  std::uint32_t pieces_total = 0;
  std::uint32_t restarts = 0;
  std::int64_t completed_unix_ms = 0;  // when it first had every piece; 0: not yet
  std::string error;
};

struct node_stats {
  std::string node;
  std::int64_t unix_ms = 0;  // when the node took them
  double cpu_s = 0;          // the node process's CPU time so far
  std::vector<node_client_stat> clients;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_hello& x) {
  return f(caf::meta::type_name("node_hello"), x.secret, x.controller);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_welcome& x) {
  return f(caf::meta::type_name("node_welcome"), x.token, x.node);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_ack&) {
  return f(caf::meta::type_name("node_ack"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_start_tracker& x) {
  return f(caf::meta::type_name("node_start_tracker"), x.token);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_tracker& x) {
  return f(caf::meta::type_name("node_tracker"), x.announce_url);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_generate_torrent& x) {
  return f(caf::meta::type_name("node_generate_torrent"), x.token, x.name, x.size, x.piece_size,
           x.seed, x.announce_url);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_torrent& x) {
  return f(caf::meta::type_name("node_torrent"), x.torrent, x.info_hash);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_spawn_client& x) {
  return f(caf::meta::type_name("node_spawn_client"), x.token, x.client, x.config_json, x.torrent,
           x.seeder, x.generate, x.generate_seed, x.data_dir, x.announce_url);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_client_control& x) {
  return f(caf::meta::type_name("node_client_control"), x.token, x.client, x.command);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_set_limits& x) {
  return f(caf::meta::type_name("node_set_limits"), x.token, x.client, x.download, x.upload);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_set_faults& x) {
  return f(caf::meta::type_name("node_set_faults"), x.token, x.client, x.faults_json);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_subscribe& x) {
  return f(caf::meta::type_name("node_subscribe"), x.token, x.subscriber);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_get_stats& x) {
  return f(caf::meta::type_name("node_get_stats"), x.token);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_shutdown& x) {
  return f(caf::meta::type_name("node_shutdown"), x.token);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_client_stat& x) {
  return f(caf::meta::type_name("node_client_stat"), x.client, x.state, x.downloaded, x.uploaded,
           x.peers, x.pieces, x.pieces_total, x.restarts, x.completed_unix_ms, x.error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stats& x) {
  return f(caf::meta::type_name("node_stats"), x.node, x.unix_ms, x.cpu_s, x.clients);
}

// Every type above, for registration and for the test that each one crosses CAF's serializer.
template <class F>
void for_each_node_message_type(F&& f) {
  f(message_type_tag<node_hello>{}, "node_hello");
  f(message_type_tag<node_welcome>{}, "node_welcome");
  f(message_type_tag<node_ack>{}, "node_ack");
  f(message_type_tag<node_start_tracker>{}, "node_start_tracker");
  f(message_type_tag<node_tracker>{}, "node_tracker");
  f(message_type_tag<node_generate_torrent>{}, "node_generate_torrent");
  f(message_type_tag<node_torrent>{}, "node_torrent");
  f(message_type_tag<node_spawn_client>{}, "node_spawn_client");
  f(message_type_tag<node_client_control>{}, "node_client_control");
  f(message_type_tag<node_set_limits>{}, "node_set_limits");
  f(message_type_tag<node_set_faults>{}, "node_set_faults");
  f(message_type_tag<node_subscribe>{}, "node_subscribe");
  f(message_type_tag<node_get_stats>{}, "node_get_stats");
  f(message_type_tag<node_shutdown>{}, "node_shutdown");
  f(message_type_tag<node_client_stat>{}, "node_client_stat");
  f(message_type_tag<std::vector<node_client_stat>>{}, "std::vector<node_client_stat>");
  f(message_type_tag<node_stats>{}, "node_stats");
}

inline void register_node_message_types(caf::actor_system_config& cfg) {
  for_each_node_message_type([&cfg](auto tag, const char* name) {
    cfg.add_message_type<typename decltype(tag)::type>(name);
  });
}

}  // namespace actorrent
