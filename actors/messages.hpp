// Every message exchanged between actorrent's actors, declared once (DESIGN.md, principle 2).
//
// Each is a small struct with an `inspect` overload: that is what the message log prints,
// what crosses nodes, and the reader's index of who says what to whom. Every type is
// registered by register_message_types() (actor_setup.cpp); a test round-trips each one
// through CAF's serializer, because an unregistered type fails silently in CAF 0.17.
//
// Who sends what:
//   torrent ──tracker_stats / tracker_completed / tracker_want_peers / tracker_stop──▶ tracker
//   tracker ──peers_discovered / tracker_status──▶ torrent
//   announce worker ──announce_outcome──▶ tracker
//   peer ──block_write / block_read──▶ disk_writer ──block_written / block_read_result──▶ peer
//   disk_writer ──piece_checked / disk_failure──▶ torrent
//
// Messages that carry a pooled block_buffer are local only (CAF_ALLOW_UNSAFE_MESSAGE_TYPE at
// the end of this file): a block never crosses nodes, and the log records its size only.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/block_pool.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

// Shared value types travel as their fields.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sha1_hash& x) {
  return f(caf::meta::type_name("sha1_hash"), x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_address& x) {
  return f(caf::meta::type_name("peer_address"), x.ip, x.v6, x.port);
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
  return f(caf::meta::type_name("tracker_stats"), x.uploaded, x.downloaded, x.left);
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
  return f(caf::meta::type_name("tracker_stopped"), x.announced);
}

// ---- tracker → torrent ----

struct peers_discovered {
  sha1_hash info_hash;
  std::vector<peer_address> peers;
  std::string source;  // the tracker URL (or "dht", "pex", ...)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peers_discovered& x) {
  return f(caf::meta::type_name("peers_discovered"), x.info_hash, x.peers, x.source);
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
  return f(caf::meta::type_name("tracker_status"), x.url, x.ok, x.message, x.seeders, x.leechers,
           x.next_announce_in_s);
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
  return f(caf::meta::type_name("announce_outcome"), x.generation, x.url, x.ok, x.tracker_refused,
           x.message, x.interval_s, x.min_interval_s, x.seeders, x.leechers, x.peers, x.tracker_id);
}

// ---- peer → disk writer → peer ----

// A received block to write. `peer` identifies the sender for its credit.
struct block_write {
  std::uint64_t peer = 0;
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  block_buffer data;
};

// The block's bytes are written (or failed to be): the sender may read that much more.
struct block_written {
  std::uint64_t peer = 0;
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  bool ok = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_written& x) {
  return f(caf::meta::type_name("block_written"), x.peer, x.piece, x.offset, x.length, x.ok);
}

// A block to upload; the reply is a block_read_result.
struct block_read {
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_read& x) {
  return f(caf::meta::type_name("block_read"), x.piece, x.offset, x.length);
}

struct block_read_result {
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  block_buffer data;  // empty when !ok
  bool ok = false;
  std::string error;
};

// ---- disk writer → torrent ----

// A piece has all its blocks on disk and was hashed.
struct piece_checked {
  std::uint32_t piece = 0;
  bool passed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, piece_checked& x) {
  return f(caf::meta::type_name("piece_checked"), x.piece, x.passed);
}

// A write or read failed. `kind` is storage_errc's name ("disk full", "I/O error", ...):
// the torrent pauses on a full disk and stops on the others.
struct disk_failure {
  std::string kind;
  std::string message;  // names the file
  std::uint32_t piece = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, disk_failure& x) {
  return f(caf::meta::type_name("disk_failure"), x.kind, x.message, x.piece);
}

}  // namespace actorrent

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::block_write)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::block_read_result)
