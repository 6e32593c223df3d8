// BEP 6 allowed-fast set: pieces a choked peer may still request from us. The set is a
// pure function of the peer's IPv4 /24, the info-hash and the piece count, so both sides
// (and peers sharing a NAT) compute the same set and it cannot be farmed by reconnecting.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "protocol/sha1.hpp"

namespace actorrent {

// Up to `k` distinct piece indices in BEP 6 order. `ipv4` is in network order, e.g.
// {80, 4, 4, 200}. When k >= num_pieces every piece is allowed, and the indices are
// returned in ascending order rather than by running the generator until it has hit every
// piece (it would only reach the same set, after a coupon-collector number of hashes).
std::vector<std::uint32_t> generate_allowed_fast(std::uint32_t k, std::uint32_t num_pieces,
                                                 const sha1_hash& info_hash,
                                                 const std::array<std::uint8_t, 4>& ipv4);

}  // namespace actorrent
