#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "protocol/wire_framer.hpp"

using namespace actorrent;
namespace w = actorrent::wire;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

struct framing_result {
  std::optional<handshake> shake;
  std::vector<std::string> payloads;  // owned copies: frames only live until the next call
  std::vector<std::uint64_t> offsets;
  std::optional<wire_error> error;
};

// Feeds `stream` to `framer` as reads of the given sizes, each in its own buffer as a socket
// read would be (so the sanitizer sees any read past a chunk's end).
framing_result frame_all(const std::string& stream, const std::vector<std::size_t>& reads,
                         wire_framer framer) {
  framing_result r;
  std::size_t pos = 0;
  for (std::size_t size : reads) {
    const std::string buffer = stream.substr(pos, size);
    pos += buffer.size();
    std::string_view input = buffer;
    if (framer.awaiting_handshake()) {
      auto shake = framer.next_handshake(input);
      if (!shake) {
        r.error = shake.error();
        return r;
      }
      if (!shake->has_value()) {
        REQUIRE(input.empty());
        continue;
      }
      r.shake = **shake;
    }
    for (;;) {
      auto f = framer.next(input);
      if (!f) {
        r.error = f.error();
        return r;
      }
      if (!f->has_value()) break;
      r.payloads.emplace_back((*f)->payload);
      r.offsets.push_back((*f)->offset);
    }
    REQUIRE(input.empty());
  }
  return r;
}

std::vector<std::size_t> fixed_reads(std::size_t total, std::size_t size) {
  return std::vector<std::size_t>((total + size - 1) / size, size);
}

// Read sizes from 0 (an empty read) to `max`, reproducible from the seed.
std::vector<std::size_t> random_reads(std::size_t total, std::uint32_t seed, std::size_t max) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> size(0, max);
  std::vector<std::size_t> reads;
  for (std::size_t sum = 0; sum < total;) {
    reads.push_back(size(rng));
    sum += reads.back();
  }
  return reads;
}

struct test_stream {
  std::string bytes;
  std::vector<w::message> messages;
  std::vector<std::string> payloads;
  std::vector<std::uint64_t> offsets;
};

// Messages of every size class with keep-alives between them; the bitfield is larger than
// the framer's kept buffer capacity so that releasing it is exercised too.
test_stream make_stream(const std::string& block, const std::string& big_bitfield,
                        const std::string& prefix = "") {
  test_stream s;
  s.bytes = prefix;
  s.messages = {
      w::bitfield{big_bitfield},
      w::keep_alive{},
      w::have_all{},
      w::interested{},
      w::keep_alive{},
      w::keep_alive{},
      w::unchoke{},
      w::request{0, 0, 16384},
      w::piece{0, 0, block},
      w::have{0},
      w::piece{1, 16384, block},
      w::keep_alive{},
      w::extended{1, "d8:msg_typei0e5:piecei0ee"},
      w::unknown{99, ""},
      w::dht_port{6881},
      w::cancel{1, 2, 3},
      w::choke{},
      w::keep_alive{},
  };
  for (const auto& m : s.messages) {
    s.offsets.push_back(s.bytes.size());
    const std::size_t at = s.bytes.size() + 4;
    w::encode(m, s.bytes);
    s.payloads.push_back(s.bytes.substr(at));
  }
  return s;
}

std::string filler(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

handshake sample_handshake() {
  handshake h;
  h.info_hash = sha1("info");
  h.peer_id = sha1("peer");
  h.set_extension_protocol(true);
  h.set_fast_extension(true);
  return h;
}

std::string encoded_handshake() {
  std::string out;
  encode_handshake(sample_handshake(), out);
  return out;
}

void check_frames(const framing_result& r, const test_stream& s) {
  REQUIRE_FALSE(r.error);
  REQUIRE(r.payloads.size() == s.payloads.size());
  CHECK(r.payloads == s.payloads);
  CHECK(r.offsets == s.offsets);
  for (std::size_t i = 0; i < r.payloads.size(); ++i) {
    INFO("frame " << i << ": " << w::to_string(s.messages[i]));
    auto decoded = decode_frame(frame{r.payloads[i], r.offsets[i]});
    REQUIRE(decoded);
    CHECK(*decoded == s.messages[i]);
  }
}

}  // namespace

