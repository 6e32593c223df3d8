// Every message exchanged between actorrent's actors, declared once (DESIGN.md, principle 2).
//
// Each is a small struct with an `inspect` overload: that is what the message log prints,
// what crosses nodes, and the reader's index of who says what to whom. Every type is
// registered by register_message_types() (actor_setup.cpp) from the list in
// message_types.hpp; a test round-trips each one through CAF's serializer, because an
// unregistered type fails silently in CAF 0.17. Every value in an `inspect` is preceded by its
// field("name") (field_name.hpp), the C++ member's name, for the message log; a test checks
// that too (tests/actors/message_fields_test.cpp).
//
// Who sends what:
//   torrent ──tracker_stats / tracker_completed / tracker_want_peers / tracker_stop──▶ tracker
//   tracker ──peers_discovered / tracker_status──▶ torrent
//   announce worker ──announce_outcome──▶ tracker
//   peer ──block_write / block_read──▶ disk_writer ──block_written / block_read_result──▶ peer
//   disk_writer ──piece_checked / disk_failure──▶ piece_manager ──▶ torrent
//   disk_writer ──piece_write_failed──▶ piece_manager ──reset_piece──▶ disk_writer
//   transport (asio thread) ──peer_handshake_done / peer_wire_in / peer_blocks_in /
//                             peer_send_drained / peer_transport_closed──▶ peer
//   peer ──peer_registered / peer_pieces / pick_request / blocks_arrived / peer_choked_us /
//          requests_returned──▶ piece_manager ──peer_welcome / interest / picked /
//          cancel_block / have_verified / peer_ban──▶ peer
//   piece_manager ──block_writes / reset_piece──▶ disk_writer ──credit_returned──▶ peer
//   piece_manager ──piece_verified / piece_failed_hash──▶ torrent
//   peer ──peer_joined / peer_report──▶ torrent ──peer_gone──▶ piece_manager, choker
//   peer ──choker_interest──▶ choker ──set_choke──▶ peer;  torrent ──choker_add /
//          choker_rates / choker_seeding──▶ choker
//   session / client ──get_progress / torrent_stop──▶ torrent
//
// Messages that carry a pooled block_buffer are local only (CAF_ALLOW_UNSAFE_MESSAGE_TYPE at
// the end of this file): a block never crosses nodes, and the log records its size only.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/block_pool.hpp"
#include "actors/field_name.hpp"
#include "actors/peer_connection.hpp"
#include "actors/session_settings.hpp"
#include "actors/torrent_progress.hpp"
#include "engine/piece_picker.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

// Timers that carry no data: an actor's periodic work.
using tick_atom = caf::atom_constant<caf::atom("tick")>;

// Shared value types travel as their fields.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sha1_hash& x) {
  return f(caf::meta::type_name("sha1_hash"), field("bytes"), x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_address& x) {
  return f(caf::meta::type_name("peer_address"), field("ip"), x.ip, field("v6"), x.v6,
           field("port"), x.port);
}

// ---- torrent → tracker ----

// The transfer totals the next announce reports.
struct tracker_stats {
  std::int64_t uploaded = 0;
  std::int64_t downloaded = 0;
  std::int64_t left = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tracker_stats& x) {
  return f(caf::meta::type_name("tracker_stats"), field("uploaded"), x.uploaded,
           field("downloaded"), x.downloaded, field("left"), x.left);
}

struct tracker_completed {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tracker_completed&) {
  return f(caf::meta::type_name("tracker_completed"));
}

struct tracker_want_peers {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tracker_want_peers&) {
  return f(caf::meta::type_name("tracker_want_peers"));
}

// Announce "stopped" (within a short deadline) and terminate; the reply is a
// tracker_stopped once that is done.
struct tracker_stop {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tracker_stop&) {
  return f(caf::meta::type_name("tracker_stop"));
}

struct tracker_stopped {
  bool announced = false;  // a tracker acknowledged "stopped"
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tracker_stopped& x) {
  return f(caf::meta::type_name("tracker_stopped"), field("announced"), x.announced);
}

// ---- tracker → torrent ----

struct peers_discovered {
  sha1_hash info_hash;
  std::vector<peer_address> peers;
  std::string source;  // the tracker URL (or "dht", "pex", ...)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peers_discovered& x) {
  return f(caf::meta::type_name("peers_discovered"), field("info_hash"), x.info_hash,
           field("peers"), x.peers, field("source"), x.source);
}

struct tracker_status {
  std::string url;
  bool ok = false;
  std::string message;        // failure reason, warning, or network error
  std::int64_t seeders = -1;  // -1: not reported
  std::int64_t leechers = -1;
  std::int64_t next_announce_in_s = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tracker_status& x) {
  return f(caf::meta::type_name("tracker_status"), field("url"), x.url, field("ok"), x.ok,
           field("message"), x.message, field("seeders"), x.seeders, field("leechers"), x.leechers,
           field("next_announce_in_s"), x.next_announce_in_s);
}

