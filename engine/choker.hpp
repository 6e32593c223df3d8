// Whom we upload to: the choking algorithm of BEP 3 ("tit-for-tat") with an optimistic
// unchoke, as a pure class. The choker actor calls rechoke() when due() (every 10 s), sends
// the choke/unchoke messages the decision lists, and feeds in what peers report.
//
// Policy (all numbers from choker_config):
//  - Regular slots (upload_slots, default 4): the interested, not snubbed peers with the
//    best rate — the rate we download from them while leeching (reciprocation), the rate
//    we upload to them while seeding (they can take it). Ties go to a peer already
//    unchoked (no flapping), then to the lower key.
//  - Optimistic slots (optimistic_slots, default 1, on top of the regular ones): every
//    optimistic_interval (30 s, i.e. every third rechoke) the slot moves to a random
//    interested peer holding no slot — the one just rotated out only if nobody else can
//    take it — peers connected for less than new_peer_age (60 s) weighted new_peer_weight
//    (3): they have nothing to reciprocate with yet. The rotation is on the clock: extra
//    rechoke() calls (e.g. when an unchoked peer leaves) refill a vacated slot but do not
//    restart the 30 s. An optimistic peer that earns a regular slot frees its optimistic
//    slot for someone else.
//  - Anti-snubbing: a peer the caller marks snubbed (no block for 60 s while requests are
//    out — see request_pipeline) cannot hold a regular slot; it can still be picked
//    optimistically, which is how it gets a chance to recover.
//  - Uninterested peers hold no slot: an unchoke is worth something only to a peer that
//    wants our data.
// A decision lists only changes, and the choker assumes the caller carries them out.
// Randomness comes from a seeded generator: the same calls with the same seed give the
// same decisions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "engine/engine_clock.hpp"
#include "engine/peer_key.hpp"

namespace actorrent {

struct choker_config {
  std::size_t upload_slots = 4;
  std::size_t optimistic_slots = 1;
  engine_clock::duration rechoke_interval = std::chrono::seconds{10};
  engine_clock::duration optimistic_interval = std::chrono::seconds{30};
  engine_clock::duration new_peer_age = std::chrono::seconds{60};
  unsigned new_peer_weight = 3;  // 0 is taken as 1
};

struct choke_decision {
  std::vector<peer_key> unchoke;  // ascending keys
  std::vector<peer_key> choke;    // ascending keys
  bool empty() const { return unchoke.empty() && choke.empty(); }
};

class choker {
 public:
  using time_point = engine_clock::time_point;

  // `seed` 0 draws a seed from std::random_device; tests pass a fixed one.
  explicit choker(choker_config config = {}, std::uint64_t seed = 0);

  // A peer starts choked, not interested, not snubbed, rates 0; `now` is its connection
  // time (what "new" is measured from). False when the key is already known.
  bool add_peer(peer_key peer, time_point now);
  // Its slot, if any, is refilled at the next rechoke().
  void remove_peer(peer_key peer);
  // The setters ignore unknown keys (a report racing a disconnect).
  void set_interested(peer_key peer, bool interested);
  void set_snubbed(peer_key peer, bool snubbed);
  // Bytes per second, from the peer's rate_meter: what we download from it and upload to it.
  void set_rates(peer_key peer, double download_rate, double upload_rate);

  bool due(time_point now) const { return now >= next_rechoke_; }
  time_point next_rechoke() const { return next_rechoke_; }
  // Recompute the slots; the next rechoke is due rechoke_interval from `now`.
  choke_decision rechoke(time_point now, bool seeding);

  bool contains(peer_key peer) const { return peers_.count(peer) != 0; }
  // True for unknown keys: whom we do not know, we do not upload to.
  bool is_choked(peer_key peer) const;
  bool is_optimistic(peer_key peer) const;
  std::vector<peer_key> unchoked() const;    // ascending keys
  std::vector<peer_key> optimistic() const;  // ascending keys
  std::size_t size() const { return peers_.size(); }
  const choker_config& config() const { return config_; }

 private:
  struct peer_state {
    time_point connected_at;
    double download_rate = 0.0;
    double upload_rate = 0.0;
    bool interested = false;
    bool snubbed = false;
    bool choked = true;
    bool regular = false;     // holds a regular slot since the last rechoke
    bool optimistic = false;  // holds an optimistic slot since the last rechoke
  };

  std::uint64_t weight(const peer_state& p, time_point now) const;

  choker_config config_;
  std::map<peer_key, peer_state> peers_;  // ordered: decisions and draws are deterministic
  std::mt19937_64 rng_;
  time_point next_rechoke_ = time_point::min();
  time_point next_rotation_ = time_point::min();
};

}  // namespace actorrent
