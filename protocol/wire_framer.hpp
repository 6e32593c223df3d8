// Splits a peer wire byte stream into frames (4-byte big-endian length, then that many bytes).
//
// Built for the data path: the socket thread reads 64–256 KiB at a time and calls next()
// with a view of what it read. A frame that lies wholly inside that view is returned as a
// view into it (no copy); only a frame that straddles two reads has its bytes gathered into
// the framer's own buffer. The caller may stop calling next() at any frame (backpressure);
// the bytes it has not consumed stay in its view, untouched.
//
// A length prefix above the maximum is an error before any of the body is buffered, so a
// peer cannot make the framer allocate by announcing a large frame. Errors are sticky.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/handshake.hpp"
#include "protocol/wire_message.hpp"

namespace actorrent {

struct frame {
  std::string_view payload;  // message id + body; empty for a keep-alive
  std::uint64_t offset = 0;  // stream offset of the frame's length prefix

  bool keep_alive() const { return payload.empty(); }
};

// Decodes a frame; a decode error's offset becomes the frame's stream offset.
expected<wire::message, wire_error> decode_frame(const frame& f);

enum class framer_start : std::uint8_t {
  messages,   // the handshake was handled elsewhere
  handshake,  // the stream begins with the 68-byte handshake: call next_handshake() first
};

class wire_framer {
 public:
  // 1 MiB: far above a 16 KiB block (+13 header bytes) and enough for the bitfield of a
  // torrent with 8 million pieces. Tighten it once the torrent's piece count is known.
  static constexpr std::uint32_t default_max_frame_length = 1u << 20;

  explicit wire_framer(std::uint32_t max_frame_length = default_max_frame_length,
                       framer_start start = framer_start::messages);

  // Reads the handshake from the front of `input`, consuming what it uses. nullopt: all of
  // `input` was consumed and the handshake is still incomplete. A wrong protocol string is
  // reported as soon as its first wrong byte arrives.
  expected<std::optional<handshake>, wire_error> next_handshake(std::string_view& input);

  // Reads the next frame from the front of `input`, consuming its bytes. nullopt: all of
  // `input` was consumed (a partial frame is kept inside) and more bytes are needed.
  // The returned payload points into `input`'s buffer or into the framer; it is valid until
  // the next call to next() and as long as the caller's buffer is.
  expected<std::optional<frame>, wire_error> next(std::string_view& input);

  bool awaiting_handshake() const { return awaiting_handshake_; }
  bool failed() const { return error_.has_value(); }
  // Stream bytes consumed so far, including those of a buffered partial frame.
  std::uint64_t bytes_consumed() const { return consumed_; }
  // Bytes of a partial frame (or handshake) held in the framer's own buffer.
  std::size_t buffered() const { return delivered_from_partial_ ? 0 : partial_.size(); }

  std::uint32_t max_frame_length() const { return max_frame_length_; }
  // Applies to length prefixes read from now on.
  void set_max_frame_length(std::uint32_t max) { max_frame_length_ = max; }

 private:
  template <class T>
  expected<T, wire_error> fail(wire_error e);
  std::optional<wire_error> check_length(std::uint32_t length, std::uint64_t offset);
  void take(std::string_view& input, std::size_t n);
  void release_delivered();

  std::uint32_t max_frame_length_;
  bool awaiting_handshake_;
  // The frame returned last came from partial_ and must stay intact until the next call.
  bool delivered_from_partial_ = false;
  std::uint64_t consumed_ = 0;
  std::string partial_;  // bytes of a straddling frame, its length prefix included
  std::optional<wire_error> error_;
};

}  // namespace actorrent
