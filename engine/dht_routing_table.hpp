// The DHT routing table (BEP 5): who we know in the id space, in buckets of k = 8 nodes, more
// densely near our own id. The decision half of the DHT actor (DESIGN.md, principle 1): no
// sockets, no timers, time passed in; the actor tells it what it heard and asks it whom to
// ping, which buckets to refresh and which nodes are closest to a target.
//
// Buckets. Bucket i holds the nodes whose id shares exactly i leading bits with ours; the last
// bucket holds every node sharing at least that many, our own id's neighbourhood. Only the
// last bucket splits when full (BEP 5: "unless our own node ID falls within the range of the
// bucket"), so there are at most 160 buckets and the table stays small wherever the DHT is
// large.
//
// Node states (BEP 5):
//   good          answered one of our queries in the last 15 minutes, or answered one ever
//                 and sent us a query in the last 15 minutes;
//   questionable  otherwise: quiet for 15 minutes, or never answered us (it only queried us,
//                 or came from a saved table);
//   bad           `bad_after_failures` of our queries in a row went unanswered.
//
// Every message received inserts or refreshes its sender: into the bucket when there is room,
// in place of a bad node, or after a split; otherwise into the bucket's replacement cache,
// from which the best candidate takes the place of a node the moment it turns bad. The
// questionable nodes are pinged (nodes_to_ping), least recently seen first, so that dead
// nodes are found out and make room; a node nobody can reach is thus replaced by one that
// answers, and a table fills with stable, long-running nodes.
//
// Hostile input: an id already known at another address, or an address already known under
// another id, is ignored rather than allowed to displace the entry we have (a spoofed source
// cannot evict good nodes); our own id is never inserted.
//
// Cost, for N entries (at most 160 × (k + replacements)):
//   heard_from, node_failed   O(k + replacements) + O(log N) (the address index)
//   closest                   O(N log N)
//   nodes_to_ping, refresh    O(N)
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dht_node_id.hpp"
#include "engine/engine_clock.hpp"
#include "protocol/expected.hpp"
#include "protocol/krpc.hpp"

namespace actorrent {

struct dht_routing_config {
  std::size_t bucket_size = 8;  // k
  // Candidates kept per bucket to replace nodes that turn bad. As many as the bucket holds:
  // enough to refill it after a wave of departures, few enough to stay small.
  std::size_t replacement_size = 8;
  std::size_t max_buckets = dht_id_bits;  // at most one per shared-prefix length
  engine_clock::duration questionable_after = std::chrono::minutes(15);
  // BEP 5: bad after failing "multiple queries in a row", and "try once more before
  // discarding": two.
  std::uint32_t bad_after_failures = 2;
  engine_clock::duration refresh_after = std::chrono::minutes(15);
  // A node handed out by nodes_to_ping is not handed out again for this long (its answer or
  // its timeout, reported by the actor, normally comes first).
  engine_clock::duration ping_retry = std::chrono::minutes(1);
  // Refused above this size by load(): a full table is about 100 KB.
  std::size_t max_saved_size = 512 * 1024;
};

enum class dht_node_state : std::uint8_t { good, questionable, bad };
const char* to_string(dht_node_state state);

struct dht_node_entry {
  dht_contact contact;
  engine_clock::time_point last_seen{};                   // any message from it
  std::optional<engine_clock::time_point> last_response;  // its latest answer to our query
  std::optional<engine_clock::time_point> pinged_at;  // handed out by nodes_to_ping, no answer yet
  std::uint32_t failures = 0;                         // our queries it left unanswered in a row
};

struct dht_table_error {
  std::string message;            // names the key and the problem
  std::size_t offset = 0;         // byte offset in the saved blob
  std::string to_string() const;  // "<message> at byte <offset>"
};

class dht_routing_table {
 public:
  using time_point = engine_clock::time_point;

  dht_routing_table(const dht_node_id& own, time_point now, dht_routing_config config = {});

  const dht_node_id& own_id() const { return own_; }
  const dht_routing_config& config() const { return config_; }

