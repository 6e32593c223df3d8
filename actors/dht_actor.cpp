#include "actors/dht_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "actors/dht_socket.hpp"
#include "actors/dht_table_file.hpp"
#include "actors/log.hpp"
#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"
#include "engine/dht_lookup.hpp"
#include "engine/dht_peer_store.hpp"
#include "engine/dht_query_handler.hpp"
#include "engine/dht_routing_table.hpp"
#include "engine/dht_search_schedule.hpp"
#include "engine/dht_tokens.hpp"
#include "engine/dht_transactions.hpp"
#include "protocol/host_port.hpp"

namespace actorrent {

namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using time_point = engine_clock::time_point;

constexpr auto save_every = minutes(5);
constexpr auto bootstrap_retry = seconds(30);  // while the table is empty
constexpr std::size_t lookup_start_nodes = 16;
constexpr std::size_t alpha = 3;
// Hostile traffic is counted without limit but logged at most this often.
constexpr std::uint32_t log_lines_per_minute = 20;
// BEP 42: distinct nodes (by IP) agreeing on our external address before we trust it: one
// node answering three times must not choose our id.
constexpr std::size_t external_ip_votes = 3;
constexpr std::size_t max_ip_candidates = 16;
constexpr std::size_t max_bootstrap = 16;

enum class lookup_purpose { bootstrap, refresh, search };

struct running_lookup {
  dht_lookup lookup;
  lookup_purpose purpose;
};

struct subscriber {
  caf::actor actor;
  std::uint16_t announce_port = 0;
};

struct dht_state {
  static inline const char* name = "dht";
  std::shared_ptr<dht_socket> socket;
  std::mt19937_64 rng{std::random_device{}()};
  std::optional<dht_routing_table> table;
  std::optional<dht_tokens> tokens;
  dht_peer_store store;
  dht_transactions transactions;
  dht_search_schedule schedule;
  std::map<std::uint64_t, running_lookup> lookups;
  std::uint64_t next_lookup = 1;
  std::map<sha1_hash, std::vector<subscriber>> subscribers;
  std::vector<peer_address> bootstrap;  // resolved
  // External address (port 0) → the IPs of the nodes that said so.
  std::map<peer_address, std::set<peer_address>> ip_votes;
  bool bep42_applied = false;
  time_point last_bootstrap{};
  bool joined_once = false;
  time_point last_save{};
  time_point log_window{};
  std::uint32_t logged_in_window = 0;
  std::uint64_t suppressed = 0;
  dht_stats stats;
  bool stopped = false;
};

using dht_self = caf::stateful_actor<dht_state, logged_actor>;

std::filesystem::path state_path(const dht_actor_config& cfg) {
  return cfg.state_dir / cfg.settings.state_file;
}

// Rate-limited: a flood is counted in full, logged in part.
void log_hostile(dht_self* self, const std::string& line) {
  auto& st = self->state;
  const auto now = engine_clock::now();
  if (now - st.log_window >= minutes(1)) {
    if (st.suppressed > 0)
      log_warn("dht: " + std::to_string(st.suppressed) +
               " more bad datagram(s) in the last minute not logged");
    st.log_window = now;
    st.logged_in_window = 0;
    st.suppressed = 0;
  }
  if (st.logged_in_window >= log_lines_per_minute) {
    ++st.suppressed;
    return;
  }
  ++st.logged_in_window;
  log_warn("dht: " + line);
}

void send_message(dht_self* self, const peer_address& to, const krpc_message& m) {
  self->state.socket->send(to, encode(m));
  ++self->state.stats.datagrams_out;
}

// Sends a query under a fresh transaction id; false when too many are waiting already.
bool send_query(dht_self* self, const peer_address& to, std::optional<dht_node_id> id,
                krpc_query query, std::uint64_t lookup) {
  auto& st = self->state;
  dht_pending_query pending;
  pending.address = to;
  pending.id = id;
  pending.method = method_of(query);
  pending.lookup = lookup;
  auto tid = st.transactions.open(pending, engine_clock::now());
  if (!tid) return false;
  krpc_message m;
  m.transaction_id = *tid;
  m.body = std::move(query);
  m.version = dht_client_version();
  send_message(self, to, m);
  return true;
}

void table_changed(dht_self* self, std::size_t size_before) {
  if (size_before == 0 && self->state.table->size() > 0)
    self->state.schedule.nodes_available(engine_clock::now());
}

void deliver(dht_self* self, const sha1_hash& info_hash, std::vector<peer_address> peers) {
  auto it = self->state.subscribers.find(info_hash);
  if (peers.empty() || it == self->state.subscribers.end()) return;
  for (const auto& s : it->second)
    self->send(s.actor, peers_discovered{info_hash, peers, "dht"});
}

void finish_lookup(dht_self* self, std::uint64_t id);

void pump(dht_self* self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.lookups.find(id);
  if (it == st.lookups.end()) return;
  auto& l = it->second.lookup;
  // Whatever next_queries hands out counts as in flight: ask only when all of it can be sent.
  if (st.transactions.has_room(alpha)) {
    const auto self_id = st.table->own_id();
    for (const auto& q : l.next_queries(engine_clock::now())) {
      krpc_query query;
      if (q.method == krpc_method::get_peers)
        query = get_peers_query{self_id, q.target};
      else
        query = find_node_query{self_id, q.target};
      send_query(self, q.address, q.id, std::move(query), id);
    }
  }
  if (l.done()) finish_lookup(self, id);
}

std::uint64_t start_lookup(dht_self* self, dht_lookup_kind kind, const dht_node_id& target,
                           lookup_purpose purpose) {
  auto& st = self->state;
  const auto now = engine_clock::now();
  auto start = st.table->closest(target, lookup_start_nodes, now, false);
  // Bootstrap nodes are asked only when we know nobody better: they are the busiest nodes
  // of the DHT, and once we know others they know nothing the others do not.
  std::vector<peer_address> bootstrap;
  if (start.empty() || purpose == lookup_purpose::bootstrap) bootstrap = st.bootstrap;
  dht_lookup_config lc;
  lc.alpha = alpha;
  const auto id = st.next_lookup++;
  st.lookups.emplace(
      id,
      running_lookup{dht_lookup(kind, target, st.table->own_id(), start, bootstrap, lc), purpose});
  pump(self, id);
  return id;
}

void finish_lookup(dht_self* self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.lookups.find(id);
  if (it == st.lookups.end()) return;
  auto done = std::move(it->second);
  st.lookups.erase(it);
  if (done.purpose != lookup_purpose::search) return;
  const auto& l = done.lookup;
  const auto& info_hash = l.target();
  const auto now = engine_clock::now();
  auto peers = l.peers();
  for (const auto& p : st.store.peers_for(info_hash, false, now))
    if (std::find(peers.begin(), peers.end(), p) == peers.end()) peers.push_back(p);
  st.schedule.finished(info_hash, peers.size(), l.queries_sent() > 0, now);
  if (log_enabled(log_level::info))
    log_info("dht: " + info_hash.hex() + ": " + std::to_string(peers.size()) + " peer(s) found, " +
             std::to_string(l.queries_sent()) + " node(s) asked");
  std::uint16_t port = 0;
  if (auto s = st.subscribers.find(info_hash); s != st.subscribers.end())
    for (const auto& sub : s->second)
      port = std::max(port, sub.announce_port);
  deliver(self, info_hash, std::move(peers));
  if (port == 0) return;
  for (const auto& t : l.announce_targets())
    send_query(self, t.node.address, t.node.id,
               announce_peer_query{st.table->own_id(), info_hash, port, false, t.token}, 0);
}

void start_due_searches(dht_self* self, const dht_actor_config& cfg) {
  auto& st = self->state;
  const auto room = cfg.settings.max_lookups > st.lookups.size()
                        ? cfg.settings.max_lookups - st.lookups.size()
                        : 0;
  for (const auto& hash : st.schedule.take_due(engine_clock::now(), room))
    start_lookup(self, dht_lookup_kind::get_peers, hash, lookup_purpose::search);
}

// BEP 42: once enough answers agree on a public external address that our id does not fit,
// take an id that does (the table is rebuilt around it: buckets depend on our id).
void vote_external_address(dht_self* self, peer_address ip, peer_address voter) {
  auto& st = self->state;
  ip.port = 0;
  voter.port = 0;
  if (st.bep42_applied || bep42_exempt(ip)) return;
  if (!st.ip_votes.count(ip) && st.ip_votes.size() >= max_ip_candidates) return;
  auto& voters = st.ip_votes[ip];
  voters.insert(voter);
  if (voters.size() < external_ip_votes) return;
  st.bep42_applied = true;
  if (bep42_valid(st.table->own_id(), ip)) return;
  const auto now = engine_clock::now();
  dht_routing_table fresh(bep42_node_id(ip, st.rng), now);
  for (std::size_t b = 0; b < st.table->bucket_count(); ++b)
    for (const auto& e : st.table->bucket_nodes(b))
      fresh.heard_from(e.contact, false, now);
  st.table.emplace(std::move(fresh));
  log_info("dht: our external address is " + ip.ip_string() + ": node id " +
           st.table->own_id().hex() + " (BEP 42)");
}

std::string save_table(dht_self* self, const dht_actor_config& cfg) {
  self->state.last_save = engine_clock::now();
  return save_dht_table(state_path(cfg), *self->state.table);
}

void on_response(dht_self* self, const krpc_message& m, const peer_address& from) {
  auto& st = self->state;
  auto pending = st.transactions.close(m.transaction_id, from);
  if (!pending) {
    ++st.stats.unexpected_in;
    if (log_enabled(log_level::debug))
      log_debug("dht: " + from.to_string() + ": an answer to no query of ours (transaction " +
                std::to_string(m.transaction_id.size()) + " bytes)");
    return;
  }
  ++st.stats.responses_in;
  auto lookup = st.lookups.find(pending->lookup);
  if (m.is_error()) {
    if (lookup != st.lookups.end()) {
      lookup->second.lookup.on_failure(from);
      pump(self, pending->lookup);
    }
    return;
  }
  const auto& r = m.response();
  const auto before = st.table->size();
  // An answer under another id than the one asked is not that node's: the table keeps the
  // node it knows (and the lookup counts the query as failed).
  if (!pending->id || *pending->id == r.id)
    st.table->heard_from(dht_contact{r.id, from}, true, engine_clock::now());
  table_changed(self, before);
  if (m.ip) vote_external_address(self, *m.ip, from);
  if (lookup != st.lookups.end()) {
    if (lookup->second.lookup.on_response(from, r) == dht_lookup::response_result::id_mismatch)
      log_hostile(self, from.to_string() + " answered under another node id than the one asked");
    pump(self, pending->lookup);
  }
}

void on_query(dht_self* self, const krpc_message& m, const peer_address& from) {
  auto& st = self->state;
  ++st.stats.queries_in;
  const auto before = st.table->size();
  auto answer = answer_query(m, from, {*st.table, *st.tokens, st.store, 8}, engine_clock::now());
  table_changed(self, before);
  send_message(self, from, answer.reply);
  if (answer.refused && log_enabled(log_level::debug))
    log_debug("dht: " + from.to_string() + ": " + *answer.refused);
  if (answer.announced) {
    const auto& hash = std::get<announce_peer_query>(m.query()).info_hash;
    deliver(self, hash, {*answer.announced});
  }
}

void on_datagram(dht_self* self, const dht_datagram& d) {
  auto& st = self->state;
  st.socket->consumed();
  ++st.stats.datagrams_in;
  if (d.from.port == 0) {
    ++st.stats.malformed_in;
    return log_hostile(self, d.from.ip_string() + ": a datagram from port 0");
  }
  auto m = decode_krpc(d.bytes);
  if (!m) {
    ++st.stats.malformed_in;
    log_hostile(self, d.from.to_string() + ": malformed KRPC (" + std::to_string(d.bytes.size()) +
                          " bytes): " + m.error().to_string());
    if (m.error().should_reply()) send_message(self, d.from, m.error().reply());
    return;
  }
  if (m->is_query()) return on_query(self, *m, d.from);
  on_response(self, *m, d.from);
}

void tick(dht_self* self, const dht_actor_config& cfg) {
  auto& st = self->state;
  const auto now = engine_clock::now();
  for (const auto& q : st.transactions.expire(now))
    if (q.id) st.table->node_failed(dht_contact{*q.id, q.address}, now);
  std::vector<std::uint64_t> ids;
  for (auto& [id, l] : st.lookups) {
    l.lookup.expire(now);
    ids.push_back(id);
  }
  for (auto id : ids)
    pump(self, id);
  // Joining: a lookup of our own id, through the nodes we know (a saved table) or else the
  // bootstrap nodes; again every 30 s for as long as no node we know is alive (all the saved
  // ones may have left).
  const bool alone = st.table->closest(st.table->own_id(), 1, now).empty();
  const bool can_join = !alone || !st.bootstrap.empty();
  if (can_join && (!st.joined_once || (alone && now - st.last_bootstrap >= bootstrap_retry)) &&
      st.lookups.size() < cfg.settings.max_lookups) {
    st.joined_once = true;
    st.last_bootstrap = now;
    start_lookup(self, dht_lookup_kind::find_node, st.table->own_id(), lookup_purpose::bootstrap);
  }
  for (const auto& c : st.table->nodes_to_ping(now)) {
    if (!st.transactions.has_room(alpha + 1)) break;  // lookups first
    send_query(self, c.address, c.id, ping_query{st.table->own_id()}, 0);
  }
  if (st.table->size() > 0)
    for (const auto& target : st.table->refresh_targets(now, st.rng)) {
      if (st.lookups.size() >= cfg.settings.max_lookups) break;
      start_lookup(self, dht_lookup_kind::find_node, target, lookup_purpose::refresh);
    }
  start_due_searches(self, cfg);
  st.store.expire(now);
  if (now - st.last_save >= save_every)
    if (auto problem = save_table(self, cfg); !problem.empty())
      log_warn("dht: the routing table was not saved: " + problem);
  self->delayed_send(self, seconds(1), tick_atom::value);
}

void load_table(dht_self* self, const dht_actor_config& cfg) {
  auto& st = self->state;
  const auto path = state_path(cfg);
  auto loaded = load_dht_table(path, st.rng, engine_clock::now());
  st.table.emplace(std::move(loaded.table));
  if (!loaded.problem.empty())
    log_warn("dht: " + path.string() + ": " + loaded.problem + "; starting with a new node id");
  else if (loaded.from_file)
    log_info("dht: " + std::to_string(st.table->size()) + " node(s) and node id " +
             st.table->own_id().hex() + " from " + path.string());
}

void add_bootstrap(dht_self* self, const dht_actor_config& cfg) {
  auto& st = self->state;
  for (const auto& text : cfg.settings.bootstrap) {
    auto hp = split_host_port(text);
    if (!hp) {
      log_warn("dht: bootstrap node " + hp.error());
      continue;
    }
    if (auto ip = peer_address::parse_ip(hp->host, hp->port)) {
      if (st.bootstrap.size() < max_bootstrap) st.bootstrap.push_back(*ip);
      continue;
    }
    // A name: resolved on the asio thread, the answer comes back as a message.
    auto me = caf::actor_cast<caf::actor>(self);
    st.socket->resolve(hp->host, hp->port, 4, [me, text](std::vector<peer_address> found) {
      if (found.empty()) log_warn("dht: bootstrap node '" + text + "': cannot resolve it");
      caf::anon_send(me, peers_discovered{sha1_hash{}, std::move(found), "dht-bootstrap"});
    });
  }
}

caf::behavior dht_behavior(dht_self* self, dht_actor_config cfg,
                           std::shared_ptr<dht_socket> socket) {
  auto& st = self->state;
  st.socket = std::move(socket);
  st.stats.port = st.socket->port();
  dht_transactions_config tc;
  tc.max_pending = std::max<std::size_t>(cfg.settings.max_queries, alpha + 1);
  st.transactions = dht_transactions(tc, static_cast<std::uint16_t>(st.rng()));
  load_table(self, cfg);
  st.tokens.emplace(engine_clock::now());
  st.last_save = engine_clock::now();
  st.log_window = engine_clock::now();
  add_bootstrap(self, cfg);
  self->attach_functor([s = st.socket](const caf::error&) { s->close(); });
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    for (auto it = subs.begin(); it != subs.end();) {
      auto& v = it->second;
      v.erase(std::remove_if(v.begin(), v.end(),
                             [&](const subscriber& s) { return s.actor.address() == dm.source; }),
              v.end());
      if (v.empty()) {
        self->state.schedule.remove(it->first);
        it = subs.erase(it);
      } else {
        ++it;
      }
    }
  });
  st.socket->start(caf::actor_cast<caf::actor>(self));
  self->send(self, tick_atom::value);
  return {
      [=](const dht_datagram& d) { on_datagram(self, d); },
      [=](const dht_track& t) {
        auto& st = self->state;
        if (!t.subscriber) return;
        auto& subs = st.subscribers[t.info_hash];
        for (const auto& s : subs)
          if (s.actor == t.subscriber) return;
        subs.push_back({t.subscriber, t.announce_port});
        self->monitor(t.subscriber);
        st.schedule.add(t.info_hash, engine_clock::now());
        start_due_searches(self, cfg);
      },
      // A peer's DHT node (BEP 5's PORT message): a node that answers the ping is added.
      [=](const dht_node_seen& n) {
        auto& st = self->state;
        if (st.stopped || n.node.port == 0) return;
        send_query(self, n.node, std::nullopt, ping_query{st.table->own_id()}, 0);
      },
      // Bootstrap names resolved (dht_socket::resolve).
      [=](const peers_discovered& d) {
        auto& st = self->state;
        if (d.source != "dht-bootstrap") return;
        for (const auto& a : d.peers)
          if (st.bootstrap.size() < max_bootstrap &&
              std::find(st.bootstrap.begin(), st.bootstrap.end(), a) == st.bootstrap.end())
            st.bootstrap.push_back(a);
        st.joined_once = false;  // join through them at the next tick
      },
      [=](tick_atom) {
        if (!self->state.stopped) tick(self, cfg);
      },
      [=](get_dht_stats) -> dht_stats {
        auto& st = self->state;
        auto s = st.stats;
        s.node_id = st.table->own_id();
        s.nodes = st.table->size();
        s.peers_stored = st.store.size();
        s.tracked = st.schedule.size();
        s.lookups = st.lookups.size();
        s.pending_queries = st.transactions.size();
        s.dropped_in = st.socket->dropped();
        s.send_failures = st.socket->send_failures();
        return s;
      },
      [=](dht_stop) -> dht_stopped {
        auto& st = self->state;
        st.stopped = true;
        auto problem = save_table(self, cfg);
        if (!problem.empty()) log_warn("dht: the routing table was not saved: " + problem);
        // Now, not in the cleanup after quit(): whoever waits for the reply may stop the
        // asio thread next.
        st.socket->close();
        self->quit();
        return dht_stopped{problem.empty(), problem};
      },
  };
}

}  // namespace

expected<dht_handle, std::string> spawn_dht(caf::actor_system& system, dht_actor_config config) {
  if (!config.io) return make_unexpected(std::string("the DHT needs the asio thread"));
  auto socket = dht_socket::open(*config.io, config.address, config.port);
  if (!socket) return make_unexpected(socket.error());
  dht_handle out;
  out.port = (*socket)->port();
  out.actor = system.spawn(dht_behavior, std::move(config), std::move(*socket));
  return out;
}

}  // namespace actorrent
