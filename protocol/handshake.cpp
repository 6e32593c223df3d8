#include "protocol/handshake.hpp"

namespace actorrent {

namespace {

constexpr std::size_t reserved_offset = 1 + protocol_string.size();
constexpr std::size_t info_hash_offset = reserved_offset + 8;
constexpr std::size_t peer_id_offset = info_hash_offset + sha1_hash::size;
static_assert(peer_id_offset + sha1_hash::size == handshake_size);

}  // namespace

void encode_handshake(const handshake& h, std::string& out) {
  out.push_back(static_cast<char>(protocol_string.size()));
  out.append(protocol_string);
  out.append(reinterpret_cast<const char*>(h.reserved.data()), h.reserved.size());
  out.append(h.info_hash.view());
  out.append(h.peer_id.view());
}

expected<std::optional<handshake>, wire_error> decode_handshake(std::string_view bytes) {
  if (bytes.empty()) return std::optional<handshake>{};
  const auto pstrlen = static_cast<std::uint8_t>(bytes[0]);
  if (pstrlen != protocol_string.size()) {
    return make_unexpected(wire_error{
        wire_errc::bad_handshake,
        "handshake: protocol string length is " + std::to_string(pstrlen) + ", expected 19", 0});
  }
  const std::string_view pstr = bytes.substr(1, protocol_string.size());
  for (std::size_t i = 0; i < pstr.size(); ++i) {
    if (pstr[i] != protocol_string[i]) {
      return make_unexpected(wire_error{wire_errc::bad_handshake,
                                        "handshake: protocol string is not \"BitTorrent protocol\"",
                                        1 + i});
    }
  }
  if (bytes.size() < handshake_size) return std::optional<handshake>{};

  handshake h;
  for (std::size_t i = 0; i < h.reserved.size(); ++i) {
    h.reserved[i] = static_cast<std::uint8_t>(bytes[reserved_offset + i]);
  }
  h.info_hash = sha1_hash::from_bytes(bytes.substr(info_hash_offset, sha1_hash::size));
  h.peer_id = sha1_hash::from_bytes(bytes.substr(peer_id_offset, sha1_hash::size));
  return std::optional<handshake>{h};
}

}  // namespace actorrent
