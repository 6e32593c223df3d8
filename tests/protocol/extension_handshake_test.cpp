#include <catch2/catch.hpp>

#include <string>

#include "protocol/extension_handshake.hpp"
#include "protocol/extension_ids.hpp"

using namespace actorrent;
using namespace std::string_literals;

namespace {

// The error's message and offset, or "(decoded)".
std::string error_of(std::string_view payload, const extension_handshake_limits& limits = {}) {
  auto h = decode_extension_handshake(payload, limits);
  if (h) return "(decoded)";
  return h.error().to_string();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("BEP 10's example handshake, byte for byte", "[extension_handshake]") {
  // BEP 10's example: {'m': {'LT_metadata': 1, 'µT_PEX': 2}, 'p': 6881, 'v': 'µTorrent 1.2'}
  // ('µ' is two bytes in UTF-8, hence 7 and 13).
  const std::string payload =
      "d1:md11:LT_metadatai1e7:\xc2\xb5T_PEXi2ee1:pi6881e1:v13:\xc2\xb5Torrent 1.2e";
  auto h = decode_extension_handshake(payload);
  REQUIRE(h);
  CHECK(h->m == extension_map{{"LT_metadata", 1}, {"\xc2\xb5T_PEX", 2}});
  CHECK(h->p == 6881);
  CHECK(h->v == "\xc2\xb5Torrent 1.2"s);
  CHECK_FALSE(h->reqq);
  CHECK_FALSE(h->metadata_size);
  CHECK_FALSE(h->yourip);
  // Those are not the names we speak: the peer supports neither of ours.
  peer_extension_ids theirs;
  theirs.apply(h->m);
  CHECK_FALSE(theirs.supports(extension::ut_metadata));
  CHECK_FALSE(theirs.supports(extension::ut_pex));
  // Canonical already: it encodes back to the same bytes.
  CHECK(encode(*h) == payload);
}

TEST_CASE("a libtorrent 2.0 style handshake: unknown keys and extensions ignored",
          "[extension_handshake]") {
  const std::string payload =
      "d12:complete_agoi-1e"
      "1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_holepunchi4e"
      "11:ut_metadatai2e6:ut_pexi1ee"
      "13:metadata_sizei31235e1:pi6881e4:reqqi500e11:upload_onlyi0e"
      "1:v17:libtorrent 2.0.10"
      "6:yourip4:\x7f\x00\x00\x01"
      "e"s;
  auto h = decode_extension_handshake(payload);
  REQUIRE(h);
  CHECK(h->m.size() == 6);
  CHECK(h->metadata_size == 31235);
  CHECK(h->p == 6881);
  CHECK(h->reqq == 500u);
  CHECK(h->v == "libtorrent 2.0.10"s);
  REQUIRE(h->yourip);
  CHECK_FALSE(h->yourip->v6);
  CHECK(h->yourip->ip_string() == "127.0.0.1");

  peer_extension_ids theirs;
  theirs.apply(h->m);
  CHECK(theirs.id_for(extension::ut_metadata) == std::uint8_t{2});
  CHECK(theirs.id_for(extension::ut_pex) == std::uint8_t{1});
}

TEST_CASE("extension handshake round trip, canonical bytes", "[extension_handshake]") {
  extension_handshake h;
  h.m = our_extension_map(true);
  h.v = "actorrent 0.1";
  h.p = 51413;
  h.reqq = 250;
  h.metadata_size = 16384 * 3 + 7;
  h.yourip = peer_address::parse_ip("2001:db8::1", 0);
  const std::string bytes = encode(h);
  CHECK(bytes ==
        "d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei49159e1:pi51413e4:reqqi250e"
        "1:v13:actorrent 0.16:yourip16:\x20\x01\x0d\xb8"s +
            std::string(11, '\0') + "\x01" + "e");
  auto back = decode_extension_handshake(bytes);
  REQUIRE(back);
  CHECK(*back == h);
  CHECK(back->yourip->v6);

  // Nothing but m: every other field stays absent.
  extension_handshake bare;
  CHECK(encode(bare) == "d1:mdee");
  auto bare_back = decode_extension_handshake("d1:mdee");
  REQUIRE(bare_back);
  CHECK(*bare_back == bare);
  // A handshake without m (a later one that changes nothing) is valid too.
  auto empty = decode_extension_handshake("de");
  REQUIRE(empty);
  CHECK(empty->m.empty());
}

TEST_CASE("extension handshake: invalid bencode and shape", "[extension_handshake]") {
  CHECK(error_of("") == "extension handshake: invalid bencode: unexpected end of input at byte 0");
  CHECK(error_of("le") == "extension handshake: payload is not a dictionary at byte 0");
  CHECK(error_of("i5e") == "extension handshake: payload is not a dictionary at byte 0");
  // Truncated in the middle of m.
  CHECK(error_of("d1:md11:ut_metadatai1e") ==
        "extension handshake: invalid bencode: unexpected end of input at byte 22");
  CHECK(error_of("d1:md11:ut_meta") ==
        "extension handshake: invalid bencode: unexpected end of input at byte 15");
  // Trailing garbage after the dictionary.
  CHECK(error_of("d1:mdeexyz") ==
        "extension handshake: invalid bencode: trailing data after the top-level item at byte 7");
  // A key twice: which one would count?
  CHECK(error_of("d1:pi1e1:pi2ee") ==
        "extension handshake: invalid bencode: duplicate dictionary key at byte 7");
  // Nesting in an ignored key is bounded too.
  CHECK(contains(error_of("d1:x" + std::string(20, 'l') + std::string(20, 'e') + "e"),
                 "nesting too deep"));
  // The size limit comes before any parsing.
  extension_handshake_limits small;
  small.max_payload = 8;
  CHECK(error_of("d1:v5:helloe", small) ==
        "extension handshake: payload of 12 bytes exceeds the limit of 8 at byte 8");
  CHECK(error_of(std::string(16 * 1024 + 1, 'd')) ==
        "extension handshake: payload of 16385 bytes exceeds the limit of 16384 at byte 16384");
}

TEST_CASE("extension handshake: m entries checked", "[extension_handshake]") {
  CHECK(error_of("d1:mi1ee") == "extension handshake: m: not a dictionary at byte 4");
  CHECK(error_of("d1:m3:abce") == "extension handshake: m: not a dictionary at byte 4");
  CHECK(error_of("d1:md6:ut_pex3:oneee") ==
        "extension handshake: m: ut_pex: not an integer at byte 13");
  CHECK(error_of("d1:md6:ut_pexi-1eee") ==
        "extension handshake: m: ut_pex: -1 is outside [0, 255] at byte 13");
  CHECK(error_of("d1:md6:ut_pexi256eee") ==
        "extension handshake: m: ut_pex: 256 is outside [0, 255] at byte 13");
  CHECK(contains(error_of("d1:md6:ut_pexi99999999999999999999eee"), "integer overflows 64 bits"));
  CHECK(error_of("d1:md0:i1eee") == "extension handshake: m: empty extension name at byte 5");
  // Two extensions on one id: every message with that id would be ambiguous.
  CHECK(error_of("d1:md11:ut_metadatai1e6:ut_pexi1eee") ==
        "extension handshake: m: ut_pex: id 1 is already ut_metadata's at byte 30");
  // ... but any number may be disabled (id 0).
  auto zeros = decode_extension_handshake("d1:md11:ut_metadatai0e6:ut_pexi0eee");
  REQUIRE(zeros);
  CHECK(zeros->m == extension_map{{"ut_metadata", 0}, {"ut_pex", 0}});
  // Unprintable names are not echoed into the error.
  CHECK(error_of("d1:md3:\x01\x02\x03i-4eee") ==
        "extension handshake: m: (an unprintable name): -4 is outside [0, 255] at byte 10");

  // Name length and entry count limits.
  const std::string long_name(65, 'x');
  CHECK(error_of("d1:md65:" + long_name + "i1eee") ==
        "extension handshake: m: extension name of 65 bytes exceeds the limit of 64 at byte 5");
  CHECK(error_of("d1:md64:" + long_name.substr(1) + "i1eee") == "(decoded)");
  std::string many = "d1:md";
  for (int i = 0; i < 129; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "e%03d", i);
    many += "4:" + std::string(name) + "i0e";
  }
  many += "ee";
  CHECK(error_of(many) == "extension handshake: m: 129 entries exceed the limit of 128 at byte 4");
  extension_handshake_limits roomy;
  roomy.max_m_entries = 200;
  CHECK(error_of(many, roomy) == "(decoded)");
}

TEST_CASE("extension handshake: v, p, reqq, metadata_size, yourip checked",
          "[extension_handshake]") {
  CHECK(error_of("d1:vi1ee") == "extension handshake: v: not a string at byte 4");
  CHECK(error_of("d1:v257:" + std::string(257, 'a') + "e") ==
        "extension handshake: v: 257 bytes exceed the limit of 256 at byte 4");

  CHECK(error_of("d1:pi0ee") == "extension handshake: p: 0 is outside [1, 65535] at byte 4");
  CHECK(error_of("d1:pi-6881ee") ==
        "extension handshake: p: -6881 is outside [1, 65535] at byte 4");
  CHECK(error_of("d1:pi65536ee") ==
        "extension handshake: p: 65536 is outside [1, 65535] at byte 4");
  CHECK(error_of("d1:p4:6881e") == "extension handshake: p: not an integer at byte 4");

  CHECK(error_of("d4:reqqi0ee") ==
        "extension handshake: reqq: 0 is outside [1, 2147483647] at byte 7");
  CHECK(error_of("d4:reqqi-250ee") ==
        "extension handshake: reqq: -250 is outside [1, 2147483647] at byte 7");
  CHECK(error_of("d4:reqqi2147483648ee") ==
        "extension handshake: reqq: 2147483648 is outside [1, 2147483647] at byte 7");
  CHECK(error_of("d4:reqqi2147483647ee") == "(decoded)");

  CHECK(error_of("d13:metadata_sizei0ee") ==
        "extension handshake: metadata_size: 0 is outside [1, 16777216] at byte 17");
  CHECK(error_of("d13:metadata_sizei-1ee") ==
        "extension handshake: metadata_size: -1 is outside [1, 16777216] at byte 17");
  CHECK(error_of("d13:metadata_sizei16777217ee") ==
        "extension handshake: metadata_size: 16777217 is outside [1, 16777216] at byte 17");
  CHECK(error_of("d13:metadata_sizei9223372036854775807ee") ==
        "extension handshake: metadata_size: 9223372036854775807 is outside [1, 16777216] at "
        "byte 17");
  CHECK(error_of("d13:metadata_sizei16777216ee") == "(decoded)");
  CHECK(error_of("d13:metadata_size5:12345e") ==
        "extension handshake: metadata_size: not an integer at byte 17");
  extension_handshake_limits tight;
  tight.max_metadata_size = 1000;
  CHECK(error_of("d13:metadata_sizei1001ee", tight) ==
        "extension handshake: metadata_size: 1001 is outside [1, 1000] at byte 17");

  CHECK(error_of("d6:yourip5:abcdee") ==
        "extension handshake: yourip: 5 bytes, expected 4 or 16 at byte 9");
  CHECK(error_of("d6:yourip0:e") ==
        "extension handshake: yourip: 0 bytes, expected 4 or 16 at byte 9");
  CHECK(error_of("d6:youripi1ee") == "extension handshake: yourip: not a string at byte 9");

  // Keys we do not use are ignored whatever their type.
  CHECK(error_of("d1:xd1:ai1ee6:extras5:abcdee") == "(decoded)");
}

TEST_CASE("our extension ids are fixed and resolve incoming ids", "[extension_handshake]") {
  CHECK(local_id(extension::ut_metadata) == 1);
  CHECK(local_id(extension::ut_pex) == 2);
  CHECK(extension_name(extension::ut_metadata) == "ut_metadata");
  CHECK(extension_name(extension::ut_pex) == "ut_pex");
  CHECK(extension_from_local_id(1) == extension::ut_metadata);
  CHECK(extension_from_local_id(2) == extension::ut_pex);
  CHECK_FALSE(extension_from_local_id(0));  // the handshake itself
  CHECK_FALSE(extension_from_local_id(3));
  CHECK_FALSE(extension_from_local_id(255));
  CHECK(our_extension_map(true) == extension_map{{"ut_metadata", 1}, {"ut_pex", 2}});
  // A private torrent does not offer PEX.
  CHECK(our_extension_map(false) == extension_map{{"ut_metadata", 1}});
}

TEST_CASE("the peer's ids: additive across handshakes, 0 disables", "[extension_handshake]") {
  peer_extension_ids theirs;
  CHECK_FALSE(theirs.supports(extension::ut_metadata));
  theirs.apply({{"ut_metadata", 3}, {"ut_pex", 9}, {"lt_donthave", 4}});
  CHECK(theirs.id_for(extension::ut_metadata) == std::uint8_t{3});
  CHECK(theirs.id_for(extension::ut_pex) == std::uint8_t{9});
  // A later handshake naming only ut_pex with 0 disables PEX and leaves ut_metadata alone.
  theirs.apply({{"ut_pex", 0}});
  CHECK(theirs.id_for(extension::ut_metadata) == std::uint8_t{3});
  CHECK_FALSE(theirs.supports(extension::ut_pex));
  // ... and one that re-enables it with another id.
  theirs.apply({{"ut_pex", 17}});
  CHECK(theirs.id_for(extension::ut_pex) == std::uint8_t{17});
  // Names we do not speak change nothing.
  theirs.apply({{"ut_holepunch", 3}});
  CHECK(theirs.id_for(extension::ut_metadata) == std::uint8_t{3});
}
