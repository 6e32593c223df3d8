#include <catch2/catch.hpp>

#include <string>

#include "protocol/ut_pex.hpp"

// Named: the file shares a unity batch with other tests.
namespace ut_pex_test {

using namespace actorrent;
using namespace std::string_literals;

namespace {

peer_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                std::uint16_t port) {
  return peer_address::v4_address({a, b, c, d}, port);
}

peer_address v6(const char* ip, std::uint16_t port) {
  return *peer_address::parse_ip(ip, port);
}

std::string error_of(std::string_view payload, const ut_pex::decode_limits& limits = {}) {
  auto d = ut_pex::decode(payload, limits);
  if (d) return "(decoded)";
  return d.error().to_string();
}

// n compact IPv4 peers 10.0.x.y, ports 1000 + i.
std::string compact_v4_list(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    append_compact(v4(10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i),
                      static_cast<std::uint16_t>(1000 + i)),
                   out);
  return out;
}

std::string compact_v6_list(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    peer_address a = v6("2001:db8::", static_cast<std::uint16_t>(2000 + i));
    a.ip[15] = static_cast<std::uint8_t>(i);
    append_compact(a, out);
  }
  return out;
}

std::string bstr(const std::string& s) {
  return std::to_string(s.size()) + ":" + s;
}

}  // namespace

TEST_CASE("ut_pex encodes compact lists with flags", "[ut_pex]") {
  ut_pex::message m;
  m.added.push_back({v4(1, 2, 3, 4, 6881), ut_pex::seed | ut_pex::reachable});
  m.added.push_back({v6("::1", 443), ut_pex::supports_utp});
  m.dropped.push_back(v4(5, 6, 7, 8, 0x1ae1));
  CHECK(ut_pex::encode(m) ==
        "d5:added6:\x01\x02\x03\x04\x1a\xe1"
        "7:added.f1:\x12"
        "6:added618:"s +
            std::string(15, '\0') + "\x01\x01\xbb" +
            "8:added6.f1:\x04"
            "7:dropped6:\x05\x06\x07\x08\x1a\xe1"
            "e");
  // Empty lists are left out; an empty message is an empty dictionary.
  CHECK(ut_pex::encode({}) == "de");
}

TEST_CASE("ut_pex round trips, IPv4 and IPv6", "[ut_pex]") {
  ut_pex::message m;
  for (std::uint8_t i = 0; i < 30; ++i)
    m.added.push_back({v4(192, 168, 0, i, static_cast<std::uint16_t>(6881 + i)), i});
  for (std::uint8_t i = 0; i < 20; ++i) {
    peer_address a = v6("fe80::", static_cast<std::uint16_t>(7000 + i));
    a.ip[15] = i;
    m.added.push_back({a, static_cast<std::uint8_t>(0x1f - i % 0x20)});
  }
  for (std::uint8_t i = 0; i < 25; ++i)
    m.dropped.push_back(v4(172, 16, 0, i, 80));
  for (std::uint8_t i = 0; i < 25; ++i)
    m.dropped.push_back(v6("::ffff:1.2.3.4", static_cast<std::uint16_t>(100 + i)));
  auto back = ut_pex::decode(ut_pex::encode(m));
  REQUIRE(back);
  CHECK(back->peers == m);
  CHECK(back->ignored_added == 0);
  CHECK(back->ignored_dropped == 0);
}

TEST_CASE("ut_pex decodes a libtorrent-style message with every key", "[ut_pex]") {
  // libtorrent writes all six keys, empty ones included, and flags for every added peer.
  const std::string payload =
      "d5:added12:\x0a\x00\x00\x01\x1a\xe1\x0a\x00\x00\x02\xc8\xd5"
      "7:added.f2:\x10\x02"
      "6:added60:8:added6.f0:"
      "7:dropped6:\x0a\x00\x00\x03\x00\x50"
      "8:dropped60:"
      "e"s;
  auto d = ut_pex::decode(payload);
  REQUIRE(d);
  REQUIRE(d->peers.added.size() == 2);
  CHECK(d->peers.added[0] == ut_pex::pex_peer{v4(10, 0, 0, 1, 6881), ut_pex::reachable});
  CHECK(d->peers.added[1] == ut_pex::pex_peer{v4(10, 0, 0, 2, 51413), ut_pex::seed});
  CHECK(d->peers.dropped == std::vector<peer_address>{v4(10, 0, 0, 3, 80)});

  // Flags are optional: missing ones read as 0. Unknown keys are ignored.
  auto bare = ut_pex::decode(
      "d5:added6:\x01\x02\x03\x04\x00\x01"
      "3:zzzi5ee"s);
  REQUIRE(bare);
  CHECK(bare->peers.added == std::vector<ut_pex::pex_peer>{{v4(1, 2, 3, 4, 1), 0}});
  auto empty = ut_pex::decode("de");
  REQUIRE(empty);
  CHECK(empty->peers.empty());
}