TEST_CASE("framing yields the same messages for any chunking of the stream", "[wire][framer]") {
  const std::string block = filler(16384, 1);
  const std::string big_bitfield = filler(70000, 2);
  const test_stream s = make_stream(block, big_bitfield);
  REQUIRE(s.messages.size() == 18);

  SECTION("one read") {
    check_frames(frame_all(s.bytes, {s.bytes.size()}, wire_framer{}), s);
  }
  SECTION("1-byte reads") {
    check_frames(frame_all(s.bytes, fixed_reads(s.bytes.size(), 1), wire_framer{}), s);
  }
  SECTION("3-byte reads") {
    check_frames(frame_all(s.bytes, fixed_reads(s.bytes.size(), 3), wire_framer{}), s);
  }
  SECTION("64 KiB reads") {
    check_frames(frame_all(s.bytes, fixed_reads(s.bytes.size(), 65536), wire_framer{}), s);
  }
  SECTION("random reads") {
    for (std::size_t max : {5u, 100u, 20000u, 200000u}) {
      for (std::uint32_t seed = 1; seed <= 25; ++seed) {
        INFO("seed " << seed << ", reads up to " << max << " bytes");
        check_frames(frame_all(s.bytes, random_reads(s.bytes.size(), seed, max), wire_framer{}), s);
      }
    }
  }
}

