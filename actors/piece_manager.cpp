#include "actors/piece_manager.hpp"

#include <caf/all.hpp>

#include <optional>
#include <unordered_map>

#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"

namespace actorrent {

namespace {

struct piece_manager_state {
  static inline const char* name = "piece_manager";
  std::optional<piece_picker> picker;
  std::unordered_map<peer_key, caf::actor> peers;
  std::vector<caf::actor> disk_writers;  // piece p: disk_writers[p % size]
  bool paused = false;                   // the disk is full: nothing is requested or written

  const caf::actor* disk_writer_for(std::uint32_t piece) const {
    return disk_writers.empty() ? nullptr : &disk_writers[piece % disk_writers.size()];
  }
};

using piece_manager_self = caf::stateful_actor<piece_manager_state, logged_actor>;

void send_cancels(piece_manager_self* self,
                  const std::vector<std::pair<peer_key, block_request>>& cancels) {
  for (const auto& [peer, block] : cancels) {
    auto it = self->state.peers.find(peer);
    if (it != self->state.peers.end()) self->send(it->second, cancel_block{block});
  }
}

interest pieces_changed(piece_manager_self* self, const peer_pieces& p, std::uint32_t num_pieces) {
  auto& picker = *self->state.picker;
  bool valid = true;
  switch (p.kind) {
    case peer_pieces::bits: {
      auto bits = bitfield::from_wire(p.bits_wire, num_pieces);
      valid = bits && picker.peer_has_bitfield(p.peer, *bits);
      break;
    }
    case peer_pieces::one:
      valid = picker.peer_has(p.peer, p.piece);
      break;
    case peer_pieces::all:
      picker.peer_has_all(p.peer);
      break;
    case peer_pieces::none:
      picker.peer_has_none(p.peer);
      break;
    default:
      valid = false;
  }
  return interest{valid, valid && picker.is_interesting(p.peer)};
}

void piece_checked_handler(piece_manager_self* self, const piece_manager_config& cfg,
                           const piece_checked& c) {
  auto& st = self->state;
  auto& picker = *st.picker;
  if (c.piece >= picker.num_pieces()) return;
  if (c.passed) {
    send_cancels(self, picker.piece_passed(c.piece));
    bool complete = picker.is_complete();
    for (auto& [key, actor] : st.peers)
      self->send(actor, have_verified{c.piece, complete});
    self->send(cfg.torrent_actor,
               piece_verified{c.piece, picker.pieces_have(), picker.bytes_left(), complete});
    return;
  }
  auto failure = picker.piece_failed(c.piece);
  for (auto piece : failure.pieces_reset)
    if (auto dw = st.disk_writer_for(piece)) self->send(*dw, reset_piece{piece});
  for (auto peer : failure.banned) {
    auto it = st.peers.find(peer);
    if (it != st.peers.end())
      self->send(it->second,
                 peer_ban{"sent data that failed the hash of piece " + std::to_string(c.piece)});
  }
  self->send(cfg.torrent_actor, piece_failed_hash{c.piece,
                                                  {failure.charged.begin(), failure.charged.end()},
                                                  {failure.banned.begin(), failure.banned.end()}});
}

caf::behavior piece_manager_behavior(piece_manager_self* self, piece_manager_config cfg) {
  const auto& t = *cfg.torrent;
  self->state.picker.emplace(t.num_pieces(), t.piece_length, t.total_length, cfg.have, cfg.picker);
  if (cfg.wanted.size() == t.num_pieces()) self->state.picker->set_wanted_pieces(cfg.wanted);
  const auto num_pieces = t.num_pieces();
  return {
      [=](set_disk_writers& d) { self->state.disk_writers = std::move(d.disk_writers); },
      [=](peer_registered& r) -> peer_welcome {
        self->state.peers[r.peer] = std::move(r.actor);
        const auto& have = self->state.picker->have();
        return peer_welcome{have.to_wire(), have.all(), have.none()};
      },
      [=](const peer_pieces& p) -> interest { return pieces_changed(self, p, num_pieces); },
      [=](const pick_request& r) -> picked {
        auto& picker = *self->state.picker;
        auto now = engine_clock::now();
        picked out;
        out.interesting = picker.is_interesting(r.peer);
        if (self->state.paused) return out;
        out.blocks = r.choked ? picker.pick_allowed_fast(r.peer, r.allowed_fast, r.max_blocks, now)
                              : picker.pick(r.peer, r.max_blocks, now);
        out.interesting = picker.is_interesting(r.peer);
        return out;
      },
      [=](blocks_arrived& b) {
        auto& st = self->state;
        std::uint64_t dropped_credit = 0;
        // Paused: no writer takes blocks; they are dropped and their requests released.
        std::vector<std::vector<arrived_block>> per_writer(st.paused ? 0 : st.disk_writers.size());
        for (auto& a : b.blocks) {
          if (per_writer.empty()) {
            st.picker->request_rejected(b.peer, a.block);
            dropped_credit += a.credit;
            continue;
          }
          auto arrival = st.picker->block_received(b.peer, a.block);
          send_cancels(self, arrival.cancels);
          if (arrival.accepted && !per_writer.empty())
            per_writer[a.block.piece % per_writer.size()].push_back(std::move(a));
          else
            dropped_credit += a.credit;  // a duplicate, or no disk writer yet: drop the bytes
        }
        for (std::size_t i = 0; i < per_writer.size(); ++i)
          if (!per_writer[i].empty())
            self->send(st.disk_writers[i],
                       block_writes{b.peer, std::move(per_writer[i]), b.ack_to});
        if (dropped_credit > 0 && b.ack_to) self->send(b.ack_to, credit_returned{dropped_credit});
      },
      [=](const peer_choked_us& c) {
        self->state.picker->peer_choked_us(c.peer, c.fast_extension);
      },
      [=](const requests_returned& r) {
        for (const auto& block : r.blocks) {
          if (r.timed_out)
            self->state.picker->request_timed_out(r.peer, block);
          else
            self->state.picker->request_rejected(r.peer, block);
        }
      },
      [=](const peer_gone& g) {
        self->state.peers.erase(g.peer);
        self->state.picker->peer_left(g.peer);
      },
      [=](const piece_checked& c) { piece_checked_handler(self, cfg, c); },
      [=](disk_failure& f) { self->send(cfg.torrent_actor, std::move(f)); },
      [=](const pause_downloads& p) { self->state.paused = p.paused; },
      [=](const piece_write_failed& w) {
        // The disk writer forgot the piece already; the reset also covers blocks of it that
        // were on their way to the writer when the write failed.
        if (self->state.picker->piece_lost(w.piece))
          if (auto dw = self->state.disk_writer_for(w.piece)) self->send(*dw, reset_piece{w.piece});
      },
  };
}

}  // namespace

caf::actor spawn_piece_manager(caf::actor_system& system, piece_manager_config config) {
  return system.spawn(piece_manager_behavior, std::move(config));
}

}  // namespace actorrent