// ---- announce worker → tracker ----

// The result of one announce to one tracker URL. `generation` lets the tracker actor drop
// an answer that arrives after it moved on.
struct announce_outcome {
  std::uint64_t generation = 0;
  std::string url;
  bool ok = false;
  bool tracker_refused = false;  // a failure reason from the tracker, not a network error
  std::string message;
  std::int64_t interval_s = 0;
  std::int64_t min_interval_s = -1;  // -1: none given
  std::int64_t seeders = -1;
  std::int64_t leechers = -1;
  std::vector<peer_address> peers;
  std::string tracker_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, announce_outcome& x) {
  return f(caf::meta::type_name("announce_outcome"), field("generation"), x.generation,
           field("url"), x.url, field("ok"), x.ok, field("tracker_refused"), x.tracker_refused,
           field("message"), x.message, field("interval_s"), x.interval_s, field("min_interval_s"),
           x.min_interval_s, field("seeders"), x.seeders, field("leechers"), x.leechers,
           field("peers"), x.peers, field("tracker_id"), x.tracker_id);
}

// ---- peer → disk writer → peer ----

// A received block to write. `peer` identifies the sender; the block_written goes to
// `ack_to` (the peer actor, when the piece manager forwards the block) or else to the sender,
// and returns `credit` to the connection.
struct block_write {
  std::uint64_t peer = 0;
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  block_buffer data;
  std::uint64_t credit = 0;
  caf::actor ack_to;
};

// The block's bytes are written (or failed to be): the sender may read that much more.
struct block_written {
  std::uint64_t peer = 0;
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  bool ok = false;
  std::uint64_t credit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_written& x) {
  return f(caf::meta::type_name("block_written"), field("peer"), x.peer, field("piece"), x.piece,
           field("offset"), x.offset, field("length"), x.length, field("ok"), x.ok, field("credit"),
           x.credit);
}

// The piece manager dropped the piece's received blocks (hash_failure::pieces_reset): its
// hashing starts over.
struct reset_piece {
  std::uint32_t piece = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reset_piece& x) {
  return f(caf::meta::type_name("reset_piece"), field("piece"), x.piece);
}

// Flush the files and save resume data for the pieces this disk writer verified plus
// `also_verified` (bitfield::to_wire(), possibly empty: the other disk writers' pieces, which
// they have flushed already); the reply is resume_saved.
struct save_resume_data {
  std::string state_dir;
  std::string also_verified;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_resume_data& x) {
  return f(caf::meta::type_name("save_resume_data"), field("state_dir"), x.state_dir,
           field("also_verified"), x.also_verified);
}

// Flush what this disk writer wrote; the reply is storage_flushed with the pieces it has
// verified (all of them on disk once the flush succeeded).
struct flush_storage {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_storage&) {
  return f(caf::meta::type_name("flush_storage"));
}

struct storage_flushed {
  bool ok = false;
  std::string error;
  std::string verified;  // bitfield::to_wire()
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, storage_flushed& x) {
  return f(caf::meta::type_name("storage_flushed"), field("ok"), x.ok, field("error"), x.error,
           field("verified"), x.verified);
}

struct resume_saved {
  bool ok = false;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resume_saved& x) {
  return f(caf::meta::type_name("resume_saved"), field("ok"), x.ok, field("error"), x.error);
}

// A block to upload; the reply is a block_read_result.
struct block_read {
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_read& x) {
  return f(caf::meta::type_name("block_read"), field("piece"), x.piece, field("offset"), x.offset,
           field("length"), x.length);
}

// Several blocks to upload, read in one message; the reply is a blocks_read with one result
// per request, in order.
struct block_reads {
  std::vector<block_request> blocks;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_reads& x) {
  return f(caf::meta::type_name("block_reads"), field("blocks"), x.blocks);
}

struct block_read_result {
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  block_buffer data;  // empty when !ok
  bool ok = false;
  std::string error;
};

struct blocks_read {
  std::vector<block_read_result> results;
};

// ---- disk writer → torrent ----

// A piece has all its blocks on disk and was hashed.
struct piece_checked {
  std::uint32_t piece = 0;
  bool passed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, piece_checked& x) {
  return f(caf::meta::type_name("piece_checked"), field("piece"), x.piece, field("passed"),
           x.passed);
}

