#include "actors/disk_writer.hpp"

#include <caf/all.hpp>

#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"
#include "engine/piece_hash_cursor.hpp"
#include "storage/io_buffer.hpp"
#include "storage/resume_store.hpp"

namespace actorrent {

namespace {

// The storage options with the injected write faults, if any.
storage_options with_faults(const disk_writer_config& cfg) {
  auto options = cfg.storage;
  if (cfg.faults.enabled())
    options.write_fault = [faults = cfg.faults]() mutable { return faults.next(); };
  return options;
}

// A writer's state. Only jobs on its disk thread touch it, one at a time.
struct writer_core {
  explicit writer_core(disk_writer_config c)
      : cfg(std::move(c)),
        storage(file_layout(*cfg.torrent), cfg.download_dir, with_faults(cfg)),
        cursor(cfg.torrent->num_pieces(), cfg.torrent->piece_length, cfg.torrent->total_length),
        verified(cfg.verified.size() == cfg.torrent->num_pieces()
                     ? cfg.verified
                     : bitfield(cfg.torrent->num_pieces())) {
    cfg.verified = bitfield();  // `verified` is the one kept up to date
  }

  disk_writer_config cfg;
  file_storage storage;
  piece_hash_cursor cursor;
  bitfield verified;
};

// `self` below is the disk thread running the job: what it sends comes from there.
using thread_self = caf::event_based_actor;

// The torrent pauses on a full disk (space may be freed) and stops on anything else.
const char* failure_kind(const storage_error& e) {
  return e.code == storage_errc::disk_full ? "disk full" : "disk error";
}

void report(thread_self* self, const writer_core& w, const storage_error& e, std::uint32_t piece) {
  if (w.cfg.torrent_actor)
    self->send(w.cfg.torrent_actor, disk_failure{failure_kind(e), e.to_string(), piece});
}

// The piece's bytes did not all reach the disk: forget what was written of it and have the
// piece manager ask for all of it again. Not a hash failure: nobody who sent it is charged.
void piece_lost(thread_self* self, writer_core& w, const storage_error& e, std::uint32_t piece) {
  w.cursor.reset(piece);
  report(self, w, e, piece);
  if (w.cfg.torrent_actor) self->send(w.cfg.torrent_actor, piece_write_failed{piece});
}

// All blocks of `piece` are on disk: hash the rest from disk, compare, tell the torrent.
void finish_piece(thread_self* self, writer_core& w, io_buffer& read_back, std::uint32_t piece) {
  auto from = w.cursor.cursor(piece);
  auto rest = w.cursor.piece_size(piece) - from;
  read_back.resize(static_cast<std::size_t>(rest));
  if (rest > 0) {
    if (auto r = w.storage.read(piece, from, rest, read_back.data()); !r) {
      piece_lost(self, w, r.error(), piece);
      return;
    }
  }
  bool passed = w.cursor.finish(piece, read_back.data(), rest) == w.cfg.torrent->piece_hash(piece);
  if (passed) w.verified.set(piece);
  if (w.cfg.torrent_actor) self->send(w.cfg.torrent_actor, piece_checked{piece, passed});
}

// Writes one received block, hashing it on the way when it is next in its piece; finishes the
// piece when it was its last. False when the block is invalid or the write failed (reported).
bool write_block(thread_self* self, writer_core& w, io_buffer& read_back, std::uint32_t piece,
                 std::uint32_t offset, const block_buffer& data) {
  auto length = static_cast<std::int64_t>(data.size());
  // A peer actor checks blocks against its requests; this is the last line of defence.
  if (!w.cursor.valid_block(piece, offset, length)) return false;
  if (w.verified.test(piece)) return true;  // a late duplicate of a piece already verified
  if (w.cursor.at_cursor(piece, offset)) w.cursor.hash_block(piece, data.data(), length);
  if (auto r = w.storage.write(piece, offset, data.data(), length); !r) {
    piece_lost(self, w, r.error(), piece);
    return false;
  }
  if (w.cursor.block_written(piece, offset)) finish_piece(self, w, read_back, piece);
  return true;
}

// One block to upload, from a verified piece.
block_read_result read_block(thread_self* self, writer_core& w, const block_read& r) {
  block_read_result out{r.piece, r.offset, {}, false, {}};
  if (!w.storage.layout().valid_block(r.piece, r.offset, r.length) ||
      r.length > w.cfg.pool->block_size()) {
    out.error = "block out of range";
    return out;
  }
  if (!w.verified.test(r.piece)) {
    out.error = "piece not verified";
    return out;
  }
  out.data = w.cfg.pool->acquire();
  if (auto res = w.storage.read(r.piece, r.offset, r.length, out.data.data()); !res) {
    report(self, w, res.error(), r.piece);
    out.data = block_buffer();
    out.error = res.error().to_string();
    return out;
  }
  out.data.resize(r.length);
  out.ok = true;
  return out;
}

storage_flushed flush(writer_core& w) {
  if (auto flushed = w.storage.flush(); !flushed)
    return storage_flushed{false, flushed.error().to_string(), {}};
  return storage_flushed{true, {}, w.verified.to_wire()};
}

resume_saved save(writer_core& w, const save_resume_data& r) {
  auto verified = w.verified;
  if (!r.also_verified.empty()) {
    auto others = bitfield::from_wire(r.also_verified, w.cfg.torrent->num_pieces());
    if (!others) return resume_saved{false, "bad verified bits: " + others.error().message};
    verified |= *others;
  }
  auto saved = actorrent::save_resume(w.storage, *w.cfg.torrent, verified, r.state_dir);
  if (!saved) return resume_saved{false, saved.error()};
  return resume_saved{true, {}};
}

struct disk_writer_state {
  static inline const char* name = "disk_writer";
  // The thread of its own, when the session gave none: it ends with this actor.
  std::shared_ptr<disk_threads> own_thread;
};

using disk_writer_self = caf::stateful_actor<disk_writer_state, logged_actor>;

caf::behavior disk_writer_behavior(disk_writer_self* self, std::shared_ptr<writer_core> core,
                                   caf::actor thread, std::shared_ptr<disk_threads> own_thread) {
  self->state.own_thread = std::move(own_thread);
  // The current message's work goes to the thread with its sender and request id, so that a
  // reply goes from there straight to whoever asked.
  auto run = [self, core, thread](auto work) {
    self->delegate(thread,
                   disk_job{[core, work = std::move(work)](thread_self* t, io_buffer& scratch) {
                              return work(t, *core, scratch);
                            },
                            caf::actor_cast<caf::actor>(self)});
  };
  return {
      [=](block_write& w) {
        auto ack = w.ack_to ? w.ack_to : caf::actor_cast<caf::actor>(self->current_sender());
        run([w = std::move(w), ack](thread_self* t, writer_core& c, io_buffer& scratch) {
          bool ok = write_block(t, c, scratch, w.piece, w.offset, w.data);
          if (ack)
            t->send(ack, block_written{w.peer, w.piece, w.offset,
                                       static_cast<std::uint32_t>(w.data.size()), ok, w.credit});
          return caf::message{};
        });
      },
      [=](block_writes& batch) {
        run([batch = std::move(batch)](thread_self* t, writer_core& c, io_buffer& scratch) {
          std::uint64_t credit = 0;
          for (const auto& b : batch.blocks) {
            credit += b.credit;
            write_block(t, c, scratch, b.block.piece, b.block.offset, b.data);
          }
          if (batch.ack_to) t->send(batch.ack_to, credit_returned{credit});
          return caf::message{};
        });
      },
      [=](const reset_piece& r) {
        run([r](thread_self*, writer_core& c, io_buffer&) {
          if (r.piece < c.cfg.torrent->num_pieces()) c.cursor.reset(r.piece);
          return caf::message{};
        });
      },
      [=](const flush_storage&) {
        run([](thread_self*, writer_core& c, io_buffer&) { return caf::make_message(flush(c)); });
      },
      [=](const save_resume_data& r) {
        run([r](thread_self*, writer_core& c, io_buffer&) {
          return caf::make_message(save(c, r));
        });
      },
      [=](const block_read& r) {
        run([r](thread_self* t, writer_core& c, io_buffer&) {
          return caf::make_message(read_block(t, c, r));
        });
      },
      [=](const block_reads& rs) {
        run([rs](thread_self* t, writer_core& c, io_buffer&) {
          blocks_read out;
          out.results.reserve(rs.blocks.size());
          for (const auto& b : rs.blocks)
            out.results.push_back(read_block(t, c, block_read{b.piece, b.offset, b.length}));
          return caf::make_message(std::move(out));
        });
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
  std::shared_ptr<disk_threads> own;
  if (!config.threads) own = disk_threads::create(system, 1);
  auto thread = config.threads ? config.threads->next() : own->next();
  config.threads.reset();  // the writer holds its thread, not the session's set
  auto core = std::make_shared<writer_core>(std::move(config));
  return system.spawn(disk_writer_behavior, std::move(core), std::move(thread), std::move(own));
}

}  // namespace actorrent
