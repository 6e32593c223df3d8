// Answers the four KRPC queries (BEP 5) other nodes send us: the server half of a DHT node.
//
// Pure: the routing table, the token secrets and the peer store are passed in, time too. The
// querier is inserted in (or refreshed in) the routing table as a node that queried us; its
// reply carries our id, the requester's address as we see it ("ip", BEP 42, so that it can
// pick a valid id), and:
//   ping           nothing more;
//   find_node      the k nodes closest to the target;
//   get_peers      a token bound to the requester's IP, the peers announced for the
//                  info-hash (of the requester's address family), and the k closest nodes;
//   announce_peer  stored when the token is one we gave that IP within 10 minutes; a bad
//                  token, port 0 or a full store gets an error reply instead.
// Nodes handed out are those that answered us first, then (only if fewer than k did) those
// that merely queried us: on a small DHT (a LAN, a test on loopback) most nodes have only
// queried us, and a node that knows nobody confirmed would otherwise send its peers nowhere.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "engine/dht_node_id.hpp"
#include "engine/dht_peer_store.hpp"
#include "engine/dht_routing_table.hpp"
#include "engine/dht_tokens.hpp"
#include "engine/engine_clock.hpp"
#include "protocol/krpc.hpp"

namespace actorrent {

// "v" in our messages: two letters naming the client and two version bytes (BEP 20 style).
const std::string& dht_client_version();

struct dht_node_parts {
  dht_routing_table& table;
  dht_tokens& tokens;
  dht_peer_store& store;
  std::size_t k = 8;  // nodes per reply
};

struct dht_answer {
  krpc_message reply;
  // Why the query was refused (the reply is a KRPC error then): for the log.
  std::optional<std::string> refused;
  // An announce_peer stored: the peer as stored (IP of the datagram, announced or implied
  // port), so that whoever tracks the info-hash locally can hear of it at once.
  std::optional<peer_address> announced;
};

// `query` must be a query (krpc_message::is_query()); `from` is the datagram's source.
dht_answer answer_query(const krpc_message& query, const peer_address& from, dht_node_parts parts,
                        engine_clock::time_point now);

// The nodes a reply hands out for `target`: answered-us first, then queried-us (see above).
std::vector<dht_contact> nodes_for_reply(const dht_routing_table& table, const dht_node_id& target,
                                         std::size_t k, engine_clock::time_point now);

}  // namespace actorrent