TEST_CASE("whole frames are views into the caller's buffer", "[wire][framer]") {
  const std::string stream = bytes({0, 0, 0, 5, 4, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1, 1});
  wire_framer framer;
  std::string_view input = stream;

  auto have = framer.next(input);
  REQUIRE(have);
  REQUIRE(have->has_value());
  CHECK((*have)->payload.data() == stream.data() + 4);
  CHECK((*have)->payload.size() == 5);
  CHECK((*have)->offset == 0);
  CHECK(input.size() == 9);

  auto keep_alive = framer.next(input);
  REQUIRE(keep_alive);
  REQUIRE(keep_alive->has_value());
  CHECK((*keep_alive)->keep_alive());
  CHECK((*keep_alive)->offset == 9);

  auto unchoke = framer.next(input);
  REQUIRE(unchoke);
  REQUIRE(unchoke->has_value());
  CHECK((*unchoke)->payload == bytes({1}));
  CHECK((*unchoke)->payload.data() == stream.data() + 17);
  CHECK(input.empty());
  CHECK(framer.buffered() == 0);
  CHECK(framer.bytes_consumed() == stream.size());

  auto none = framer.next(input);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("a frame straddling two reads is gathered, later frames are not copied",
          "[wire][framer]") {
  std::string stream;
  w::encode(w::piece{3, 0, std::string(100, 'p')}, stream);  // 113 bytes
  w::encode(w::have{3}, stream);                             // 9 bytes
  const std::string first = stream.substr(0, 50);
  const std::string second = stream.substr(50);
  wire_framer framer;

  std::string_view input = first;
  auto partial = framer.next(input);
  REQUIRE(partial);
  CHECK_FALSE(partial->has_value());
  CHECK(input.empty());
  CHECK(framer.buffered() == 50);
  CHECK(framer.bytes_consumed() == 50);

  input = second;
  auto piece = framer.next(input);
  REQUIRE(piece);
  REQUIRE(piece->has_value());
  CHECK((*piece)->offset == 0);
  auto decoded = decode_frame(**piece);
  REQUIRE(decoded);
  CHECK(*decoded == w::message{w::piece{3, 0, std::string(100, 'p')}});
  CHECK(input.size() == 9);
  CHECK(framer.buffered() == 0);

  auto have = framer.next(input);
  REQUIRE(have);
  REQUIRE(have->has_value());
  CHECK((*have)->offset == 113);
  CHECK((*have)->payload.data() == second.data() + 63 + 4);
}

TEST_CASE("a caller may stop between frames; unread bytes stay in its view", "[wire][framer]") {
  std::string stream;
  w::encode(w::have{1}, stream);
  w::encode(w::have{2}, stream);
  wire_framer framer;
  std::string_view input = stream;
  auto first = framer.next(input);
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK(input.data() == stream.data() + 9);
  CHECK(input.size() == 9);
  CHECK(framer.bytes_consumed() == 9);
  CHECK(framer.buffered() == 0);
}

TEST_CASE("a stream cut inside a frame leaves the partial frame buffered", "[wire][framer]") {
  std::string stream;
  w::encode(w::have{1}, stream);
  w::encode(w::request{1, 2, 3}, stream);
  stream.resize(stream.size() - 5);
  const framing_result r = frame_all(stream, fixed_reads(stream.size(), 1), wire_framer{});
  REQUIRE_FALSE(r.error);
  CHECK(r.payloads == std::vector<std::string>{bytes({4, 0, 0, 0, 1})});
}

TEST_CASE("a length above the maximum is an error at the length prefix", "[wire][framer]") {
  const std::uint32_t max = 16384 + 9;  // exactly one 16 KiB piece message
  std::string ok;
  w::encode(w::piece{0, 0, std::string(16384, 'b')}, ok);
  std::string stream = ok;
  w::encode(w::keep_alive{}, stream);
  w::encode(w::bitfield{std::string(max, '\xff')}, stream);  // one byte over

  for (std::size_t read : {std::size_t{1}, std::size_t{7}, stream.size()}) {
    INFO("reads of " << read << " bytes");
    const framing_result r = frame_all(stream, fixed_reads(stream.size(), read), wire_framer{max});
    CHECK(r.payloads.size() == 2);
    REQUIRE(r.error);
    CHECK(r.error->code == wire_errc::frame_too_large);
    CHECK(r.error->offset == ok.size() + 4);
    CHECK(r.error->message == "frame length 16394 exceeds the maximum of 16393 bytes");
  }
}

TEST_CASE("a 2^31 length prefix fails at once, buffers nothing, and the error sticks",
          "[wire][framer]") {
  wire_framer framer;
  const std::string stream = bytes({0, 0, 0, 0, 0x80, 0, 0, 0, 7, 1, 2});
  std::string_view input = stream;
  auto keep_alive = framer.next(input);
  REQUIRE(keep_alive);
  REQUIRE(keep_alive->has_value());

  auto huge = framer.next(input);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code == wire_errc::frame_too_large);
  CHECK(huge.error().offset == 4);
  CHECK(huge.error().message == "frame length 2147483648 exceeds the maximum of 1048576 bytes");
  CHECK(framer.failed());
  CHECK(framer.buffered() == 0);

  std::string valid;
  w::encode(w::unchoke{}, valid);
  std::string_view more = valid;
  auto after = framer.next(more);
  REQUIRE_FALSE(after);
  CHECK(after.error().offset == 4);
  CHECK(more.size() == valid.size());
}

TEST_CASE("a huge length prefix split over reads fails on its last byte", "[wire][framer]") {
  wire_framer framer;
  const std::string stream = bytes({0xff, 0xff, 0xff, 0xff, 1, 2, 3});
  std::string_view input = std::string_view(stream).substr(0, 2);
  auto first = framer.next(input);
  REQUIRE(first);
  CHECK_FALSE(first->has_value());
  CHECK(framer.buffered() == 2);
  input = std::string_view(stream).substr(2);
  auto second = framer.next(input);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == wire_errc::frame_too_large);
  CHECK(second.error().offset == 0);
  CHECK(framer.buffered() == 0);
}