// A write or read failed. `kind` is "disk full" (ENOSPC, EDQUOT, EFBIG: the torrent pauses
// until there is room) or "disk error" (anything else: it stops); `message` names the file,
// the byte offset in it and the system's error text.
struct disk_failure {
  std::string kind;
  std::string message;  // names the file
  std::uint32_t piece = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, disk_failure& x) {
  return f(caf::meta::type_name("disk_failure"), field("kind"), x.kind, field("message"), x.message,
           field("piece"), x.piece);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_request& x) {
  return f(caf::meta::type_name("block_request"), field("piece"), x.piece, field("offset"),
           x.offset, field("length"), x.length);
}

// ---- transport (the asio thread) → peer ----
// The peer-wire connection's callbacks, as messages to the peer actor that owns it. Each
// carries the credit the actor returns to the connection once it is done with it.

struct peer_handshake_done {
  sha1_hash peer_id;
  bool fast_extension = false;      // the remote set BEP 6's bit
  bool extension_protocol = false;  // the remote set BEP 10's bit
  bool dht = false;                 // the remote set BEP 5's bit
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_handshake_done& x) {
  return f(caf::meta::type_name("peer_handshake_done"), field("peer_id"), x.peer_id,
           field("fast_extension"), x.fast_extension, field("extension_protocol"),
           x.extension_protocol, field("dht"), x.dht);
}

// Any peer-wire message but piece, owned: `id` is the wire id, a/b/c its integer fields in
// wire order (index, begin, length), `bytes` a bitfield's bits or an extended payload
// (whose extended id is `a`).
struct peer_wire_in {
  std::uint8_t id = 0;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint32_t c = 0;
  std::string bytes;
  std::uint64_t credit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_wire_in& x) {
  return f(caf::meta::type_name("peer_wire_in"), field("id"), x.id, field("a"), x.a, field("b"),
           x.b, field("c"), x.c, field("bytes"), x.bytes, field("credit"), x.credit);
}

// The other messages of one read, in order, with the sum of their credits.
struct peer_wire_batch {
  std::vector<peer_wire_in> messages;
  std::uint64_t credit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_wire_batch& x) {
  return f(caf::meta::type_name("peer_wire_batch"), field("messages"), x.messages, field("credit"),
           x.credit);
}

// The blocks of one read (local only: pooled buffers), for on_blocks.
struct peer_blocks_in {
  std::vector<received_block> blocks;
  std::uint64_t credit = 0;
};

struct peer_send_drained {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_send_drained&) {
  return f(caf::meta::type_name("peer_send_drained"));
}

struct peer_transport_closed {
  std::string reason;
  close_kind kind = close_kind::local;  // what the peer actor decides on, not the text
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_transport_closed& x) {
  return f(caf::meta::type_name("peer_transport_closed"), field("reason"), x.reason, field("kind"),
           x.kind);
}

// ---- peer ↔ piece manager ----

// A peer's handshake is done; the reply is a peer_welcome with what we have, for our
// BITFIELD (registering and reading the bitfield in one step, so no HAVE is missed).
struct peer_registered {
  std::uint64_t peer = 0;
  caf::actor actor;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_registered& x) {
  return f(caf::meta::type_name("peer_registered"), field("peer"), x.peer, field("actor"), x.actor);
}

struct peer_welcome {
  std::string have_bits;  // bitfield::to_wire()
  bool complete = false;  // we have every piece (HAVE ALL)
  bool empty = false;     // we have no piece (HAVE NONE)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_welcome& x) {
  return f(caf::meta::type_name("peer_welcome"), field("have_bits"), x.have_bits, field("complete"),
           x.complete, field("empty"), x.empty);
}

// What the remote peer has: a BITFIELD, a HAVE, HAVE ALL or HAVE NONE. The reply is an
// interest (whether it now has something we want), or false for a bad message (a wrong-size
// bitfield, an index out of range), which the peer treats as a protocol violation.
struct peer_pieces {
  enum kind_t : std::uint8_t { bits, one, all, none };
  std::uint64_t peer = 0;
  std::uint8_t kind = bits;
  std::uint32_t piece = 0;  // for `one`
  std::string bits_wire;    // for `bits`
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_pieces& x) {
  return f(caf::meta::type_name("peer_pieces"), field("peer"), x.peer, field("kind"), x.kind,
           field("piece"), x.piece, field("bits_wire"), x.bits_wire);
}

struct interest {
  bool valid = true;
  bool interesting = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, interest& x) {
  return f(caf::meta::type_name("interest"), field("valid"), x.valid, field("interesting"),
           x.interesting);
}

// Blocks to request from this peer: at most `max_blocks`; while it chokes us, only from
// `allowed_fast` pieces. The reply is `picked`.
struct pick_request {
  std::uint64_t peer = 0;
  std::uint32_t max_blocks = 0;
  bool choked = false;
  std::vector<std::uint32_t> allowed_fast;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pick_request& x) {
  return f(caf::meta::type_name("pick_request"), field("peer"), x.peer, field("max_blocks"),
           x.max_blocks, field("choked"), x.choked, field("allowed_fast"), x.allowed_fast);
}

