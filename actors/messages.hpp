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
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

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

}  // namespace actorrent
