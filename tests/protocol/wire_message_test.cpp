#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "protocol/wire_message.hpp"

namespace Catch {
template <>
struct StringMaker<actorrent::wire::message> {
  static std::string convert(const actorrent::wire::message& m) {
    return actorrent::wire::to_string(m);
  }
};
}  // namespace Catch

// Named: the file shares a unity batch with other tests.
namespace wire_message_test {

using namespace actorrent;
namespace w = actorrent::wire;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

std::string encoded(const w::message& m) {
  std::string out;
  w::encode(m, out);
  return out;
}

// One of every message type, with values that exercise all four bytes of each integer.
std::vector<w::message> every_message(const std::string& block) {
  return {
      w::keep_alive{},
      w::choke{},
      w::unchoke{},
      w::interested{},
      w::not_interested{},
      w::have{0x01020304},
      w::bitfield{"\xff\x80"},
      w::request{7, 0x4000, 0x4000},
      w::piece{0xfffffffe, 0x8000, block},
      w::cancel{7, 0x4000, 0x4000},
      w::dht_port{6881},
      w::suggest_piece{42},
      w::have_all{},
      w::have_none{},
      w::reject_request{0xdeadbeef, 0, 16384},
      w::allowed_fast{3},
      w::extended{0, "d1:md11:ut_metadatai3eee"},
      w::extended{3, ""},
      w::unknown{42, "xyz"},
  };
}

}  // namespace

TEST_CASE("wire messages encode to their BEP 3 / 5 / 6 / 10 bytes", "[wire]") {
  CHECK(encoded(w::keep_alive{}) == bytes({0, 0, 0, 0}));
  CHECK(encoded(w::choke{}) == bytes({0, 0, 0, 1, 0}));
  CHECK(encoded(w::not_interested{}) == bytes({0, 0, 0, 1, 3}));
  CHECK(encoded(w::have{0x01020304}) == bytes({0, 0, 0, 5, 4, 1, 2, 3, 4}));
  CHECK(encoded(w::bitfield{"\xa0"}) == bytes({0, 0, 0, 2, 5, 0xa0}));
  CHECK(encoded(w::request{1, 0x4000, 0x4000}) ==
        bytes({0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0}));
  CHECK(encoded(w::piece{2, 0x10, "ab"}) ==
        bytes({0, 0, 0, 11, 7, 0, 0, 0, 2, 0, 0, 0, 0x10, 'a', 'b'}));
  CHECK(encoded(w::cancel{1, 2, 3}) == bytes({0, 0, 0, 13, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}));
  CHECK(encoded(w::dht_port{0x1ae1}) == bytes({0, 0, 0, 3, 9, 0x1a, 0xe1}));
  CHECK(encoded(w::suggest_piece{5}) == bytes({0, 0, 0, 5, 0x0d, 0, 0, 0, 5}));
  CHECK(encoded(w::have_all{}) == bytes({0, 0, 0, 1, 0x0e}));
  CHECK(encoded(w::have_none{}) == bytes({0, 0, 0, 1, 0x0f}));
  CHECK(encoded(w::reject_request{1, 2, 3}) ==
        bytes({0, 0, 0, 13, 0x10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}));
  CHECK(encoded(w::allowed_fast{0x0100}) == bytes({0, 0, 0, 5, 0x11, 0, 0, 1, 0}));
  CHECK(encoded(w::extended{1, "de"}) == bytes({0, 0, 0, 4, 20, 1, 'd', 'e'}));
}

TEST_CASE("encode appends to what the buffer already holds", "[wire]") {
  std::string out = "abc";
  w::encode(w::unchoke{}, out);
  w::encode(w::interested{}, out);
  CHECK(out == "abc" + bytes({0, 0, 0, 1, 1, 0, 0, 0, 1, 2}));
}

TEST_CASE("every message type round-trips through encode and decode", "[wire]") {
  const std::string block(16384, 'B');
  for (const w::message& m : every_message(block)) {
    INFO(w::to_string(m));
    const std::string frame = encoded(m);
    CHECK(frame.size() == w::encoded_size(m));
    REQUIRE(frame.size() >= 4);
    const std::uint32_t length = static_cast<std::uint32_t>(
        static_cast<unsigned char>(frame[0]) << 24 | static_cast<unsigned char>(frame[1]) << 16 |
        static_cast<unsigned char>(frame[2]) << 8 | static_cast<unsigned char>(frame[3]));
    CHECK(length == frame.size() - 4);
    auto decoded = w::decode_message(std::string_view(frame).substr(4));
    REQUIRE(decoded);
    CHECK(*decoded == m);
    CHECK(decoded->index() == m.index());
  }
}

TEST_CASE("piece_header is the first 13 bytes of the encoded piece", "[wire]") {
  const std::string block(16384, 'x');
  const std::string full = encoded(w::piece{0x0a0b0c0d, 0x4000, block});
  const auto header = w::piece_header(0x0a0b0c0d, 0x4000, 16384);
  CHECK(std::string(header.data(), header.size()) == full.substr(0, 13));
  CHECK(std::string(header.data(), 4) == bytes({0, 0, 0x40, 0x09}));
  CHECK(w::piece_header_size == 13);
}

