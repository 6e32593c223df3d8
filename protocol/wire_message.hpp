// Peer wire messages (BEP 3, plus port from BEP 5, the Fast extension from BEP 6 and the
// extension protocol envelope from BEP 10): a typed form, encoders and a strict decoder.
//
// Decoded messages that carry bytes (bitfield, piece, extended, unknown) hold string_views
// into the frame they were decoded from, so a 16 KiB block is not copied by the codec; the
// frame's storage must outlive the message.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/expected.hpp"

namespace actorrent {

enum class wire_errc : std::uint8_t {
  bad_handshake,    // wrong protocol string length or protocol string
  frame_too_large,  // a length prefix above the framer's maximum
  bad_length,       // a body length that does not fit the message id
  wrong_state,      // an API call that does not fit the framer's state (a caller bug)
};

// What went wrong and where: `offset` counts bytes from the start of the stream for errors
// reported by the framer, and from the start of the decoded buffer otherwise.
struct wire_error {
  wire_errc code;
  std::string message;
  std::uint64_t offset = 0;
};

namespace wire {

enum class message_id : std::uint8_t {
  choke = 0,
  unchoke = 1,
  interested = 2,
  not_interested = 3,
  have = 4,
  bitfield = 5,
  request = 6,
  piece = 7,
  cancel = 8,
  port = 9,              // BEP 5
  suggest_piece = 0x0D,  // BEP 6 from here on
  have_all = 0x0E,
  have_none = 0x0F,
  reject_request = 0x10,
  allowed_fast = 0x11,
  extended = 20,  // BEP 10
};

struct keep_alive {};
struct choke {};
struct unchoke {};
struct interested {};
struct not_interested {};
struct have_all {};
struct have_none {};

struct have {
  std::uint32_t index;
};
struct suggest_piece {
  std::uint32_t index;
};
struct allowed_fast {
  std::uint32_t index;
};

struct bitfield {
  std::string_view bits;  // raw bytes, high bit of the first byte is piece 0
};

struct request {
  std::uint32_t index;
  std::uint32_t begin;
  std::uint32_t length;
};
struct cancel {
  std::uint32_t index;
  std::uint32_t begin;
  std::uint32_t length;
};
struct reject_request {
  std::uint32_t index;
  std::uint32_t begin;
  std::uint32_t length;
};

struct piece {
  std::uint32_t index;
  std::uint32_t begin;
  std::string_view block;
};

struct dht_port {
  std::uint16_t port;
};

struct extended {
  std::uint8_t extended_id;  // 0 is the extension handshake
  std::string_view payload;
};

// A message id this codec does not know. Decoding it is not an error: BEP 3 lets peers
// ignore what they do not understand, so the caller decides.
struct unknown {
  std::uint8_t id;
  std::string_view body;
};

using message = std::variant<keep_alive, choke, unchoke, interested, not_interested, have, bitfield,
                             request, piece, cancel, dht_port, suggest_piece, have_all, have_none,
                             reject_request, allowed_fast, extended, unknown>;

// Field-wise equality; byte views compare by content.
bool operator==(keep_alive, keep_alive);
bool operator==(choke, choke);
bool operator==(unchoke, unchoke);
bool operator==(interested, interested);
bool operator==(not_interested, not_interested);
bool operator==(have_all, have_all);
bool operator==(have_none, have_none);
bool operator==(const have& a, const have& b);
bool operator==(const suggest_piece& a, const suggest_piece& b);
bool operator==(const allowed_fast& a, const allowed_fast& b);
bool operator==(const bitfield& a, const bitfield& b);
bool operator==(const request& a, const request& b);
bool operator==(const cancel& a, const cancel& b);
bool operator==(const reject_request& a, const reject_request& b);
bool operator==(const piece& a, const piece& b);
bool operator==(const dht_port& a, const dht_port& b);
bool operator==(const extended& a, const extended& b);
bool operator==(const unknown& a, const unknown& b);

// Length prefix + id + piece index + begin: what precedes a block on the wire.
inline constexpr std::size_t piece_header_size = 13;

// Bytes encode() appends for `m`, length prefix included.
std::size_t encoded_size(const message& m);

// Appends the length-prefixed message to `out`. Byte payloads must fit the 32-bit length
// prefix (asserted: encoders take our own data, not a peer's).
void encode(const message& m, std::string& out);

// The header of a piece message carrying `block_length` bytes, so that the block itself can
// be handed to a scatter/gather write without being copied behind the header.
std::array<char, piece_header_size> piece_header(std::uint32_t index, std::uint32_t begin,
                                                 std::uint32_t block_length);

// Decodes one frame's payload (message id + body, length prefix already removed; empty is a
// keep-alive). Checks the body length for the id; unknown ids decode to `unknown`.
expected<message, wire_error> decode_message(std::string_view payload);

// One line for logs: "have 7", "piece 3 16384 (16384 bytes)", "unknown id 42 (3 bytes)".
std::string to_string(const message& m);

}  // namespace wire
}  // namespace actorrent