struct picked {
  std::vector<block_request> blocks;
  bool interesting = false;  // the peer still has something we want
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, picked& x) {
  return f(caf::meta::type_name("picked"), field("blocks"), x.blocks, field("interesting"),
           x.interesting);
}

// Several blocks this peer had requested (local only): what block_arrived is for one, with
// each block's credit; the piece manager forwards each disk writer its share as one
// block_writes, and every block's credit comes back to `ack_to` in a credit_returned.
struct arrived_block {
  block_request block;
  block_buffer data;
  std::uint64_t credit = 0;
};

struct blocks_arrived {
  std::uint64_t peer = 0;
  std::vector<arrived_block> blocks;
  caf::actor ack_to;
};

struct block_writes {
  std::uint64_t peer = 0;
  std::vector<arrived_block> blocks;
  caf::actor ack_to;
};

// Deliveries are done with (written, or dropped): the connection may read that much more.
struct credit_returned {
  std::uint64_t credit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credit_returned& x) {
  return f(caf::meta::type_name("credit_returned"), field("credit"), x.credit);
}

struct peer_choked_us {
  std::uint64_t peer = 0;
  bool fast_extension = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_choked_us& x) {
  return f(caf::meta::type_name("peer_choked_us"), field("peer"), x.peer, field("fast_extension"),
           x.fast_extension);
}

// Requests that will not be answered: the peer rejected them (BEP 6), or they timed out.
struct requests_returned {
  std::uint64_t peer = 0;
  std::vector<block_request> blocks;
  bool timed_out = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, requests_returned& x) {
  return f(caf::meta::type_name("requests_returned"), field("peer"), x.peer, field("blocks"),
           x.blocks, field("timed_out"), x.timed_out);
}

// Endgame: the block arrived from someone else; send CANCEL.
struct cancel_block {
  block_request block;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_block& x) {
  return f(caf::meta::type_name("cancel_block"), field("block"), x.block);
}

// A piece passed its hash: send HAVE. `complete`: every wanted piece is ours now.
struct have_verified {
  std::uint32_t piece = 0;
  bool complete = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, have_verified& x) {
  return f(caf::meta::type_name("have_verified"), field("piece"), x.piece, field("complete"),
           x.complete);
}

// Close the connection and do not come back: the peer sent data that failed the hash.
struct peer_ban {
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_ban& x) {
  return f(caf::meta::type_name("peer_ban"), field("reason"), x.reason);
}

// The torrent introduces the piece manager to its disk writers (they refer to each other);
// piece p belongs to disk_writers[p % size].
struct set_disk_writers {
  std::vector<caf::actor> disk_writers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_disk_writers& x) {
  return f(caf::meta::type_name("set_disk_writers"), field("disk_writers"), x.disk_writers);
}

// ---- piece manager → torrent ----

struct piece_verified {
  std::uint32_t piece = 0;
  std::uint32_t pieces_have = 0;
  std::int64_t bytes_left = 0;
  bool complete = false;  // every wanted piece verified
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, piece_verified& x) {
  return f(caf::meta::type_name("piece_verified"), field("piece"), x.piece, field("pieces_have"),
           x.pieces_have, field("bytes_left"), x.bytes_left, field("complete"), x.complete);
}

struct piece_failed_hash {
  std::uint32_t piece = 0;
  std::vector<std::uint64_t> charged;
  std::vector<std::uint64_t> banned;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, piece_failed_hash& x) {
  return f(caf::meta::type_name("piece_failed_hash"), field("piece"), x.piece, field("charged"),
           x.charged, field("banned"), x.banned);
}

// ---- peer ↔ torrent ----

// An incoming connection's peer actor joined the torrent; the reply is a join_answer.
struct peer_joined {
  std::uint64_t peer = 0;
  peer_address address;
  caf::actor actor;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_joined& x) {
  return f(caf::meta::type_name("peer_joined"), field("peer"), x.peer, field("address"), x.address,
           field("actor"), x.actor);
}

// The torrent's restartable parts, as its peers must address them. A peer is given them
// when it starts (incoming ones: in the join_answer) and again whenever the torrent restarts
// a part; `generation` grows with each restart.
struct torrent_parts {
  std::uint32_t generation = 0;
  caf::actor piece_manager;
  caf::actor choker;
  // piece p belongs to disk_writers[p % size]
  std::vector<caf::actor> disk_writers;
  caf::actor tracker;  // null without trackers; only tools use it (get_parts), not peers
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_parts& x) {
  return f(caf::meta::type_name("torrent_parts"), field("generation"), x.generation,
           field("piece_manager"), x.piece_manager, field("choker"), x.choker,
           field("disk_writers"), x.disk_writers, field("tracker"), x.tracker);
}

