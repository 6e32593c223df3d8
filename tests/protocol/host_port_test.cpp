#include <catch2/catch.hpp>

#include "protocol/host_port.hpp"

using namespace actorrent;

TEST_CASE("host:port splits IPv4, bracketed IPv6 and names without resolving", "[host_port]") {
  auto v4 = split_host_port("192.0.2.7:6881");
  REQUIRE(v4);
  CHECK(v4->host == "192.0.2.7");
  CHECK(v4->port == 6881);
  auto v6 = split_host_port("[2001:db8::7]:65535");
  REQUIRE(v6);
  CHECK(v6->host == "2001:db8::7");
  CHECK(v6->port == 65535);
  auto name = split_host_port("router.bittorrent.com:6881");
  REQUIRE(name);
  CHECK(name->host == "router.bittorrent.com");
}

TEST_CASE("host:port refusals quote the text and say what is wrong", "[host_port]") {
  CHECK(split_host_port("192.0.2.7").error().find("'192.0.2.7': missing port") == 0);
  CHECK(split_host_port(":6881").error().find("missing host") != std::string::npos);
  for (const char* bad : {"a:0", "a:65536", "a:99999999999", "a:", "a:12x", "a:-1"})
    CHECK(split_host_port(bad).error().find("the port is not a number 1..65535") !=
          std::string::npos);
  CHECK(split_host_port("2001:db8::7:6881").error().find("[ADDRESS]:PORT") != std::string::npos);
  CHECK(split_host_port("[::1]6881").error().find("[ADDRESS]:PORT") != std::string::npos);
  CHECK(split_host_port("bad host:80").error().find("character") != std::string::npos);
  CHECK(split_host_port(std::string(300, 'a') + ":80").error().find("over 253") !=
        std::string::npos);
}

TEST_CASE("join_host_port brackets IPv6 literals and takes any port", "[host_port]") {
  CHECK(join_host_port("127.0.0.1", 0) == "127.0.0.1:0");
  CHECK(join_host_port("::1", 7000) == "[::1]:7000");
  CHECK(join_host_port("router.example.org", 6881) == "router.example.org:6881");
  auto back = split_host_port(join_host_port("2001:db8::7", 6881));
  REQUIRE(back);
  CHECK((back->host == "2001:db8::7" && back->port == 6881));
}
