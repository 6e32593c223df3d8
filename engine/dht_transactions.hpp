// Our KRPC queries waiting for an answer (BEP 5): the transaction ids we chose, whom each
// query went to and why, so that an answer is matched to its question — and only when it
// comes from the address the query went to, since anyone can send a datagram naming a
// transaction id (a spoofed answer must not be able to steer a lookup).
//
// Pure: no sockets, no timers, time passed in. Bounded: at most `max_pending` queries wait at
// once; the caller asks has_room() before it sends, and a query unanswered after `timeout`
// is expired and reported so that the routing table learns the node failed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dht_node_id.hpp"
#include "engine/engine_clock.hpp"
#include "protocol/krpc.hpp"

namespace actorrent {

struct dht_pending_query {
  peer_address address;
  std::optional<dht_node_id> id;  // the node's id, when known (not for a bootstrap address)
  krpc_method method = krpc_method::ping;
  std::uint64_t lookup = 0;  // the lookup this query belongs to; 0: none (a ping, an announce)
  engine_clock::time_point sent{};
};

struct dht_transactions_config {
  std::size_t max_pending = 256;
  // Longer than a lookup's own query timeout, so that a late answer is still matched (the
  // lookup uses it; the routing table learns the node is alive).
  engine_clock::duration timeout = std::chrono::seconds(10);
};

class dht_transactions {
 public:
  using time_point = engine_clock::time_point;

  explicit dht_transactions(dht_transactions_config config = {}, std::uint16_t first_id = 0);

  bool has_room(std::size_t count = 1) const {
    return pending_.size() + count <= config_.max_pending;
  }
  // A fresh 2-byte transaction id for `query` (its `sent` is set to `now`); nullopt when
  // max_pending queries are waiting already.
  std::optional<std::string> open(dht_pending_query query, time_point now);
  // The query that a message with transaction id `tid` from `from` answers, removed; nullopt
  // when no such query is waiting or it went to another address.
  std::optional<dht_pending_query> close(std::string_view tid, const peer_address& from);
  // The queries unanswered since `timeout` before `now`, removed.
  std::vector<dht_pending_query> expire(time_point now);

  std::size_t size() const { return pending_.size(); }
  const dht_transactions_config& config() const { return config_; }

 private:
  dht_transactions_config config_;
  std::uint16_t next_;
  std::map<std::string, dht_pending_query> pending_;
};

}  // namespace actorrent
