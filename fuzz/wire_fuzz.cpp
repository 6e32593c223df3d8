// Fuzzes the peer wire framer, the handshake decoder and the message codec together.
//
// Input layout: 4 control bytes, then the byte stream exactly as a peer would send it.
//   byte 0  bit 0     the stream starts with the 68-byte handshake (framer_start::handshake)
//           bits 1-2  maximum frame length: 0 the default (1 MiB), 1 a block message
//                     (16 KiB + 13), 2 64 bytes, 3 zero (keep-alives only)
//           bits 3-4  backpressure: stop after this many frames per read (0: never) and
//                     leave the rest in the read buffer, as a reader whose queue is full
//   bytes 1-3 the sizes of successive reads, cycled: 0 an empty read, 1-239 that many
//           bytes, 240-255 (b - 239) KiB; all three 0 means one read of everything.
//
// The stream is framed twice: in those reads (with backpressure), and as one read without.
// Both must yield the same handshake, the same frames at the same offsets and the same
// error. Every frame is decoded; a decoded message must re-encode to exactly its frame.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "protocol/handshake.hpp"
#include "protocol/wire_framer.hpp"
#include "protocol/wire_message.hpp"

using namespace actorrent;

namespace {

struct config {
  bool handshake = false;
  std::uint32_t max_frame_length = wire_framer::default_max_frame_length;
  std::size_t frames_per_read = 0;  // 0: no backpressure
  std::array<std::size_t, 3> reads{};
  bool one_read = true;

  std::size_t read_size(std::size_t index) const { return reads[index % reads.size()]; }
};

config parse_config(const std::uint8_t* data, std::size_t size) {
  std::array<std::uint8_t, 4> control{};
  std::copy(data, data + std::min<std::size_t>(size, 4), control.begin());
  config c;
  c.handshake = control[0] & 1;
  static constexpr std::uint32_t max_lengths[] = {wire_framer::default_max_frame_length,
                                                  16 * 1024 + 13, 64, 0};
  c.max_frame_length = max_lengths[(control[0] >> 1) & 3];
  c.frames_per_read = (control[0] >> 3) & 3;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::uint8_t b = control[i + 1];
    c.reads[i] = b < 240 ? b : std::size_t{b - 239u} * 1024;
    if (b != 0) c.one_read = false;
  }
  return c;
}

struct event {
  enum kind_t { shake, frame, error } kind;
  std::uint64_t offset = 0;
  std::string bytes;  // the handshake's 68 bytes, or the frame's payload
  wire_errc code = wire_errc::bad_length;

  friend bool operator==(const event& a, const event& b) {
    return a.kind == b.kind && a.offset == b.offset && a.bytes == b.bytes && a.code == b.code;
  }
};

struct outcome {
  std::vector<event> events;
  bool failed = false;
  std::uint64_t consumed = 0;
  std::size_t buffered = 0;
};

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(v >> shift));
}

// A decoded frame re-encodes to exactly the bytes it came from.
void check_frame(const frame& f) {
  auto decoded = decode_frame(f);
  if (!decoded) {
    FUZZ_CHECK(decoded.error().code == wire_errc::bad_length);
    FUZZ_CHECK(decoded.error().offset == f.offset);
    FUZZ_CHECK(!decoded.error().message.empty());
    FUZZ_CHECK(!f.keep_alive());
    return;
  }
  const wire::message& m = *decoded;
  FUZZ_CHECK(f.keep_alive() == std::holds_alternative<wire::keep_alive>(m));
  std::string expected;
  put_u32(expected, static_cast<std::uint32_t>(f.payload.size()));
  expected.append(f.payload.data(), f.payload.size());
  std::string encoded;
  wire::encode(m, encoded);
  FUZZ_CHECK(encoded == expected);
  FUZZ_CHECK(wire::encoded_size(m) == encoded.size());
  FUZZ_CHECK(!wire::to_string(m).empty());
  auto again = wire::decode_message(std::string_view(encoded).substr(4));
  FUZZ_CHECK(again.has_value() && *again == m);
  if (auto* p = std::get_if<wire::piece>(&m)) {
    const auto header =
        wire::piece_header(p->index, p->begin, static_cast<std::uint32_t>(p->block.size()));
    FUZZ_CHECK(std::string_view(header.data(), header.size()) ==
               std::string_view(encoded).substr(0, wire::piece_header_size));
  }
}