  enum class insert_result : std::uint8_t {
    added,        // now in its bucket
    updated,      // already known (in the bucket or the replacement cache): times refreshed
    replacement,  // the bucket is full of nodes that are not bad: kept as a candidate
    // Our own id, an id known at another address, an address known by another id (not bad),
    // or a candidate no better than any in a full replacement cache.
    ignored,
  };
  // A message from `node`: `response` when it answers one of our queries (the actor matched
  // the transaction), false when it is a query of its own.
  insert_result heard_from(const dht_contact& node, bool response, time_point now);
  // One of our queries to the node went unanswered. Returns its state afterwards (nullopt
  // when the table does not know it at that address). A node that turns bad gives its place
  // to the best replacement at once; a bad replacement candidate is dropped.
  std::optional<dht_node_state> node_failed(const dht_contact& node, time_point now);

  dht_node_state state(const dht_node_entry& entry, time_point now) const;
  // The entry of a node in a bucket (not in a replacement cache).
  const dht_node_entry* find(const dht_node_id& id) const;

  // Up to `count` nodes closest to `target`, closest first, never bad ones. With
  // `confirmed_only`, only nodes that have answered us (what we tell others, BEP 5's "good
  // nodes"); without, questionable ones too (where our own lookups start).
  std::vector<dht_contact> closest(const dht_node_id& target, std::size_t count, time_point now,
                                   bool confirmed_only = false) const;

  // Questionable nodes to ping now: per bucket, the least recently seen one not already
  // pinged within ping_retry. They are marked as pinged at `now`.
  std::vector<dht_contact> nodes_to_ping(time_point now);
  // One random target inside each bucket not changed for refresh_after (BEP 5: run a
  // find_node lookup on it). Those buckets count as changed at `now`.
  std::vector<dht_node_id> refresh_targets(time_point now, std::mt19937_64& rng);

  // --- Saving and reloading -----------------------------------------------------------------
  // Bencoded {"id": own id, "nodes": compact IPv4 node info, "nodes6": compact IPv6}: the
  // nodes in buckets that are not bad, closest buckets first.
  std::string save() const;
  // Refuses a malformed blob (naming the key and the byte); the nodes come back
  // questionable, to be pinged before they are trusted.
  static expected<dht_routing_table, dht_table_error> load(std::string_view blob, time_point now,
                                                           dht_routing_config config = {});

  // --- Inspection ----------------------------------------------------------------------------
  std::size_t size() const;               // nodes in buckets
  std::size_t replacement_count() const;  // candidates in the replacement caches
  std::size_t bucket_count() const { return buckets_.size(); }
  const std::vector<dht_node_entry>& bucket_nodes(std::size_t bucket) const {
    return buckets_[bucket].live;
  }
  const std::vector<dht_node_entry>& bucket_replacements(std::size_t bucket) const {
    return buckets_[bucket].replacements;
  }
  std::size_t bucket_index(const dht_node_id& id) const;
  // The most entries (nodes and candidates) the table can ever hold.
  std::size_t max_entries() const {
    return config_.max_buckets * (config_.bucket_size + config_.replacement_size);
  }
  // Every invariant, for tests: empty when sound, else the first problem.
  std::string check_invariants() const;

 private:
  struct bucket {
    std::vector<dht_node_entry> live;
    std::vector<dht_node_entry> replacements;
    time_point last_changed{};
  };

  void split_last_bucket();
  // Moves the best replacement candidate of bucket b into its nodes, when there is room.
  void promote_replacement(bucket& b);
  void erase_entry(std::vector<dht_node_entry>& list, std::size_t index);
  static void touch(dht_node_entry& e, bool response, time_point now);

  dht_node_id own_;
  dht_routing_config config_;
  std::vector<bucket> buckets_;
  // Every entry's address, nodes and candidates alike, to refuse a second id at one address.
  std::map<peer_address, dht_node_id> by_address_;
};

}  // namespace actorrent
