#include "actors/rate_limiter_actor.hpp"

#include <caf/all.hpp>

#include <array>
#include <deque>

#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"
#include "engine/rate_limiter.hpp"

namespace actorrent {

namespace {

struct waiting_request {
  bandwidth_request request;
  caf::response_promise reply;
};

struct direction_state {
  rate_limiter buckets;
  std::deque<waiting_request> queue;
  bool timer_armed = false;
};

struct rate_limiter_state {
  static inline const char* name = "rate_limiter";
  std::array<direction_state, 2> directions;
};

using limiter_self = caf::stateful_actor<rate_limiter_state, logged_actor>;

direction_state& of(limiter_self* self, transfer_direction d) {
  return self->state.directions[static_cast<std::size_t>(d)];
}

void arm(limiter_self* self, transfer_direction d) {
  auto& ds = of(self, d);
  if (ds.timer_armed || ds.queue.empty()) return;
  const auto& front = ds.queue.front().request;
  auto wait = ds.buckets.wait_for(front.torrent, front.bytes, engine_clock::now());
  ds.timer_armed = true;
  self->delayed_send(self, std::max(wait, std::chrono::microseconds{500}), serve_queue{d});
}

void serve(limiter_self* self, transfer_direction d) {
  auto& ds = of(self, d);
  ds.timer_armed = false;
  auto now = engine_clock::now();
  while (!ds.queue.empty()) {
    auto& front = ds.queue.front();
    if (!ds.buckets.try_acquire(front.request.torrent, front.request.bytes, now)) break;
    front.reply.deliver(bandwidth_grant{front.request.bytes});
    ds.queue.pop_front();
  }
  arm(self, d);
}

caf::behavior rate_limiter_behavior(limiter_self* self, std::uint64_t download_limit,
                                    std::uint64_t upload_limit) {
  auto now = engine_clock::now();
  of(self, transfer_direction::download).buckets.set_global_rate(download_limit, now);
  of(self, transfer_direction::upload).buckets.set_global_rate(upload_limit, now);
  return {
      [=](const bandwidth_request& r) -> caf::result<bandwidth_grant> {
        auto& ds = of(self, r.direction);
        if (ds.queue.empty() && ds.buckets.try_acquire(r.torrent, r.bytes, engine_clock::now()))
          return bandwidth_grant{r.bytes};
        ds.queue.push_back(waiting_request{r, self->make_response_promise()});
        arm(self, r.direction);
        return caf::delegated<bandwidth_grant>{};
      },
      [=](const bandwidth_limits& l) {
        auto t = engine_clock::now();
        auto& down = of(self, transfer_direction::download).buckets;
        auto& up = of(self, transfer_direction::upload).buckets;
        if (l.torrent == 0) {
          down.set_global_rate(l.download, t);
          up.set_global_rate(l.upload, t);
        } else {
          down.set_torrent_rate(l.torrent, l.download, t);
          up.set_torrent_rate(l.torrent, l.upload, t);
        }
        serve(self, transfer_direction::download);
        serve(self, transfer_direction::upload);
      },
      [=](const serve_queue& s) { serve(self, s.direction); },
  };
}

}  // namespace

caf::actor spawn_rate_limiter(caf::actor_system& system, std::uint64_t download_limit,
                              std::uint64_t upload_limit) {
  return system.spawn(rate_limiter_behavior, download_limit, upload_limit);
}

}  // namespace actorrent
