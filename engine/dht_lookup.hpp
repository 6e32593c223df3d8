// One iterative Kademlia lookup (BEP 5) toward a target: find_node (nodes near an id: our own
// at bootstrap, a random id in a bucket to refresh it) or get_peers (peers of an info-hash,
// and the tokens to announce ourselves with).
//
// Pure: no sockets, no timers, time passed in. The actor asks next_queries() what to send,
// sends each as a KRPC query under a transaction id of its own, and feeds back what happens:
// on_response() for an answer, on_failure() for an error reply, expire() for time passing.
//
// The rules:
//   * candidates are kept ordered by XOR distance to the target (those whose id is not yet
//     known, bootstrap addresses, come last), at most `max_candidates` not yet queried;
//   * only the k closest candidates that have not failed are queried, closest first, with at
//     most alpha queries in flight;
//   * every answer adds the nodes it names (of the lookup's address family; never our own id,
//     an address or id already listed, or port 0) and, for get_peers, its peers and token;
//   * a query unanswered after `query_timeout` counts as failed, freeing its slot; an answer
//     arriving later is still used;
//   * the lookup is done when the k closest candidates that have not failed have all answered,
//     or when nothing is in flight and nothing is left to ask (or the query budget is spent).
// A node answering with another id than the one we were told is treated as failed: it is not
// the node the lookup meant, and trusting it would let anyone steer the search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/dht_node_id.hpp"
#include "engine/engine_clock.hpp"
#include "protocol/krpc.hpp"

namespace actorrent {

enum class dht_lookup_kind : std::uint8_t { find_node, get_peers };

struct dht_lookup_config {
  std::size_t alpha = 3;  // queries in flight at most (Kademlia's α)
  std::size_t k = 8;      // the result size, and the window of candidates queried
  // Most DHT answers take well under a second; a node silent for 5 s is not worth waiting for.
  engine_clock::duration query_timeout = std::chrono::seconds(5);
  // Candidates not yet queried kept beyond the closest: room for k answers' worth of nodes
  // while the closest ones fail, without growing with what hostile nodes send.
  std::size_t max_candidates = 64;
  // Queries the whole lookup may send: a normal lookup needs a few dozen; this stops one from
  // wandering forever through nodes that each name ever more (fake) nodes.
  std::size_t max_queries = 128;
  std::size_t max_peers = 512;  // distinct peers collected from "values"
  bool ipv6 = false;            // follow "nodes6" instead of "nodes" (BEP 32)
};

// "Send this query to this node."
struct dht_lookup_query {
  peer_address address;
  std::optional<dht_node_id> id;  // unknown for a bootstrap address
  krpc_method method;             // find_node or get_peers
  dht_node_id target;             // find_node's target, get_peers' info_hash
};

// A node to announce to: it answered get_peers with this token.
struct dht_announce_target {
  dht_contact node;
  std::string token;
};

class dht_lookup {
 public:
  using time_point = engine_clock::time_point;

  // `start`: the closest nodes we know (the routing table's); `bootstrap`: addresses to ask
  // when we know nobody (their ids are learnt from their answers).
  dht_lookup(dht_lookup_kind kind, const dht_node_id& target, const dht_node_id& own_id,
             const std::vector<dht_contact>& start, const std::vector<peer_address>& bootstrap = {},
             dht_lookup_config config = {});

  // The queries to send now (none once done); they count as in flight from `now`.
  std::vector<dht_lookup_query> next_queries(time_point now);

  enum class response_result : std::uint8_t {
    accepted,
    unexpected,   // nobody was asked at that address (or it failed already)
    id_mismatch,  // answered with another id than expected: counted as failed
  };
  response_result on_response(const peer_address& from, const krpc_response& response);
  // An error reply (or an unreachable address): the query failed. False when unexpected.
  bool on_failure(const peer_address& from);
  // Queries in flight since `query_timeout` before `now` fail; returned so that the caller
  // can tell its routing table.
  std::vector<dht_lookup_query> expire(time_point now);

  bool done() const;
  dht_lookup_kind kind() const { return kind_; }
  const dht_node_id& target() const { return target_; }
  std::size_t in_flight() const { return in_flight_; }
  std::size_t queries_sent() const { return queries_sent_; }
  std::size_t candidate_count() const { return candidates_.size(); }

  // Results (meaningful once done, available at any time).
  // The closest nodes that answered, closest first (find_node's result).
  std::vector<dht_contact> closest_responded() const;
  // get_peers: the k closest answerers that gave a token, closest first.
  std::vector<dht_announce_target> announce_targets() const;
  // get_peers: distinct peers from "values", in the order received.
  const std::vector<peer_address>& peers() const { return peers_; }

  // Every invariant, for tests: empty when sound, else the first problem.
  std::string check_invariants() const;

 private:
  enum class state : std::uint8_t { fresh, in_flight, responded, failed };
  struct candidate {
    peer_address address;
    std::optional<dht_node_id> id;
    state st = state::fresh;
    bool timed_out = false;  // failed by timeout: a late answer is still welcome
    time_point sent{};
    std::optional<std::string> token;
  };

  bool before(const candidate& a, const candidate& b) const;
  void add_candidate(const dht_contact& node);
  void add_unknown(const peer_address& address);
  void insert_sorted(candidate c);
  void trim();
  candidate* find_address(const peer_address& address);
  dht_lookup_query query_for(const candidate& c) const;

  dht_lookup_kind kind_;
  dht_node_id target_;
  dht_node_id own_;
  dht_lookup_config config_;
  std::vector<candidate> candidates_;  // ordered by before()
  std::size_t in_flight_ = 0;
  std::size_t queries_sent_ = 0;
  std::vector<peer_address> peers_;
  std::set<peer_address> peer_set_;
};

}  // namespace actorrent