// Asks a torrent for its current parts (the reply is torrent_parts): for tests that inject a
// failure into one, and for tools that draw the supervision tree.
struct get_parts {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_parts&) {
  return f(caf::meta::type_name("get_parts"));
}

// Turns the fault that kills a random peer actor on (every `interval_ms`) or off (0) in a
// running torrent: an experiment's controller turns faults on mid-run (experiment/).
struct set_peer_kills {
  std::int64_t interval_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_peer_kills& x) {
  return f(caf::meta::type_name("set_peer_kills"), field("interval_ms"), x.interval_ms);
}

struct join_answer {
  bool accepted = false;
  std::string reason;
  torrent_parts parts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_answer& x) {
  return f(caf::meta::type_name("join_answer"), field("accepted"), x.accepted, field("reason"),
           x.reason, field("parts"), x.parts);
}

// torrent → piece manager: stop handing out requests and drop arriving blocks (the disk is
// full), or start again.
struct pause_downloads {
  bool paused = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pause_downloads& x) {
  return f(caf::meta::type_name("pause_downloads"), field("paused"), x.paused);
}

// Once a second from each connected peer: its rates and the bytes since the last report. The
// bytes are for the message log's reader; the torrent's totals are its payload_totals, which
// peers add to as the bytes move (torrent_context.hpp).
struct peer_report {
  std::uint64_t peer = 0;
  double download_rate = 0;
  double upload_rate = 0;
  std::uint64_t downloaded = 0;
  std::uint64_t uploaded = 0;
  bool handshake_done = false;
  bool peer_interested = false;
  bool am_interested = false;
  bool snubbed = false;
  bool seed = false;  // the remote has every piece
  // The port the remote accepts connections on (BEP 10's `p`), 0 when unknown: for an
  // incoming connection, what makes it dialable and shareable over PEX.
  std::uint16_t listen_port = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_report& x) {
  return f(caf::meta::type_name("peer_report"), field("peer"), x.peer, field("download_rate"),
           x.download_rate, field("upload_rate"), x.upload_rate, field("downloaded"), x.downloaded,
           field("uploaded"), x.uploaded, field("handshake_done"), x.handshake_done,
           field("peer_interested"), x.peer_interested, field("am_interested"), x.am_interested,
           field("snubbed"), x.snubbed, field("seed"), x.seed, field("listen_port"), x.listen_port);
}

// The remote's peer id, from its handshake. The torrent keeps one connection per remote
// client: two clients that dial each other at the same moment would otherwise hold two.
struct peer_identified {
  std::uint64_t peer = 0;
  sha1_hash peer_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_identified& x) {
  return f(caf::meta::type_name("peer_identified"), field("peer"), x.peer, field("peer_id"),
           x.peer_id);
}

// torrent → peer: close, normally; another connection to the same client is kept.
struct peer_duplicate {
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_duplicate& x) {
  return f(caf::meta::type_name("peer_duplicate"), field("reason"), x.reason);
}

// A peer actor ended (sent by the torrent, which monitors it): forget its pieces and
// requests.
struct peer_gone {
  std::uint64_t peer = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_gone& x) {
  return f(caf::meta::type_name("peer_gone"), field("peer"), x.peer);
}

// ---- peer exchange (BEP 11) ----
//   peer ──pex_peers_request──▶ torrent ──pex_peers──▶ peer (what to tell the remote)
//   peer ──peers_discovered{source "pex"}──▶ torrent (what the remote told us)

// A peer whose remote speaks ut_pex asks the torrent which peers it would share now.
struct pex_peers_request {
  std::uint64_t peer = 0;  // the asker, left out of the answer
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pex_peers_request& x) {
  return f(caf::meta::type_name("pex_peers_request"), field("peer"), x.peer);
}

// The torrent's connected peers that accept connections (their listen addresses), with
// BEP 11's flags (ut_pex::flag) at the same index.
struct pex_peers {
  std::vector<peer_address> peers;
  std::vector<std::uint8_t> flags;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pex_peers& x) {
  return f(caf::meta::type_name("pex_peers"), field("peers"), x.peers, field("flags"), x.flags);
}

// ---- local service discovery (BEP 14) ----

// LSD socket → LSD actor: an announce from another client on the multicast group (its own
// cookie filtered out): `peer` is the datagram's source address with the announced port.
struct lsd_announce_in {
  peer_address peer;
  std::vector<sha1_hash> info_hashes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lsd_announce_in& x) {
  return f(caf::meta::type_name("lsd_announce_in"), field("peer"), x.peer, field("info_hashes"),
           x.info_hashes);
}

