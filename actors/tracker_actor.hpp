// The tracker actor: one per torrent. It runs the announce schedule over the torrent's
// tracker tiers, hands discovered peers to its torrent, backs off on failure, and on
// tracker_stop announces "stopped" within a deadline, then replies tracker_stopped and quits.
//
// Announces are blocking transport calls (libcurl, or a UDP exchange), so each runs on a
// short-lived detached worker actor that sends back an announce_outcome: the tracker actor
// itself never blocks, and a slow tracker never delays another actor.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/fault_schedule.hpp"
#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"
#include "tracker/announce.hpp"
#include "tracker/announce_schedule.hpp"
#include "tracker/response_fault.hpp"
#include "tracker/tracker_client.hpp"

namespace actorrent {

// One announce to one tracker URL; blocking; called on a worker thread. `fault` is fault
// injection for this announce's answer (tracker/response_fault.hpp).
using announce_function = std::function<expected<announce_response, tracker_error>(
    const std::string& url, const announce_request& request, response_fault fault)>;

// Fault injection (config "faults.tracker_*"): the events counted are announces, each of which
// expects one answer. When both schedules pick one announce, its answer is dropped.
struct tracker_fault_config {
  fault_schedule drop;     // answers lost: the announce ends as a timeout
  fault_schedule corrupt;  // answers garbled before they are parsed
};

// Timeouts for announces run by a tracker actor: a worker never outlives its usefulness by
// long (BEP 15's full retransmission schedule takes over two hours).
tracker_transport_options default_tracker_transport();

struct tracker_actor_config {
  sha1_hash info_hash;
  sha1_hash peer_id;
  std::uint16_t port = 0;
  std::uint32_t key = 0;
  std::vector<std::vector<std::string>> tiers;
  std::int32_t numwant = 50;
  caf::actor torrent;  // receives peers_discovered and tracker_status
  // What the first announce reports (later ones: the last tracker_stats received).
  std::int64_t uploaded = 0;
  std::int64_t downloaded = 0;
  std::int64_t left = 0;
  // Empty: announce over the network (HTTP(S) and UDP) with `transport`.
  announce_function announce;
  tracker_transport_options transport = default_tracker_transport();
  announce_schedule::config schedule;
  std::chrono::milliseconds stop_deadline{5000};
  std::uint32_t shuffle_seed = 0;  // 0: random
  tracker_fault_config faults;     // off by default
};

// The network announcer; `cancel` aborts calls in progress (set when the actor terminates,
// so that shutdown never waits for a slow tracker).
announce_function network_announce(tracker_transport_options options,
                                   std::shared_ptr<std::atomic<bool>> cancel);

caf::actor spawn_tracker_actor(caf::actor_system& system, tracker_actor_config config);

}  // namespace actorrent
