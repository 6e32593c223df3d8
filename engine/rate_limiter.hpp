// Upload and download rate limits: token buckets, global and per torrent. The session holds
// one rate_limiter per direction; an actor asks it before it sends (or reads) and, when
// refused, retries after wait_for() instead of polling.
//
// Policy:
//  - A bucket fills at `rate` bytes/s up to `burst` bytes and starts full. Rate 0 means
//    unlimited. burst 0 means the default, half a second of rate: enough slack for an actor
//    whose retry timer fires late, small enough that a burst after idling stays a few per
//    cent of a 20 s window.
//  - try_acquire(n) is all or nothing and may drive the bucket into debt when n exceeds the
//    burst (a 16 KiB block at 10 KiB/s is granted once `burst` tokens are there, and the
//    debt delays the next grant): a low limit therefore never deadlocks a whole block, and
//    the long-term rate stays exact. request(n) grants what is there, possibly less or 0.
//  - Hierarchy: a torrent's bytes count against its own bucket and the global one; a grant
//    needs both and debits both; wait_for is the longer of the two waits. A torrent without
//    a limit of its own is bound by the global bucket only.
//  - A rate change takes effect from `now`: tokens earned so far are settled at the old
//    rate, then capped to the new burst.
// Fairness between competing consumers is not decided here: whoever asks first when
// tokens are there is served (the actor shell can queue waiters in order).
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "engine/engine_clock.hpp"

namespace actorrent {

class token_bucket {
 public:
  using time_point = engine_clock::time_point;

  token_bucket() = default;  // unlimited
  token_bucket(std::uint64_t rate, time_point now, std::uint64_t burst = 0);

  // See the policy above; from unlimited to limited, the bucket starts full.
  void set_rate(std::uint64_t rate, time_point now, std::uint64_t burst = 0);
  std::uint64_t rate() const { return rate_; }
  std::uint64_t burst() const { return burst_; }
  bool unlimited() const { return rate_ == 0; }

  // The tokens at `now`; negative while in debt. Unlimited: a very large number.
  double tokens(time_point now) const;
  // Whole bytes that request() would grant now, at most `bytes`.
  std::uint64_t available(std::uint64_t bytes, time_point now) const;
  // Whether try_acquire(bytes) would succeed now.
  bool ready(std::uint64_t bytes, time_point now) const;
  // How long until ready(bytes); zero when ready now. Rounded up to whole microseconds, so
  // a retry at now + wait_for() succeeds (if nobody else took the tokens).
  std::chrono::microseconds wait_for(std::uint64_t bytes, time_point now) const;

  bool try_acquire(std::uint64_t bytes, time_point now);
  std::uint64_t request(std::uint64_t bytes, time_point now);
  // Debit without asking (bytes that moved anyway, e.g. protocol overhead).
  void consume(std::uint64_t bytes, time_point now);

 private:
  void settle(time_point now);
  double needed(std::uint64_t bytes) const;

  std::uint64_t rate_ = 0;
  std::uint64_t burst_ = 0;
  double tokens_ = 0.0;
  time_point last_{};
};

class rate_limiter {
 public:
  using time_point = engine_clock::time_point;
  using torrent_id = std::uint64_t;

  explicit rate_limiter(std::uint64_t global_rate = 0, time_point now = time_point{},
                        std::uint64_t global_burst = 0);

  void set_global_rate(std::uint64_t rate, time_point now, std::uint64_t burst = 0);
  // Rate 0 removes the torrent's own limit.
  void set_torrent_rate(torrent_id torrent, std::uint64_t rate, time_point now,
                        std::uint64_t burst = 0);
  void remove_torrent(torrent_id torrent) { torrents_.erase(torrent); }

  bool try_acquire(torrent_id torrent, std::uint64_t bytes, time_point now);
  std::uint64_t request(torrent_id torrent, std::uint64_t bytes, time_point now);
  std::chrono::microseconds wait_for(torrent_id torrent, std::uint64_t bytes, time_point now) const;

  const token_bucket& global() const { return global_; }
  // Unlimited for a torrent without a limit of its own.
  std::uint64_t torrent_rate(torrent_id torrent) const;

 private:
  const token_bucket* find(torrent_id torrent) const;
  token_bucket* find(torrent_id torrent);

  token_bucket global_;
  std::unordered_map<torrent_id, token_bucket> torrents_;  // limited torrents only
};

}  // namespace actorrent
