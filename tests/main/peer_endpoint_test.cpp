#include <catch2/catch.hpp>

#include "main/peer_endpoint.hpp"

using namespace actorrent;

namespace {

std::string error_of(std::string_view text) {
  auto p = parse_peer_endpoint(text);
  INFO(text);
  REQUIRE_FALSE(p);
  return p.error();
}

}  // namespace

TEST_CASE("peer endpoint: IPv4 and bracketed IPv6 literals") {
  auto v4 = parse_peer_endpoint("1.2.3.4:6881");
  REQUIRE(v4);
  CHECK(v4->to_string() == "1.2.3.4:6881");
  CHECK_FALSE(v4->v6);

  auto v6 = parse_peer_endpoint("[::1]:6881");
  REQUIRE(v6);
  CHECK(v6->v6);
  CHECK(v6->to_string() == "[::1]:6881");

  auto full = parse_peer_endpoint("[2001:db8::7]:65535");
  REQUIRE(full);
  CHECK(full->port == 65535);
  CHECK(full->ip_string() == "2001:db8::7");
}

TEST_CASE("peer endpoint: localhost resolves, to IPv4 when it has both") {
  auto p = parse_peer_endpoint("localhost:6881");
  REQUIRE(p);
  CHECK(p->port == 6881);
  CHECK((p->to_string() == "127.0.0.1:6881" || p->to_string() == "[::1]:6881"));
}

TEST_CASE("peer endpoint: missing or bad ports") {
  CHECK(error_of("1.2.3.4") ==
        "'1.2.3.4': missing port (expected HOST:PORT, e.g. 192.0.2.7:6881 or [2001:db8::7]:6881)");
  CHECK(error_of("1.2.3.4:").find("missing port") != std::string::npos);
  CHECK(error_of("[::1]").find("missing port") != std::string::npos);
  CHECK(error_of("[::1]6881").find("missing port") != std::string::npos);
  CHECK(error_of("1.2.3.4:0") == "'1.2.3.4:0': port 0 names no listener (1..65535)");
  CHECK(error_of("1.2.3.4:65536") == "'1.2.3.4:65536': port 65536 is over 65535");
  CHECK(error_of("1.2.3.4:123456") == "'1.2.3.4:123456': port '123456' is not a number 1..65535");
  CHECK(error_of("1.2.3.4:+80") == "'1.2.3.4:+80': port '+80' is not a number 1..65535");
  CHECK(error_of("1.2.3.4:http").find("is not a number") != std::string::npos);
}

TEST_CASE("peer endpoint: junk hosts are refused without a lookup") {
  CHECK(error_of("") ==
        "empty peer address (expected HOST:PORT, e.g. 192.0.2.7:6881 or [2001:db8::7]:6881)");
  CHECK(error_of(":6881").find("missing host") != std::string::npos);
  CHECK(error_of("::1:6881") == "'::1:6881': an IPv6 address goes in brackets, as in [::1]:6881");
  CHECK(error_of("[::1:6881") ==
        "'[::1:6881': missing ']' after the IPv6 address (expected HOST:PORT, e.g. "
        "192.0.2.7:6881 or [2001:db8::7]:6881)");
  CHECK(error_of("[1.2.3.4]:80") == "'[1.2.3.4]:80': '1.2.3.4' is not an IPv6 address");
  CHECK(error_of("1.2.3.400:80") == "'1.2.3.400:80': '1.2.3.400' is not an IPv4 address");
  CHECK(error_of("10.1:80") == "'10.1:80': '10.1' is not an IPv4 address");
  CHECK(error_of("bad host:80") == "'bad host:80': 'bad host' is not an IP address or host name");
  CHECK(error_of("a..b:80").find("is not an IP address or host name") != std::string::npos);
  CHECK(error_of(std::string_view("1.2.3.4\0:80", 10)).find("not an IP address") !=
        std::string::npos);
}
