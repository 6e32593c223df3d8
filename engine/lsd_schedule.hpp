// When to send Local Service Discovery announces (BEP 14), and for which torrents.
//
// BEP 14 asks for every torrent to be announced every 5 minutes, and for no more than one
// announce a minute, with several info-hashes per announce when there are many torrents.
// This is that decision, pure (DESIGN.md, principle 1): the LSD actor tells it which
// torrents are active (sync) and asks, on its timer, what to send now (due). A torrent never
// announced goes first, then those announced longest ago; one datagram carries at most
// `max_hashes` of them, the rest wait for the next minute. A new torrent is announced a second
// time a minute after its first: multicast is unacknowledged, and a lost first announce would
// otherwise keep its neighbours from hearing of it for five minutes.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "engine/engine_clock.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

struct lsd_schedule_config {
  engine_clock::duration reannounce = std::chrono::minutes(5);
  engine_clock::duration min_gap = std::chrono::minutes(1);  // between two announces
};

class lsd_schedule {
 public:
  explicit lsd_schedule(const lsd_schedule_config& config = {}) : config_(config) {}

  // The torrents to announce from now on: new ones are due at once, those not listed are
  // forgotten (a torrent added again later is new again).
  void sync(const std::vector<sha1_hash>& active);

  // The info-hashes to put in an announce sent now, at most max_hashes (≥ 1), recorded as
  // announced at `now`; empty when none is due or the previous announce was less than
  // min_gap ago.
  std::vector<sha1_hash> due(engine_clock::time_point now, std::size_t max_hashes);

  std::size_t size() const { return last_.size(); }

 private:
  lsd_schedule_config config_;
  struct entry {
    std::optional<engine_clock::time_point> last;  // nullopt: never announced
    int announced = 0;
  };
  bool is_due(const entry& e, engine_clock::time_point now) const;

  std::map<sha1_hash, entry> last_;
  std::optional<engine_clock::time_point> last_sent_;
};

}  // namespace actorrent