// ---- metadata fetch (magnet links, BEP 9) ----
//   metadata peer ──metadata_peer_ready / metadata_piece_in / metadata_reject_in──▶ fetcher
//   fetcher ──metadata_ask──▶ metadata peer

// Both handshakes are done: the size of the info dictionary the peer announced, 0 when it
// announced none or does not speak ut_metadata (it cannot serve it).
struct metadata_peer_ready {
  std::uint64_t peer = 0;
  std::int64_t metadata_size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_peer_ready& x) {
  return f(caf::meta::type_name("metadata_peer_ready"), field("peer"), x.peer,
           field("metadata_size"), x.metadata_size);
}

struct metadata_ask {
  std::uint32_t piece = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_ask& x) {
  return f(caf::meta::type_name("metadata_ask"), field("piece"), x.piece);
}

// A ut_metadata data message: unverified bytes, checked by the fetcher's metadata_download.
struct metadata_piece_in {
  std::uint64_t peer = 0;
  std::uint32_t piece = 0;
  std::int64_t total_size = 0;
  std::string bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_piece_in& x) {
  return f(caf::meta::type_name("metadata_piece_in"), field("peer"), x.peer, field("piece"),
           x.piece, field("total_size"), x.total_size, field("bytes"), x.bytes);
}

struct metadata_reject_in {
  std::uint64_t peer = 0;
  std::uint32_t piece = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_reject_in& x) {
  return f(caf::meta::type_name("metadata_reject_in"), field("peer"), x.peer, field("piece"),
           x.piece);
}

// ---- DHT (BEP 5) ----
//   torrent, metadata fetcher ──dht_track──▶ dht ──peers_discovered (source "dht")──▶ them
//   socket (asio thread) ──dht_datagram──▶ dht
//   client ──dht_stop──▶ dht ──dht_stopped──▶ client;  tests, tools ──get_dht_stats──▶ dht
//   peer ──dht_node_seen (a PORT message)──▶ dht

// Search the DHT for peers of `info_hash` now and on the DHT's schedule, and send them to
// `subscriber` (peers_discovered) until it ends; announce `announce_port` to the nodes
// closest to the info-hash when it is not 0 (never for a private torrent, BEP 27).
struct dht_track {
  sha1_hash info_hash;
  std::uint16_t announce_port = 0;
  caf::actor subscriber;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dht_track& x) {
  return f(caf::meta::type_name("dht_track"), field("info_hash"), x.info_hash,
           field("announce_port"), x.announce_port, field("subscriber"), x.subscriber);
}

// One UDP datagram received on the DHT's socket: untrusted bytes, at most one more than the
// KRPC size limit (so that an oversized one is seen as such).
struct dht_datagram {
  peer_address from;
  std::string bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dht_datagram& x) {
  return f(caf::meta::type_name("dht_datagram"), field("from"), x.from, field("bytes"), x.bytes);
}

// A peer told us its DHT node's UDP port (BEP 5's PORT message): the DHT pings it, and a node
// that answers joins the routing table like any other.
struct dht_node_seen {
  peer_address node;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dht_node_seen& x) {
  return f(caf::meta::type_name("dht_node_seen"), field("node"), x.node);
}

// Save the routing table and end; the reply is dht_stopped.
struct dht_stop {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dht_stop&) {
  return f(caf::meta::type_name("dht_stop"));
}

struct dht_stopped {
  bool saved = false;
  std::string message;  // why the routing table was not saved
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dht_stopped& x) {
  return f(caf::meta::type_name("dht_stopped"), field("saved"), x.saved, field("message"),
           x.message);
}

// The reply is dht_stats.
struct get_dht_stats {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_dht_stats&) {
  return f(caf::meta::type_name("get_dht_stats"));
}

struct dht_stats {
  sha1_hash node_id;
  std::uint16_t port = 0;
  std::uint64_t nodes = 0;         // in the routing table's buckets
  std::uint64_t peers_stored = 0;  // announced to us
  std::uint64_t tracked = 0;       // info-hashes searched for our torrents
  std::uint64_t lookups = 0;       // running
  std::uint64_t pending_queries = 0;
  std::uint64_t datagrams_in = 0;
  std::uint64_t queries_in = 0;
  std::uint64_t responses_in = 0;
  std::uint64_t malformed_in = 0;   // not KRPC, or KRPC outside the limits
  std::uint64_t unexpected_in = 0;  // answers to nothing we asked (or from the wrong address)
  std::uint64_t dropped_in = 0;     // not read: the actor was too far behind the socket
  std::uint64_t datagrams_out = 0;
  std::uint64_t send_failures = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dht_stats& x) {
  return f(caf::meta::type_name("dht_stats"), field("node_id"), x.node_id, field("port"), x.port,
           field("nodes"), x.nodes, field("peers_stored"), x.peers_stored, field("tracked"),
           x.tracked, field("lookups"), x.lookups, field("pending_queries"), x.pending_queries,
           field("datagrams_in"), x.datagrams_in, field("queries_in"), x.queries_in,
           field("responses_in"), x.responses_in, field("malformed_in"), x.malformed_in,
           field("unexpected_in"), x.unexpected_in, field("dropped_in"), x.dropped_in,
           field("datagrams_out"), x.datagrams_out, field("send_failures"), x.send_failures);
}