TEST_CASE("ut_pex: malformed lengths and types are errors", "[ut_pex]") {
  CHECK(error_of("d5:added7:abcdefge") ==
        "ut_pex: added: length 7 is not a multiple of 6 at byte 8");
  CHECK(error_of("d6:added617:" + std::string(17, 'a') + "e") ==
        "ut_pex: added6: length 17 is not a multiple of 18 at byte 9");
  CHECK(error_of("d7:dropped5:abcdee") ==
        "ut_pex: dropped: length 5 is not a multiple of 6 at byte 10");
  CHECK(error_of("d8:dropped619:" + std::string(19, 'a') + "e") ==
        "ut_pex: dropped6: length 19 is not a multiple of 18 at byte 11");
  CHECK(error_of("d5:addedi6ee") == "ut_pex: added: not a string at byte 8");
  CHECK(error_of("d7:droppedlee") == "ut_pex: dropped: not a string at byte 10");
  CHECK(error_of("d8:dropped6i0ee") == "ut_pex: dropped6: not a string at byte 11");
  // Flags must match their list one byte per peer.
  CHECK(error_of("d5:added6:abcdef7:added.f2:\x01\x02"
                 "e"s) == "ut_pex: added.f: 2 flag bytes for 1 peers at byte 25");
  CHECK(error_of("d5:added12:abcdefghijkl7:added.f0:e") ==
        "ut_pex: added.f: 0 flag bytes for 2 peers at byte 32");
  CHECK(error_of("d5:added6:abcdef7:added.fi1ee") == "ut_pex: added.f: not a string at byte 25");
  CHECK(error_of("d8:added6.f1:\x01"
                 "e"s) == "ut_pex: added6.f: flags without added6 at byte 11");
  CHECK(error_of("d7:added.f0:e") == "(decoded)");  // no peers, no flags: harmless

  CHECK(error_of("") == "ut_pex: invalid bencode: unexpected end of input at byte 0");
  CHECK(error_of("le") == "ut_pex: payload is not a dictionary at byte 0");
  CHECK(error_of("d5:added6:abc") == "ut_pex: invalid bencode: unexpected end of input at byte 13");
  CHECK(error_of("d5:added6:abcdefe???") ==
        "ut_pex: invalid bencode: trailing data after the top-level item at byte 17");
  CHECK(error_of("d5:added6:abcdef5:added0:e") ==
        "ut_pex: invalid bencode: duplicate dictionary key at byte 16");
  CHECK(error_of("d5:added" + bstr(std::string(16400, 'a')) + "e") ==
        "ut_pex: payload of 16415 bytes exceeds the limit of 16384 at byte 16384");
}

TEST_CASE("ut_pex: at most 50 added and 50 dropped kept, the rest counted", "[ut_pex]") {
  // 60 IPv4 peers added in one message: 50 kept, 10 ignored.
  auto many = ut_pex::decode("d5:added" + bstr(compact_v4_list(60)) + "e");
  REQUIRE(many);
  CHECK(many->peers.added.size() == 50);
  CHECK(many->ignored_added == 10);
  CHECK(many->peers.added.front().address == v4(10, 0, 0, 0, 1000));
  CHECK(many->peers.added.back().address == v4(10, 0, 0, 49, 1049));

  // IPv4 and IPv6 share the limit: IPv4 first.
  auto mixed = ut_pex::decode("d5:added" + bstr(compact_v4_list(30)) + "6:added6" +
                              bstr(compact_v6_list(30)) + "7:dropped" + bstr(compact_v4_list(40)) +
                              "8:dropped6" + bstr(compact_v6_list(20)) + "e");
  REQUIRE(mixed);
  CHECK(mixed->peers.added.size() == 50);
  CHECK(mixed->ignored_added == 10);
  CHECK(mixed->peers.added[29].address.v6 == false);
  CHECK(mixed->peers.added[30].address.v6 == true);
  CHECK(mixed->peers.dropped.size() == 50);
  CHECK(mixed->ignored_dropped == 10);

  // Peers on port 0 cannot be dialled: ignored, counted.
  auto zero = ut_pex::decode(
      "d5:added12:\x01\x02\x03\x04\x00\x00\x05\x06\x07\x08\x00\x01"
      "e"s);
  REQUIRE(zero);
  CHECK(zero->peers.added == std::vector<ut_pex::pex_peer>{{v4(5, 6, 7, 8, 1), 0}});
  CHECK(zero->ignored_added == 1);

  // The kept numbers are the caller's.
  ut_pex::decode_limits few;
  few.keep_added = 2;
  few.keep_dropped = 0;
  auto small = ut_pex::decode(
      "d5:added" + bstr(compact_v4_list(5)) + "7:dropped" + bstr(compact_v4_list(3)) + "e", few);
  REQUIRE(small);
  CHECK(small->peers.added.size() == 2);
  CHECK(small->ignored_added == 3);
  CHECK(small->peers.dropped.empty());
  CHECK(small->ignored_dropped == 3);
}

}  // namespace ut_pex_test
