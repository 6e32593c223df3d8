#include "actors/metadata_fetcher.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>

#include "actors/log.hpp"
#include "actors/logged_actor.hpp"
#include "actors/message_log.hpp"
#include "actors/messages.hpp"
#include "actors/metadata_peer.hpp"
#include "actors/peer_exit.hpp"
#include "actors/tracker_actor.hpp"

namespace actorrent {

namespace {

using std::chrono::seconds;

struct connected_peer {
  peer_address address;
  caf::actor actor;
  engine_clock::time_point since;
  std::int64_t size = -1;  // announced metadata size; -1 until ready
};

struct metadata_fetcher_state {
  static inline const char* name = "metadata_fetcher";
  std::deque<peer_address> candidates;
  std::set<peer_address> known;
  std::vector<peer_address> served;  // peers whose pieces made up the verified metadata
  std::set<peer_address> banned;
  std::map<peer_key, connected_peer> peers;
  std::map<caf::actor_addr, peer_key> by_actor;
  std::map<std::int64_t, metadata_download> downloads;  // by announced size
  std::map<peer_key, std::int64_t> contributed;         // peer → size it sent pieces of
  // Sizes whose download failed the hash with several contributors: nobody was proven bad,
  // so from then on one peer at a time provides all of it, and the next failure convicts.
  std::map<std::int64_t, peer_key> sole_source;
  std::set<std::int64_t> one_at_a_time;
  peer_key next_key = 1;
  caf::actor tracker;
  bool finished = false;
  // Shared with the functor that reports an end before the metadata (whatever the reason).
  std::shared_ptr<bool> reported = std::make_shared<bool>(false);
  // Every actor spawned, ended with the fetcher.
  std::shared_ptr<std::map<caf::actor_addr, caf::actor>> children =
      std::make_shared<std::map<caf::actor_addr, caf::actor>>();
};

using fetcher_self = caf::stateful_actor<metadata_fetcher_state, logged_actor>;

std::string hash_hex(const metadata_fetch_config& cfg) {
  return cfg.magnet.info_hash.hex();
}

caf::actor adopt(fetcher_self* self, const metadata_fetch_config& cfg, caf::actor a,
                 const char* kind, std::string peer = {}) {
  self->monitor(a);
  self->state.children->emplace(a.address(), a);
  if (const auto& log = self->log())
    log->name(a.id(), {kind, hash_hex(cfg), std::move(peer)}, self->id());
  return a;
}

void add_candidates(fetcher_self* self, const std::vector<peer_address>& addresses) {
  auto& st = self->state;
  for (const auto& a : addresses)
    if (a.port != 0 && !st.banned.count(a) && st.known.insert(a).second) st.candidates.push_back(a);
}

void connect_more(fetcher_self* self, const metadata_fetch_config& cfg) {
  auto& st = self->state;
  while (!st.finished && st.peers.size() < cfg.max_connections && !st.candidates.empty()) {
    auto address = st.candidates.front();
    st.candidates.pop_front();
    metadata_peer_config pc;
    pc.fetcher = caf::actor_cast<caf::actor>(self);
    pc.io = cfg.io;
    pc.ours.info_hash = cfg.magnet.info_hash;
    pc.ours.peer_id = cfg.peer_id;
    pc.ours.set_fast_extension(true);
    pc.ours.set_extension_protocol(true);
    pc.connection = cfg.connection;
    pc.listen_port = cfg.listen_port;
    pc.key = st.next_key++;
    pc.address = address;
    auto a = adopt(self, cfg, spawn_metadata_peer(self->system(), pc), "metadata_peer",
                   address.to_string());
    st.by_actor[a.address()] = pc.key;
    st.peers[pc.key] = connected_peer{address, a, engine_clock::now(), -1};
  }
}

// Gives `key` as many pieces to ask for as the download of its size hands out.
void ask(fetcher_self* self, peer_key key) {
  auto& st = self->state;
  auto p = st.peers.find(key);
  if (p == st.peers.end() || p->second.size <= 0 || st.banned.count(p->second.address)) return;
  auto d = st.downloads.find(p->second.size);
  if (d == st.downloads.end()) return;
  if (st.one_at_a_time.count(p->second.size)) {
    auto [source, fresh] = st.sole_source.emplace(p->second.size, key);
    if (!fresh && source->second != key) return;
  }
  const auto now = engine_clock::now();
  while (auto piece = d->second.next_request(key, now))
    self->send(p->second.actor, metadata_ask{*piece});
}

void ask_all(fetcher_self* self, std::int64_t size) {
  std::vector<peer_key> keys;
  for (const auto& [key, p] : self->state.peers)
    if (p.size == size) keys.push_back(key);
  for (auto key : keys)
    ask(self, key);
}

void finish(fetcher_self* self, const metadata_fetch_config& cfg,
            expected<fetched_metadata, std::string> result) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  *st.reported = true;
  if (cfg.done) cfg.done(std::move(result));
  self->quit();
}

void on_verified(fetcher_self* self, const metadata_fetch_config& cfg, metadata_download& d) {
  auto& st = self->state;
  fetched_metadata out;
  out.info = d.take_metadata();
  std::set<peer_address> seen;
  for (const auto& [key, size] : st.contributed)
    if (size == d.metadata_size())
      if (auto p = st.peers.find(key); p != st.peers.end() && seen.insert(p->second.address).second)
        out.peers.push_back(p->second.address);
  for (const auto& a : st.known)
    if (!st.banned.count(a) && seen.insert(a).second) out.peers.push_back(a);
  if (log_enabled(log_level::info))
    log_info(hash_hex(cfg) + ": metadata verified (" + std::to_string(out.info.size()) +
             " bytes in " + std::to_string(d.num_pieces()) + " pieces)");
  finish(self, cfg, std::move(out));
}

void on_piece(fetcher_self* self, const metadata_fetch_config& cfg, metadata_piece_in& in) {
  auto& st = self->state;
  auto p = st.peers.find(in.peer);
  if (p == st.peers.end() || p->second.size <= 0) return;
  auto it = st.downloads.find(p->second.size);
  if (it == st.downloads.end()) return;
  auto& d = it->second;
  auto arrival = d.data_received(in.peer, in.piece, in.total_size, in.bytes);
  switch (arrival.status) {
    case metadata_piece_status::accepted:
      st.contributed[in.peer] = p->second.size;
      return ask(self, in.peer);
    case metadata_piece_status::verified:
      st.contributed[in.peer] = p->second.size;
      return on_verified(self, cfg, d);
    case metadata_piece_status::hash_mismatch: {
      log_warn(hash_hex(cfg) + ": the metadata of " + std::to_string(d.metadata_size()) +
               " bytes from " + std::to_string(arrival.contributors.size()) +
               " peer(s) does not match the info-hash; fetching it again");
      if (arrival.sole_contributor)
        for (auto key : arrival.contributors)
          if (auto bad = st.peers.find(key); bad != st.peers.end()) {
            st.banned.insert(bad->second.address);
            self->send_exit(bad->second.actor,
                            make_peer_exit(peer_exit::banned,
                                           "sent metadata that does not match the info-hash"));
          }
      for (auto key : arrival.contributors)
        st.contributed.erase(key);
      if (!arrival.sole_contributor) st.one_at_a_time.insert(d.metadata_size());
      st.sole_source.erase(d.metadata_size());
      return ask_all(self, d.metadata_size());
    }
    default:  // unrequested, wrong size or length, already complete: dropped
      return;
  }
}

void on_ready(fetcher_self* self, const metadata_fetch_config& cfg, const metadata_peer_ready& r) {
  auto& st = self->state;
  auto p = st.peers.find(r.peer);
  if (p == st.peers.end()) return;
  auto drop = [&](const std::string& why) {
    self->send_exit(p->second.actor, make_peer_exit(peer_exit::unwanted, why));
  };
  if (r.metadata_size <= 0) return drop("it announced no metadata");
  if (!st.downloads.count(r.metadata_size)) {
    if (st.downloads.size() >= cfg.max_sizes)
      return drop("too many different metadata sizes announced");
    auto d = metadata_download::create(cfg.magnet.info_hash, r.metadata_size, cfg.download);
    if (!d) return drop(d.error().message);
    st.downloads.emplace(r.metadata_size, std::move(*d));
  }
  p->second.size = r.metadata_size;
  ask(self, r.peer);
}

void on_down(fetcher_self* self, const metadata_fetch_config& cfg, const caf::down_msg& dm) {
  auto& st = self->state;
  st.children->erase(dm.source);
  if (st.tracker && dm.source == st.tracker.address()) {
    st.tracker = nullptr;
    return;
  }
  auto it = st.by_actor.find(dm.source);
  if (it == st.by_actor.end()) return;
  const auto key = it->second;
  st.by_actor.erase(it);
  auto p = st.peers.find(key);
  if (p == st.peers.end()) return;
  const auto size = p->second.size;
  const auto address = p->second.address;
  st.peers.erase(p);
  st.contributed.erase(key);
  if (auto s = st.sole_source.find(size); s != st.sole_source.end() && s->second == key)
    st.sole_source.erase(s);
  // A peer that failed to connect may be reachable later; violations and bans are not, and
  // are worth a line.
  if (exit_policy(dm.reason) == peer_exit_policy::restarted) {
    if (!st.banned.count(address)) self->delayed_send(self, seconds{5}, reconnect_peer{address});
    if (log_enabled(log_level::debug))
      log_debug(hash_hex(cfg) + ": metadata peer " + address.to_string() + ": " +
                exit_reason_text(self->system(), dm.reason));
  } else if (dm.reason && log_enabled(log_level::info)) {
    log_info(hash_hex(cfg) + ": metadata peer " + address.to_string() + ": " +
             exit_reason_text(self->system(), dm.reason));
  }
  if (auto d = st.downloads.find(size); d != st.downloads.end()) {
    d->second.peer_left(key);
    ask_all(self, size);
  }
  connect_more(self, cfg);
}

void tick(fetcher_self* self, const metadata_fetch_config& cfg) {
  auto& st = self->state;
  const auto now = engine_clock::now();
  for (auto& [size, d] : st.downloads)
    if (!d.expire(now).empty()) ask_all(self, size);
  for (const auto& [key, p] : st.peers)
    if (p.size < 0 && now - p.since > cfg.ready_timeout)
      self->send_exit(p.actor,
                      make_peer_exit(peer_exit::connect_failed,
                                     "no extension handshake within " +
                                         std::to_string(cfg.ready_timeout.count()) + " s"));
  connect_more(self, cfg);
  self->delayed_send(self, seconds{1}, tick_atom::value);
}

caf::behavior metadata_fetcher(fetcher_self* self, metadata_fetch_config cfg) {
  auto children = self->state.children;
  auto reported = self->state.reported;
  auto done = cfg.done;
  auto& system = self->system();
  self->attach_functor([children, reported, done, &system](const caf::error& reason) {
    for (const auto& [addr, child] : *children)
      caf::anon_send_exit(child, caf::exit_reason::user_shutdown);
    if (!*reported && done)
      done(make_unexpected("the metadata fetch ended before the metadata arrived (" +
                           exit_reason_text(system, reason) + ")"));
  });
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, cfg, dm); });
  std::vector<peer_address> hinted;
  for (const auto& p : cfg.magnet.peers) {
    if (auto a = peer_address::parse_ip(p.host, p.port))
      hinted.push_back(*a);
    else
      log_warn(hash_hex(cfg) + ": x.pe " + p.to_string() +
               ": not an IP address (host names are not resolved); skipped");
  }
  add_candidates(self, hinted);
  if (!cfg.magnet.trackers.empty()) {
    tracker_actor_config tc;
    tc.info_hash = cfg.magnet.info_hash;
    tc.peer_id = cfg.peer_id;
    tc.port = cfg.listen_port;
    for (const auto& url : cfg.magnet.trackers)
      tc.tiers.push_back({url});  // each tr its own tier, as other clients do
    tc.numwant = cfg.numwant;
    tc.torrent = caf::actor_cast<caf::actor>(self);
    tc.left = 1;  // unknown until the metadata is in; not 0, which says "seeder"
    self->state.tracker = adopt(self, cfg, spawn_tracker_actor(self->system(), tc), "tracker");
  }
  if (cfg.dht) self->send(cfg.dht, dht_track{cfg.magnet.info_hash, 0, self});
  connect_more(self, cfg);
  self->delayed_send(self, seconds{1}, tick_atom::value);
  return {
      [=](const metadata_peer_ready& r) { on_ready(self, cfg, r); },
      [=](metadata_piece_in& in) { on_piece(self, cfg, in); },
      [=](const metadata_reject_in& r) {
        auto& st = self->state;
        auto p = st.peers.find(r.peer);
        if (p == st.peers.end()) return;
        auto d = st.downloads.find(p->second.size);
        if (d == st.downloads.end()) return;
        if (!d->second.rejected(r.peer, r.piece, engine_clock::now())) return;
        if (auto s = st.sole_source.find(p->second.size);
            s != st.sole_source.end() && s->second == r.peer)
          st.sole_source.erase(s);
        ask_all(self, p->second.size);
      },
      [=](const peers_discovered& d) {
        add_candidates(self, d.peers);
        connect_more(self, cfg);
      },
      [=](const tracker_status& s) {
        if (!s.ok && log_enabled(log_level::info))
          log_info(hash_hex(cfg) + ": tracker " + s.url + ": " + s.message);
      },
      [=](const reconnect_peer& r) {
        auto& st = self->state;
        if (st.banned.count(r.address)) return;
        st.candidates.push_back(r.address);
        connect_more(self, cfg);
      },
      [=](tick_atom) { tick(self, cfg); },
  };
}

}  // namespace

caf::actor spawn_metadata_fetcher(caf::actor_system& system, metadata_fetch_config config) {
  return system.spawn(metadata_fetcher, std::move(config));
}

}  // namespace actorrent
