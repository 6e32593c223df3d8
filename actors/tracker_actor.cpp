#include "actors/tracker_actor.hpp"

#include <caf/all.hpp>

#include <optional>
#include <random>

#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"
#include "tracker/tracker_tiers.hpp"

namespace actorrent {

namespace {

using clock_type = announce_schedule::clock;

// Self-messages: a timer tick and the stop deadline. Local only (never cross nodes).
struct announce_tick {
  std::uint64_t timer;
};
struct stop_deadline_reached {};

struct tracker_state {
  static inline const char* name = "tracker";
  std::optional<tracker_tiers> tiers;
  std::optional<announce_schedule> schedule;
  tracker_stats stats;
  std::string tracker_id;
  std::uint64_t generation = 0;  // of the announce in flight; stale outcomes are dropped
  std::uint64_t timer = 0;       // of the armed tick; stale ticks are dropped
  bool in_flight = false;
  fault_counter drops;
  fault_counter corruptions;
  response_fault in_flight_fault = response_fault::none;
  std::optional<caf::response_promise> stop_reply;
};

using tracker_self = caf::stateful_actor<tracker_state, logged_actor>;

announce_outcome to_outcome(std::uint64_t generation, const std::string& url,
                            const expected<announce_response, tracker_error>& r) {
  announce_outcome o;
  o.generation = generation;
  o.url = url;
  o.ok = r.has_value();
  if (!r) {
    o.tracker_refused = r.error().what == tracker_error::kind::failure_reason;
    o.message = r.error().message;
    return o;
  }
  o.message = r->warning;
  o.interval_s = r->interval.count();
  o.min_interval_s = r->min_interval ? r->min_interval->count() : -1;
  o.seeders = r->complete.value_or(-1);
  o.leechers = r->incomplete.value_or(-1);
  o.peers = r->peers;
  o.tracker_id = r->tracker_id;
  return o;
}

announce_response to_response(const announce_outcome& o) {
  announce_response r;
  r.interval = std::chrono::seconds(o.interval_s);
  if (o.min_interval_s >= 0) r.min_interval = std::chrono::seconds(o.min_interval_s);
  return r;
}

void finish_stop(tracker_self* self, bool announced) {
  if (self->state.stop_reply) self->state.stop_reply->deliver(tracker_stopped{announced});
  self->state.stop_reply.reset();
  self->quit();
}

void arm(tracker_self* self) {
  auto& st = self->state;
  if (st.in_flight || !st.schedule->active()) return;
  auto delay = st.schedule->next_time() - clock_type::now();
  if (delay < clock_type::duration::zero()) delay = clock_type::duration::zero();
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::microseconds>(delay),
                     announce_tick{++st.timer});
}

// One announce, on its own thread; the outcome goes back to the tracker actor.
void announce_worker(caf::blocking_actor* worker, caf::actor parent, std::uint64_t generation,
                     std::string url, announce_request request, announce_function announce,
                     response_fault fault) {
  worker->send(parent, to_outcome(generation, url, announce(url, request, fault)));
}

// Both schedules count every announce, so that each keeps to its own numbering.
response_fault next_fault(tracker_state& st) {
  const bool drop = st.drops.next();
  const bool corrupt = st.corruptions.next();
  if (drop) return response_fault::drop;
  return corrupt ? response_fault::corrupt : response_fault::none;
}

void launch_announce(tracker_self* self, const tracker_actor_config& cfg) {
  auto& st = self->state;
  auto url = st.tiers->current();
  if (!url) return;
  announce_request req;
  req.info_hash = cfg.info_hash;
  req.peer_id = cfg.peer_id;
  req.port = cfg.port;
  req.key = cfg.key;
  req.uploaded = st.stats.uploaded;
  req.downloaded = st.stats.downloaded;
  req.left = st.stats.left;
  req.event = st.schedule->next_event();
  req.numwant = req.event == announce_event::stopped ? 0 : cfg.numwant;
  req.tracker_id = st.tracker_id;
  st.in_flight = true;
  st.in_flight_fault = next_fault(st);
  auto generation = ++st.generation;
  // Arguments go through spawn, not a capture: CAF 0.17 binds a reference to a null tuple
  // when a function actor is spawned without any (UBSan reports it).
  self->spawn<caf::detached>(announce_worker, caf::actor_cast<caf::actor>(self), generation, *url,
                             req, cfg.announce, st.in_flight_fault);
}

void on_outcome(tracker_self* self, const tracker_actor_config& cfg, const announce_outcome& o) {
  auto& st = self->state;
  if (o.generation != st.generation || !st.in_flight) return;
  st.in_flight = false;
  auto now = clock_type::now();
  tracker_status status{o.url, o.ok, o.message, o.seeders, o.leechers, 0};
  // Whoever reads the log must not hunt for a tracker bug that was injected on purpose.
  if (st.in_flight_fault != response_fault::none)
    status.message +=
        std::string(" [fault injection: answer ") + to_string(st.in_flight_fault) + "]";
  if (o.ok) {
    st.tiers->succeeded();
    if (!o.tracker_id.empty()) st.tracker_id = o.tracker_id;
    st.schedule->succeeded(to_response(o), now);
    if (!o.peers.empty() && cfg.torrent)
      self->send(cfg.torrent, peers_discovered{cfg.info_hash, o.peers, o.url});
  } else if (st.tiers->failed()) {
    // Another tracker of this round is tried at once; the backoff is for a failed round.
    if (cfg.torrent) self->send(cfg.torrent, status);
    launch_announce(self, cfg);
    return;
  } else {
    st.schedule->failed(now);
  }
  if (!st.schedule->active()) {
    if (st.stop_reply) finish_stop(self, o.ok);
    return;
  }
  status.next_announce_in_s =
      std::chrono::duration_cast<std::chrono::seconds>(st.schedule->next_time() - now).count();
  if (cfg.torrent) self->send(cfg.torrent, status);
  arm(self);
}

caf::behavior tracker_behavior(tracker_self* self, tracker_actor_config cfg) {
  std::mt19937 rng(cfg.shuffle_seed ? cfg.shuffle_seed : std::random_device{}());
  self->state.tiers.emplace(cfg.tiers, rng);
  self->state.schedule.emplace(cfg.schedule);
  self->state.stats = tracker_stats{cfg.uploaded, cfg.downloaded, cfg.left};
  self->state.drops = fault_counter(cfg.faults.drop);
  self->state.corruptions = fault_counter(cfg.faults.corrupt);
  if (!self->state.tiers->empty()) {
    self->state.schedule->start(clock_type::now());
    arm(self);
  }
  return {
      [=](announce_tick t) {
        if (t.timer == self->state.timer && !self->state.in_flight) launch_announce(self, cfg);
      },
      [=](const announce_outcome& o) { on_outcome(self, cfg, o); },
      [=](const tracker_stats& s) { self->state.stats = s; },
      [=](tracker_completed) {
        self->state.schedule->completed(clock_type::now());
        arm(self);
      },
      [=](tracker_want_peers) {
        self->state.schedule->want_peers(clock_type::now());
        arm(self);
      },
      [=](tracker_stop) -> caf::result<tracker_stopped> {
        auto& st = self->state;
        if (st.stop_reply) return tracker_stopped{false};  // already stopping
        // A regular announce still in flight is abandoned: "stopped" supersedes it.
        st.in_flight = false;
        ++st.generation;
        st.schedule->stop(clock_type::now());
        if (!st.schedule->active()) {  // no tracker ever heard of us: nothing to stop
          self->quit();
          return tracker_stopped{false};
        }
        // From here the promise owns the reply (the handler's return value is not used).
        st.stop_reply = self->make_response_promise();
        self->delayed_send(self, cfg.stop_deadline, stop_deadline_reached{});
        launch_announce(self, cfg);
        return caf::delegated<tracker_stopped>{};
      },
      [=](stop_deadline_reached) { finish_stop(self, false); },
  };
}

}  // namespace