// ---- choker ----

// A peer joins the choker (once registered with the piece manager), with its interest so
// far: a choker_interest sent before this one was for a peer the choker did not know.
struct choker_add {
  std::uint64_t peer = 0;
  caf::actor actor;
  bool interested = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, choker_add& x) {
  return f(caf::meta::type_name("choker_add"), field("peer"), x.peer, field("actor"), x.actor,
           field("interested"), x.interested);
}

struct choker_interest {
  std::uint64_t peer = 0;
  bool interested = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, choker_interest& x) {
  return f(caf::meta::type_name("choker_interest"), field("peer"), x.peer, field("interested"),
           x.interested);
}

struct choker_rates {
  std::uint64_t peer = 0;
  double download_rate = 0;
  double upload_rate = 0;
  bool snubbed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, choker_rates& x) {
  return f(caf::meta::type_name("choker_rates"), field("peer"), x.peer, field("download_rate"),
           x.download_rate, field("upload_rate"), x.upload_rate, field("snubbed"), x.snubbed);
}

struct choker_seeding {
  bool seeding = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, choker_seeding& x) {
  return f(caf::meta::type_name("choker_seeding"), field("seeding"), x.seeding);
}

struct set_choke {
  bool choke = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_choke& x) {
  return f(caf::meta::type_name("set_choke"), field("choke"), x.choke);
}

// The start-up check of the data on disk is done (a worker → torrent).
struct storage_checked {
  std::string verified_bits;  // bitfield::to_wire()
  bool rechecked = false;
  std::string reason;   // why the resume data was not used
  std::string failure;  // an I/O error that stopped the check; empty when none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, storage_checked& x) {
  return f(caf::meta::type_name("storage_checked"), field("verified_bits"), x.verified_bits,
           field("rechecked"), x.rechecked, field("reason"), x.reason, field("failure"), x.failure);
}

// Supervision: connect to this address again (after the restart policy's delay).
struct reconnect_peer {
  peer_address address;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reconnect_peer& x) {
  return f(caf::meta::type_name("reconnect_peer"), field("address"), x.address);
}

// ---- peer ↔ rate limiter ----

enum class transfer_direction : std::uint8_t { download, upload };

// Bytes a peer may move (request from the remote, or send to it); the reply is a
// bandwidth_grant, sent when the torrent's and the session's token buckets allow it.
struct bandwidth_request {
  std::uint64_t torrent = 0;
  transfer_direction direction = transfer_direction::download;
  std::uint32_t bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bandwidth_request& x) {
  return f(caf::meta::type_name("bandwidth_request"), field("torrent"), x.torrent,
           field("direction"), x.direction, field("bytes"), x.bytes);
}

struct bandwidth_grant {
  std::uint32_t bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bandwidth_grant& x) {
  return f(caf::meta::type_name("bandwidth_grant"), field("bytes"), x.bytes);
}

// Limits in bytes per second (0: unlimited) for one torrent, or for the whole session when
// `torrent` is 0.
struct bandwidth_limits {
  std::uint64_t torrent = 0;
  std::uint64_t download = 0;
  std::uint64_t upload = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bandwidth_limits& x) {
  return f(caf::meta::type_name("bandwidth_limits"), field("torrent"), x.torrent, field("download"),
           x.download, field("upload"), x.upload);
}

// The rate limiter's timer: tokens for the first request queued in `direction` are due.
struct serve_queue {
  transfer_direction direction = transfer_direction::download;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, serve_queue& x) {
  return f(caf::meta::type_name("serve_queue"), field("direction"), x.direction);
}

// ---- client / session → torrent ----

