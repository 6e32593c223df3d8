// DHT node ids (BEP 5): 160-bit numbers in the info-hash space, compared by XOR distance; and
// the BEP 42 rule that ties a node's id to its external IP address.
//
// Kademlia's distance is d(a, b) = a XOR b read as an unsigned big-endian integer: the routing
// table groups nodes by how many leading bits their id shares with ours, a lookup keeps its
// candidates ordered by distance to the target.
//
// BEP 42: the first 21 bits of an id must equal the first 21 bits of
//   crc32c((ip & 0x030f3fff) | (r << 29))        IPv4, the 4 address bytes
//   crc32c((ip & 0x0103070f1f3f7fff) | (r << 61)) IPv6, the high 8 address bytes
// where r is the low 3 bits of the id's last byte. An attacker then needs many addresses,
// spread over many networks, to place 8 nodes next to an info-hash. Addresses on local
// networks are exempt (they are not what the rule is about and could never comply reliably).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

// The same 20 bytes as an info-hash, so that targets and ids compare directly.
using dht_node_id = sha1_hash;
constexpr std::size_t dht_id_bits = 160;

dht_node_id xor_distance(const dht_node_id& a, const dht_node_id& b);
// Negative when `a` is closer to `target` than `b`, zero when a == b, positive otherwise
// (distinct ids are never equally far from a target).
int compare_distance(const dht_node_id& target, const dht_node_id& a, const dht_node_id& b);
inline bool closer_to(const dht_node_id& target, const dht_node_id& a, const dht_node_id& b) {
  return compare_distance(target, a, b) < 0;
}
// Leading bits a and b share: 160 when equal, 0 when the first bit differs.
std::size_t common_prefix_length(const dht_node_id& a, const dht_node_id& b);
// Bit `index` counted from the most significant bit of byte 0 (index < 160).
bool id_bit(const dht_node_id& id, std::size_t index);

dht_node_id random_node_id(std::mt19937_64& rng);
// A random id whose common prefix with `base` is exactly `prefix_bits` long (bit prefix_bits
// flipped, the rest random); `base` itself when prefix_bits >= 160. For bucket refreshes.
dht_node_id random_id_at_prefix(const dht_node_id& base, std::size_t prefix_bits,
                                std::mt19937_64& rng);

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as BEP 42 uses it.
std::uint32_t crc32c(std::string_view data);

// --- BEP 42 -------------------------------------------------------------------------------------

// Addresses exempt from the id rule: BEP 42's 10/8, 172.16/12, 192.168/16, 169.254/16, 127/8,
// and (our reading for IPv6, which BEP 42 does not list) ::1, fe80::/10 and fc00::/7.
bool bep42_exempt(const peer_address& address);
// crc32c of the masked address with r (0 to 7) in its top 3 bits.
std::uint32_t bep42_crc(const peer_address& address, std::uint8_t r);
// The id for `external` with last byte `rand` (r = rand & 7) and every bit the rule leaves
// free taken from `fill`; deterministic, for tests and for callers with their own randomness.
dht_node_id bep42_node_id(const peer_address& external, std::uint8_t rand, const dht_node_id& fill);
// A valid id for `external` with random free bits; a fully random id when it is exempt.
dht_node_id bep42_node_id(const peer_address& external, std::mt19937_64& rng);
// Whether `id` satisfies the rule for `address`; always true for exempt addresses.
bool bep42_valid(const dht_node_id& id, const peer_address& address);

}  // namespace actorrent
