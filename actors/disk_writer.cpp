#include "actors/disk_writer.hpp"

#include <caf/all.hpp>

#include <optional>

#include "actors/messages.hpp"
#include "engine/piece_hash_cursor.hpp"
#include "storage/io_buffer.hpp"
#include "storage/resume_store.hpp"

namespace actorrent {

namespace {

struct disk_writer_state {
  static inline const char* name = "disk_writer";
  std::optional<file_storage> storage;
  std::optional<piece_hash_cursor> cursor;
  bitfield verified;
  io_buffer read_back;
};

using disk_writer_self = caf::stateful_actor<disk_writer_state>;

// The torrent pauses on a full disk (space may be freed) and stops on anything else.
const char* failure_kind(const storage_error& e) {
  return e.code == storage_errc::disk_full ? "disk full" : "disk error";
}

void report(disk_writer_self* self, const disk_writer_config& cfg, const storage_error& e,
            std::uint32_t piece) {
  if (cfg.torrent_actor)
    self->send(cfg.torrent_actor, disk_failure{failure_kind(e), e.to_string(), piece});
}

// The piece's bytes did not all reach the disk: forget what was written of it and have the
// piece manager ask for all of it again. Not a hash failure: nobody who sent it is charged.
void piece_lost(disk_writer_self* self, const disk_writer_config& cfg, const storage_error& e,
                std::uint32_t piece) {
  self->state.cursor->reset(piece);
  report(self, cfg, e, piece);
  if (cfg.torrent_actor) self->send(cfg.torrent_actor, piece_write_failed{piece});
}

// All blocks of `piece` are on disk: hash the rest from disk, compare, tell the torrent.
void finish_piece(disk_writer_self* self, const disk_writer_config& cfg, std::uint32_t piece) {
  auto& st = self->state;
  auto from = st.cursor->cursor(piece);
  auto rest = st.cursor->piece_size(piece) - from;
  st.read_back.resize(static_cast<std::size_t>(rest));
  if (rest > 0) {
    if (auto r = st.storage->read(piece, from, rest, st.read_back.data()); !r) {
      piece_lost(self, cfg, r.error(), piece);
      return;
    }
  }
  bool passed =
      st.cursor->finish(piece, st.read_back.data(), rest) == cfg.torrent->piece_hash(piece);
  if (passed) st.verified.set(piece);
  if (cfg.torrent_actor) self->send(cfg.torrent_actor, piece_checked{piece, passed});
}

// Writes one received block, hashing it on the way when it is next in its piece; finishes the
// piece when it was its last. False when the block is invalid or the write failed (reported).
bool write_block(disk_writer_self* self, const disk_writer_config& cfg, std::uint32_t piece,
                 std::uint32_t offset, const block_buffer& data) {
  auto& st = self->state;
  auto length = static_cast<std::int64_t>(data.size());
  // A peer actor checks blocks against its requests; this is the last line of defence.
  if (!st.cursor->valid_block(piece, offset, length)) return false;
  if (st.verified.test(piece)) return true;  // a late duplicate of a piece already verified
  if (st.cursor->at_cursor(piece, offset)) st.cursor->hash_block(piece, data.data(), length);
  if (auto r = st.storage->write(piece, offset, data.data(), length); !r) {
    piece_lost(self, cfg, r.error(), piece);
    return false;
  }
  if (st.cursor->block_written(piece, offset)) finish_piece(self, cfg, piece);
  return true;
}

// One block to upload, from a verified piece.
block_read_result read_block(disk_writer_self* self, const disk_writer_config& cfg,
                             const block_read& r) {
  auto& st = self->state;
  block_read_result out{r.piece, r.offset, {}, false, {}};
  if (!st.storage->layout().valid_block(r.piece, r.offset, r.length) ||
      r.length > cfg.pool->block_size()) {
    out.error = "block out of range";
    return out;
  }
  if (!st.verified.test(r.piece)) {
    out.error = "piece not verified";
    return out;
  }
  out.data = cfg.pool->acquire();
  if (auto res = st.storage->read(r.piece, r.offset, r.length, out.data.data()); !res) {
    report(self, cfg, res.error(), r.piece);
    out.data = block_buffer();
    out.error = res.error().to_string();
    return out;
  }
  out.data.resize(r.length);
  out.ok = true;
  return out;
}

caf::behavior disk_writer_behavior(disk_writer_self* self, disk_writer_config cfg) {
  auto& st = self->state;
  auto options = cfg.storage;
  if (cfg.faults.enabled())
    options.write_fault = [faults = cfg.faults]() mutable { return faults.next(); };
  st.storage.emplace(file_layout(*cfg.torrent), cfg.download_dir, std::move(options));
  st.cursor.emplace(cfg.torrent->num_pieces(), cfg.torrent->piece_length,
                    cfg.torrent->total_length);
  st.verified = cfg.verified.size() == cfg.torrent->num_pieces()
                    ? cfg.verified
                    : bitfield(cfg.torrent->num_pieces());
  return {
      [=](block_write& w) {
        auto sender = w.ack_to ? w.ack_to : caf::actor_cast<caf::actor>(self->current_sender());
        bool ok = write_block(self, cfg, w.piece, w.offset, w.data);
        if (sender)
          self->send(sender,
                     block_written{w.peer, w.piece, w.offset,
                                   static_cast<std::uint32_t>(w.data.size()), ok, w.credit});
      },
      [=](block_writes& batch) {
        std::uint64_t credit = 0;
        for (auto& b : batch.blocks) {
          credit += b.credit;
          write_block(self, cfg, b.block.piece, b.block.offset, b.data);
        }
        if (batch.ack_to) self->send(batch.ack_to, credit_returned{credit});
      },
      [=](const reset_piece& r) {
        if (r.piece < cfg.torrent->num_pieces()) self->state.cursor->reset(r.piece);
      },
      [=](const flush_storage&) -> storage_flushed {
        auto& st = self->state;
        if (auto flushed = st.storage->flush(); !flushed)
          return storage_flushed{false, flushed.error().to_string(), {}};
        return storage_flushed{true, {}, st.verified.to_wire()};
      },
      [=](const save_resume_data& r) -> resume_saved {
        auto& st = self->state;
        auto verified = st.verified;
        if (!r.also_verified.empty()) {
          auto others = bitfield::from_wire(r.also_verified, cfg.torrent->num_pieces());
          if (!others) return resume_saved{false, "bad verified bits: " + others.error().message};
          verified |= *others;
        }
        auto saved = actorrent::save_resume(*st.storage, *cfg.torrent, verified, r.state_dir);
        if (!saved) return resume_saved{false, saved.error()};
        return resume_saved{true, {}};
      },
      [=](const block_read& r) -> block_read_result { return read_block(self, cfg, r); },
      [=](const block_reads& rs) -> blocks_read {
        blocks_read out;
        out.results.reserve(rs.blocks.size());
        for (const auto& b : rs.blocks)
          out.results.push_back(read_block(self, cfg, block_read{b.piece, b.offset, b.length}));
        return out;
      },
  };
}

}  // namespace

disk_write_faults::disk_write_faults(fault_schedule schedule, int error) {
  if (!schedule.enabled()) return;
  shared_ = std::make_shared<shared_state>();
  shared_->counter = fault_counter(schedule);
  shared_->error = error;
}

int disk_write_faults::next() {
  if (!shared_) return 0;
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->counter.next() ? shared_->error : 0;
}

caf::actor spawn_disk_writer(caf::actor_system& system, disk_writer_config config) {
  return system.spawn<caf::detached>(disk_writer_behavior, std::move(config));
}

}  // namespace actorrent
