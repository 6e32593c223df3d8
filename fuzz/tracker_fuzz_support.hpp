// What the two tracker-server fuzz targets share: a small store configuration (so memory
// stays bounded over any run), a fixed set of swarms, the mapping of a control byte to a
// remote address, and the store invariants checked after every input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::tracker_fuzz {

using server::swarm_config;
using server::swarm_store;
using server::tracker_clock;

constexpr std::size_t hash_count = 8;
constexpr std::size_t peer_id_count = 32;

inline swarm_config small_config() {
  swarm_config c;
  c.interval = std::chrono::seconds(60);
  c.min_interval = std::chrono::seconds(30);
  c.numwant_default = 8;
  c.numwant_max = 16;
  c.max_swarms = 48;
  c.max_peers_per_swarm = 24;
  c.max_peers = 256;
  c.scrape_all_max = 64;  // more than max_swarms: a scrape of everything lists every swarm
  return c;
}

// The swarms inputs meet in; `target` keeps each target's hashes its own.
inline std::vector<sha1_hash> make_info_hashes(const std::string& target) {
  std::vector<sha1_hash> h;
  for (std::size_t i = 0; i < hash_count; ++i)
    h.push_back(sha1(target + " swarm " + std::to_string(i)));
  return h;
}

// bits 0-1 kind (IPv4 192.0.2.x, IPv6 2001:db8::x, 127.0.0.1, ::1 or v4-mapped), x = b >> 3.
inline peer_address address_of(std::uint8_t b) {
  const auto x = static_cast<std::uint8_t>(b >> 3);
  const auto port = static_cast<std::uint16_t>(40000 + b);
  switch (b & 3) {
    case 0:
      return peer_address::v4_address({192, 0, 2, x}, port);
    case 1: {
      peer_address a;
      a.v6 = true;
      a.ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, x};
      a.port = port;
      return a;
    }
    case 2:
      return peer_address::v4_address({127, 0, 0, 1}, port);
    default: {
      peer_address a;
      a.v6 = true;
      if (b & 4)
        a.ip = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, x};
      else
        a.ip[15] = 1;
      a.port = port;
      return a;
    }
  }
}

inline std::uint8_t byte_at(std::string_view s, std::size_t i) {
  return i < s.size() ? static_cast<std::uint8_t>(s[i]) : 0;
}

// The store's counters stay within its limits and agree with a scrape of every swarm.
inline void check_store(swarm_store& store, tracker_clock::time_point now) {
  const auto& c = store.config();
  const auto st = store.stats(now);
  FUZZ_CHECK(st.swarms <= c.max_swarms);
  FUZZ_CHECK(st.peers <= c.max_peers);
  FUZZ_CHECK(st.seeders <= st.peers);
  FUZZ_CHECK(st.seeders + st.leechers == st.peers);
  const auto all = store.scrape_all(now);
  FUZZ_CHECK(all.size() == st.swarms);  // scrape_all_max > max_swarms
  std::size_t seeders = 0, leechers = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& e = all[i];
    FUZZ_CHECK(e.complete >= 0 && e.incomplete >= 0 && e.downloaded >= 0);
    FUZZ_CHECK(static_cast<std::size_t>(e.complete + e.incomplete) <= c.max_peers_per_swarm);
    if (i > 0) FUZZ_CHECK(all[i - 1].info_hash < e.info_hash);
    if (c.allow) FUZZ_CHECK(c.allow->count(e.info_hash) == 1);
    seeders += static_cast<std::size_t>(e.complete);
    leechers += static_cast<std::size_t>(e.incomplete);
  }
  FUZZ_CHECK(seeders == st.seeders);
  FUZZ_CHECK(leechers == st.leechers);
}

}  // namespace actorrent::tracker_fuzz
