// The tracker's functional core: who is in which swarm. No sockets, no threads, no clock of
// its own — every call gets `now`, so expiry is unit-tested with a fake clock. The HTTP and
// UDP front ends share one store and call it from their single io_context thread only.
//
// Identity: a peer is keyed by its peer_id within a swarm. One entry holds at most one IPv4
// and one IPv6 endpoint, each refreshed by announces over that address family and each
// expiring on its own after 2 × interval without one; the entry goes when both are gone.
// A dual-stack client that announces over both families is thus one peer with two
// addresses. An announce may change an existing entry (address, stop it) only when it
// comes from the address already recorded for its family, or carries the same `key` as the
// entry's first announce (BEP 7 / BEP 15 `key`, meant for clients whose IP changes) —
// otherwise anyone who learnt a peer_id from a dictionary-mode answer could unregister it.
//
// Bounds: max_swarms, max_peers_per_swarm and max_peers cap memory; beyond them new swarms or
// peers are refused with a failure reason while known peers keep announcing. expire() does a
// bounded amount of work per call and resumes where it stopped. Answers skip endpoints that
// are past their expiry even before the sweep reaches them; the complete/incomplete counts
// follow the sweep.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"
#include "tracker/announce.hpp"
#include "tracker/server/rate_meter.hpp"
#include "tracker/server/siphash.hpp"

namespace actorrent::server {

using tracker_clock = std::chrono::steady_clock;

struct swarm_config {
  std::chrono::seconds interval{1800};
  std::chrono::seconds min_interval{900};
  std::int32_t numwant_default = 50;
  std::int32_t numwant_max = 200;
  std::size_t max_swarms = 10'000;
  std::size_t max_peers_per_swarm = 10'000;
  std::size_t max_peers = 1'000'000;         // over all swarms
  std::size_t scrape_all_max = 1'000;        // a scrape naming no info-hash lists at most this many
  std::optional<std::set<sha1_hash>> allow;  // when set, every other info-hash is refused
};

// Which addresses an answer may carry: HTTP answers carry both (peers and peers6); a BEP 15
// answer carries only the family of the socket the request came in on.
enum class address_family : std::uint8_t { any, v4, v6 };

struct announce_input {
  announce_request request;
  peer_address source;  // the announcing peer's IP, with request.port as its port
  address_family want = address_family::any;
};

struct swarm_peer {
  peer_address address;
  sha1_hash peer_id;
};

struct announce_reply {
  std::chrono::seconds interval{0};
  std::chrono::seconds min_interval{0};
  std::int64_t complete = 0;      // seeders
  std::int64_t incomplete = 0;    // leechers
  std::int64_t downloaded = 0;    // completed events seen
  std::vector<swarm_peer> peers;  // never the requester; a dual-stack peer may appear twice
};

struct tracker_stats {
  std::size_t swarms = 0;
  std::size_t peers = 0;
  std::size_t seeders = 0;
  std::size_t leechers = 0;
  std::uint64_t announces = 0;
  std::uint64_t scrapes = 0;
  std::uint64_t refused = 0;  // announces answered with a failure reason by the store
  double announces_per_second = 0;
  double scrapes_per_second = 0;
};

class swarm_store {
 public:
  explicit swarm_store(swarm_config config, std::uint64_t seed = std::random_device{}());

  // A failure is a sentence for the `failure reason` (HTTP) or error action (UDP).
  expected<announce_reply, std::string> announce(const announce_input& in,
                                                 tracker_clock::time_point now);

  // One entry per requested hash, in order; unknown or not-allowed hashes read as zeros
  // (BEP 15 answers are positional).
  std::vector<scrape_entry> scrape(const std::vector<sha1_hash>& hashes,
                                   tracker_clock::time_point now);
  // Every swarm, up to config().scrape_all_max, in info-hash order.
  std::vector<scrape_entry> scrape_all(tracker_clock::time_point now);

  // Removes expired endpoints, peers left without any, and empty swarms that are not on the
  // allow-list. Examines at most `budget` peers and swarms, then returns; the next call goes
  // on from there. Returns the number of peers removed.
  std::size_t expire(tracker_clock::time_point now, std::size_t budget = SIZE_MAX);

  bool allowed(const sha1_hash& info_hash) const;
  tracker_stats stats(tracker_clock::time_point now) const;
  const swarm_config& config() const { return config_; }

 private:
  struct endpoint {
    peer_address address;
    tracker_clock::time_point last_seen;
  };
  struct peer_entry {
    sha1_hash peer_id;
    std::uint32_t key = 0;
    std::int64_t left = 0;
    bool counted_completed = false;
    std::optional<endpoint> v4;
    std::optional<endpoint> v6;
  };
  struct peer_id_hash {
    siphash_key key;
    std::size_t operator()(const sha1_hash& h) const {
      return static_cast<std::size_t>(siphash24(key, h.view()));
    }
  };
  struct swarm {
    explicit swarm(const siphash_key& k) : index(16, peer_id_hash{k}) {}
    std::vector<peer_entry> peers;  // dense, for uniform random picks
    std::unordered_map<sha1_hash, std::size_t, peer_id_hash> index;  // peer_id -> peers[i]
    std::size_t seeders = 0;
    std::int64_t downloaded = 0;
  };

  bool expired(const endpoint& e, tracker_clock::time_point now) const;
  void remove_peer(swarm& s, std::size_t i);
  void set_left(swarm& s, peer_entry& p, std::int64_t left);
  std::vector<swarm_peer> pick_peers(const swarm& s, std::size_t self, std::size_t want_count,
                                     address_family family, tracker_clock::time_point now);
  scrape_entry entry_for(const sha1_hash& h, const swarm& s) const;

  swarm_config config_;
  siphash_key hash_key_;
  std::mt19937_64 rng_;
  std::map<sha1_hash, swarm> swarms_;  // ordered: the sweep resumes by key, scrape-all pages
  std::size_t peers_ = 0;
  std::size_t seeders_ = 0;
  std::uint64_t announces_ = 0;
  std::uint64_t scrapes_ = 0;
  std::uint64_t refused_ = 0;
  rate_meter announce_rate_;
  rate_meter scrape_rate_;
  // Where the sweep stopped: the swarm's key and a peer position inside it. Positions shift
  // as peers come and go; a peer skipped that way is caught on the next round.
  std::optional<sha1_hash> sweep_swarm_;
  std::size_t sweep_peer_ = 0;
};

}  // namespace actorrent::server