TEST_CASE("the maximum is configurable and can be tightened later", "[wire][framer]") {
  std::string stream;
  w::encode(w::bitfield{std::string(4000, 'x')}, stream);  // length 4001
  CHECK_FALSE(frame_all(stream, {stream.size()}, wire_framer{4001}).error);
  CHECK(frame_all(stream, {stream.size()}, wire_framer{4000}).error);

  wire_framer framer;
  framer.set_max_frame_length(100);
  CHECK(framer.max_frame_length() == 100);
  std::string_view input = stream;
  CHECK_FALSE(framer.next(input));
}

TEST_CASE("decode_frame reports bad bodies at the frame's stream offset", "[wire][framer]") {
  std::string stream;
  w::encode(w::keep_alive{}, stream);
  stream += bytes({0, 0, 0, 3, 4, 0, 0});  // have with a 2-byte body
  wire_framer framer;
  std::string_view input = stream;
  REQUIRE(framer.next(input));
  auto bad = framer.next(input);
  REQUIRE(bad);
  REQUIRE(bad->has_value());
  auto decoded = decode_frame(**bad);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == wire_errc::bad_length);
  CHECK(decoded.error().offset == 4);
  CHECK(decoded.error().message == "have: body must be exactly 4 bytes, got 2");
}

TEST_CASE("a framer told to expect the handshake reads it first, under any chunking",
          "[wire][framer][handshake]") {
  const std::string block = filler(16384, 3);
  const std::string bitfield = filler(100, 4);
  const test_stream s = make_stream(block, bitfield, encoded_handshake());
  const auto with_handshake = [] {
    return wire_framer{wire_framer::default_max_frame_length, framer_start::handshake};
  };
  std::vector<std::vector<std::size_t>> chunkings = {{s.bytes.size()},
                                                     fixed_reads(s.bytes.size(), 1),
                                                     fixed_reads(s.bytes.size(), 67),
                                                     fixed_reads(s.bytes.size(), 69)};
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    chunkings.push_back(random_reads(s.bytes.size(), seed, 300));
  }
  for (const auto& reads : chunkings) {
    INFO("first read of " << reads.front() << " bytes, " << reads.size() << " reads");
    const framing_result r = frame_all(s.bytes, reads, with_handshake());
    REQUIRE(r.shake);
    CHECK(*r.shake == sample_handshake());
    check_frames(r, s);
  }
}

TEST_CASE("a framer expecting a handshake rejects a wrong protocol string early",
          "[wire][framer][handshake]") {
  std::string stream = encoded_handshake();
  stream[5] = 'X';
  const framing_result r =
      frame_all(stream, fixed_reads(stream.size(), 1),
                wire_framer{wire_framer::default_max_frame_length, framer_start::handshake});
  REQUIRE(r.error);
  CHECK(r.error->code == wire_errc::bad_handshake);
  CHECK(r.error->offset == 5);

  wire_framer framer{wire_framer::default_max_frame_length, framer_start::handshake};
  std::string_view http = "GET / HTTP/1.1\r\n";
  auto shake = framer.next_handshake(http);
  REQUIRE_FALSE(shake);
  CHECK(shake.error().offset == 0);
  CHECK(framer.failed());
}

TEST_CASE("calling the framer out of order is reported without breaking it",
          "[wire][framer][handshake]") {
  wire_framer framer{wire_framer::default_max_frame_length, framer_start::handshake};
  const std::string shake_bytes = encoded_handshake();
  std::string_view input = shake_bytes;
  auto early = framer.next(input);
  REQUIRE_FALSE(early);
  CHECK(early.error().code == wire_errc::wrong_state);
  CHECK_FALSE(framer.failed());
  CHECK(input.size() == 68);

  auto shake = framer.next_handshake(input);
  REQUIRE(shake);
  REQUIRE(shake->has_value());
  CHECK(**shake == sample_handshake());
  CHECK_FALSE(framer.awaiting_handshake());
  CHECK(framer.bytes_consumed() == 68);

  auto again = framer.next_handshake(input);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == wire_errc::wrong_state);
  CHECK_FALSE(framer.failed());
}
