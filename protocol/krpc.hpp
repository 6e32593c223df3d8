// KRPC (BEP 5): the DHT's messages, one bencoded dictionary per UDP datagram.
//
//   t  transaction id, chosen by the querier and echoed by the answer
//   y  "q" query, "r" response, "e" error
//   q  method name; a  its arguments          (queries)
//   r  the return values                      (responses)
//   e  [code, message]                        (errors)
//   v  the sender's client version (optional, informational)
//   ip the requester's address as the responder sees it (BEP 42; compact, 6 or 18 bytes)
//
// Four queries: ping, find_node, get_peers, announce_peer. A response does not name the method
// it answers (only its transaction id ties it to the query, and only the querier knows what it
// asked), so responses decode into one struct holding every return value the four methods
// define; a key the method does not use is simply empty.
//
// Every datagram is untrusted. decode_krpc checks each key's type and size against explicit
// limits, ignores keys it does not know (forward compatibility: BEP 32, 33, 43, 44, ...), and
// names the key and the byte offset of whatever it refuses. When a query is malformed, the
// error still carries its transaction id (read by a lenient scan if the bencode itself is
// broken), so the DHT can answer with a 203 error as BEP 5 asks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

// "Compact node info": a node id followed by its compact address (26 bytes for IPv4,
// 38 bytes for IPv6, BEP 32).
struct dht_contact {
  sha1_hash id;
  peer_address address;

  friend bool operator==(const dht_contact& a, const dht_contact& b) {
    return a.id == b.id && a.address == b.address;
  }
  friend bool operator!=(const dht_contact& a, const dht_contact& b) { return !(a == b); }
};

constexpr std::size_t compact_node_v4_size = 20 + compact_v4_size;  // 26
constexpr std::size_t compact_node_v6_size = 20 + compact_v6_size;  // 38

void append_compact_node(const dht_contact& node, std::string& out);  // 26 or 38 bytes
// A concatenation of compact nodes; nullopt when the length is not a multiple of the entry.
std::optional<std::vector<dht_contact>> parse_compact_nodes_v4(std::string_view bytes);
std::optional<std::vector<dht_contact>> parse_compact_nodes_v6(std::string_view bytes);

enum class krpc_method : std::uint8_t { ping, find_node, get_peers, announce_peer };
const char* to_string(krpc_method method);  // the wire name: "find_node"

struct ping_query {
  sha1_hash id;  // the querier's
};
struct find_node_query {
  sha1_hash id;
  sha1_hash target;
};
struct get_peers_query {
  sha1_hash id;
  sha1_hash info_hash;
};
struct announce_peer_query {
  sha1_hash id;
  sha1_hash info_hash;
  std::uint16_t port = 0;
  // Use the datagram's source port instead of `port` (peers behind a NAT, uTP on the DHT port).
  bool implied_port = false;
  std::string token;  // from the queried node's earlier get_peers answer
};
using krpc_query = std::variant<ping_query, find_node_query, get_peers_query, announce_peer_query>;
krpc_method method_of(const krpc_query& query);
const sha1_hash& sender_id(const krpc_query& query);

// The return values of any of the four methods: ping and announce_peer answer `id` only,
// find_node adds nodes / nodes6, get_peers adds a token and values or nodes.
struct krpc_response {
  sha1_hash id;  // the responder's
  // Contacts by address family: the encoder writes each entry under the key of its own
  // family whichever vector holds it; the decoder puts "nodes" here and "nodes6" below.
  std::vector<dht_contact> nodes;
  std::vector<dht_contact> nodes6;
  std::vector<peer_address> values;  // peers of the info-hash (compact, 6 or 18 bytes each)
  std::optional<std::string> token;
};

enum class krpc_error_code : std::int64_t {
  generic = 201,
  server = 202,
  protocol = 203,  // malformed packet, invalid arguments, bad token
  method_unknown = 204,
};

struct krpc_error {
  std::int64_t code = static_cast<std::int64_t>(krpc_error_code::generic);
  std::string message;
};

struct krpc_message {
  std::string transaction_id;
  std::variant<krpc_query, krpc_response, krpc_error> body;
  std::optional<std::string> version;  // "v"
  std::optional<peer_address> ip;      // "ip" (BEP 42): the requester's address, responses
                                       // only by convention (port included)

  bool is_query() const { return body.index() == 0; }
  bool is_response() const { return body.index() == 1; }
  bool is_error() const { return body.index() == 2; }
  const krpc_query& query() const { return std::get<krpc_query>(body); }
  const krpc_response& response() const { return std::get<krpc_response>(body); }
  const krpc_error& error() const { return std::get<krpc_error>(body); }
};

// Canonical bencoding (sorted keys). implied_port is written only when set, empty node lists
// and an absent token are left out, so BEP 5's example packets come out byte for byte.
std::string encode(const krpc_message& message);

struct krpc_limits {
  // A DHT datagram fits one Ethernet MTU; no client sends more, and a bigger one is either
  // hostile or not KRPC.
  std::size_t max_message_size = 1500;
  // BEP 5: "typically 2 characters are enough". Longer ones are refused rather than echoed.
  std::size_t max_transaction_id = 16;
  // Tokens are "short binary strings": clients use 4 to 20 bytes.
  std::size_t max_token = 64;
  // Per "nodes" / "nodes6" key. A well-behaved node sends k = 8; 1500 bytes hold at most 57.
  std::size_t max_nodes = 64;
  // Peers in "values". 1500 bytes hold at most 187 IPv4 entries; clients send up to 100.
  std::size_t max_values = 200;
  std::size_t max_version = 32;
  // Bencode guards: KRPC nests three deep (message > r > values); a little room for
  // extensions' keys, which are ignored but still parsed.
  std::uint32_t max_depth = 8;
  std::uint32_t max_bencode_tokens = 600;
};

struct krpc_decode_error {
  std::string message;     // names the key ("a.port", "r.values[3]") and the problem
  std::size_t offset = 0;  // byte offset in the datagram
  // What could still be read, so that a malformed query gets its error reply.
  std::optional<std::string> transaction_id;
  char message_type = 0;  // 'q', 'r' or 'e' when "y" was readable, else 0
  krpc_error_code reply_code = krpc_error_code::protocol;  // 204 for an unknown method

  std::string to_string() const;  // "<message> at byte <offset>"
  // Only queries are answered: replying to a malformed response or error could make two
  // nodes bounce errors at each other forever.
  bool should_reply() const { return message_type == 'q' && transaction_id.has_value(); }
  // The error message to send back (should_reply() must hold).
  krpc_message reply() const;
};

expected<krpc_message, krpc_decode_error> decode_krpc(std::string_view datagram,
                                                      const krpc_limits& limits = {});

}  // namespace actorrent
