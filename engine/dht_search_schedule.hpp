// When to search the DHT for each info-hash we track (a torrent's, or a magnet link's while its
// metadata is fetched): get_peers, then announce_peer when a listen port is given.
//
// A new info-hash is due at once. After a search that found at least `enough_peers` peers,
// the next one comes after `interval` (BEP 5 nodes keep an announce for 30 minutes; clients
// re-announce every 15). After a search that found fewer, the next one comes sooner:
// `first_retry`, doubled each time it happens again in a row, never later than `interval` —
// a swarm that is just forming (or a DHT we are still joining) is looked at again soon
// without a lonely torrent querying the DHT every few seconds forever. A search that could
// not ask anybody (we know no node yet) is `starved`: it is due again the moment the caller
// says the routing table gained its first nodes.
//
// Pure: no timers, time passed in. Each info-hash has at most one search running at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "engine/engine_clock.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

struct dht_search_schedule_config {
  engine_clock::duration interval = std::chrono::minutes(15);
  engine_clock::duration first_retry = std::chrono::seconds(10);
  std::size_t enough_peers = 8;
};

class dht_search_schedule {
 public:
  using time_point = engine_clock::time_point;

  explicit dht_search_schedule(dht_search_schedule_config config = {}) : config_(config) {}

  // Tracks `info_hash` (due now); false when it is tracked already.
  bool add(const sha1_hash& info_hash, time_point now);
  void remove(const sha1_hash& info_hash);
  bool tracks(const sha1_hash& info_hash) const { return entries_.count(info_hash) != 0; }

  // The info-hashes due at `now` and not running, at most `max`: they count as running.
  std::vector<sha1_hash> take_due(time_point now, std::size_t max);
  // A search ended with `peers` peers found; `asked_anybody`: whether it reached any node.
  void finished(const sha1_hash& info_hash, std::size_t peers, bool asked_anybody, time_point now);
  // The routing table went from empty to not empty: starved searches are due now.
  void nodes_available(time_point now);

  std::optional<time_point> next_due(const sha1_hash& info_hash) const;
  bool running(const sha1_hash& info_hash) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct entry {
    time_point due{};
    bool running = false;
    bool starved = false;
    std::uint32_t lean_in_a_row = 0;  // searches that found fewer than enough_peers
  };

  dht_search_schedule_config config_;
  std::map<sha1_hash, entry> entries_;
};

}  // namespace actorrent
