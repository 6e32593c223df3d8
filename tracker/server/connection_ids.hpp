// BEP 15 connection ids without per-client state: an id is a keyed hash (SipHash-2-4) of
// the client's IP address and the current time window, so the server can check it later by
// recomputing, and a client cannot forge one for an address it does not receive datagrams
// at — which is the point of the connect step (no spoofed-source amplification).
//
// The source port is deliberately left out, as opentracker does: libtorrent keeps one
// connection id per tracker for the whole process and reuses it from each of its sockets
// (several sessions, or several listen interfaces), and a NAT may change the port between
// connect and announce. Binding the id to the port made such announces fail.
//
// An id is accepted during the window it was issued in and the next one: with a window of
// 2 minutes, every id stays valid for at least the 2 minutes BEP 15 promises.
#pragma once

#include <chrono>
#include <cstdint>

#include "protocol/peer_address.hpp"
#include "tracker/server/siphash.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::server {

class connection_ids {
 public:
  explicit connection_ids(siphash_key key = siphash_key::random(),
                          std::chrono::seconds window = std::chrono::seconds(120));

  std::uint64_t issue(const peer_address& client, tracker_clock::time_point now) const;
  bool valid(std::uint64_t id, const peer_address& client, tracker_clock::time_point now) const;

 private:
  std::uint64_t id_for(const peer_address& client, std::int64_t window_number) const;
  std::int64_t window_of(tracker_clock::time_point now) const;

  siphash_key key_;
  std::chrono::seconds window_;
};

}  // namespace actorrent::server
