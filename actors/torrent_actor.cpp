#include "actors/torrent_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "actors/choker_actor.hpp"
#include "actors/disk_writer.hpp"
#include "actors/error_text.hpp"
#include "actors/log.hpp"
#include "actors/logged_actor.hpp"
#include "actors/message_log.hpp"
#include "actors/messages.hpp"
#include "actors/peer_actor.hpp"
#include "actors/peer_exit.hpp"
#include "actors/piece_manager.hpp"
#include "actors/torrent_context.hpp"
#include "actors/tracker_actor.hpp"
#include "engine/pex_state.hpp"
#include "engine/rate_meter.hpp"
#include "engine/restart_budget.hpp"
#include "engine/restart_policy.hpp"
#include "storage/resume_store.hpp"

namespace actorrent {

namespace {

using std::chrono::seconds;

// Resume data is saved at most this often while pieces are being verified.
constexpr auto resume_interval = seconds{30};
// How long a stop waits for the disk writer's final save and the tracker's "stopped".
constexpr auto save_deadline = seconds{30};
constexpr auto tracker_stop_deadline = seconds{6};
// Addresses remembered for connecting later, at most.
constexpr std::size_t max_candidates = 2000;

using kill_peer_atom = caf::atom_constant<caf::atom("fault_kill")>;
using disk_retry_atom = caf::atom_constant<caf::atom("disk_retry")>;

// Every actor the torrent spawned or adopted and that has not ended yet: when the torrent
// ends, for whatever reason, they end with it (shared with the functor attached at spawn,
// which outlives the state).
using child_map = std::unordered_map<caf::actor_addr, caf::actor>;

enum class part_kind { none, piece_manager, disk_writer, choker, tracker };

const char* to_string(part_kind k) {
  switch (k) {
    case part_kind::piece_manager:
      return "piece_manager";
    case part_kind::disk_writer:
      return "disk_writer";
    case part_kind::choker:
      return "choker";
    case part_kind::tracker:
      return "tracker";
    case part_kind::none:
      break;
  }
  return "none";
}

struct peer_entry {
  peer_address address;
  caf::actor actor;
  bool outgoing = false;
  bool counted = false;  // holds one connection of the global budget
  bool succeeded = false;
  peer_report last;
  // Where an incoming peer accepts connections, once its extension handshake told us: it
  // keeps PEX from making us dial a peer we are already connected to.
  std::optional<peer_address> listen_address;
  std::optional<sha1_hash> peer_id;  // once its handshake is done
};

struct torrent_actor_state {
  static inline const char* name = "torrent";