TEST_CASE("decoded byte payloads are views into the frame, not copies", "[wire]") {
  const std::string piece_frame = encoded(w::piece{1, 0, "0123456789"}).substr(4);
  auto piece = w::decode_message(piece_frame);
  REQUIRE(piece);
  const auto& p = std::get<w::piece>(*piece);
  CHECK(p.block == "0123456789");
  CHECK(p.block.data() == piece_frame.data() + 9);

  const std::string bitfield_frame = encoded(w::bitfield{"\xf0\x0f"}).substr(4);
  auto bitfield = w::decode_message(bitfield_frame);
  REQUIRE(bitfield);
  CHECK(std::get<w::bitfield>(*bitfield).bits.data() == bitfield_frame.data() + 1);

  const std::string ext_frame = encoded(w::extended{2, "payload"}).substr(4);
  auto ext = w::decode_message(ext_frame);
  REQUIRE(ext);
  CHECK(std::get<w::extended>(*ext).extended_id == 2);
  CHECK(std::get<w::extended>(*ext).payload.data() == ext_frame.data() + 2);
}

TEST_CASE("an empty payload is a keep-alive; an empty bitfield or piece block is allowed",
          "[wire]") {
  auto ka = w::decode_message("");
  REQUIRE(ka);
  CHECK(std::holds_alternative<w::keep_alive>(*ka));

  const std::string empty_bitfield = bytes({5});
  auto bf = w::decode_message(empty_bitfield);
  REQUIRE(bf);
  CHECK(std::get<w::bitfield>(*bf).bits.empty());

  const std::string empty_piece = bytes({7, 0, 0, 0, 1, 0, 0, 0, 2});
  auto piece = w::decode_message(empty_piece);
  REQUIRE(piece);
  CHECK(*piece == w::message{w::piece{1, 2, ""}});
}

TEST_CASE("unknown message ids decode as unknown, not as an error", "[wire]") {
  for (int id : {10, 11, 12, 18, 19, 21, 255}) {
    INFO("id " << id);
    const std::string payload = bytes({id, 'a', 'b'});  // the decoded body points into it
    auto decoded = w::decode_message(payload);
    REQUIRE(decoded);
    REQUIRE(std::holds_alternative<w::unknown>(*decoded));
    const auto& u = std::get<w::unknown>(*decoded);
    CHECK(u.id == id);
    CHECK(u.body == "ab");
  }
}

TEST_CASE("a body of the wrong length is an error naming the message", "[wire]") {
  struct bad_case {
    int id;
    std::size_t body_size;
    const char* message;
  };
  const bad_case cases[] = {
      {0, 1, "choke: body must be exactly 0 bytes, got 1"},
      {1, 4, "unchoke: body must be exactly 0 bytes, got 4"},
      {2, 1, "interested: body must be exactly 0 bytes, got 1"},
      {3, 2, "not interested: body must be exactly 0 bytes, got 2"},
      {4, 3, "have: body must be exactly 4 bytes, got 3"},
      {4, 5, "have: body must be exactly 4 bytes, got 5"},
      {4, 0, "have: body must be exactly 4 bytes, got 0"},
      {6, 11, "request: body must be exactly 12 bytes, got 11"},
      {6, 13, "request: body must be exactly 12 bytes, got 13"},
      {7, 7, "piece: body must be at least 8 bytes, got 7"},
      {7, 0, "piece: body must be at least 8 bytes, got 0"},
      {8, 12 + 4, "cancel: body must be exactly 12 bytes, got 16"},
      {8, 0, "cancel: body must be exactly 12 bytes, got 0"},
      {9, 1, "port: body must be exactly 2 bytes, got 1"},
      {9, 3, "port: body must be exactly 2 bytes, got 3"},
      {0x0d, 2, "suggest piece: body must be exactly 4 bytes, got 2"},
      {0x0e, 1, "have all: body must be exactly 0 bytes, got 1"},
      {0x0f, 4, "have none: body must be exactly 0 bytes, got 4"},
      {0x10, 8, "reject request: body must be exactly 12 bytes, got 8"},
      {0x11, 5, "allowed fast: body must be exactly 4 bytes, got 5"},
      {20, 0, "extended: body must be at least 1 byte, got 0"},
  };
  for (const auto& c : cases) {
    INFO("id " << c.id << ", body of " << c.body_size << " bytes");
    std::string payload(1 + c.body_size, '\0');
    payload[0] = static_cast<char>(c.id);
    auto decoded = w::decode_message(payload);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == wire_errc::bad_length);
    CHECK(decoded.error().message == c.message);
  }
}

TEST_CASE("to_string describes messages for logs", "[wire]") {
  CHECK(w::to_string(w::keep_alive{}) == "keep-alive");
  CHECK(w::to_string(w::have{7}) == "have 7");
  CHECK(w::to_string(w::request{1, 16384, 16384}) == "request 1 16384 16384");
  CHECK(w::to_string(w::piece{3, 16384, std::string_view("abcd")}) == "piece 3 16384 (4 bytes)");
  CHECK(w::to_string(w::dht_port{6881}) == "port 6881");
  CHECK(w::to_string(w::extended{0, "de"}) == "extended 0 (2 bytes)");
  CHECK(w::to_string(w::unknown{42, "abc"}) == "unknown id 42 (3 bytes)");
}

}  // namespace wire_message_test
