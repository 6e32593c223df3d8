#include <catch2/catch.hpp>

#include "protocol/peer_address.hpp"

using namespace actorrent;

TEST_CASE("peer_address parses and prints IPv4 and IPv6", "[peer_address]") {
  auto v4 = peer_address::parse_ip("10.1.2.3", 6881);
  REQUIRE(v4);
  CHECK_FALSE(v4->v6);
  CHECK(v4->to_string() == "10.1.2.3:6881");
  auto v6 = peer_address::parse_ip("::1", 51413);
  REQUIRE(v6);
  CHECK(v6->v6);
  CHECK(v6->to_string() == "[::1]:51413");
  CHECK_FALSE(peer_address::parse_ip("example.org", 1));
  CHECK_FALSE(peer_address::parse_ip("1.2.3.256", 1));
  CHECK_FALSE(peer_address::parse_ip(std::string_view("1.2.3.4\0junk", 12), 1));
}

TEST_CASE("compact peers round-trip (BEP 23, BEP 7) and reject ragged lengths", "[peer_address]") {
  std::string compact;
  auto a = peer_address::v4_address({127, 0, 0, 1}, 0x1AE1);
  append_compact(a, compact);
  CHECK(compact == std::string("\x7f\x00\x00\x01\x1a\xe1", 6));
  auto b = *peer_address::parse_ip("192.168.1.200", 65535);
  append_compact(b, compact);
  auto peers = parse_compact_v4(compact);
  REQUIRE(peers);
  CHECK(*peers == std::vector<peer_address>{a, b});
  CHECK_FALSE(parse_compact_v4(compact.substr(0, 7)));

  std::string compact6;
  auto c = *peer_address::parse_ip("2001:db8::7", 443);
  append_compact(c, compact6);
  CHECK(compact6.size() == 18);
  auto peers6 = parse_compact_v6(compact6);
  REQUIRE(peers6);
  CHECK(peers6->front() == c);
  CHECK_FALSE(parse_compact_v6(compact6 + "x"));
  CHECK(parse_compact_v4("")->empty());
}
