// How many block requests to keep outstanding at one peer, and whether that peer snubs us.
// One per peer connection, owned by the peer actor.
//
// Policy:
//  - Depth follows the measured rate: about in_flight_time (1 s) of data in flight,
//    ceil(rate × 1 s / block_size), clamped to [min_depth, max_depth] (2..500). Too few
//    requests leave the link idle for a round trip after each block; too many park blocks
//    at a slow peer that a faster one could deliver, and bound nothing (DESIGN.md, 5).
//  - Slow start: a new peer has no measured rate, so for ramp_time (1 s) after the first
//    request the depth is at least a ramp that starts at initial_depth and grows by one per
//    block received — it doubles every round trip while the peer keeps up. By then the
//    rate meter holds that second's blocks, so the rate-based depth takes over where the
//    ramp got to. The ramp never exceeds max_depth; a snub ends it early.
//  - Snubbing: requests are out and nothing arrived for snub_timeout (60 s) — counted from
//    the last block, or from the moment requests went out after none were. A snubbed peer
//    gets snubbed_depth (1) request: enough to notice it recover, too few to hold blocks
//    hostage. The choker takes its regular slot away (anti-snubbing).
//  - Request timeouts are not tracked here one by one: a peer answers requests in order,
//    so the oldest request is overdue exactly when no block has come for that long — the
//    snub check. What to do with a snubbed peer's requests (cancel them, give them back to
//    the piece picker) is the peer actor's call; the picker owns the blocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "engine/engine_clock.hpp"

namespace actorrent {

struct request_pipeline_config {
  std::uint32_t block_size = 16 * 1024;  // 0 is taken as 16 KiB
  engine_clock::duration in_flight_time = std::chrono::seconds{1};
  std::size_t min_depth = 2;    // at least 1
  std::size_t max_depth = 500;  // at least min_depth
  std::size_t initial_depth = 4;
  engine_clock::duration ramp_time = std::chrono::seconds{1};
  std::size_t snubbed_depth = 1;
  engine_clock::duration snub_timeout = std::chrono::seconds{60};
};

// The rate-based depth alone: ceil(rate × in_flight_time / block_size), clamped. A rate
// that is not a positive number counts as 0.
std::size_t pipeline_depth_for_rate(double bytes_per_second, const request_pipeline_config& config);

class request_pipeline {
 public:
  using time_point = engine_clock::time_point;

  explicit request_pipeline(request_pipeline_config config = {});

  void on_request_sent(time_point now, std::size_t count = 1);
  // A block we asked for arrived. One we no longer count (e.g. sent before a choke) still
  // shows the peer is alive.
  void on_block_received(time_point now);
  // Requests that will not be answered: rejected (BEP 6) or cancelled by us.
  void on_requests_dropped(std::size_t count = 1);
  // Without the fast extension a choke discards every outstanding request.
  void on_choked() { outstanding_ = 0; }

  // The target number of outstanding requests; `rate` is the peer's measured download rate
  // (its rate_meter). Not const: it is where the ramp notices it is over.
  std::size_t depth(double rate, time_point now);
  // How many requests to send now to reach depth(); 0 when at or above it.
  std::size_t wanted(double rate, time_point now);

  // The peer's own bound on requests it queues (BEP 10 `reqq`): requests beyond it may be
  // dropped unanswered, so depth() never exceeds it. 0 is ignored.
  void set_remote_limit(std::size_t reqq);

  bool is_snubbed(time_point now) const;
  bool ramping() const { return ramping_; }
  std::size_t outstanding() const { return outstanding_; }
  const request_pipeline_config& config() const { return config_; }

 private:
  request_pipeline_config config_;
  std::size_t outstanding_ = 0;
  std::size_t ramp_depth_;
  std::size_t remote_limit_ = SIZE_MAX;
  bool ramping_ = true;
  std::optional<time_point> ramp_start_;  // the first request
  time_point last_progress_{};            // last block, or when requests went out after none
};

}  // namespace actorrent