tracker_transport_options default_tracker_transport() {
  tracker_transport_options o;
  o.http.connect_timeout = std::chrono::seconds(15);
  o.http.total_timeout = std::chrono::seconds(30);
  o.udp.client.session.max_retransmits = 3;  // 15 + 30 + 60 + 120 s at most
  o.udp.total_timeout = std::chrono::seconds(60);
  return o;
}

announce_function network_announce(tracker_transport_options options,
                                   std::shared_ptr<std::atomic<bool>> cancel) {
  options.http.cancel = cancel.get();
  options.udp.cancel = cancel.get();
  return [options, cancel](const std::string& url, const announce_request& request,
                           response_fault fault) {
    if (fault == response_fault::none) return announce_to_tracker(url, request, options);
    auto faulty = options;
    faulty.http.fault = fault;
    faulty.udp.fault = fault;
    return announce_to_tracker(url, request, faulty);
  };
}

caf::actor spawn_tracker_actor(caf::actor_system& system, tracker_actor_config config) {
  std::shared_ptr<std::atomic<bool>> cancel;
  if (!config.announce) {
    cancel = std::make_shared<std::atomic<bool>>(false);
    config.announce = network_announce(config.transport, cancel);
  }
  auto actor = system.spawn(tracker_behavior, std::move(config));
  // Set when the actor terminates, whatever the reason: its workers stop waiting.
  if (cancel) actor->attach_functor([cancel](const caf::error&) { *cancel = true; });
  return actor;
}

}  // namespace actorrent

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::announce_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorrent::stop_deadline_reached)
