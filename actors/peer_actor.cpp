#include "actors/peer_actor.hpp"

#include <caf/all.hpp>

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <deque>
#include <optional>
#include <set>

#include "actors/client_version.hpp"
#include "actors/logged_actor.hpp"
#include "actors/message_json.hpp"
#include "actors/message_log.hpp"
#include "actors/messages.hpp"
#include "actors/peer_exit.hpp"
#include "engine/peer_extensions.hpp"
#include "engine/pex_state.hpp"
#include "engine/rate_meter.hpp"
#include "engine/request_guard.hpp"
#include "engine/request_pipeline.hpp"
#include "protocol/bitfield.hpp"
#include "protocol/block_range.hpp"

namespace actorrent {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Blocks we cancelled, or whose requests a choke voided, may still arrive (they crossed our
// message on the wire); they are accepted, not taken for unrequested data. Bounded.
constexpr std::size_t max_stale_requests = 2048;
// Blocks being read by the disk writers for one peer: enough to keep its socket busy.
constexpr std::size_t max_reads_in_flight = 128;
// Bandwidth is asked for in chunks of this many blocks: few messages, a small burst.
constexpr std::uint32_t quota_blocks = 4;
constexpr std::uint32_t block_bytes = 16 * 1024;
// PEX: the first message once the connection has settled, then a look every few seconds
// for news (pex_state sends at most one message a minute, BEP 11).
constexpr auto pex_first_look = seconds{2};
constexpr auto pex_look_interval = seconds{10};

struct peer_state {
  static inline const char* name = "peer";

  std::shared_ptr<const torrent_context> ctx;
  torrent_parts parts;     // the piece manager, choker, disk writers to talk to
  bool has_parts = false;  // incoming peers learn them from the torrent's join_answer
  std::shared_ptr<peer_connection> conn;
  peer_key key = 0;
  peer_address address;
  std::uint32_t num_pieces = 0;

  bool ended = false;  // quit() was called: handle nothing more of the current batch
  bool handshake_done = false;
  bool dht_node_told = false;                 // the remote's PORT went to our DHT
  bool registered = false;                    // the current piece manager knows us
  bool introduced = false;                    // our BITFIELD is sent and the choker knows us
  bool fast = false;                          // both sides set BEP 6's bit
  std::optional<peer_extensions> extensions;  // both sides set BEP 10's bit
  bool outgoing = false;                      // we dialed `address`: it is the listen address
  std::uint16_t remote_listen_port = 0;       // from its extension handshake's `p`
  std::optional<pex_state> pex;               // PEX is on for the torrent and BEP 10 agreed
  engine_clock::time_point next_pex_look;

  bool am_choking = true;
  bool am_interested = false;
  bool peer_choking = true;
  bool peer_interested = false;

  bitfield ours;  // what we have, as the peer has been told
  bitfield remote_have;
  bool we_complete = false;

  std::set<block_request> outstanding;
  std::set<block_request> stale;
  std::deque<block_request> stale_order;
  std::vector<std::uint32_t> allowed_fast_from_them;
  std::optional<request_pipeline> pipeline;
  bool pick_pending = false;

  rate_meter down{seconds{4}, milliseconds{500}};
  rate_meter up{seconds{4}, milliseconds{500}};
  std::uint64_t down_reported = 0;
  std::uint64_t up_reported = 0;

  std::deque<block_request> upload_queue;
  std::optional<request_guard> requests_guard;
  std::size_t reads_in_flight = 0;
  bool send_backlogged = false;

  // Bandwidth granted by the rate limiter and not yet used, when a limit applies.
  std::uint64_t download_quota = 0;
  std::uint64_t upload_quota = 0;
  bool download_quota_asked = false;
  bool upload_quota_asked = false;

  bool remote_is_seed() const { return remote_have.size() > 0 && remote_have.all(); }
};

using peer_self = caf::stateful_actor<peer_state, logged_actor>;

// The message log's summary of the connection: one line per change in either direction.
void log_wire(peer_self* self, const char* dir, const char* what,
              const std::string& fields = "{}") {
  if (const auto& log = self->log()) log->wire(self->id(), dir, what, fields);
}

// The client in an Azureus-style peer id ("-lt2000-..."), or its printable start.
std::string client_of(const sha1_hash& id) {
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    const char c = static_cast<char>(id.bytes[i]);
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
  }
  return out;
}

engine_clock::time_point now() {
  return engine_clock::now();
}

// Rates and the bytes moved since the last report, to the torrent: once a second, and once
// more when the actor ends normally (the totals do not depend on it: payload_totals).
void report(peer_self* self, bool snubbed) {
  auto& st = self->state;
  if (!st.handshake_done) return;
  auto t = now();
  auto down_total = st.down.total();
  auto up_total = st.up.total();
  self->send(st.ctx->torrent_actor,
             peer_report{st.key, st.down.rate(t), st.up.rate(t), down_total - st.down_reported,
                         up_total - st.up_reported, st.handshake_done, st.peer_interested,
                         st.am_interested, snubbed, st.remote_is_seed(),
                         st.outgoing ? st.address.port : st.remote_listen_port});
  st.down_reported = down_total;
  st.up_reported = up_total;
}

void end(peer_self* self, peer_exit code, std::string reason) {
  self->state.ended = true;
  report(self, self->state.pipeline->is_snubbed(now()));
  self->quit(make_peer_exit(code, std::move(reason)));
}

void end_normally(peer_self* self) {
  self->state.ended = true;
  report(self, self->state.pipeline->is_snubbed(now()));
  self->quit();
}

void violation(peer_self* self, std::string what) {
  end(self, peer_exit::protocol_violation, std::move(what));
}

void send_wire(peer_self* self, const wire::message& m) {
  if (self->state.conn) self->state.conn->send(m);
}

void remember_stale(peer_state& st, const block_request& b) {
  if (!st.stale.insert(b).second) return;
  st.stale_order.push_back(b);
  if (st.stale_order.size() > max_stale_requests) {
    st.stale.erase(st.stale_order.front());
    st.stale_order.pop_front();
  }
}

void set_interested(peer_self* self, bool on);
void maybe_request(peer_self* self);
void on_extended(peer_self* self, std::uint8_t id, std::string_view payload);
void pump_uploads(peer_self* self);

// Asks the rate limiter for a chunk of bandwidth in one direction (one request at a time);
// the grant adds to the quota and resumes what waited for it.
void ask_quota(peer_self* self, transfer_direction d) {
  auto& st = self->state;
  bool& asked = d == transfer_direction::download ? st.download_quota_asked : st.upload_quota_asked;
  if (asked) return;
  asked = true;
  self->request(st.ctx->rate_limiter, caf::infinite,
                bandwidth_request{st.ctx->torrent_id, d, quota_blocks * block_bytes})
      .then([=](const bandwidth_grant& g) {
        auto& st = self->state;
        if (d == transfer_direction::download) {
          st.download_quota_asked = false;
          st.download_quota += g.bytes;
          maybe_request(self);
        } else {
          st.upload_quota_asked = false;
          st.upload_quota += g.bytes;
          pump_uploads(self);
        }
      });
}

void maybe_request(peer_self* self) {
  auto& st = self->state;
  if (!st.registered || st.pick_pending || !st.am_interested || st.we_complete) return;
  bool choked = st.peer_choking;
  if (choked && (!st.fast || st.allowed_fast_from_them.empty())) return;
  auto t = now();
  auto wanted = st.pipeline->wanted(st.down.rate(t), t);
  if (wanted == 0) return;
  if (st.ctx->limit_download()) {
    auto allowed = st.download_quota / block_bytes;
    if (allowed < wanted) ask_quota(self, transfer_direction::download);
    wanted = std::min<std::size_t>(wanted, allowed);
    if (wanted == 0) return;
    st.download_quota -= wanted * block_bytes;  // what the pick does not use is refunded
  }
  st.pick_pending = true;
  auto asked = static_cast<std::uint32_t>(wanted);
  auto manager = st.parts.piece_manager;  // replies of a replaced one are dropped
  auto refund = [=](std::size_t used) {
    auto& st = self->state;
    if (st.ctx->limit_download()) st.download_quota += (asked - used) * block_bytes;
  };
  self->request(st.parts.piece_manager, caf::infinite,
                pick_request{st.key, asked, choked,
                             choked ? st.allowed_fast_from_them : std::vector<std::uint32_t>{}})
      .then(
          [=](picked& p) {
            auto& st = self->state;
            if (manager != st.parts.piece_manager) return refund(0);
            st.pick_pending = false;
            refund(p.blocks.size());
            if (p.blocks.empty()) {
              if (!p.interesting && st.outstanding.empty()) set_interested(self, false);
              return;
            }
            // A choke that arrived while we asked voids requests the peer would ignore.
            bool may_send = !st.peer_choking || st.fast;
            if (!may_send) {
              self->send(st.parts.piece_manager,
                         requests_returned{st.key, std::move(p.blocks), false});
              return;
            }
            for (const auto& b : p.blocks) {
              st.outstanding.insert(b);
              send_wire(self, wire::request{b.piece, b.offset, b.length});
            }
            st.pipeline->on_request_sent(now(), p.blocks.size());
            if (p.blocks.size() == asked) maybe_request(self);
          },
          [=](caf::error&) {  // the piece manager failed; the torrent sends its successor
            auto& st = self->state;
            if (manager == st.parts.piece_manager) st.pick_pending = false;
            refund(0);
          });
}

void set_interested(peer_self* self, bool on) {
  auto& st = self->state;
  if (on == st.am_interested) return;
  st.am_interested = on;
  log_wire(self, "out", on ? "interested" : "not_interested");
  send_wire(self, on ? wire::message{wire::interested{}} : wire::message{wire::not_interested{}});
  if (on) maybe_request(self);
}

void ask_interest(peer_self* self, peer_pieces p) {
  auto& st = self->state;
  if (!st.registered) return;  // register_peer tells the piece manager all the remote has
  self->request(st.parts.piece_manager, caf::infinite, std::move(p))
      .then(
          [=](interest i) {
            if (!i.valid) return violation(self, "announced a piece index out of range");
            if (i.interesting) set_interested(self, true);
          },
          [](caf::error&) {});  // the piece manager's successor is told again (on_parts)
}

void return_outstanding(peer_self* self, bool timed_out) {
  auto& st = self->state;
  if (st.outstanding.empty()) return;
  std::vector<block_request> blocks(st.outstanding.begin(), st.outstanding.end());
  for (const auto& b : blocks)
    remember_stale(st, b);
  st.pipeline->on_requests_dropped(blocks.size());
  st.outstanding.clear();
  self->send(st.parts.piece_manager, requests_returned{st.key, std::move(blocks), timed_out});
}

// Moves queued requests to the disk writers, one block_reads per writer, and sends what
// comes back with one send_blocks: a few messages per burst of requests, not four per block.
void pump_uploads(peer_self* self) {
  auto& st = self->state;
  if (st.send_backlogged || st.am_choking || !st.conn) return;
  const auto writers = st.parts.disk_writers.size();
  if (writers == 0) return;
  std::vector<std::vector<block_request>> per_writer(writers);
  std::size_t taken = 0;
  while (st.reads_in_flight + taken < max_reads_in_flight && !st.upload_queue.empty()) {
    auto r = st.upload_queue.front();
    if (st.ctx->limit_upload()) {
      if (st.upload_quota < r.length) {
        ask_quota(self, transfer_direction::upload);
        break;
      }
      st.upload_quota -= r.length;
    }
    st.upload_queue.pop_front();
    per_writer[r.piece % writers].push_back(r);
    ++taken;
  }
  for (std::size_t i = 0; i < writers; ++i) {
    if (per_writer[i].empty()) continue;
    const auto count = per_writer[i].size();
    st.reads_in_flight += count;
    auto blocks = per_writer[i];
    self->request(st.parts.disk_writers[i], caf::infinite, block_reads{std::move(per_writer[i])})
        .then(
            [=](blocks_read& res) {
              auto& st = self->state;
              st.reads_in_flight -= count;
              if (st.conn) {
                std::vector<peer_connection::outgoing_block> out;
                std::uint64_t bytes = 0;
                // Results come in the order asked. A block not sent (a failed read, or a
                // choke since it was asked) is rejected, or a BEP 6 peer waits for it forever.
                for (std::size_t k = 0; k < res.results.size(); ++k) {
                  auto& r = res.results[k];
                  if (!r.ok || st.am_choking) {
                    if (st.fast && k < blocks.size())
                      send_wire(self, wire::reject_request{blocks[k].piece, blocks[k].offset,
                                                           blocks[k].length});
                    continue;
                  }
                  bytes += r.data.size();
                  out.push_back({r.piece, r.offset, std::move(r.data)});
                }
                if (!out.empty()) {
                  st.requests_guard->on_block_sent();
                  st.conn->send_blocks(std::move(out));
                  st.up.add(bytes, now());
                  st.ctx->totals->up.fetch_add(bytes, std::memory_order_relaxed);
                  if (st.conn->queued_bytes() >= st.ctx->connection.send_low_water)
                    st.send_backlogged = true;
                }
              }
              pump_uploads(self);
            },
            [=](caf::error&) {  // the disk writer failed: the peer may ask again
              auto& st = self->state;
              st.reads_in_flight -= count;
              if (st.fast)
                for (const auto& r : blocks)
                  send_wire(self, wire::reject_request{r.piece, r.offset, r.length});
              pump_uploads(self);
            });
  }
}

void on_remote_request(peer_self* self, const block_request& r) {
  auto& st = self->state;
  const auto max_length = static_cast<std::uint32_t>(st.ctx->pool->block_size());
  if (auto bad = block_range_problem(*st.ctx->torrent, r.piece, r.offset, r.length, max_length))
    return violation(self, "bad REQUEST for piece " + std::to_string(r.piece) + " offset " +
                               std::to_string(r.offset) + " length " + std::to_string(r.length) +
                               ": " + *bad);
  switch (
      st.requests_guard->on_request(st.am_choking, st.ours.test(r.piece), st.upload_queue.size())) {
    case request_guard::verdict::queue:
      st.upload_queue.push_back(r);  // read when the batch this request came in is handled
      break;
    case request_guard::verdict::refuse:
      if (st.fast) send_wire(self, wire::reject_request{r.piece, r.offset, r.length});
      break;
    case request_guard::verdict::flood:
      return violation(self, st.requests_guard->flood_reason());
  }
}

void on_wire(peer_self* self, peer_wire_in& m) {
  auto& st = self->state;
  using id = wire::message_id;
  switch (static_cast<id>(m.id)) {
    case id::choke:
      if (st.peer_choking) break;
      st.peer_choking = true;
      log_wire(self, "in", "choke");
      self->send(st.parts.piece_manager, peer_choked_us{st.key, st.fast});
      if (!st.fast) {
        for (const auto& b : st.outstanding)
          remember_stale(st, b);
        st.outstanding.clear();
        st.pipeline->on_choked();
      }
      break;
    case id::unchoke:
      if (st.peer_choking) log_wire(self, "in", "unchoke");
      st.peer_choking = false;
      maybe_request(self);
      break;
    case id::interested:
    case id::not_interested: {
      bool on = static_cast<id>(m.id) == id::interested;
      if (on != st.peer_interested) {
        st.peer_interested = on;
        log_wire(self, "in", on ? "interested" : "not_interested");
        self->send(st.parts.choker, choker_interest{st.key, on});
      }
      break;
    }
    case id::have:
      if (m.a >= st.num_pieces)
        return violation(self, "HAVE " + std::to_string(m.a) + " out of range (" +
                                   std::to_string(st.num_pieces) + " pieces)");
      if (st.remote_have.test(m.a)) break;
      st.remote_have.set(m.a);
      ask_interest(self, peer_pieces{st.key, peer_pieces::one, m.a, {}});
      break;
    case id::bitfield: {
      auto bits = bitfield::from_wire(m.bytes, st.num_pieces);
      if (!bits) return violation(self, "bad BITFIELD: " + bits.error().message);
      st.remote_have = std::move(*bits);
      log_wire(self, "in", "bitfield",
               "{\"pieces\":" + std::to_string(st.remote_have.count()) +
                   ",\"of\":" + std::to_string(st.num_pieces) + "}");
      ask_interest(self, peer_pieces{st.key, peer_pieces::bits, 0, std::move(m.bytes)});
      break;
    }
    case id::have_all:
      log_wire(self, "in", "have_all");
      st.remote_have.set_all();
      ask_interest(self, peer_pieces{st.key, peer_pieces::all, 0, {}});
      break;
    case id::have_none:
      log_wire(self, "in", "have_none");
      st.remote_have.reset_all();
      ask_interest(self, peer_pieces{st.key, peer_pieces::none, 0, {}});
      break;
    case id::request:
      on_remote_request(self, block_request{m.a, m.b, m.c});
      break;
    case id::cancel: {
      auto& q = st.upload_queue;
      for (auto it = q.begin(); it != q.end(); ++it)
        if (it->piece == m.a && it->offset == m.b) {
          q.erase(it);
          break;
        }
      break;
    }
    case id::reject_request: {
      block_request b{m.a, m.b, m.c};
      if (st.outstanding.erase(b) == 0) break;
      remember_stale(st, b);
      st.pipeline->on_requests_dropped(1);
      self->send(st.parts.piece_manager, requests_returned{st.key, {b}, false});
      maybe_request(self);
      break;
    }
    case id::allowed_fast:
      if (m.a < st.num_pieces && st.allowed_fast_from_them.size() < 64) {
        st.allowed_fast_from_them.push_back(m.a);
        maybe_request(self);
      }
      break;
    case id::extended:
      on_extended(self, static_cast<std::uint8_t>(m.a), m.bytes);
      break;
    case id::port:
      // Once per connection: the DHT pings the node (a flood of PORTs is not a flood of pings).
      log_wire(self, "in", "port", "{\"port\":" + std::to_string(m.a) + "}");
      if (st.ctx->dht && !st.dht_node_told && m.a > 0 && m.a <= 0xffff) {
        st.dht_node_told = true;
        auto node = st.address;
        node.port = static_cast<std::uint16_t>(m.a);
        self->send(st.ctx->dht, dht_node_seen{node});
      }
      break;
    default:  // suggest, unknown: nothing we act on
      break;
  }
}

void on_blocks(peer_self* self, peer_blocks_in& in) {
  auto& st = self->state;
  auto t = now();
  blocks_arrived out{st.key, {}, caf::actor_cast<caf::actor>(self)};
  out.blocks.reserve(in.blocks.size());
  for (auto& b : in.blocks) {
    block_request r{b.index, b.begin, static_cast<std::uint32_t>(b.data.size())};
    auto it = st.outstanding.find(r);
    if (it != st.outstanding.end() && it->length == r.length) {
      st.outstanding.erase(it);
    } else if (st.stale.erase(r) == 0) {
      return violation(self, "sent piece " + std::to_string(r.piece) + " offset " +
                                 std::to_string(r.offset) + " length " + std::to_string(r.length) +
                                 ", which was never requested");
    }
    st.pipeline->on_block_received(t);
    st.down.add(r.length, t);
    st.ctx->totals->down.fetch_add(r.length, std::memory_order_relaxed);
    out.blocks.push_back(arrived_block{r, std::move(b.data), b.credit});
  }
  self->send(st.parts.piece_manager, std::move(out));
  maybe_request(self);
}

void send_extension_handshake(peer_self* self) {
  auto& st = self->state;
  if (!st.extensions) return;
  send_wire(self, wire::extended{0, st.extensions->our_handshake(st.address)});
  log_wire(self, "out", "extension_handshake");
}

// PEX starts with the remote's extension handshake: it tells the port an incoming peer is
// known by to others, never to be sent back to it.
void start_pex(peer_self* self) {
  auto& st = self->state;
  if (!st.ctx->pex) return;
  auto remote = st.address;
  if (!st.outgoing && st.remote_listen_port != 0) remote.port = st.remote_listen_port;
  if (st.pex) return st.pex->set_remote(remote);
  st.pex.emplace(false, remote);
  st.next_pex_look = now() + pex_first_look;
}

void send_pex(peer_self* self, const pex_peers& p) {
  auto& st = self->state;
  if (!st.pex || st.ended) return;
  std::vector<ut_pex::pex_peer> current;
  current.reserve(p.peers.size());
  for (std::size_t i = 0; i < p.peers.size(); ++i)
    current.push_back({p.peers[i], i < p.flags.size() ? p.flags[i] : std::uint8_t{0}});
  auto m = st.pex->next_message(current, now());
  if (!m) return;
  auto out = st.extensions->to_peer(extension::ut_pex, ut_pex::encode(*m));
  if (!out) return;
  send_wire(self, wire::extended{out->id, std::move(out->payload)});
  log_wire(self, "out", "pex",
           "{\"added\":" + std::to_string(m->added.size()) +
               ",\"dropped\":" + std::to_string(m->dropped.size()) + "}");
}

void look_for_pex_news(peer_self* self) {
  auto& st = self->state;
  if (!st.pex || !st.extensions->remote_ids().supports(extension::ut_pex)) return;
  if (now() < st.next_pex_look) return;
  st.next_pex_look = now() + pex_look_interval;
  self->request(st.ctx->torrent_actor, caf::infinite, pex_peers_request{st.key})
      .then([=](const pex_peers& p) { send_pex(self, p); }, [](caf::error&) {});
}

// Peers the remote is connected to become candidates of the torrent, unless the remote
// sends sooner than BEP 11's minute allows (then the message is ignored, not held against it).
void on_pex(peer_self* self, const ut_pex::message& m) {
  auto& st = self->state;
  const bool used = st.pex && st.pex->accept_incoming(now());
  log_wire(self, "in", "pex",
           "{\"added\":" + std::to_string(m.added.size()) + ",\"dropped\":" +
               std::to_string(m.dropped.size()) + ",\"used\":" + (used ? "true" : "false") + "}");
  if (!used || m.added.empty()) return;
  peers_discovered d{st.ctx->ours.info_hash, {}, "pex"};
  d.peers.reserve(m.added.size());
  for (const auto& p : m.added)
    d.peers.push_back(p.address);
  self->send(st.ctx->torrent_actor, std::move(d));
}

void on_extended(peer_self* self, std::uint8_t id, std::string_view payload) {
  auto& st = self->state;
  if (!st.extensions) return;  // it did not set BEP 10's bit: nothing was agreed
  auto in = st.extensions->on_message(id, payload);
  if (in.fault) return violation(self, *in.fault);
  for (const auto& r : in.replies)
    send_wire(self, wire::extended{r.id, r.payload});
  if (in.handshake) {
    const auto& h = *in.handshake;
    if (h.reqq) st.pipeline->set_remote_limit(*h.reqq);
    if (self->log()) {
      std::string f = "{\"client\":";
      append_json_string(f, h.v.value_or(""));
      f += ",\"extensions\":[";
      bool first = true;
      for (const auto& [name, ext_id] : h.m) {
        if (ext_id == 0) continue;
        if (!first) f += ",";
        first = false;
        append_json_string(f, name);
      }
      f += "]";
      if (h.reqq) f += ",\"reqq\":" + std::to_string(*h.reqq);
      if (h.metadata_size) f += ",\"metadata_size\":" + std::to_string(*h.metadata_size);
      log_wire(self, "in", "extension_handshake", f + "}");
    }
    if (h.p) st.remote_listen_port = *h.p;
    start_pex(self);
  }
  if (in.pex) on_pex(self, *in.pex);
}

// Introduces the peer to the piece manager; on the first registration our pieces go out on
// the wire and the choker learns of the peer. A restarted piece manager (`again`) is told what
// the remote has instead: the remote already knows what we have.
void register_peer(peer_self* self, bool again) {
  auto& st = self->state;
  auto manager = st.parts.piece_manager;  // a reply from a replaced one is dropped
  self->request(st.parts.piece_manager, caf::infinite,
                peer_registered{st.key, caf::actor_cast<caf::actor>(self)})
      .then(
          [=](peer_welcome& w) {
            auto& st = self->state;
            if (manager != st.parts.piece_manager) return;
            if (auto bits = bitfield::from_wire(w.have_bits, st.num_pieces))
              st.ours = std::move(*bits);
            st.registered = true;
            // What the remote announced before now (a restarted piece manager knows nothing
            // of it; an incoming peer may hear the remote's BITFIELD before it has parts).
            if (st.remote_have.all())
              ask_interest(self, peer_pieces{st.key, peer_pieces::all, 0, {}});
            else if (!st.remote_have.none())
              ask_interest(self,
                           peer_pieces{st.key, peer_pieces::bits, 0, st.remote_have.to_wire()});
            if (again) {
              if (st.peer_choking)
                self->send(st.parts.piece_manager, peer_choked_us{st.key, st.fast});
              maybe_request(self);
              return;
            }
            st.introduced = true;
            if (st.fast && w.complete)
              send_wire(self, wire::have_all{});
            else if (st.fast && w.empty)
              send_wire(self, wire::have_none{});
            else if (!w.empty)
              send_wire(self, wire::bitfield{w.have_bits});
            send_extension_handshake(self);
            self->send(st.parts.choker,
                       choker_add{st.key, caf::actor_cast<caf::actor>(self), st.peer_interested});
            maybe_request(self);
          },
          [](caf::error&) {});  // the piece manager failed; on_parts registers with the next
}

void on_handshake(peer_self* self, const peer_handshake_done& h) {
  auto& st = self->state;
  st.handshake_done = true;
  st.fast = st.ctx->ours.supports_fast_extension() && h.fast_extension;
  if (st.ctx->ours.supports_extension_protocol() && h.extension_protocol) {
    peer_extensions_options o;
    o.client = client_name();
    o.listen_port = st.ctx->listen_port;
    o.reqq = static_cast<std::uint32_t>(st.ctx->max_incoming_requests);
    o.metadata = st.ctx->torrent->info_bytes;
    o.pex = st.ctx->pex;
    st.extensions.emplace(std::move(o));
  }
  if (self->log()) {
    std::string f = "{\"peer_id\":";
    append_json_string(f, h.peer_id.hex());
    f += ",\"client\":";
    append_json_string(f, client_of(h.peer_id));
    f += std::string(",\"fast\":") + (h.fast_extension ? "true" : "false") +
         ",\"extensions\":" + (h.extension_protocol ? "true" : "false") + "}";
    log_wire(self, "in", "handshake", f);
  }
  self->send(st.ctx->torrent_actor, peer_identified{st.key, h.peer_id});
  if (st.ctx->dht_port != 0 && h.dht) {
    send_wire(self, wire::dht_port{st.ctx->dht_port});
    log_wire(self, "out", "port", "{\"port\":" + std::to_string(st.ctx->dht_port) + "}");
  }
  if (st.has_parts) register_peer(self, false);
}

void apply_choke(peer_self* self, bool choke) {
  auto& st = self->state;
  if (choke == st.am_choking) return;
  st.am_choking = choke;
  st.requests_guard->on_choke_changed();
  log_wire(self, "out", choke ? "choke" : "unchoke");
  if (choke) {
    send_wire(self, wire::choke{});
    if (st.fast)
      for (const auto& r : st.upload_queue)
        send_wire(self, wire::reject_request{r.piece, r.offset, r.length});
    st.upload_queue.clear();
  } else {
    send_wire(self, wire::unchoke{});
  }
}

// The torrent started its parts, or restarted some: requests made of a failed piece manager
// are unknown to its successor (blocks still arriving for them are taken as stale, not as
// unrequested), and a new choker starts from every peer choked.
void on_parts(peer_self* self, torrent_parts parts) {
  auto& st = self->state;
  if (st.has_parts && parts.generation <= st.parts.generation) return;
  const bool first = !st.has_parts;
  const bool new_manager = !first && parts.piece_manager != st.parts.piece_manager;
  const bool new_choker = !first && parts.choker != st.parts.choker;
  st.parts = std::move(parts);
  st.has_parts = true;
  if (!st.handshake_done) return;
  if (first) return register_peer(self, false);
  if (new_manager) {
    for (const auto& b : st.outstanding)
      remember_stale(st, b);
    st.pipeline->on_requests_dropped(st.outstanding.size());
    st.outstanding.clear();
    st.pick_pending = false;
    st.registered = false;
    register_peer(self, st.introduced);
  }
  if (new_choker && st.introduced) {
    apply_choke(self, true);
    self->send(st.parts.choker,
               choker_add{st.key, caf::actor_cast<caf::actor>(self), st.peer_interested});
  }
}

void on_closed(peer_self* self, const peer_transport_closed& c) {
  auto& st = self->state;
  st.conn.reset();
  if (self->log()) {
    std::string f = "{\"reason\":";
    append_json_string(f, c.reason);
    log_wire(self, "in", "closed", f + "}");
  }
  if (c.kind == close_kind::violation) return violation(self, c.reason);
  if (c.kind == close_kind::unwanted) return end(self, peer_exit::unwanted, c.reason);
  if (!st.handshake_done) return end(self, peer_exit::connect_failed, c.reason);
  end_normally(self);  // the remote closed, or timed out
}

void tick(peer_self* self) {
  auto& st = self->state;
  if (st.handshake_done) {
    bool snubbed = st.pipeline->is_snubbed(now());
    if (snubbed) return_outstanding(self, true);
    report(self, snubbed);
    maybe_request(self);
    look_for_pex_news(self);
  }
  self->delayed_send(self, seconds{1}, tick_atom::value);
}

caf::behavior peer_behavior(peer_self* self, std::shared_ptr<const torrent_context> ctx,
                            torrent_parts parts, peer_key key, peer_address address,
                            std::shared_ptr<peer_connection> incoming) {
  auto& st = self->state;
  st.ctx = ctx;
  st.has_parts = !incoming;
  st.outgoing = !incoming;
  st.parts = std::move(parts);
  st.key = key;
  st.address = address;
  st.num_pieces = ctx->torrent->num_pieces();
  st.ours = bitfield(st.num_pieces);
  st.remote_have = bitfield(st.num_pieces);
  st.pipeline.emplace(ctx->pipeline);
  st.requests_guard.emplace(ctx->max_incoming_requests);
  if (incoming) {
    st.conn = std::move(incoming);
    self->request(ctx->torrent_actor, caf::infinite,
                  peer_joined{key, address, caf::actor_cast<caf::actor>(self)})
        .then([=](join_answer& a) {
          if (!a.accepted) return end(self, peer_exit::unwanted, a.reason);
          on_parts(self, std::move(a.parts));
        });
  } else {
    boost::system::error_code ec;
    auto ip = boost::asio::ip::make_address(address.ip_string(), ec);
    if (ec) {
      end(self, peer_exit::unwanted, "bad address " + address.to_string());
      return {};
    }
    auto handle = caf::actor_cast<caf::actor>(self);
    st.conn = peer_connection::connect(*ctx->io, {ip, address.port}, ctx->ours,
                                       forwarding_callbacks([handle] { return handle; }),
                                       ctx->connection);
  }
  self->delayed_send(self, seconds{1}, tick_atom::value);
  return {
      [=](const peer_handshake_done& h) { on_handshake(self, h); },
      [=](peer_wire_batch& batch) {
        for (auto& m : batch.messages) {
          on_wire(self, m);
          if (self->state.ended) return;
        }
        if (self->state.conn) self->state.conn->grant(batch.credit);
        pump_uploads(self);
      },
      [=](peer_blocks_in& b) { on_blocks(self, b); },
      [=](const credit_returned& c) {
        if (self->state.conn) self->state.conn->grant(c.credit);
      },
      [=](const peer_send_drained&) {
        self->state.send_backlogged = false;
        pump_uploads(self);
      },
      [=](const peer_transport_closed& c) { on_closed(self, c); },
      [=](const cancel_block& c) {
        auto& st = self->state;
        if (st.outstanding.erase(c.block) == 0) return;
        remember_stale(st, c.block);
        st.pipeline->on_requests_dropped(1);
        send_wire(self, wire::cancel{c.block.piece, c.block.offset, c.block.length});
      },
      [=](const have_verified& h) {
        auto& st = self->state;
        if (h.piece < st.num_pieces) st.ours.set(h.piece);
        send_wire(self, wire::have{h.piece});
        if (h.complete) {
          st.we_complete = true;
          if (st.ours.all() && st.remote_is_seed()) {
            end_normally(self);  // two seeds have nothing to give each other
            return;
          }
          set_interested(self, false);
        }
      },
      [=](const set_choke& c) { apply_choke(self, c.choke); },
      [=](torrent_parts& p) { on_parts(self, std::move(p)); },
      [=](const peer_ban& b) { end(self, peer_exit::banned, b.reason); },
      // The torrent keeps another connection to this client (it logs why).
      [=](const peer_duplicate&) { end_normally(self); },
      [=](tick_atom) { tick(self); },
  };
}

peer_wire_in to_wire_in(const wire::message& m, std::size_t credit) {
  peer_wire_in out;
  out.credit = credit;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        using id = wire::message_id;
        auto set = [&](id i) { out.id = static_cast<std::uint8_t>(i); };
        if constexpr (std::is_same_v<T, wire::choke>) set(id::choke);
        if constexpr (std::is_same_v<T, wire::unchoke>) set(id::unchoke);
        if constexpr (std::is_same_v<T, wire::interested>) set(id::interested);
        if constexpr (std::is_same_v<T, wire::not_interested>) set(id::not_interested);
        if constexpr (std::is_same_v<T, wire::have_all>) set(id::have_all);
        if constexpr (std::is_same_v<T, wire::have_none>) set(id::have_none);
        if constexpr (std::is_same_v<T, wire::have>) set(id::have), out.a = x.index;
        if constexpr (std::is_same_v<T, wire::suggest_piece>)
          set(id::suggest_piece), out.a = x.index;
        if constexpr (std::is_same_v<T, wire::allowed_fast>) set(id::allowed_fast), out.a = x.index;
        if constexpr (std::is_same_v<T, wire::bitfield>) set(id::bitfield), out.bytes = x.bits;
        if constexpr (std::is_same_v<T, wire::request>)
          set(id::request), out.a = x.index, out.b = x.begin, out.c = x.length;
        if constexpr (std::is_same_v<T, wire::cancel>)
          set(id::cancel), out.a = x.index, out.b = x.begin, out.c = x.length;
        if constexpr (std::is_same_v<T, wire::reject_request>)
          set(id::reject_request), out.a = x.index, out.b = x.begin, out.c = x.length;
        if constexpr (std::is_same_v<T, wire::dht_port>) set(id::port), out.a = x.port;
        if constexpr (std::is_same_v<T, wire::extended>)
          set(id::extended), out.a = x.extended_id, out.bytes = x.payload;
        if constexpr (std::is_same_v<T, wire::unknown>) out.id = x.id;
        if constexpr (std::is_same_v<T, wire::keep_alive> || std::is_same_v<T, wire::piece>)
          out.id = 0xff;  // not delivered through on_message
      },
      m);
  return out;
}

}  // namespace

