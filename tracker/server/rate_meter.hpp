// Events per second over the last few whole seconds, in constant memory: the tracker's
// announce and scrape rates for /stats. The clock is passed in so tests can drive it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace actorrent::server {

class rate_meter {
 public:
  static constexpr std::int64_t window_seconds = 10;

  template <class TimePoint>
  void add(TimePoint now, std::uint64_t n = 1) {
    const std::int64_t sec = seconds_of(now);
    auto& b = buckets_[slot(sec)];
    if (b.second != sec) b = {sec, 0};
    b.count += n;
  }

  // Average over the window's complete seconds (the current second is still filling).
  template <class TimePoint>
  double per_second(TimePoint now) const {
    const std::int64_t sec = seconds_of(now);
    std::uint64_t sum = 0;
    for (const auto& b : buckets_)
      if (b.second >= sec - window_seconds && b.second < sec) sum += b.count;
    return static_cast<double>(sum) / static_cast<double>(window_seconds);
  }

 private:
  struct bucket {
    std::int64_t second = INT64_MIN;
    std::uint64_t count = 0;
  };

  template <class TimePoint>
  static std::int64_t seconds_of(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }
  static std::size_t slot(std::int64_t sec) {
    const auto n = static_cast<std::int64_t>(window_seconds + 1);
    return static_cast<std::size_t>(((sec % n) + n) % n);
  }

  std::array<bucket, window_seconds + 1> buckets_{};
};

}  // namespace actorrent::server