  torrent_progress progress;
  std::shared_ptr<torrent_context> ctx;  // once the check is done
  std::shared_ptr<payload_totals> totals = std::make_shared<payload_totals>();
  caf::actor tracker;
  std::unordered_map<peer_key, peer_entry> peers;
  std::map<caf::actor_addr, peer_key> by_actor;
  std::map<sha1_hash, peer_key> by_peer_id;  // one connection per remote client
  std::set<peer_address> connected_addresses;
  std::deque<peer_address> candidates;
  std::set<peer_address> dropped;  // violations, bans, ourselves: never again
  // Peers to be reconnected after a failure: the failed actor's id and why, for the message
  // log's `restarted` line when the new actor is spawned.
  std::map<peer_address, std::pair<caf::actor_id, std::string>> reconnecting;
  std::optional<restart_policy> restarts;
  std::optional<resume_save_schedule> resume_schedule;
  torrent_parts parts;  // the current ones; generation grows with each restart
  bitfield have;        // verified, as the piece manager reported: what a restart rebuilds from
  std::optional<restart_budget> part_budget;
  std::map<std::string, restart_stat> restart_stats;  // by actor kind
  std::shared_ptr<child_map> children = std::make_shared<child_map>();
  std::mt19937_64 rng;
  std::chrono::milliseconds kill_interval{0};  // faults: a peer actor killed this often
  bool kill_timer = false;                     // a kill_peer_atom is on its way
  disk_write_faults disk_faults;  // one schedule for every disk writer, across restarts
  bool saving = false;
  // Complete at the start, with resume data that was trusted or has been saved since: nothing
  // is ever written, so the file stays true and the stop need not write it again (an fsync
  // per torrent: 200 torrents took 0.9 s to stop on two disk threads).
  bool resume_current = false;
  bool complete = false;
  bool stopping = false;
  bool failed = false;       // gave up: the error state, until stopped
  bool disk_paused = false;  // the disk was full: no downloads until the retry
  std::uint32_t outgoing_count = 0;
  std::size_t connected_count = 0;  // actors alive, incoming and outgoing
  caf::response_promise stop_reply;
  int stop_pending = 0;
  torrent_stopped stop_result;
};

using torrent_self = caf::stateful_actor<torrent_actor_state, logged_actor>;

storage_checked check_storage(const metainfo& torrent, const std::filesystem::path& download_dir,
                              const std::filesystem::path& state_dir) {
  auto s = load_verified_pieces(torrent, download_dir, state_dir);
  return storage_checked{s.verified.to_wire(), s.rechecked, s.reason, s.failure.value_or("")};
}

void check_worker(caf::event_based_actor* self, std::shared_ptr<const metainfo> torrent,
                  std::filesystem::path download_dir, std::filesystem::path state_dir,
                  caf::actor reply_to) {
  self->send(reply_to, check_storage(*torrent, download_dir, state_dir));
}

// On one of the session's checking threads, in turn: a recheck hashes on every core with a
// piece-sized buffer each, and all torrents checking at once held that many times over (up to
// 345 MiB at the first start of 10 torrents with 16 MiB pieces, now 82: bench/scale/README.md).
void start_check(torrent_self* self, const torrent_actor_config& cfg) {
  auto me = caf::actor_cast<caf::actor>(self);
  if (!cfg.checker) {
    self->spawn<caf::detached>(check_worker, cfg.params.torrent, cfg.params.download_dir,
                               cfg.state_dir, me);
    return;
  }
  auto check = [torrent = cfg.params.torrent, dir = cfg.params.download_dir,
                state_dir = cfg.state_dir, me](caf::event_based_actor* t, io_buffer&) {
    t->send(me, check_storage(*torrent, dir, state_dir));
    return caf::message{};
  };
  self->send(cfg.checker->next(), disk_job{check, me});
}

void refresh_progress(torrent_self* self);

// Monitors `a` and makes it end with the torrent; names it in the message log.
caf::actor adopt(torrent_self* self, caf::actor a, const char* kind, std::string peer = {}) {
  self->monitor(a);
  self->state.children->emplace(a.address(), a);
  if (const auto& log = self->log())
    log->name(a.id(), {kind, self->state.progress.info_hash, std::move(peer)}, self->id());
  return a;
}

void log_restarted(torrent_self* self, const caf::actor& now, caf::actor_id old,
                   const std::string& kind, const std::string& reason) {
  if (const auto& log = self->log())
    log->restarted(now.id(), old, self->id(), self->state.restart_stats[kind].restarts, reason);
}

bool wants_more_peers(const torrent_actor_state& st, const session_settings& settings) {
  return !st.stopping && !st.failed && st.ctx &&
         !(st.complete && st.progress.state != torrent_state::seeding) &&
         st.connected_count < settings.max_connections_per_torrent;
}

void connect_more(torrent_self* self, const torrent_actor_config& cfg) {
  auto& st = self->state;
  while (wants_more_peers(st, *cfg.settings) && !st.candidates.empty()) {
    auto address = st.candidates.front();
    st.candidates.pop_front();
    if (st.connected_addresses.count(address) || st.dropped.count(address)) continue;
    if (st.restarts->dropped_until(address.to_string(), engine_clock::now())) continue;
    if (!cfg.registry->try_reserve_connection()) {
      st.candidates.push_front(address);
      return;
    }
    auto key = cfg.registry->next_peer_key();
    auto actor = adopt(self, spawn_outgoing_peer(self->system(), st.ctx, st.parts, key, address),
                       "peer", address.to_string());
    if (auto r = st.reconnecting.find(address); r != st.reconnecting.end()) {
      log_restarted(self, actor, r->second.first, "peer", r->second.second);
      st.reconnecting.erase(r);
    }
    st.by_actor[actor.address()] = key;
    st.peers[key] = peer_entry{address, actor, true, true, false, {}, std::nullopt, std::nullopt};
    st.connected_addresses.insert(address);
    ++st.connected_count;
  }
}

void add_candidates(torrent_self* self, const torrent_actor_config& cfg,
                    const std::vector<peer_address>& peers) {
  auto& st = self->state;
  for (const auto& p : peers) {
    if (p.port == 0 || st.connected_addresses.count(p) || st.dropped.count(p)) continue;
    if (st.candidates.size() >= max_candidates) break;
    st.candidates.push_back(p);
  }
  connect_more(self, cfg);
}

// What PEX tells a peer (BEP 11): the other peers we have a working connection with, at the
// address they accept connections on. Outgoing ones are flagged reachable (we reached them);
// an incoming one is listed only once it told us its listen port.
pex_peers peers_to_share(const torrent_actor_state& st, peer_key asker) {
  pex_peers out;
  for (const auto& [key, p] : st.peers) {
    if (key == asker || !p.last.handshake_done) continue;
    std::uint8_t flags = p.last.seed ? ut_pex::seed : 0;
    if (p.outgoing) {
      out.peers.push_back(p.address);
      flags |= ut_pex::reachable;
    } else if (p.listen_address) {
      out.peers.push_back(*p.listen_address);
    } else {
      continue;
    }
    out.flags.push_back(flags);
  }
  return out;
}

torrent_state next_state_after_complete(const torrent_actor_config& cfg) {
  return cfg.params.seed ? torrent_state::seeding : torrent_state::complete;
}

void became_complete(torrent_self* self, const torrent_actor_config& cfg) {
  auto& st = self->state;
  if (st.complete) return;
  st.complete = true;
  st.progress.state = next_state_after_complete(cfg);
  st.progress.eta_s = 0;
  if (st.tracker) self->send(st.tracker, tracker_completed{});
  if (st.parts.choker) self->send(st.parts.choker, choker_seeding{true});
}

// Resume data with the pieces of every disk writer: all but the first flush and report
// what they verified, then the first flushes its own and writes the file with all of it, so
// the file never claims a piece whose data is not on disk.
void save_resume_all(torrent_self* self, const torrent_actor_config& cfg,
                     std::function<void(const resume_saved&)> done) {
  const auto writers = self->state.parts.disk_writers;
  auto first = writers.front();
  auto pending = std::make_shared<std::size_t>(writers.size() - 1);
  auto verified = std::make_shared<bitfield>(cfg.params.torrent->num_pieces());
  auto failure = std::make_shared<std::string>();
  auto state_dir = cfg.state_dir.string();
  auto write_file = [=] {
    if (!failure->empty()) return done(resume_saved{false, *failure});
    self->request(first, save_deadline, save_resume_data{state_dir, verified->to_wire()})
        .then([=](const resume_saved& r) { done(r); },
              [=](caf::error& e) {
                done(resume_saved{false, error_text(self->system(), e)});
              });
  };
  if (*pending == 0) return write_file();
  for (std::size_t i = 1; i < writers.size(); ++i) {
    auto one_done = [=] {
      if (--*pending == 0) write_file();
    };
    self->request(writers[i], save_deadline, flush_storage{})
        .then(
            [=](const storage_flushed& f) {
              auto bits = bitfield::from_wire(f.verified, verified->size());
              if (!f.ok)
                *failure = f.error;
              else if (bits)
                *verified |= *bits;
              one_done();
            },
            [=](caf::error& e) {
              *failure = error_text(self->system(), e);
              one_done();
            });
  }
}

void save_resume_if_due(torrent_self* self, const torrent_actor_config& cfg, bool force) {
  auto& st = self->state;
  auto now = resume_save_schedule::clock::now();
  if (!st.ctx || st.failed || st.saving || (!force && !st.resume_schedule->due(now))) return;
  st.saving = true;
  st.resume_schedule->saved(now);
  save_resume_all(self, cfg, [=](const resume_saved& r) {
    self->state.saving = false;
    if (!r.ok) log_warn(self->state.progress.name + ": resume data not saved: " + r.error);
  });
}

void finish_stop_step(torrent_self* self) {
  auto& st = self->state;
  if (--st.stop_pending > 0) return;
  for (const auto& [addr, child] : *st.children)
    self->send_exit(child, caf::exit_reason::user_shutdown);
  st.stop_reply.deliver(st.stop_result);
  self->quit();
}

void begin_stop(torrent_self* self, const torrent_actor_config& cfg) {
  auto& st = self->state;
  st.stopping = true;
  st.progress.state = torrent_state::stopping;
  st.candidates.clear();
  if (st.ctx) cfg.registry->remove(st.ctx->ours.info_hash);
  for (auto& [key, p] : st.peers)
    self->send_exit(p.actor, caf::exit_reason::user_shutdown);
  st.stop_pending = 1;  // this function's own step, finished below
  if (st.failed) st.stop_result.message = "the torrent had failed: " + st.progress.error;
  if (st.tracker && !st.failed) {
    ++st.stop_pending;
    // The "stopped" announce reports the final totals (BEP 3), not those of the last tick.
    refresh_progress(self);
    self->send(st.tracker,
               tracker_stats{st.progress.uploaded, st.progress.downloaded, st.progress.bytes_left});
    self->request(st.tracker, tracker_stop_deadline, tracker_stop{})
        .then([=](const tracker_stopped&) { finish_stop_step(self); },
              [=](caf::error&) { finish_stop_step(self); });
  }
  if (st.ctx && !st.failed && st.resume_current) {
    st.stop_result.resume_saved = true;
  } else if (st.ctx && !st.failed) {
    ++st.stop_pending;
    save_resume_all(self, cfg, [=](const resume_saved& r) {
      self->state.stop_result.resume_saved = r.ok;
      if (!r.ok) self->state.stop_result.message = "saving resume data: " + r.error;
      finish_stop_step(self);
    });
  }
  finish_stop_step(self);
}

// The piece manager and its disk writers fail and restart together: they refer to each other,
// and the blocks in flight between them are lost with either. Both start from the verified
// pieces (st.have).
void start_piece_group(torrent_self* self, const torrent_actor_config& cfg) {
  auto& st = self->state;
  const auto& t = cfg.params.torrent;
  piece_manager_config pm;
  pm.torrent = t;
  pm.have = st.have;
  pm.wanted = cfg.wanted;
  pm.picker = cfg.settings->picker;
  pm.picker.sequential = pm.picker.sequential || cfg.params.sequential;
  pm.torrent_actor = caf::actor_cast<caf::actor>(self);
  auto manager = adopt(self, spawn_piece_manager(self->system(), pm), "piece_manager");

  disk_writer_config dw;
  dw.torrent = t;
  dw.download_dir = cfg.params.download_dir;
  dw.verified = st.have;
  dw.torrent_actor = manager;
  dw.pool = cfg.pool;
  dw.faults = st.disk_faults;
  dw.threads = cfg.disk;
  dw.storage.cache = cfg.file_cache;
  auto threads = disk_thread_count(cfg.settings->disk_threads);
  threads = std::min<std::size_t>(threads, t->num_pieces());
  std::vector<caf::actor> writers;
  for (std::size_t i = 0; i < threads; ++i)
    writers.push_back(adopt(self, spawn_disk_writer(self->system(), dw), "disk_writer"));
  self->send(manager, set_disk_writers{writers});
  if (st.disk_paused) self->send(manager, pause_downloads{true});
  st.parts.piece_manager = std::move(manager);
  st.parts.disk_writers = std::move(writers);
}

void start_choker(torrent_self* self, const torrent_actor_config& cfg, bool seeding) {
  self->state.parts.choker =
      adopt(self, spawn_choker(self->system(), cfg.settings->choker, seeding), "choker");
}

// A tracker actor starts its announce schedule from scratch, with the torrent's current
// figures.
void start_tracker(torrent_self* self, const torrent_actor_config& cfg) {
  auto& st = self->state;
  const auto& t = *cfg.params.torrent;
  if (t.tracker_tiers.empty()) return;
  tracker_actor_config tc;
  tc.info_hash = t.info_hash;
  tc.peer_id = cfg.peer_id;
  tc.port = cfg.listen_port;
  tc.tiers = t.tracker_tiers;
  tc.numwant = cfg.settings->numwant;
  tc.torrent = caf::actor_cast<caf::actor>(self);
  tc.left = st.progress.bytes_left;
  tc.uploaded = st.progress.uploaded;
  tc.downloaded = st.progress.downloaded;
  tc.faults = {cfg.settings->faults.tracker_drop, cfg.settings->faults.tracker_corrupt};
  st.tracker = adopt(self, spawn_tracker_actor(self->system(), tc), "tracker");
}

void note_failure(torrent_actor_state& st, const std::string& kind, const std::string& reason,
                  bool restarted) {
  auto& stat = st.restart_stats[kind];
  stat.actor = kind;
  stat.last_failure = reason;
  if (!restarted) return;
  ++stat.restarts;
  ++st.progress.restarts;
}

// Gives up: every peer and part ends, the torrent stays in the error state (its progress
// says why) until it is stopped. What was verified stays on disk; the next start finds it.
void fail_torrent(torrent_self* self, const torrent_actor_config& cfg, const std::string& why) {
  auto& st = self->state;
  st.failed = true;
  st.progress.state = torrent_state::error;
  st.progress.error = why;
  st.candidates.clear();
  log_error(st.progress.name + ": " + why);
  if (st.ctx) cfg.registry->remove(st.ctx->ours.info_hash);
  for (const auto& [addr, child] : *st.children)
    self->send_exit(child, caf::exit_reason::user_shutdown);
}

part_kind kind_of(const torrent_actor_state& st, const caf::actor_addr& a) {
  if (st.parts.piece_manager && st.parts.piece_manager.address() == a)
    return part_kind::piece_manager;
  for (const auto& w : st.parts.disk_writers)
    if (w.address() == a) return part_kind::disk_writer;
  if (st.parts.choker && st.parts.choker.address() == a) return part_kind::choker;
  if (st.tracker && st.tracker.address() == a) return part_kind::tracker;
  return part_kind::none;
}

// A part ended while the torrent runs: that is a failure whatever the reason. Within the
// budget it is restarted with its state rebuilt and the peers are told; beyond it, the torrent
// gives up.
void part_down(torrent_self* self, const torrent_actor_config& cfg, const caf::down_msg& dm) {
  auto& st = self->state;
  const auto kind = kind_of(st, dm.source);
  if (kind == part_kind::none || st.stopping || st.failed) return;  // retired, or expected
  const std::string name = to_string(kind);
  const auto reason = exit_reason_text(self->system(), dm.reason);
  const bool restart = st.part_budget->allow(engine_clock::now());
  note_failure(st, name, reason, restart);
  if (!restart)
    return fail_torrent(
        self, cfg,
        "the " + name + " failed (" + reason + ") after " +
            std::to_string(st.part_budget->max_restarts()) + " restarts in " +
            std::to_string(std::chrono::duration_cast<seconds>(st.part_budget->window()).count()) +
            " s; giving up");
  log_warn(st.progress.name + ": the " + name + " failed (" + reason +
           "); restarted with its state rebuilt");
  const auto old_parts = st.parts;
  const auto old_tracker = st.tracker;
  switch (kind) {
    case part_kind::piece_manager:
    case part_kind::disk_writer:
      for (const auto& w : st.parts.disk_writers)
        self->send_exit(w, caf::exit_reason::user_shutdown);
      self->send_exit(st.parts.piece_manager, caf::exit_reason::user_shutdown);
      start_piece_group(self, cfg);
      // One for all: each of the group is replaced, and the log says so for each.
      log_restarted(self, st.parts.piece_manager, old_parts.piece_manager.id(), name, reason);
      for (std::size_t i = 0; i < st.parts.disk_writers.size(); ++i)
        if (i < old_parts.disk_writers.size())
          log_restarted(self, st.parts.disk_writers[i], old_parts.disk_writers[i].id(), name,
                        reason);
      break;
    case part_kind::choker:
      start_choker(self, cfg, st.complete);
      log_restarted(self, st.parts.choker, old_parts.choker.id(), name, reason);
      break;
    case part_kind::tracker:
      start_tracker(self, cfg);
      if (st.tracker) log_restarted(self, st.tracker, old_tracker.id(), name, reason);
      if (st.complete && st.tracker) self->send(st.tracker, tracker_completed{});
      return;  // the peers never talk to it
    case part_kind::none:
      return;
  }
  ++st.parts.generation;
  for (const auto& [key, p] : st.peers)
    self->send(p.actor, st.parts);
}

// The next fault-injected peer kill, unless one is already due or the fault is off.
void schedule_peer_kill(torrent_self* self) {
  auto& st = self->state;
  if (st.kill_timer || st.kill_interval.count() <= 0) return;
  st.kill_timer = true;
  self->delayed_send(self, st.kill_interval, kill_peer_atom::value);
}

void start_parts(torrent_self* self, const torrent_actor_config& cfg, const storage_checked& c) {
  auto& st = self->state;
  const auto& t = cfg.params.torrent;
  auto verified = bitfield::from_wire(c.verified_bits, t->num_pieces());
  bitfield have = verified ? *verified : bitfield(t->num_pieces());
  if (!c.failure.empty()) {
    st.progress.state = torrent_state::error;
    st.progress.error = c.failure;
    log_error(st.progress.name + ": " + c.failure);
    return;
  }
  if (c.rechecked && !c.reason.empty() && log_enabled(log_level::info))
    log_info(st.progress.name + ": checked the data on disk (" + c.reason + ")");
  auto ctx = std::make_shared<torrent_context>();
  ctx->torrent = t;
  ctx->ours.info_hash = t->info_hash;
  ctx->ours.peer_id = cfg.peer_id;
  ctx->ours.set_fast_extension(true);
  ctx->ours.set_extension_protocol(true);
  ctx->listen_port = cfg.listen_port;
  ctx->pex = cfg.settings->pex && pex_allowed(t->is_private);
  if (cfg.dht && !t->is_private) {
    ctx->dht = cfg.dht;
    ctx->dht_port = cfg.dht_port;
    ctx->ours.set_dht(cfg.dht_port != 0);
  }
  ctx->torrent_actor = caf::actor_cast<caf::actor>(self);
  ctx->io = cfg.io;
  ctx->pool = cfg.pool;
  ctx->pipeline = cfg.settings->pipeline;
  ctx->connection = cfg.settings->connection;
  ctx->connection.pool = cfg.pool;
  ctx->max_incoming_requests = cfg.settings->max_incoming_requests;
  ctx->rate_limiter = cfg.rate_limiter;
  ctx->torrent_id = cfg.torrent_id;
  ctx->session_limits = cfg.session_limits;
  ctx->totals = st.totals;
  ctx->torrent_limits_download = cfg.params.download_limit > 0;
  ctx->torrent_limits_upload = cfg.params.upload_limit > 0;
  if (cfg.params.download_limit > 0 || cfg.params.upload_limit > 0)
    self->send(cfg.rate_limiter, bandwidth_limits{cfg.torrent_id, cfg.params.download_limit,
                                                  cfg.params.upload_limit});

  st.have = have;
  start_piece_group(self, cfg);

  // Pieces wanted and verified decide completeness.
  bitfield wanted = cfg.wanted.size() == t->num_pieces() ? cfg.wanted : bitfield(t->num_pieces());
  if (cfg.wanted.size() != t->num_pieces()) wanted.set_all();
  std::int64_t bytes_total = 0;
  std::int64_t bytes_left = 0;
  std::uint32_t have_count = 0;
  for (std::uint32_t i = 0; i < t->num_pieces(); ++i) {
    if (!wanted.test(i)) continue;
    bytes_total += t->piece_size(i);
    if (have.test(i))
      ++have_count;
    else
      bytes_left += t->piece_size(i);
  }
  st.progress.pieces_have = static_cast<std::uint32_t>(have.count());
  st.progress.pieces_wanted = static_cast<std::uint32_t>(wanted.count());
  st.progress.bytes_total = bytes_total;
  st.progress.bytes_left = bytes_left;
  bool complete = have_count == wanted.count();
  st.resume_current = complete && !c.rechecked;
  st.ctx = ctx;
  start_choker(self, cfg, complete);
  st.progress.state = torrent_state::downloading;
  if (complete) became_complete(self, cfg);
  // Complete after a check on disk: what it found is saved now, in the background, so that
  // neither the stop nor a crash later costs a save or another check.
  if (complete && c.rechecked) {
    st.saving = true;
    save_resume_all(self, cfg, [=](const resume_saved& r) {
      self->state.saving = false;
      self->state.resume_current = r.ok;
      if (!r.ok) log_warn(self->state.progress.name + ": resume data not saved: " + r.error);
    });
  }

  start_tracker(self, cfg);
  if (complete && st.tracker) self->send(st.tracker, tracker_completed{});
  // BEP 27: a private torrent's peers come from its trackers only. The DHT searches on its
  // own schedule and stops when this actor ends.
  if (cfg.dht && !t->is_private)
    self->send(cfg.dht, dht_track{t->info_hash, cfg.listen_port, self});
  cfg.registry->add(ctx);
  add_candidates(self, cfg, cfg.params.peers);
}

void peer_down(torrent_self* self, const torrent_actor_config& cfg, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = st.by_actor.find(dm.source);
  if (it == st.by_actor.end()) return part_down(self, cfg, dm);
  auto key = it->second;
  st.by_actor.erase(it);
  auto pit = st.peers.find(key);
  if (pit == st.peers.end()) return;
  auto entry = std::move(pit->second);
  st.peers.erase(pit);
  --st.connected_count;
  st.connected_addresses.erase(entry.address);
  if (entry.listen_address) st.connected_addresses.erase(*entry.listen_address);
  if (entry.peer_id) {
    auto id = st.by_peer_id.find(*entry.peer_id);
    if (id != st.by_peer_id.end() && id->second == key) st.by_peer_id.erase(id);
  }
  if (entry.counted) cfg.registry->release_connection();
  if (st.parts.piece_manager) {
    self->send(st.parts.piece_manager, peer_gone{key});
    self->send(st.parts.choker, peer_gone{key});
  }
  if (st.stopping || st.failed) return;
  auto addr = entry.address.to_string();
  auto now = engine_clock::now();
  auto why = [&] {
    return st.progress.name + ": peer " + addr + ": " + exit_reason_text(self->system(), dm.reason);
  };
  switch (exit_policy(dm.reason)) {
    case peer_exit_policy::not_restarted:
      if (log_enabled(log_level::debug)) log_debug(why());
      st.restarts->on_normal_exit(addr, now);
      break;
    case peer_exit_policy::dropped:
      log_warn(why() + " (cut off, not reconnected)");
      st.dropped.insert(entry.address);
      break;
    case peer_exit_policy::restarted: {
      // An incoming peer is called back where it said it listens (BEP 10's `p`): when both
      // clients dialled, only one connection is kept, and either side may lose it.
      const auto target = entry.outgoing ? std::optional{entry.address} : entry.listen_address;
      if (!target) {  // we cannot call back whom we do not know the port of
        if (log_enabled(log_level::debug)) log_debug(why() + " (incoming: not called back)");
        break;
      }
      const auto key = target->to_string();
      auto decision = st.restarts->on_abnormal_exit(key, now);
      if (log_enabled(log_level::info))
        log_info(why() + (decision.restart() ? " (reconnecting to " + key + ")"
                                             : " (given up for a while)"));
      note_failure(st, "peer", key + ": " + exit_reason_text(self->system(), dm.reason),
                   decision.restart());
      if (decision.restart()) {
        st.reconnecting[*target] = {dm.source.id(), exit_reason_text(self->system(), dm.reason)};
        self->delayed_send(self,
                           std::chrono::duration_cast<std::chrono::milliseconds>(decision.delay),
                           reconnect_peer{*target});
      }
      break;
    }
  }
  connect_more(self, cfg);
}

// A second connection to a client we are connected to is closed. When the two go opposite
// ways (both clients dialled at once), both clients must close the same one, or each closes
// a different one and none is left. libtorrent's rule, so that it and we agree: the client
// with the lower listen port keeps the connection it dialled (ours is the port we listen on,
// theirs the one we dialled); equal ports, the lower peer id. Two the same way: the newer
// one goes.
void on_identified(torrent_self* self, const torrent_actor_config& cfg, const peer_identified& p) {
  auto& st = self->state;
  auto it = st.peers.find(p.peer);
  if (it == st.peers.end()) return;
  auto [slot, fresh] = st.by_peer_id.emplace(p.peer_id, p.peer);
  auto other = fresh ? st.peers.end() : st.peers.find(slot->second);
  if (other == st.peers.end() || other == it) {
    slot->second = p.peer;
    it->second.peer_id = p.peer_id;
    return;
  }
  auto& newer = it->second;
  const auto their_port = (newer.outgoing ? newer : other->second).address.port;
  const bool keep_ours =
      cfg.listen_port != their_port ? cfg.listen_port < their_port : cfg.peer_id < p.peer_id;
  const bool close_newer = newer.outgoing == other->second.outgoing || newer.outgoing != keep_ours;
  auto& closed = close_newer ? newer : other->second;
  if (!close_newer) {
    slot->second = p.peer;
    newer.peer_id = p.peer_id;
  }
  peer_duplicate why{"a second connection to the client at " +
                     (close_newer ? other->second : newer).address.to_string() + " (" +
                     (closed.outgoing ? "ours" : "theirs") + " closed)"};
  if (log_enabled(log_level::debug)) log_debug(st.progress.name + ": " + why.reason);
  self->send(closed.actor, std::move(why));
}

void on_report(torrent_self* self, const peer_report& r) {
  auto& st = self->state;
  auto it = st.peers.find(r.peer);
  if (it == st.peers.end()) return;
  auto& p = it->second;
  if (!p.succeeded && r.handshake_done) {
    p.succeeded = true;
    st.restarts->on_success(p.address.to_string(), engine_clock::now());
  }
  p.last = r;
  if (!p.outgoing && r.listen_port != 0 && !p.listen_address) {
    p.listen_address = peer_address{p.address.ip, p.address.v6, r.listen_port};
    st.connected_addresses.insert(*p.listen_address);
  }
  if (st.parts.choker)
    self->send(st.parts.choker, choker_rates{r.peer, r.download_rate, r.upload_rate, r.snubbed});
}

// A full disk pauses downloading (uploads go on) and tries again later: the writes that
// failed left their pieces unverified, to be downloaded again. Any other disk error counts as
// a failure of the disk writer: within the parts' budget the torrent goes on, the piece is
// downloaded again; beyond it the torrent gives up.
void on_disk_failure(torrent_self* self, const torrent_actor_config& cfg, const disk_failure& f) {
  auto& st = self->state;
  if (st.stopping || st.failed) return;
  if (f.kind != "disk full") {
    const bool go_on = st.part_budget->allow(engine_clock::now());
    note_failure(st, "disk_writer", f.kind + ": " + f.message, false);
    if (!go_on) return fail_torrent(self, cfg, f.kind + ": " + f.message);
    log_error(st.progress.name + ": " + f.kind + ": " + f.message);
    return;
  }
  if (st.disk_paused) return;  // the other writes in flight failed alike
  st.disk_paused = true;
  st.progress.state = torrent_state::paused;
  st.progress.error = f.message;  // "disk full: FILE: ..."
  log_error(st.progress.name + ": paused, " + st.progress.error + "; trying again in " +
            std::to_string(cfg.settings->disk_full_retry.count()) + " s");
  self->send(st.parts.piece_manager, pause_downloads{true});
  save_resume_if_due(self, cfg, true);
  self->delayed_send(self, cfg.settings->disk_full_retry, disk_retry_atom::value);
}

// Whether the download directory's file system has room for the pieces a retry would
// fetch: retrying into a still-full disk throws away a request pipeline's worth of data each
// time. A file-size limit (RLIMIT_FSIZE) is not seen here; the retry then fails again.
bool disk_has_room(const torrent_actor_config& cfg, std::int64_t bytes_left) {
  std::error_code ec;
  auto space = std::filesystem::space(cfg.params.download_dir, ec);
  if (ec) return true;  // cannot tell: let the writes say
  const auto piece = static_cast<std::int64_t>(cfg.params.torrent->piece_length);
  const auto wanted =
      std::min<std::int64_t>(bytes_left, std::max<std::int64_t>(4 * piece, 1 << 20));
  return static_cast<std::int64_t>(space.available) >= wanted;
}

void refresh_progress(torrent_self* self) {
  auto& st = self->state;
  st.progress.downloaded =
      static_cast<std::int64_t>(st.totals->down.load(std::memory_order_relaxed));
  st.progress.uploaded = static_cast<std::int64_t>(st.totals->up.load(std::memory_order_relaxed));
  double down = 0;
  double up = 0;
  std::uint32_t peers = 0;
  std::uint32_t seeds = 0;
  for (const auto& [key, p] : st.peers) {
    if (!p.last.handshake_done) continue;
    ++peers;
    seeds += p.last.seed;
    down += p.last.download_rate;
    up += p.last.upload_rate;
  }
  st.progress.download_rate = down;
  st.progress.upload_rate = up;
  st.progress.peers = peers;
  st.progress.seeds = seeds;
  st.progress.supervision.clear();
  for (const auto& [kind, stat] : st.restart_stats)
    st.progress.supervision.push_back(stat);
  if (st.complete)
    st.progress.eta_s = 0;
  else if (down > 1)
    st.progress.eta_s =
        static_cast<std::int64_t>(static_cast<double>(st.progress.bytes_left) / down);
  else
    st.progress.eta_s = -1;
}

caf::behavior torrent_behavior(torrent_self* self, torrent_actor_config cfg) {
  auto& st = self->state;
  const auto& t = *cfg.params.torrent;
  st.progress.name = t.name;
  st.progress.info_hash = t.info_hash.hex();
  st.progress.pieces_total = t.num_pieces();
  st.progress.state = torrent_state::checking;
  st.restarts.emplace(cfg.settings->supervision);
  st.part_budget.emplace(cfg.settings->part_supervision.max_restarts,
                         cfg.settings->part_supervision.window);
  st.resume_schedule.emplace(resume_interval);
  const auto& faults = cfg.settings->faults;
  st.rng.seed(faults.seed != 0 ? faults.seed : std::random_device{}());
  st.kill_interval = faults.kill_peer_interval;
  if (faults.disk_write.enabled())
    st.disk_faults = disk_write_faults(faults.disk_write, faults.disk_write_errno);
  // However the torrent ends, what it spawned ends with it and incoming peers stop finding it.
  self->attach_functor([children = st.children, registry = cfg.registry,
                        info_hash = t.info_hash](const caf::error& reason) {
    for (const auto& [addr, child] : *children)
      caf::anon_send(
          child, caf::exit_msg{child.address(), reason ? reason : caf::exit_reason::user_shutdown});
    children->clear();
    registry->remove(info_hash);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    self->state.children->erase(dm.source);
    peer_down(self, cfg, dm);
  });
  start_check(self, cfg);
  self->delayed_send(self, seconds{1}, tick_atom::value);
  return {
      [=](const storage_checked& c) {
        if (self->state.stopping) return;
        start_parts(self, cfg, c);
        schedule_peer_kill(self);
      },
      [=](const peers_discovered& d) { add_candidates(self, cfg, d.peers); },
      [=](const tracker_status& s) {
        if (!s.ok && log_enabled(log_level::info))
          // Without the query: a private tracker's passkey must not reach a log.
          log_info(self->state.progress.name + ": tracker " + s.url.substr(0, s.url.find('?')) +
                   ": " + s.message);
      },
      [=](const reconnect_peer& r) {
        self->state.candidates.push_front(r.address);
        connect_more(self, cfg);
      },
      [=](peer_joined& j) -> join_answer {
        auto& st = self->state;
        adopt(self, j.actor, "peer", j.address.to_string());
        st.by_actor[j.actor.address()] = j.peer;
        bool refuse = st.stopping || st.failed ||
                      st.connected_count >= cfg.settings->max_connections_per_torrent ||
                      st.dropped.count(j.address);
        st.peers[j.peer] =
            peer_entry{j.address, j.actor, false, true, false, {}, std::nullopt, std::nullopt};
        ++st.connected_count;
        if (refuse) return join_answer{false, "connection limit of the torrent reached", {}};
        st.connected_addresses.insert(j.address);
        return join_answer{true, {}, st.parts};
      },
      [=](const peer_report& r) { on_report(self, r); },
      [=](const peer_identified& p) { on_identified(self, cfg, p); },
      [=](const pex_peers_request& r) { return peers_to_share(self->state, r.peer); },
      [=](const piece_verified& v) {
        auto& st = self->state;
        if (v.piece < st.have.size()) st.have.set(v.piece);
        st.progress.pieces_have = v.pieces_have;
        st.progress.bytes_left = v.bytes_left;
        st.resume_schedule->changed();
        if (v.complete) {
          became_complete(self, cfg);
          save_resume_if_due(self, cfg, true);
        }
      },
      [=](const piece_failed_hash& f) {
        ++self->state.progress.hash_failures;
        if (log_enabled(log_level::info))
          log_info(self->state.progress.name + ": piece " + std::to_string(f.piece) +
                   " failed its hash; " + std::to_string(f.charged.size()) + " peer(s) charged, " +
                   std::to_string(f.banned.size()) + " banned");
      },
      [=](const disk_failure& f) { on_disk_failure(self, cfg, f); },
      [=](disk_retry_atom) {
        auto& st = self->state;
        if (!st.disk_paused || st.stopping || st.failed) return;
        if (!disk_has_room(cfg, st.progress.bytes_left)) {
          self->delayed_send(self, cfg.settings->disk_full_retry, disk_retry_atom::value);
          return;
        }
        st.disk_paused = false;
        st.progress.state =
            st.complete ? next_state_after_complete(cfg) : torrent_state::downloading;
        st.progress.error.clear();
        if (log_enabled(log_level::info))
          log_info(st.progress.name + ": trying to write to the disk again");
        self->send(st.parts.piece_manager, pause_downloads{false});
      },
      [=](kill_peer_atom) {
        auto& st = self->state;
        st.kill_timer = false;
        if (st.stopping || st.failed || st.kill_interval.count() <= 0) return;
        if (!st.peers.empty()) {
          auto it = st.peers.begin();
          std::advance(it,
                       std::uniform_int_distribution<std::size_t>(0, st.peers.size() - 1)(st.rng));
          if (log_enabled(log_level::info))
            log_info(st.progress.name + ": fault injection: killing the peer actor of " +
                     it->second.address.to_string());
          self->send_exit(it->second.actor, caf::make_error(caf::sec::runtime_error,
                                                            "fault injection: peer actor killed"));
        }
        schedule_peer_kill(self);
      },
      [=](const set_peer_kills& k) {
        self->state.kill_interval =
            std::chrono::milliseconds{std::max<std::int64_t>(0, k.interval_ms)};
        if (self->state.parts.piece_manager) schedule_peer_kill(self);
      },
      [=](get_parts) -> caf::result<torrent_parts> {
        const auto& st = self->state;
        if (!st.parts.piece_manager)
          return caf::make_error(caf::sec::runtime_error, "no parts yet");
        auto parts = st.parts;
        parts.tracker = st.tracker;
        return parts;
      },
      [=](get_progress) -> torrent_progress {
        refresh_progress(self);
        return self->state.progress;
      },
      [=](torrent_stop) -> caf::result<torrent_stopped> {
        auto& st = self->state;
        if (st.stopping) return torrent_stopped{false, "already stopping"};
        st.stop_reply = self->make_response_promise();
        begin_stop(self, cfg);
        return caf::delegated<torrent_stopped>{};
      },
      [=](tick_atom) {
        auto& st = self->state;
        if (st.stopping) return;
        refresh_progress(self);
        if (st.tracker)
          self->send(st.tracker, tracker_stats{st.progress.uploaded, st.progress.downloaded,
                                               st.progress.bytes_left});
        save_resume_if_due(self, cfg, false);
        connect_more(self, cfg);
        self->delayed_send(self, seconds{1}, tick_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_torrent(caf::actor_system& system, torrent_actor_config config) {
  return system.spawn(torrent_behavior, std::move(config));
}

}  // namespace actorrent
