#include <catch2/catch.hpp>

#include <string>

#include "protocol/magnet.hpp"

// Named: the file shares a unity batch with other tests.
namespace magnet_test {

using namespace actorrent;

namespace {

constexpr const char* hash_hex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";
constexpr const char* hash_base32 = "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK";
const std::string xt = std::string("xt=urn:btih:") + hash_hex;

std::string error_of(const std::string& uri) {
  auto parsed = parse_magnet(uri);
  if (parsed) return "(parsed successfully)";
  return parsed.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("magnet with a hex info-hash and all optional parameters", "[magnet]") {
  auto m = parse_magnet("magnet:?" + xt +
                        "&dn=Some+File%20Name.iso"
                        "&tr=http%3A%2F%2Ftracker.example%2Fannounce%3Fk%3Da%2Bb"
                        "&tr=udp://tracker2.example:6969"
                        "&x.pe=1.2.3.4:6881&x.pe=peer.example.org:51413"
                        "&so=4-6,0,2,5");
  REQUIRE(m);
  CHECK(m->info_hash.hex() == hash_hex);
  CHECK(m->display_name == "Some File Name.iso");
  CHECK(m->trackers == std::vector<std::string>{"http://tracker.example/announce?k=a+b",
                                                "udp://tracker2.example:6969"});
  REQUIRE(m->peers.size() == 2);
  CHECK(m->peers[0] == magnet_peer{"1.2.3.4", 6881});
  CHECK(m->peers[1] == magnet_peer{"peer.example.org", 51413});
  CHECK(m->select_only == std::vector<std::uint32_t>{0, 2, 4, 5, 6});
}

TEST_CASE("magnet with a base32 info-hash in either case", "[magnet]") {
  auto upper = parse_magnet(std::string("magnet:?xt=urn:btih:") + hash_base32);
  REQUIRE(upper);
  CHECK(upper->info_hash.hex() == hash_hex);

  std::string lower_hash = hash_base32;
  for (char& c : lower_hash)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto lower = parse_magnet("magnet:?xt=urn:btih:" + lower_hash);
  REQUIRE(lower);
  CHECK(lower->info_hash.hex() == hash_hex);

  auto upper_hex = parse_magnet("magnet:?xt=urn:btih:C12FE1C06BBA254A9DC9F519B335AA7C1367A88A");
  REQUIRE(upper_hex);
  CHECK(upper_hex->info_hash.hex() == hash_hex);
}

TEST_CASE("magnet minimal form has empty optional fields", "[magnet]") {
  auto m = parse_magnet("magnet:?" + xt);
  REQUIRE(m);
  CHECK(m->display_name.empty());
  CHECK(m->trackers.empty());
  CHECK(m->peers.empty());
  CHECK(m->select_only.empty());
}

TEST_CASE("magnet x.pe accepts IPv6 in brackets", "[magnet]") {
  auto m = parse_magnet("magnet:?" + xt + "&x.pe=[::1]:6881&x.pe=%5B2001:db8::7%5D:65535");
  REQUIRE(m);
  REQUIRE(m->peers.size() == 2);
  CHECK(m->peers[0] == magnet_peer{"::1", 6881});
  CHECK(m->peers[1] == magnet_peer{"2001:db8::7", 65535});
  CHECK(m->peers[0].to_string() == "[::1]:6881");
  CHECK(m->peers[1].to_string() == "[2001:db8::7]:65535");
}

TEST_CASE("magnet ignores other xt types and unknown parameters", "[magnet]") {
  auto m = parse_magnet(
      "magnet:?xt=urn:btmh:1220caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e"
      "&" +
      xt + "&ws=http://seed.example/file&kt=a+b&xl=1234&xt.2=urn:sha1:ABC");
  REQUIRE(m);
  CHECK(m->info_hash.hex() == hash_hex);
}

TEST_CASE("magnet accepts a repeated identical btih and keeps the first dn", "[magnet]") {
  auto m = parse_magnet(std::string("magnet:?") + xt + "&xt=urn:btih:" + hash_base32 +
                        "&dn=first&dn=second");
  REQUIRE(m);
  CHECK(m->info_hash.hex() == hash_hex);
  CHECK(m->display_name == "first");
}

TEST_CASE("magnet so merges repeats, dedups and accepts single-index ranges", "[magnet]") {
  auto m = parse_magnet("magnet:?" + xt + "&so=3-3,1&so=1,2,4294967295");
  REQUIRE(m);
  CHECK(m->select_only == std::vector<std::uint32_t>{1, 2, 3, 4294967295u});
}

TEST_CASE("magnet rejects malformed input with a message naming the problem", "[magnet]") {
  const std::string base = "magnet:?" + xt;

  CHECK(contains(error_of("http://example.org/?" + xt), "must start with 'magnet:?'"));
  CHECK(contains(error_of("magnet:" + xt), "must start with 'magnet:?'"));
  CHECK(error_of("magnet:?dn=x") == "magnet: xt: missing; a magnet needs xt=urn:btih:<info-hash>");
  CHECK(error_of("magnet:?") == "magnet: xt: missing; a magnet needs xt=urn:btih:<info-hash>");
  CHECK(contains(error_of("magnet:?xt=urn:btmh:1220caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105"
                          "232b28ad099f3a302e"),
                 "magnet: xt: only a urn:btmh (BitTorrent v2) info-hash is present"));
  CHECK(error_of("magnet:?xt=urn:sha1:ABC") ==
        "magnet: xt: no urn:btih info-hash among the xt parameters");
  CHECK(contains(error_of("magnet:?xt=urn:btih:c12fe1c06bba"),
                 "magnet: xt: urn:btih info-hash must be 40 hex or 32 base32 characters, got 12"));
  CHECK(contains(error_of("magnet:?xt=urn:btih:g12fe1c06bba254a9dc9f519b335aa7c1367a88a"),
                 "magnet: xt: urn:btih info-hash 'g12f"));
  CHECK(contains(error_of("magnet:?xt=urn:btih:g12fe1c06bba254a9dc9f519b335aa7c1367a88a"),
                 "is not valid hex"));
  CHECK(contains(error_of("magnet:?xt=urn:btih:1EX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK"),
                 "is not valid base32"));
  CHECK(error_of("magnet:?xt=") == "magnet: xt: empty value");
  CHECK(contains(error_of(base + "&xt=urn:btih:dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"),
                 "magnet: xt: two different urn:btih info-hashes"));

  CHECK(contains(error_of(base + "&dn=bad%2"), "magnet: dn: bad percent-escape '%2'"));
  CHECK(contains(error_of(base + "&tr=http%3x//a"), "magnet: tr: bad percent-escape '%3x'"));
  CHECK(contains(error_of(base + "&dn=a%00b"), "magnet: dn: value 'a%00b' decodes to a NUL byte"));
  CHECK(error_of(base + "&tr=") == "magnet: tr: empty tracker URL");

  CHECK(contains(error_of(base + "&x.pe=1.2.3.4:0"),
                 "magnet: x.pe: port '0' is not a number in 1-65535"));
  CHECK(contains(error_of(base + "&x.pe=1.2.3.4:65536"), "port '65536' is not a number"));
  CHECK(contains(error_of(base + "&x.pe=1.2.3.4:"), "port '' is not a number"));
  CHECK(contains(error_of(base + "&x.pe=1.2.3.4:99999999999999999999"), "is not a number"));
  CHECK(contains(error_of(base + "&x.pe=1.2.3.4"), "magnet: x.pe: missing ':port'"));
  CHECK(contains(error_of(base + "&x.pe=1.2.3.999:80"), "'1.2.3.999' is not a valid IPv4"));
  CHECK(contains(error_of(base + "&x.pe=::1:6881"), "an IPv6 address needs brackets"));
  CHECK(contains(error_of(base + "&x.pe=[::1:6881"), "unterminated '['"));
  CHECK(contains(error_of(base + "&x.pe=[::1]6881"), "missing ':port' after ']'"));
  CHECK(contains(error_of(base + "&x.pe=[not-ip]:6881"), "'not-ip' is not a valid IPv6"));
  CHECK(contains(error_of(base + "&x.pe=bad%20host:6881"), "'bad host' is not a valid host name"));
  CHECK(contains(error_of(base + "&x.pe=:6881"), "magnet: x.pe: empty host"));

  CHECK(contains(error_of(base + "&so=0-4000000000"), "magnet: so: selects more than 262144"));
  CHECK(contains(error_of(base + "&so=0-200000&so=0-200000"), "selects more than"));
  CHECK(contains(error_of(base + "&so=6-4"), "magnet: so: range '6-4' runs backwards"));
  CHECK(contains(error_of(base + "&so=1,,2"), "magnet: so: empty item"));
  CHECK(contains(error_of(base + "&so=1,"), "magnet: so: empty item"));
  CHECK(contains(error_of(base + "&so=a"), "magnet: so: 'a' is not a file index"));
  CHECK(contains(error_of(base + "&so=-3"), "'-3' is not a file index"));
  CHECK(contains(error_of(base + "&so=1-2-3"), "'1-2-3' is not a file index"));
  CHECK(contains(error_of(base + "&so=4294967296"), "'4294967296' is not a file index"));
  CHECK(error_of(base + "&so=") == "magnet: so: empty value");
}

TEST_CASE("magnet error messages stay short and printable", "[magnet]") {
  const std::string message = error_of("magnet:?xt=urn:btih:" + std::string(500, '\x01'));
  CHECK(message.size() < 200);
  CHECK(contains(message, "\\x01\\x01"));
  CHECK(contains(message, "...'"));
}

TEST_CASE("magnet to_string round-trips", "[magnet]") {
  magnet_link m;
  m.info_hash = sha1_hash::from_bytes(std::string(20, '\x5a'));
  m.display_name = "A & B = C + 100% é";
  m.trackers = {"http://t.example/announce?passkey=a+b&x=1", "udp://u.example:80"};
  m.peers = {{"10.0.0.1", 6881}, {"fe80::1", 1}, {"host.example", 65535}};
  m.select_only = {0, 2, 3, 4, 7, 9, 10};

  const std::string uri = to_string(m);
  CHECK(uri ==
        "magnet:?xt=urn:btih:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
        "&dn=A%20%26%20B%20%3D%20C%20%2B%20100%25%20%C3%A9"
        "&tr=http://t.example/announce%3Fpasskey%3Da%2Bb%26x%3D1&tr=udp://u.example:80"
        "&x.pe=10.0.0.1:6881&x.pe=%5Bfe80::1%5D:1&x.pe=host.example:65535"
        "&so=0,2-4,7,9-10");
  auto parsed = parse_magnet(uri);
  REQUIRE(parsed);
  CHECK(*parsed == m);
  CHECK(to_string(*parsed) == uri);
}

}  // namespace magnet_test
