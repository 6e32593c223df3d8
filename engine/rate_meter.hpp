// Bytes per second over a sliding window, for the decisions that rank or size by speed: the
// choker ranks peers by it, the request pipeline sizes its depth from it.
//
// The window is a ring of fixed-width buckets (default 20 s of 1 s buckets, plus the one
// filling now), so memory is fixed and add() is O(1) amortised: advancing the ring clears
// at most one window of buckets, however long the meter was idle.
//
// rate(now) divides the bytes in the window by the time the window really covers: the
// whole window of finished buckets plus the elapsed part of the current one, and never
// more than the time since the first byte (a meter 2 s old is not diluted over 20 s). The
// divisor is at least one bucket, so a single early sample does not read as a spike.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/engine_clock.hpp"

namespace actorrent {

class rate_meter {
 public:
  using time_point = engine_clock::time_point;
  using duration = engine_clock::duration;

  // `window` is rounded down to whole buckets, at least one; `bucket` is at least 1 ns.
  explicit rate_meter(duration window = std::chrono::seconds{20},
                      duration bucket = std::chrono::seconds{1});

  // Times are expected not to go backwards; an earlier time counts in the newest bucket.
  void add(std::uint64_t bytes, time_point now);
  // Bytes per second over the window ending at `now`; 0 before the first byte and once the
  // window holds none.
  double rate(time_point now) const;

  std::uint64_t total() const { return total_; }  // every byte ever added
  duration window() const { return bucket_ * static_cast<duration::rep>(buckets_.size() - 1); }
  void reset();

 private:
  std::int64_t index_of(time_point t) const;
  std::size_t slot_of(std::int64_t index) const;
  void advance_to(std::int64_t index);

  std::vector<std::uint64_t> buckets_;  // window / bucket finished ones + the current one
  duration bucket_;
  std::int64_t head_ = 0;  // index (time / bucket width) of the newest bucket
  std::uint64_t sum_ = 0;  // of every bucket in the ring
  std::uint64_t total_ = 0;
  std::optional<time_point> first_;
};

}  // namespace actorrent
