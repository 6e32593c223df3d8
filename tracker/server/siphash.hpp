// SipHash-2-4: a keyed hash for data an attacker chooses. The tracker server uses it where
// a plain hash would let a client steer the outcome: bucket placement of peer ids (hash
// flooding) and UDP connection ids (which must be unforgeable without server state).
#pragma once

#include <cstdint>
#include <string_view>

namespace actorrent::server {

struct siphash_key {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;

  static siphash_key random();  // from std::random_device
};

std::uint64_t siphash24(const siphash_key& key, std::string_view data);

}  // namespace actorrent::server
