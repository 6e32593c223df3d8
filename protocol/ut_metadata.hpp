// BEP 9 metadata exchange (ut_metadata): the messages a magnet download uses to fetch the
// info dictionary from peers in 16 KiB pieces, and that we answer to serve ours.
//
// Each message is a bencoded dictionary in an extended message's payload:
//   request  d8:msg_typei0e5:piecei3ee
//   data     d8:msg_typei1e5:piecei3e10:total_sizei34256ee<the piece's bytes>
//   reject   d8:msg_typei2e5:piecei3ee
// A data message's piece bytes follow the dictionary in the same payload, so the decoder
// finds where the dictionary ends and checks that exactly the piece's size follows: 16 KiB,
// or the remainder for the last piece.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/expected.hpp"
#include "protocol/extension_error.hpp"

namespace actorrent {

// BEP 9: every piece but the last is exactly this long.
inline constexpr std::int64_t metadata_piece_size = 16 * 1024;

// The largest info dictionary we fetch or accept an announcement of, unless a caller says
// otherwise. The buffer is allocated up front when a download starts, so this is memory a
// single peer's claim can make us reserve. 16 MiB is 1024 pieces; it holds ~800 000 piece
// hashes (a 3 TiB torrent of 4 MiB pieces) or a file list of ~100 000 files, beyond what
// real torrents carry (their info dictionaries are KiB to a few MiB), and small enough that
// a lying peer costs little.
inline constexpr std::int64_t default_max_metadata_size = std::int64_t{16} << 20;

// Pieces of a metadata of `total_size` bytes (> 0): ceil(total_size / 16 KiB).
std::uint32_t metadata_piece_count(std::int64_t total_size);
// Bytes of piece `piece` (< metadata_piece_count): 16 KiB, or the remainder for the last.
std::int64_t metadata_piece_length(std::int64_t total_size, std::uint32_t piece);
// The bytes of piece `piece` of our own metadata, to serve; nullopt when out of range.
std::optional<std::string_view> metadata_piece(std::string_view metadata, std::uint32_t piece);

namespace ut_metadata {

enum class msg_type : std::uint8_t { request = 0, data = 1, reject = 2 };

struct request {
  std::uint32_t piece = 0;
};
struct data {
  std::uint32_t piece = 0;
  std::int64_t total_size = 0;
  std::string_view bytes;  // a view into the decoded payload, not a copy
};
struct reject {
  std::uint32_t piece = 0;
};
// A msg_type this codec does not know. BEP 9: unrecognised message types must be ignored,
// so this is not an error; the caller drops it.
struct unknown {
  std::int64_t msg_type = 0;
};

using message = std::variant<request, data, reject, unknown>;

bool operator==(const request& a, const request& b);
bool operator==(const data& a, const data& b);  // bytes compare by content
bool operator==(const reject& a, const reject& b);
bool operator==(const unknown& a, const unknown& b);

struct decode_limits {
  // total_size above this is an error, and so is a piece index at or beyond its piece count.
  std::int64_t max_metadata_size = default_max_metadata_size;
};

// The bencoded dictionary is small (real ones are under 60 bytes); more than this before the
// piece bytes is an error, so that a payload cannot hide a large document in front of them.
inline constexpr std::size_t max_dictionary_size = 1024;
// A payload is never longer than a dictionary and one piece.
inline constexpr std::size_t max_payload_size = max_dictionary_size + metadata_piece_size;

// The payload (after the extended id byte). A data message's bytes must be given by the
// caller in `m` and are appended after the dictionary; encoders take our own data, so sizes
// are asserted rather than checked.
void encode(const message& m, std::string& out);
std::string encode(const message& m);

// Decodes one payload. Checks, with the offending key and byte offset in the error:
// a dictionary at the start, no longer than max_dictionary_size; msg_type and piece present
// integers; piece in [0, pieces of max_metadata_size); for data, total_size in
// [1, max_metadata_size], piece below its piece count, and the bytes after the dictionary
// exactly metadata_piece_length(total_size, piece) long; for request and reject, nothing
// after the dictionary. Unknown keys are ignored. `payload` must outlive the result.
expected<message, extension_error> decode(std::string_view payload,
                                          const decode_limits& limits = {});

// "request 3", "data 3 (16384 bytes of 34256)", "reject 3", "unknown msg_type 7".
std::string to_string(const message& m);

}  // namespace ut_metadata
}  // namespace actorrent
