#include "engine/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace actorrent {

namespace {

// Float rounding must not turn "exactly enough tokens" into "a hair short": a retry at the
// instant wait_for() named has to succeed.
constexpr double epsilon = 1e-6;
constexpr double unlimited_tokens = 1e18;

std::uint64_t default_burst(std::uint64_t rate) {
  return std::max<std::uint64_t>(1, rate / 2);
}

}  // namespace

token_bucket::token_bucket(std::uint64_t rate, time_point now, std::uint64_t burst) {
  set_rate(rate, now, burst);
}

void token_bucket::settle(time_point now) {
  if (rate_ != 0 && now > last_) {
    auto elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * static_cast<double>(rate_));
  }
  if (now > last_) last_ = now;
}

void token_bucket::set_rate(std::uint64_t rate, time_point now, std::uint64_t burst) {
  bool was_unlimited = rate_ == 0;
  settle(now);
  rate_ = rate;
  burst_ = rate == 0 ? 0 : (burst == 0 ? default_burst(rate) : burst);
  if (rate_ == 0) {
    tokens_ = 0.0;
  } else if (was_unlimited) {
    tokens_ = static_cast<double>(burst_);
  } else {
    tokens_ = std::min(tokens_, static_cast<double>(burst_));
  }
}

double token_bucket::tokens(time_point now) const {
  if (rate_ == 0) return unlimited_tokens;
  auto t = tokens_;
  if (now > last_) {
    auto elapsed = std::chrono::duration<double>(now - last_).count();
    t = std::min(static_cast<double>(burst_), t + elapsed * static_cast<double>(rate_));
  }
  return t;
}

double token_bucket::needed(std::uint64_t bytes) const {
  return static_cast<double>(std::min(bytes, burst_));
}

std::uint64_t token_bucket::available(std::uint64_t bytes, time_point now) const {
  if (rate_ == 0) return bytes;
  auto t = tokens(now) + epsilon;
  if (t < 1.0) return 0;
  return std::min(bytes, static_cast<std::uint64_t>(t));
}

bool token_bucket::ready(std::uint64_t bytes, time_point now) const {
  return rate_ == 0 || tokens(now) + epsilon >= needed(bytes);
}

std::chrono::microseconds token_bucket::wait_for(std::uint64_t bytes, time_point now) const {
  if (ready(bytes, now)) return std::chrono::microseconds::zero();
  auto missing = needed(bytes) - tokens(now);
  auto us = std::ceil(missing * 1e6 / static_cast<double>(rate_));
  // Far beyond any sensible retry; keeps the cast defined for absurd debts.
  constexpr double cap = 1e15;
  return std::chrono::microseconds{static_cast<std::int64_t>(std::min(us, cap))};
}

bool token_bucket::try_acquire(std::uint64_t bytes, time_point now) {
  if (!ready(bytes, now)) return false;
  consume(bytes, now);
  return true;
}

std::uint64_t token_bucket::request(std::uint64_t bytes, time_point now) {
  auto granted = available(bytes, now);
  consume(granted, now);
  return granted;
}

void token_bucket::consume(std::uint64_t bytes, time_point now) {
  if (rate_ == 0) return;
  settle(now);
  tokens_ -= static_cast<double>(bytes);
}

rate_limiter::rate_limiter(std::uint64_t global_rate, time_point now, std::uint64_t global_burst)
    : global_(global_rate, now, global_burst) {}

void rate_limiter::set_global_rate(std::uint64_t rate, time_point now, std::uint64_t burst) {
  global_.set_rate(rate, now, burst);
}

void rate_limiter::set_torrent_rate(torrent_id torrent, std::uint64_t rate, time_point now,
                                    std::uint64_t burst) {
  if (rate == 0) {
    torrents_.erase(torrent);
    return;
  }
  torrents_[torrent].set_rate(rate, now, burst);
}

const token_bucket* rate_limiter::find(torrent_id torrent) const {
  auto it = torrents_.find(torrent);
  return it == torrents_.end() ? nullptr : &it->second;
}

token_bucket* rate_limiter::find(torrent_id torrent) {
  auto it = torrents_.find(torrent);
  return it == torrents_.end() ? nullptr : &it->second;
}

std::uint64_t rate_limiter::torrent_rate(torrent_id torrent) const {
  auto b = find(torrent);
  return b ? b->rate() : 0;
}

bool rate_limiter::try_acquire(torrent_id torrent, std::uint64_t bytes, time_point now) {
  auto own = find(torrent);
  if (!global_.ready(bytes, now) || (own && !own->ready(bytes, now))) return false;
  global_.consume(bytes, now);
  if (own) own->consume(bytes, now);
  return true;
}

std::uint64_t rate_limiter::request(torrent_id torrent, std::uint64_t bytes, time_point now) {
  auto own = find(torrent);
  auto granted = global_.available(bytes, now);
  if (own) granted = own->available(granted, now);
  global_.consume(granted, now);
  if (own) own->consume(granted, now);
  return granted;
}

std::chrono::microseconds rate_limiter::wait_for(torrent_id torrent, std::uint64_t bytes,
                                                 time_point now) const {
  auto wait = global_.wait_for(bytes, now);
  if (auto own = find(torrent)) wait = std::max(wait, own->wait_for(bytes, now));
  return wait;
}

}  // namespace actorrent
