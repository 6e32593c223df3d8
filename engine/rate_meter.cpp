#include "engine/rate_meter.hpp"

#include <algorithm>

namespace actorrent {

rate_meter::rate_meter(duration window, duration bucket) : bucket_(std::max(bucket, duration{1})) {
  auto n = std::max<duration::rep>(1, window / bucket_);
  buckets_.assign(static_cast<std::size_t>(n) + 1, 0);
}

std::int64_t rate_meter::index_of(time_point t) const {
  // floor, not truncation: a fake clock may sit before the epoch.
  auto d = t.time_since_epoch();
  auto q = d / bucket_;
  if (d % bucket_ < duration::zero()) --q;
  return static_cast<std::int64_t>(q);
}

std::size_t rate_meter::slot_of(std::int64_t index) const {
  auto n = static_cast<std::int64_t>(buckets_.size());
  auto m = index % n;
  return static_cast<std::size_t>(m < 0 ? m + n : m);
}

void rate_meter::advance_to(std::int64_t index) {
  if (index <= head_) return;
  auto n = static_cast<std::int64_t>(buckets_.size());
  if (index - head_ >= n) {
    std::fill(buckets_.begin(), buckets_.end(), 0);
    sum_ = 0;
  } else {
    for (auto i = head_ + 1; i <= index; ++i) {
      auto& b = buckets_[slot_of(i)];
      sum_ -= b;
      b = 0;
    }
  }
  head_ = index;
}

void rate_meter::add(std::uint64_t bytes, time_point now) {
  if (!first_) {
    first_ = now;
    head_ = index_of(now);
  } else {
    advance_to(index_of(now));
  }
  buckets_[slot_of(head_)] += bytes;
  sum_ += bytes;
  total_ += bytes;
}

double rate_meter::rate(time_point now) const {
  if (!first_) return 0.0;
  auto n = static_cast<std::int64_t>(buckets_.size());
  auto index = std::max(index_of(now), head_);
  auto gap = index - head_;
  if (gap >= n) return 0.0;
  // Without mutating: the buckets that fell out of the window since the last add().
  auto bytes = sum_;
  for (auto i = head_ - n + 1; i <= index - n; ++i)
    bytes -= buckets_[slot_of(i)];
  if (bytes == 0) return 0.0;

  auto bucket_start = time_point{bucket_ * index};
  // n - 1 finished buckets (the ring also holds the current one) and the current one's part.
  auto covered = bucket_ * (n - 1) + std::max(now - bucket_start, duration::zero());
  covered = std::min(covered, now - *first_);
  covered = std::max(covered, bucket_);
  return static_cast<double>(bytes) / std::chrono::duration<double>(covered).count();
}

void rate_meter::reset() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  sum_ = 0;
  total_ = 0;
  head_ = 0;
  first_.reset();
}

}  // namespace actorrent
