#include "engine/request_pipeline.hpp"

#include <algorithm>
#include <cmath>

namespace actorrent {

namespace {

request_pipeline_config normalized(request_pipeline_config c) {
  if (c.block_size == 0) c.block_size = 16 * 1024;
  c.min_depth = std::max<std::size_t>(1, c.min_depth);
  c.max_depth = std::max(c.max_depth, c.min_depth);
  c.initial_depth = std::clamp(c.initial_depth, c.min_depth, c.max_depth);
  return c;
}

}  // namespace

std::size_t pipeline_depth_for_rate(double bytes_per_second,
                                    const request_pipeline_config& config) {
  auto c = normalized(config);
  // NaN fails every comparison, hence the negated form.
  if (!(bytes_per_second > 0.0)) return c.min_depth;
  auto seconds = std::chrono::duration<double>(c.in_flight_time).count();
  auto blocks = std::ceil(bytes_per_second * seconds / c.block_size);
  // Compared as double first: a huge (or infinite) rate must not overflow the cast.
  if (!(blocks < static_cast<double>(c.max_depth))) return c.max_depth;
  return std::max(c.min_depth, static_cast<std::size_t>(blocks));
}

request_pipeline::request_pipeline(request_pipeline_config config)
    : config_(normalized(config)), ramp_depth_(config_.initial_depth) {}

void request_pipeline::on_request_sent(time_point now, std::size_t count) {
  if (count == 0) return;
  if (!ramp_start_) ramp_start_ = now;
  // Silence while nothing was asked is not snubbing: the clock starts with the requests.
  if (outstanding_ == 0) last_progress_ = now;
  outstanding_ += count;
}

void request_pipeline::on_block_received(time_point now) {
  last_progress_ = now;
  if (outstanding_ > 0) --outstanding_;
  if (ramping_ && ramp_depth_ < config_.max_depth) ++ramp_depth_;
}

void request_pipeline::on_requests_dropped(std::size_t count) {
  outstanding_ -= std::min(count, outstanding_);
}

bool request_pipeline::is_snubbed(time_point now) const {
  return outstanding_ > 0 && now - last_progress_ >= config_.snub_timeout;
}

void request_pipeline::set_remote_limit(std::size_t reqq) {
  if (reqq > 0) remote_limit_ = reqq;
}

std::size_t request_pipeline::depth(double rate, time_point now) {
  if (is_snubbed(now)) {
    ramping_ = false;
    return std::min(config_.snubbed_depth, remote_limit_);
  }
  auto by_rate = pipeline_depth_for_rate(rate, config_);
  if (ramping_ && ramp_start_ && now - *ramp_start_ >= config_.ramp_time) ramping_ = false;
  return std::min(ramping_ ? std::max(by_rate, ramp_depth_) : by_rate, remote_limit_);
}

std::size_t request_pipeline::wanted(double rate, time_point now) {
  auto d = depth(rate, now);
  return d > outstanding_ ? d - outstanding_ : 0;
}

}  // namespace actorrent