struct get_progress {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_progress&) {
  return f(caf::meta::type_name("get_progress"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restart_stat& x) {
  return f(caf::meta::type_name("restart_stat"), field("actor"), x.actor, field("restarts"),
           x.restarts, field("last_failure"), x.last_failure);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_progress& x) {
  return f(caf::meta::type_name("torrent_progress"), field("name"), x.name, field("info_hash"),
           x.info_hash, field("state"), x.state, field("pieces_total"), x.pieces_total,
           field("pieces_have"), x.pieces_have, field("pieces_wanted"), x.pieces_wanted,
           field("bytes_total"), x.bytes_total, field("bytes_left"), x.bytes_left,
           field("download_rate"), x.download_rate, field("upload_rate"), x.upload_rate,
           field("downloaded"), x.downloaded, field("uploaded"), x.uploaded, field("peers"),
           x.peers, field("seeds"), x.seeds, field("eta_s"), x.eta_s, field("restarts"), x.restarts,
           field("hash_failures"), x.hash_failures, field("error"), x.error, field("supervision"),
           x.supervision);
}

// The torrent actor of an info-hash (hex), or a null handle: for tests that inject faults
// and tools that inspect the supervision tree.
struct find_torrent {
  std::string info_hash;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, find_torrent& x) {
  return f(caf::meta::type_name("find_torrent"), field("info_hash"), x.info_hash);
}

// A torrent to add to a session (local only: it carries the parsed metainfo); the reply is
// torrent_added.
struct add_torrent {
  torrent_params params;
};

struct torrent_added {
  bool ok = false;
  std::string info_hash;  // hex
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_added& x) {
  return f(caf::meta::type_name("torrent_added"), field("ok"), x.ok, field("info_hash"),
           x.info_hash, field("error"), x.error);
}

// Every torrent's progress, the session's answer to get_progress.
struct session_progress {
  std::vector<torrent_progress> torrents;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_progress& x) {
  return f(caf::meta::type_name("session_progress"), field("torrents"), x.torrents);
}

// Announce stopped, close the peers, save resume data; the reply is torrent_stopped.
struct torrent_stop {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_stop&) {
  return f(caf::meta::type_name("torrent_stop"));
}

struct torrent_stopped {
  bool resume_saved = false;
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_stopped& x) {
  return f(caf::meta::type_name("torrent_stopped"), field("resume_saved"), x.resume_saved,
           field("message"), x.message);
}

// ---- disk writer → piece manager ----

// A block of the piece could not be written, or the piece could not be read back to be
// hashed: its data on disk is incomplete (the disk_failure sent before says why). The piece
// manager has every block of it downloaded again, charging nobody: the disk failed, not the
// peers. It also sends the disk writer a reset_piece, after which the piece starts afresh.
struct piece_write_failed {
  std::uint32_t piece = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, piece_write_failed& x) {
  return f(caf::meta::type_name("piece_write_failed"), field("piece"), x.piece);
}

// ---- local-only messages: what the message log writes ----
// They carry pooled buffers and never cross nodes, so CAF never serializes them (no
// `inspect`); `describe` is what the log prints: every field, a buffer by its size.

template <class Inspector>
void describe(Inspector& f, received_block& x) {
  f(field("index"), x.index, field("begin"), x.begin, field("data"), x.data, field("credit"),
    x.credit);
}

template <class Inspector>
void describe(Inspector& f, block_write& x) {
  f(field("peer"), x.peer, field("piece"), x.piece, field("offset"), x.offset, field("data"),
    x.data, field("credit"), x.credit, field("ack_to"), x.ack_to);
}

template <class Inspector>
void describe(Inspector& f, block_read_result& x) {
  f(field("piece"), x.piece, field("offset"), x.offset, field("data"), x.data, field("ok"), x.ok,
    field("error"), x.error);
}

template <class Inspector>
void describe(Inspector& f, blocks_read& x) {
  f(field("results"), x.results);
}

template <class Inspector>
void describe(Inspector& f, peer_blocks_in& x) {
  f(field("blocks"), x.blocks, field("credit"), x.credit);
}

template <class Inspector>
void describe(Inspector& f, arrived_block& x) {
  f(field("block"), x.block, field("data"), x.data, field("credit"), x.credit);
}

template <class Inspector>
void describe(Inspector& f, blocks_arrived& x) {
  f(field("peer"), x.peer, field("blocks"), x.blocks, field("ack_to"), x.ack_to);
}

template <class Inspector>
void describe(Inspector& f, block_writes& x) {
  f(field("peer"), x.peer, field("blocks"), x.blocks, field("ack_to"), x.ack_to);
}

template <class Inspector>
void describe(Inspector& f, add_torrent& x) {
  std::string name = x.params.torrent ? x.params.torrent->name : std::string();
  std::string hash = x.params.torrent ? x.params.torrent->info_hash.hex() : std::string();
  std::string dir = x.params.download_dir.string();
  f(field("name"), name, field("info_hash"), hash, field("download_dir"), dir, field("peers"),
    x.params.peers, field("seed"), x.params.seed);
}

}  // namespace actorrent

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::block_write)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::block_read_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::blocks_read)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::add_torrent)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::peer_blocks_in)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::blocks_arrived)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::block_writes)
