#include <catch2/catch.hpp>

#include <string>

#include "protocol/handshake.hpp"

using namespace actorrent;

namespace {

sha1_hash filled(char c) {
  return sha1_hash::from_bytes(std::string(20, c));
}

handshake sample() {
  handshake h;
  h.info_hash = filled('I');
  h.peer_id = sha1_hash::from_bytes("-AT0001-abcdefghijkl");
  return h;
}

std::string encoded(const handshake& h) {
  std::string out;
  encode_handshake(h, out);
  return out;
}

}  // namespace

TEST_CASE("handshake encodes the BEP 3 layout byte for byte", "[wire][handshake]") {
  handshake h = sample();
  h.set_extension_protocol(true);
  const std::string bytes = encoded(h);
  REQUIRE(bytes.size() == 68);
  CHECK(bytes[0] == 19);
  CHECK(bytes.substr(1, 19) == "BitTorrent protocol");
  CHECK(bytes.substr(20, 8) == std::string("\0\0\0\0\0\x10\0\0", 8));
  CHECK(bytes.substr(28, 20) == std::string(20, 'I'));
  CHECK(bytes.substr(48, 20) == "-AT0001-abcdefghijkl");

  std::string appended = "xy";
  encode_handshake(h, appended);
  CHECK(appended == "xy" + bytes);
}

TEST_CASE("handshake reserved bits map to BEP 10, BEP 6 and BEP 5", "[wire][handshake]") {
  handshake h;
  CHECK_FALSE(h.supports_extension_protocol());
  CHECK_FALSE(h.supports_fast_extension());
  CHECK_FALSE(h.supports_dht());

  h.set_extension_protocol(true);
  h.set_fast_extension(true);
  h.set_dht(true);
  CHECK(h.reserved == std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0x10, 0, 0x05});

  h.set_fast_extension(false);
  CHECK(h.reserved[7] == 0x01);
  CHECK(h.supports_dht());
  CHECK_FALSE(h.supports_fast_extension());
  h.set_extension_protocol(false);
  CHECK(h.reserved[5] == 0);
}

TEST_CASE("handshake round-trips and keeps unknown reserved bits", "[wire][handshake]") {
  handshake h = sample();
  h.reserved = {0x80, 0, 0, 0, 0, 0x18, 0, 0x05};  // as libtorrent sends: LTEP, v2 bit, fast, DHT
  auto decoded = decode_handshake(encoded(h));
  REQUIRE(decoded);
  REQUIRE(decoded->has_value());
  const handshake& got = **decoded;
  CHECK(got == h);
  CHECK(got.reserved[0] == 0x80);
  CHECK(got.reserved[5] == 0x18);
  CHECK(got.supports_extension_protocol());
  CHECK(got.supports_fast_extension());
  CHECK(got.supports_dht());
  CHECK(got.info_hash == filled('I'));
  CHECK(got.peer_id.view() == "-AT0001-abcdefghijkl");
}

TEST_CASE("handshake decoding ignores bytes after the 68th", "[wire][handshake]") {
  const std::string bytes = encoded(sample()) + std::string("\0\0\0\x01\x02", 5);
  auto decoded = decode_handshake(bytes);
  REQUIRE(decoded);
  REQUIRE(decoded->has_value());
  CHECK(**decoded == sample());
}

TEST_CASE("a truncated handshake needs more bytes and is not an error", "[wire][handshake]") {
  const std::string bytes = encoded(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    auto decoded = decode_handshake(std::string_view(bytes).substr(0, n));
    REQUIRE(decoded);
    CHECK_FALSE(decoded->has_value());
  }
}

TEST_CASE("a wrong protocol string length is rejected from the first byte", "[wire][handshake]") {
  auto http = decode_handshake("GET /announce HTTP/1.1\r\n");
  REQUIRE_FALSE(http);
  CHECK(http.error().code == wire_errc::bad_handshake);
  CHECK(http.error().offset == 0);
  CHECK(http.error().message == "handshake: protocol string length is 71, expected 19");

  std::string bytes = encoded(sample());
  bytes[0] = 18;
  auto short_len = decode_handshake(std::string_view(bytes).substr(0, 1));
  REQUIRE_FALSE(short_len);
  CHECK(short_len.error().message == "handshake: protocol string length is 18, expected 19");
}

TEST_CASE("a wrong protocol string is rejected at its first wrong byte", "[wire][handshake]") {
  std::string bytes = encoded(sample());
  bytes[12] = 'P';  // "BitTorrent Protocol"
  for (std::size_t n : {13u, 20u, 68u}) {
    INFO("prefix of " << n << " bytes");
    auto decoded = decode_handshake(std::string_view(bytes).substr(0, n));
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == wire_errc::bad_handshake);
    CHECK(decoded.error().offset == 12);
    CHECK(decoded.error().message == "handshake: protocol string is not \"BitTorrent protocol\"");
  }
  // Before the wrong byte arrives, the prefix is still a valid beginning.
  auto early = decode_handshake(std::string_view(bytes).substr(0, 12));
  REQUIRE(early);
  CHECK_FALSE(early->has_value());
}
