#include "engine/dht_tokens.hpp"

#include <algorithm>

#include "protocol/sha1.hpp"

namespace actorrent {

namespace {

std::uint64_t random_seed() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

}  // namespace

dht_tokens::dht_tokens(time_point now, std::optional<std::uint64_t> seed, dht_token_config config)
    : config_(config), rng_(seed ? *seed : random_seed()), rotated_at_(now) {
  config_.token_size = std::clamp<std::size_t>(config_.token_size, 1, sha1_hash::size);
  if (config_.rotate_every <= engine_clock::duration::zero())
    config_.rotate_every = std::chrono::minutes(5);
  current_ = fresh_secret();
  previous_ = fresh_secret();  // nothing was issued under it: it only keeps the code uniform
}

dht_tokens::secret dht_tokens::fresh_secret() {
  secret s;
  for (std::size_t i = 0; i < s.size(); i += 8) {
    std::uint64_t r = rng_();
    for (std::size_t j = i; j < i + 8 && j < s.size(); ++j, r >>= 8)
      s[j] = static_cast<std::uint8_t>(r);
  }
  return s;
}

void dht_tokens::rotate(time_point now) {
  if (now < rotated_at_) return;  // a clock that went back: keep the secrets
  const auto periods = (now - rotated_at_) / config_.rotate_every;
  if (periods <= 0) return;
  // After two rotations neither secret is left: two fresh ones do the same as many more.
  const int rotations = periods >= 2 ? 2 : 1;
  for (int i = 0; i < rotations; ++i) {
    previous_ = current_;
    current_ = fresh_secret();
  }
  rotated_at_ += periods * config_.rotate_every;
}

std::string dht_tokens::token_for(const secret& s, const peer_address& requester) const {
  std::string input(reinterpret_cast<const char*>(s.data()), s.size());
  input.append(reinterpret_cast<const char*>(requester.ip.data()), requester.v6 ? 16 : 4);
  return std::string(sha1(input).view().substr(0, config_.token_size));
}

std::string dht_tokens::issue(const peer_address& requester, time_point now) {
  rotate(now);
  return token_for(current_, requester);
}

bool dht_tokens::accept(std::string_view token, const peer_address& requester, time_point now) {
  rotate(now);
  if (token.size() != config_.token_size) return false;
  // Compared without an early exit, so that timing tells nothing about a near miss.
  const auto same = [&](const std::string& expected) {
    unsigned diff = 0;
    for (std::size_t i = 0; i < expected.size(); ++i)
      diff |= static_cast<unsigned char>(expected[i] ^ token[i]);
    return diff == 0;
  };
  const bool current = same(token_for(current_, requester));
  const bool previous = same(token_for(previous_, requester));
  return current || previous;
}

}  // namespace actorrent
