#include "protocol/ut_metadata.hpp"

#include <algorithm>
#include <cassert>

#include "protocol/bencode_value.hpp"

namespace actorrent {

std::uint32_t metadata_piece_count(std::int64_t total_size) {
  assert(total_size > 0);
  return static_cast<std::uint32_t>((total_size + metadata_piece_size - 1) / metadata_piece_size);
}

std::int64_t metadata_piece_length(std::int64_t total_size, std::uint32_t piece) {
  assert(piece < metadata_piece_count(total_size));
  const std::int64_t begin = std::int64_t{piece} * metadata_piece_size;
  return std::min(metadata_piece_size, total_size - begin);
}

std::optional<std::string_view> metadata_piece(std::string_view metadata, std::uint32_t piece) {
  if (metadata.empty()) return std::nullopt;
  const auto total = static_cast<std::int64_t>(metadata.size());
  if (piece >= metadata_piece_count(total)) return std::nullopt;
  return metadata.substr(static_cast<std::size_t>(std::int64_t{piece} * metadata_piece_size),
                         static_cast<std::size_t>(metadata_piece_length(total, piece)));
}

namespace ut_metadata {

bool operator==(const request& a, const request& b) {
  return a.piece == b.piece;
}
bool operator==(const data& a, const data& b) {
  return a.piece == b.piece && a.total_size == b.total_size && a.bytes == b.bytes;
}
bool operator==(const reject& a, const reject& b) {
  return a.piece == b.piece;
}
bool operator==(const unknown& a, const unknown& b) {
  return a.msg_type == b.msg_type;
}

namespace {

bvalue::dict header(msg_type type, std::uint32_t piece) {
  bvalue::dict d;
  d["msg_type"] = static_cast<std::int64_t>(type);
  d["piece"] = static_cast<std::int64_t>(piece);
  return d;
}

unexpected<extension_error> fail(std::string problem, std::size_t offset) {
  return make_unexpected(extension_error{"ut_metadata: " + std::move(problem), offset});
}

}  // namespace

void encode(const message& m, std::string& out) {
  if (auto* r = std::get_if<request>(&m)) {
    bencode_append(out, header(msg_type::request, r->piece));
  } else if (auto* j = std::get_if<reject>(&m)) {
    bencode_append(out, header(msg_type::reject, j->piece));
  } else if (auto* d = std::get_if<data>(&m)) {
    assert(d->total_size > 0 && d->piece < metadata_piece_count(d->total_size));
    assert(static_cast<std::int64_t>(d->bytes.size()) ==
           metadata_piece_length(d->total_size, d->piece));
    auto dict = header(msg_type::data, d->piece);
    dict["total_size"] = d->total_size;
    bencode_append(out, dict);
    out.append(d->bytes);
  } else {
    bvalue::dict dict;
    dict["msg_type"] = std::get<unknown>(m).msg_type;
    bencode_append(out, dict);
  }
}

std::string encode(const message& m) {
  std::string out;
  encode(m, out);
  return out;
}

expected<message, extension_error> decode(std::string_view payload, const decode_limits& limits) {
  if (payload.size() > max_payload_size) {
    return fail("payload of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                    std::to_string(max_payload_size),
                max_payload_size);
  }
  if (payload.empty() || payload[0] != 'd') return fail("payload is not a dictionary", 0);

  // The dictionary is followed by raw bytes in a data message. bdecode wants one item
  // spanning its input and reports bytes after it as trailing data at the offset where the
  // item ended: that offset is where the piece begins. The search only looks at the first
  // max_dictionary_size bytes, so a dictionary longer than that is an error of its own.
  bdecode_limits bl;
  bl.max_depth = 4;  // the dictionary, and room for an unknown key's list or dict
  bl.max_tokens = 128;
  const std::string_view head = payload.substr(0, std::min(payload.size(), max_dictionary_size));
  std::size_t dict_end = head.size();
  auto doc = bdecode(head, bl);
  if (!doc && doc.error().code == bdecode_errc::trailing_data) {
    dict_end = doc.error().offset;
    doc = bdecode(head.substr(0, dict_end), bl);
  } else if (!doc && doc.error().code == bdecode_errc::unexpected_end &&
             head.size() < payload.size()) {
    return fail("dictionary longer than " + std::to_string(max_dictionary_size) + " bytes",
                max_dictionary_size);
  }
  if (!doc) return make_unexpected(bencode_failure("ut_metadata", doc.error()));
  const bencode_node root = doc->root();
  const std::string_view tail = payload.substr(dict_end);

  auto type = root.find("msg_type");
  if (!type.valid()) return fail("msg_type: missing", 0);
  if (!type.is_integer()) return fail("msg_type: not an integer", type.offset());
  const std::int64_t kind = type.integer();
  if (kind < 0 || kind > 2) return message{unknown{kind}};

  // Pieces are bounded by the largest metadata we accept whatever total_size says, so that a
  // request for piece 2^40 is an error here rather than a lookup later.
  const std::int64_t max_pieces = metadata_piece_count(limits.max_metadata_size);
  auto piece_node = root.find("piece");
  if (!piece_node.valid()) return fail("piece: missing", 0);
  if (!piece_node.is_integer()) return fail("piece: not an integer", piece_node.offset());
  const std::int64_t piece = piece_node.integer();
  if (piece < 0)
    return fail("piece: " + std::to_string(piece) + " is negative", piece_node.offset());
  if (piece >= max_pieces) {
    return fail("piece: " + std::to_string(piece) + " is beyond the " + std::to_string(max_pieces) +
                    " pieces of the largest metadata accepted",
                piece_node.offset());
  }
  const auto index = static_cast<std::uint32_t>(piece);

  if (kind != static_cast<std::int64_t>(msg_type::data)) {
    if (!tail.empty()) {
      return fail(std::to_string(tail.size()) + " bytes of trailing data after the dictionary",
                  dict_end);
    }
    if (kind == static_cast<std::int64_t>(msg_type::request)) return message{request{index}};
    return message{reject{index}};
  }

  auto total_node = root.find("total_size");
  if (!total_node.valid()) return fail("total_size: missing from a data message", 0);
  if (!total_node.is_integer()) return fail("total_size: not an integer", total_node.offset());
  const std::int64_t total = total_node.integer();
  if (total < 1 || total > limits.max_metadata_size) {
    return fail("total_size: " + std::to_string(total) + " is outside [1, " +
                    std::to_string(limits.max_metadata_size) + "]",
                total_node.offset());
  }
  if (index >= metadata_piece_count(total)) {
    return fail("piece: " + std::to_string(index) + " is beyond the last piece of " +
                    std::to_string(total) + " bytes of metadata",
                piece_node.offset());
  }
  const std::int64_t expected_length = metadata_piece_length(total, index);
  if (static_cast<std::int64_t>(tail.size()) != expected_length) {
    return fail("data: piece " + std::to_string(index) + " carries " + std::to_string(tail.size()) +
                    " bytes, expected " + std::to_string(expected_length),
                dict_end);
  }
  return message{data{index, total, tail}};
}

std::string to_string(const message& m) {
  if (auto* r = std::get_if<request>(&m)) return "request " + std::to_string(r->piece);
  if (auto* j = std::get_if<reject>(&m)) return "reject " + std::to_string(j->piece);
  if (auto* d = std::get_if<data>(&m)) {
    return "data " + std::to_string(d->piece) + " (" + std::to_string(d->bytes.size()) +
           " bytes of " + std::to_string(d->total_size) + ")";
  }
  return "unknown msg_type " + std::to_string(std::get<unknown>(m).msg_type);
}

}  // namespace ut_metadata
}  // namespace actorrent
