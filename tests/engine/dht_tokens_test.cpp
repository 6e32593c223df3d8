#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "engine/dht_tokens.hpp"

// Named: the file shares a unity batch with other tests.
namespace dht_tokens_test {

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::hours(1000);

peer_address ip(const char* text, std::uint16_t port = 6881) {
  return *peer_address::parse_ip(text, port);
}

}  // namespace

TEST_CASE("a token is accepted from its requester within the window", "[dht_tokens]") {
  dht_tokens tokens(t0, 1);
  const auto alice = ip("203.0.113.5");
  const auto token = tokens.issue(alice, t0);
  CHECK(token.size() == 8);
  CHECK(tokens.accept(token, alice, t0));
  CHECK(tokens.accept(token, alice, t0 + 4min));
  // The port does not matter (a NAT may map the announce to another one), the IP does.
  CHECK(tokens.accept(token, ip("203.0.113.5", 1), t0 + 1min));
  CHECK_FALSE(tokens.accept(token, ip("203.0.113.6"), t0 + 1min));
  CHECK_FALSE(tokens.accept(token, ip("2001:db8::1"), t0 + 1min));
  // Tampered, truncated, empty, or longer tokens are refused.
  auto bad = token;
  bad[3] ^= 1;
  CHECK_FALSE(tokens.accept(bad, alice, t0));
  CHECK_FALSE(tokens.accept(token.substr(0, 7), alice, t0));
  CHECK_FALSE(tokens.accept("", alice, t0));
  CHECK_FALSE(tokens.accept(token + "x", alice, t0));
  // Issuing again within the same period gives the same token.
  CHECK(tokens.issue(alice, t0 + 2min) == token);
}

TEST_CASE("after one rotation a token still passes; after two it is refused", "[dht_tokens]") {
  dht_tokens tokens(t0, 2);
  const auto bob = ip("198.51.100.7");
  const auto token = tokens.issue(bob, t0 + 4min + 59s);  // issued just before a rotation
  CHECK(tokens.accept(token, bob, t0 + 5min));            // first rotation: previous secret
  CHECK(tokens.accept(token, bob, t0 + 9min + 59s));
  CHECK(tokens.issue(bob, t0 + 6min) != token);        // new tokens come from the new secret
  CHECK_FALSE(tokens.accept(token, bob, t0 + 10min));  // second rotation: gone

  // A token issued right after a rotation lives almost 10 minutes.
  const auto fresh = tokens.issue(bob, t0 + 10min);
  CHECK(tokens.accept(fresh, bob, t0 + 19min + 59s));
  CHECK_FALSE(tokens.accept(fresh, bob, t0 + 20min));
}

TEST_CASE("a long idle spell rotates both secrets out", "[dht_tokens]") {
  dht_tokens tokens(t0, 3);
  const auto carol = ip("2001:db8::42");
  const auto token = tokens.issue(carol, t0);
  CHECK(token.size() == 8);
  CHECK_FALSE(tokens.accept(token, carol, t0 + 3h));
  const auto later = tokens.issue(carol, t0 + 3h);
  CHECK(tokens.accept(later, carol, t0 + 3h + 5min));  // the schedule stays on 5-minute steps
  CHECK_FALSE(tokens.accept(later, carol, t0 + 3h + 10min));
}

TEST_CASE("tokens differ between requesters and between instances", "[dht_tokens]") {
  dht_tokens a(t0, 4), b(t0, 5);
  std::set<std::string> seen;
  for (int i = 1; i <= 200; ++i) {
    const auto who = peer_address::v4_address(
        {10, 0, static_cast<std::uint8_t>(i / 256), static_cast<std::uint8_t>(i % 256)}, 1);
    seen.insert(a.issue(who, t0));
  }
  CHECK(seen.size() == 200);
  CHECK(a.issue(ip("1.2.3.4"), t0) != b.issue(ip("1.2.3.4"), t0));
  // Random secrets when no seed is given.
  dht_tokens r1(t0), r2(t0);
  CHECK(r1.issue(ip("1.2.3.4"), t0) != r2.issue(ip("1.2.3.4"), t0));
  // The size is configurable within SHA-1's 20 bytes.
  dht_token_config cfg;
  cfg.token_size = 40;
  dht_tokens big(t0, 6, cfg);
  CHECK(big.issue(ip("1.2.3.4"), t0).size() == 20);
}

}  // namespace dht_tokens_test
