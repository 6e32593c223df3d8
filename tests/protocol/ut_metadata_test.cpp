#include <catch2/catch.hpp>

#include <string>

#include "protocol/ut_metadata.hpp"

// Named: the file shares a unity batch with other tests.
namespace ut_metadata_test {

using namespace actorrent;
using namespace std::string_literals;

namespace {

std::string error_of(std::string_view payload, const ut_metadata::decode_limits& limits = {}) {
  auto m = ut_metadata::decode(payload, limits);
  if (m) return "(decoded: " + ut_metadata::to_string(*m) + ")";
  return m.error().to_string();
}

std::string pattern(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>(seed + static_cast<char>(i * 7));
  return s;
}

const std::string header_piece0 = "d8:msg_typei1e5:piecei0e10:total_sizei34256ee";

}  // namespace

TEST_CASE("metadata pieces: count, length, serving", "[ut_metadata]") {
  CHECK(metadata_piece_count(1) == 1);
  CHECK(metadata_piece_count(16384) == 1);
  CHECK(metadata_piece_count(16385) == 2);
  CHECK(metadata_piece_count(default_max_metadata_size) == 1024);
  CHECK(metadata_piece_length(16385, 0) == 16384);
  CHECK(metadata_piece_length(16385, 1) == 1);
  CHECK(metadata_piece_length(34256, 2) == 34256 - 32768);
  CHECK(metadata_piece_length(32768, 1) == 16384);

  const std::string info = pattern(34256, 'a');
  CHECK(metadata_piece(info, 0) == std::string_view(info).substr(0, 16384));
  CHECK(metadata_piece(info, 2) == std::string_view(info).substr(32768));
  CHECK_FALSE(metadata_piece(info, 3));
  CHECK_FALSE(metadata_piece(info, 0xffffffffu));
  CHECK_FALSE(metadata_piece("", 0));
}

TEST_CASE("ut_metadata encodes BEP 9's byte layout", "[ut_metadata]") {
  CHECK(ut_metadata::encode(ut_metadata::request{3}) == "d8:msg_typei0e5:piecei3ee");
  CHECK(ut_metadata::encode(ut_metadata::reject{3}) == "d8:msg_typei2e5:piecei3ee");
  CHECK(ut_metadata::encode(ut_metadata::data{0, 5, "hello"}) ==
        "d8:msg_typei1e5:piecei0e10:total_sizei5eehello");
  CHECK(ut_metadata::encode(ut_metadata::unknown{7}) == "d8:msg_typei7ee");
}

TEST_CASE("ut_metadata round trips", "[ut_metadata]") {
  const std::string info = pattern(34256, 'x');
  const std::vector<ut_metadata::message> messages = {
      ut_metadata::request{0},
      ut_metadata::request{1023},
      ut_metadata::reject{2},
      ut_metadata::data{0, 34256, std::string_view(info).substr(0, 16384)},
      ut_metadata::data{1, 34256, std::string_view(info).substr(16384, 16384)},
      ut_metadata::data{2, 34256, std::string_view(info).substr(32768)},
      ut_metadata::data{0, 1, std::string_view(info).substr(0, 1)},
      ut_metadata::unknown{3},
      ut_metadata::unknown{-5},
  };
  for (const auto& m : messages) {
    const std::string bytes = ut_metadata::encode(m);
    auto back = ut_metadata::decode(bytes);
    INFO(ut_metadata::to_string(m));
    REQUIRE(back);
    CHECK(*back == m);
  }
}

TEST_CASE("ut_metadata decodes real-world payloads", "[ut_metadata]") {
  // BEP 9's data example: piece 0 of a 34256-byte info dictionary, 16 KiB after the dict.
  const std::string piece = pattern(16384, 'q');
  const std::string payload = header_piece0 + piece;  // data's bytes are a view into it
  auto m = ut_metadata::decode(payload);
  REQUIRE(m);
  auto* d = std::get_if<ut_metadata::data>(&*m);
  REQUIRE(d);
  CHECK(d->piece == 0);
  CHECK(d->total_size == 34256);
  CHECK(d->bytes == piece);
  // The bytes are a view into the payload, not a copy.
  CHECK(ut_metadata::to_string(*m) == "data 0 (16384 bytes of 34256)");

  // A request carrying total_size as well (some clients send it): ignored.
  auto r = ut_metadata::decode("d8:msg_typei0e5:piecei2e10:total_sizei34256ee");
  REQUIRE(r);
  CHECK(*r == ut_metadata::message{ut_metadata::request{2}});
  // Keys in any order, unknown keys ignored.
  auto j = ut_metadata::decode("d5:piecei1e8:msg_typei2e4:xtra4:abcde");
  REQUIRE(j);
  CHECK(*j == ut_metadata::message{ut_metadata::reject{1}});
  // An unknown msg_type is not an error: BEP 9 says to ignore it.
  CHECK(error_of("d8:msg_typei3e5:piecei0ee") == "(decoded: unknown msg_type 3)");
  CHECK(error_of("d8:msg_typei-1ee") == "(decoded: unknown msg_type -1)");
  CHECK(error_of("d8:msg_typei9223372036854775807ee") ==
        "(decoded: unknown msg_type 9223372036854775807)");
}

TEST_CASE("ut_metadata: shape errors", "[ut_metadata]") {
  CHECK(error_of("") == "ut_metadata: payload is not a dictionary at byte 0");
  CHECK(error_of("li0ee") == "ut_metadata: payload is not a dictionary at byte 0");
  CHECK(error_of("d8:msg_typei0e5:piecei3e") ==
        "ut_metadata: invalid bencode: unexpected end of input at byte 24");
  CHECK(error_of("d8:msg_typei0e5:pie") ==
        "ut_metadata: invalid bencode: unexpected end of input at byte 19");
  CHECK(error_of("d8:msg_typei0e5:piecei03ee") ==
        "ut_metadata: invalid bencode: leading zero in number at byte 22");
  CHECK(error_of("d5:piecei0ee") == "ut_metadata: msg_type: missing at byte 0");
  CHECK(error_of("d8:msg_type1:0e") == "ut_metadata: msg_type: not an integer at byte 11");
  CHECK(error_of("d8:msg_typei0ee") == "ut_metadata: piece: missing at byte 0");
  CHECK(error_of("d8:msg_typei0e5:piece1:0e") == "ut_metadata: piece: not an integer at byte 21");
  // Trailing garbage after a request or reject.
  CHECK(error_of("d8:msg_typei0e5:piecei0eeX") ==
        "ut_metadata: 1 bytes of trailing data after the dictionary at byte 25");
  CHECK(error_of("d8:msg_typei2e5:piecei0ee" + std::string(100, 'z')) ==
        "ut_metadata: 100 bytes of trailing data after the dictionary at byte 25");
  // A dictionary padded past 1 KiB with an unknown key.
  CHECK(error_of("d8:msg_typei0e5:piecei0e3:pad2000:" + std::string(2000, 'p') + "e") ==
        "ut_metadata: dictionary longer than 1024 bytes at byte 1024");
  CHECK(error_of(std::string(1024 + 16384 + 1, 'd')) ==
        "ut_metadata: payload of 17409 bytes exceeds the limit of 17408 at byte 17408");
  // Nesting inside an unknown key is bounded.
  CHECK(
      error_of("d1:x" + std::string(10, 'l') + std::string(10, 'e') + "8:msg_typei0e5:piecei0ee") ==
      "ut_metadata: invalid bencode: nesting too deep at byte 7");
}

TEST_CASE("ut_metadata: hostile piece indices", "[ut_metadata]") {
  CHECK(error_of("d8:msg_typei0e5:piecei-1ee") == "ut_metadata: piece: -1 is negative at byte 21");
  CHECK(error_of("d8:msg_typei2e5:piecei-9223372036854775808ee") ==
        "ut_metadata: piece: -9223372036854775808 is negative at byte 21");
  CHECK(error_of("d8:msg_typei0e5:piecei1024ee") ==
        "ut_metadata: piece: 1024 is beyond the 1024 pieces of the largest metadata accepted at "
        "byte 21");
  CHECK(error_of("d8:msg_typei0e5:piecei4294967296ee") ==
        "ut_metadata: piece: 4294967296 is beyond the 1024 pieces of the largest metadata "
        "accepted at byte 21");
  CHECK(error_of("d8:msg_typei0e5:piecei1023ee") == "(decoded: request 1023)");
  ut_metadata::decode_limits small;
  small.max_metadata_size = 16384 * 2;
  CHECK(error_of("d8:msg_typei0e5:piecei2ee", small) ==
        "ut_metadata: piece: 2 is beyond the 2 pieces of the largest metadata accepted at byte "
        "21");
  // A data piece past the end of its own total_size.
  CHECK(error_of("d8:msg_typei1e5:piecei2e10:total_sizei16385ee" + pattern(1, 'a')) ==
        "ut_metadata: piece: 2 is beyond the last piece of 16385 bytes of metadata at byte 21");
}

TEST_CASE("ut_metadata: data size checks", "[ut_metadata]") {
  const std::string full = pattern(16384, 'k');
  // total_size missing, of the wrong type, or out of range.
  CHECK(error_of("d8:msg_typei1e5:piecei0ee" + full) ==
        "ut_metadata: total_size: missing from a data message at byte 0");
  CHECK(error_of("d8:msg_typei1e5:piecei0e10:total_size5:34256ee" + full) ==
        "ut_metadata: total_size: not an integer at byte 37");
  CHECK(error_of("d8:msg_typei1e5:piecei0e10:total_sizei0eeX") ==
        "ut_metadata: total_size: 0 is outside [1, 16777216] at byte 37");
  CHECK(error_of("d8:msg_typei1e5:piecei0e10:total_sizei-16384ee" + full) ==
        "ut_metadata: total_size: -16384 is outside [1, 16777216] at byte 37");
  CHECK(error_of("d8:msg_typei1e5:piecei0e10:total_sizei16777217ee" + full) ==
        "ut_metadata: total_size: 16777217 is outside [1, 16777216] at byte 37");
  // A piece that is not the last must be exactly 16 KiB.
  CHECK(error_of(header_piece0 + full.substr(1)) ==
        "ut_metadata: data: piece 0 carries 16383 bytes, expected 16384 at byte 45");
  CHECK(error_of(header_piece0 + full + "X") ==
        "ut_metadata: data: piece 0 carries 16385 bytes, expected 16384 at byte 45");
  CHECK(error_of(header_piece0) ==
        "ut_metadata: data: piece 0 carries 0 bytes, expected 16384 at byte 45");
  // The last piece must be exactly the remainder: 34256 - 32768 = 1488.
  const std::string last_header = "d8:msg_typei1e5:piecei2e10:total_sizei34256ee";
  CHECK(error_of(last_header + pattern(1488, 'z')) == "(decoded: data 2 (1488 bytes of 34256))");
  CHECK(error_of(last_header + pattern(1487, 'z')) ==
        "ut_metadata: data: piece 2 carries 1487 bytes, expected 1488 at byte 45");
  CHECK(error_of(last_header + pattern(16384, 'z')) ==
        "ut_metadata: data: piece 2 carries 16384 bytes, expected 1488 at byte 45");
  // total_size lying: it claims 100 bytes in all, then sends 16 KiB.
  CHECK(error_of("d8:msg_typei1e5:piecei0e10:total_sizei100ee" + full) ==
        "ut_metadata: data: piece 0 carries 16384 bytes, expected 100 at byte 43");
}

}  // namespace ut_metadata_test
