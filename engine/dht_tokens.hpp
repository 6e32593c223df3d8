// Announce tokens (BEP 5): what get_peers hands out so that only a node that asked from an
// address can announce that address, without our remembering whom we told what.
//
// A token is the first `token_size` bytes of SHA-1(secret || requester IP). The secret is
// replaced every 5 minutes and the previous one is still accepted, so a token stays valid for
// 5 to 10 minutes after it was issued (BEP 5: "tokens up to ten minutes old are accepted"),
// then is refused after the second rotation. Only the IP counts, not the port: the announce
// may come from another port of the same host (a NAT mapping renewed in between).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "engine/engine_clock.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {

struct dht_token_config {
  engine_clock::duration rotate_every = std::chrono::minutes(5);
  // 8 bytes: guessing one is a 1 in 2^64 shot per try, and it keeps get_peers answers short.
  std::size_t token_size = 8;  // 1 to 20
};

class dht_tokens {
 public:
  using time_point = engine_clock::time_point;

  // The secrets come from a generator seeded with `seed`, or from std::random_device when
  // absent (tests fix it; a client must not, or tokens would be predictable).
  explicit dht_tokens(time_point now, std::optional<std::uint64_t> seed = std::nullopt,
                      dht_token_config config = {});

  // The token to put in a get_peers answer to `requester`.
  std::string issue(const peer_address& requester, time_point now);
  // Whether an announce_peer from `requester` carries a token we issued it recently.
  bool accept(std::string_view token, const peer_address& requester, time_point now);

  std::size_t token_size() const { return config_.token_size; }

 private:
  using secret = std::array<std::uint8_t, 20>;
  void rotate(time_point now);
  secret fresh_secret();
  std::string token_for(const secret& s, const peer_address& requester) const;

  dht_token_config config_;
  std::mt19937_64 rng_;
  secret current_{};
  secret previous_{};
  time_point rotated_at_;
};

}  // namespace actorrent