peer_connection_callbacks forwarding_callbacks(std::function<caf::actor()> target) {
  // The messages of one read burst are gathered and sent as one peer_wire_batch at the burst's
  // end (or before blocks or the end of the connection, to keep the stream's order). Every
  // callback runs on the io thread, one at a time: the buffer needs no lock.
  auto pending = std::make_shared<peer_wire_batch>();
  auto flush = [target, pending] {
    if (pending->messages.empty()) return;
    peer_wire_batch batch;
    std::swap(batch, *pending);
    if (auto a = target()) caf::anon_send(a, std::move(batch));
  };
  peer_connection_callbacks cb;
  cb.on_handshake = [target](const handshake& remote) {
    if (auto a = target())
      caf::anon_send(
          a, peer_handshake_done{remote.peer_id, remote.supports_fast_extension(),
                                 remote.supports_extension_protocol(), remote.supports_dht()});
  };
  cb.on_message = [pending](const wire::message& m, std::size_t credit) {
    pending->messages.push_back(to_wire_in(m, credit));
    pending->credit += credit;
  };
  cb.on_burst_end = flush;
  cb.on_blocks = [target, flush](std::vector<received_block> blocks, std::size_t credit) {
    flush();
    if (auto a = target()) caf::anon_send(a, peer_blocks_in{std::move(blocks), credit});
  };
  cb.on_write_queue_drained = [target] {
    if (auto a = target()) caf::anon_send(a, peer_send_drained{});
  };
  cb.on_closed = [target, flush](const close_reason& reason) {
    flush();
    if (auto a = target()) caf::anon_send(a, peer_transport_closed{reason.text, reason.kind});
  };
  return cb;
}

caf::actor spawn_outgoing_peer(caf::actor_system& system,
                               std::shared_ptr<const torrent_context> context, torrent_parts parts,
                               peer_key key, peer_address address) {
  return system.spawn(peer_behavior, std::move(context), std::move(parts), key, address,
                      std::shared_ptr<peer_connection>{});
}

caf::actor spawn_incoming_peer(caf::actor_system& system,
                               std::shared_ptr<const torrent_context> context, peer_key key,
                               peer_address address, std::shared_ptr<peer_connection> connection) {
  return system.spawn(peer_behavior, std::move(context), torrent_parts{}, key, address,
                      std::move(connection));
}

}  // namespace actorrent