outcome run(std::string_view stream, const config& c, bool chunked) {
  wire_framer framer(c.max_frame_length,
                     c.handshake ? framer_start::handshake : framer_start::messages);
  outcome out;
  std::string buffer;  // read but not yet consumed: what backpressure leaves behind
  std::size_t pos = 0;
  std::size_t read_index = 0;
  std::uint64_t next_offset = 0;  // where the next handshake or frame must start
  const std::size_t limit = chunked ? c.frames_per_read : 0;

  for (;;) {
    std::size_t n = chunked && !c.one_read ? c.read_size(read_index++) : stream.size();
    n = std::min(n, stream.size() - pos);
    buffer.append(stream.data() + pos, n);
    pos += n;

    std::string_view view(buffer);
    std::size_t frames = 0;
    bool stalled = false;
    for (;;) {
      if (limit != 0 && frames == limit) {
        stalled = !view.empty();
        break;
      }
      const std::size_t before = view.size();
      if (framer.awaiting_handshake()) {
        auto h = framer.next_handshake(view);
        if (!h) {
          out.events.push_back({event::error, h.error().offset, {}, h.error().code});
          out.failed = true;
          break;
        }
        if (!*h) {
          FUZZ_CHECK(view.empty());
          break;
        }
        FUZZ_CHECK(!framer.awaiting_handshake());
        std::string bytes;
        encode_handshake(**h, bytes);
        FUZZ_CHECK(bytes.size() == handshake_size);
        FUZZ_CHECK(bytes == stream.substr(next_offset, handshake_size));
        auto direct = decode_handshake(bytes);
        FUZZ_CHECK(direct.has_value() && direct->has_value() && **direct == **h);
        out.events.push_back({event::shake, next_offset, bytes, {}});
        next_offset += handshake_size;
        FUZZ_CHECK(framer.bytes_consumed() == next_offset);
        continue;
      }
      auto f = framer.next(view);
      if (!f) {
        out.events.push_back({event::error, f.error().offset, {}, f.error().code});
        out.failed = true;
        break;
      }
      if (!*f) {
        FUZZ_CHECK(view.empty());
        break;
      }
      const frame& fr = **f;
      FUZZ_CHECK(before >= view.size());
      FUZZ_CHECK(fr.offset == next_offset);
      FUZZ_CHECK(fr.payload.size() <= c.max_frame_length);
      FUZZ_CHECK(fr.payload == stream.substr(fr.offset + 4, fr.payload.size()));
      next_offset += 4 + fr.payload.size();
      FUZZ_CHECK(framer.bytes_consumed() == next_offset);
      out.events.push_back({event::frame, fr.offset, std::string(fr.payload), {}});
      check_frame(fr);
      ++frames;
    }
    buffer.erase(0, buffer.size() - view.size());
    FUZZ_CHECK(framer.bytes_consumed() == pos - buffer.size());
    FUZZ_CHECK(framer.buffered() <=
               std::max<std::size_t>(handshake_size, std::size_t{c.max_frame_length} + 4));
    if (out.failed) break;
    if (pos == stream.size() && !stalled) break;
  }

  if (out.failed) {
    const wire_errc code = out.events.back().code;
    FUZZ_CHECK(code == wire_errc::bad_handshake || code == wire_errc::frame_too_large);
    FUZZ_CHECK(framer.failed());
    // Errors are sticky.
    std::string_view rest(buffer);
    auto again = framer.awaiting_handshake() ? framer.next_handshake(rest).has_value()
                                             : framer.next(rest).has_value();
    FUZZ_CHECK(!again);
  } else {
    FUZZ_CHECK(!framer.failed());
    FUZZ_CHECK(buffer.empty());
    FUZZ_CHECK(framer.bytes_consumed() == stream.size());
    // What is left is one incomplete handshake or frame, held by the framer.
    FUZZ_CHECK(framer.buffered() == stream.size() - next_offset);
  }
  out.consumed = framer.bytes_consumed();
  out.buffered = framer.buffered();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const config c = parse_config(data, size);
  const std::string_view stream =
      size > 4 ? std::string_view(reinterpret_cast<const char*>(data) + 4, size - 4)
               : std::string_view();

  const outcome chunked = run(stream, c, true);
  const outcome whole = run(stream, c, false);
  FUZZ_CHECK(chunked.events.size() == whole.events.size());
  for (std::size_t i = 0; i < whole.events.size(); ++i)
    FUZZ_CHECK(chunked.events[i] == whole.events[i]);
  FUZZ_CHECK(chunked.failed == whole.failed);
  if (!whole.failed) {
    FUZZ_CHECK(chunked.consumed == whole.consumed);
    FUZZ_CHECK(chunked.buffered == whole.buffered);
  }
  return 0;
}
