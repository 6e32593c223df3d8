// The BEP 3 handshake: pstrlen (19), "BitTorrent protocol", 8 reserved bytes, info-hash,
// peer id — 68 bytes, the first thing each side sends.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"
#include "protocol/wire_message.hpp"

namespace actorrent {

inline constexpr std::string_view protocol_string = "BitTorrent protocol";
inline constexpr std::size_t handshake_size = 1 + 19 + 8 + 20 + 20;

struct handshake {
  std::array<std::uint8_t, 8> reserved{};  // feature bits; unknown ones are kept as received
  sha1_hash info_hash;
  sha1_hash peer_id;

  bool supports_extension_protocol() const { return reserved[5] & 0x10; }  // BEP 10
  bool supports_fast_extension() const { return reserved[7] & 0x04; }      // BEP 6
  bool supports_dht() const { return reserved[7] & 0x01; }                 // BEP 5
  void set_extension_protocol(bool on) { set_bit(5, 0x10, on); }
  void set_fast_extension(bool on) { set_bit(7, 0x04, on); }
  void set_dht(bool on) { set_bit(7, 0x01, on); }

  friend bool operator==(const handshake& a, const handshake& b) {
    return a.reserved == b.reserved && a.info_hash == b.info_hash && a.peer_id == b.peer_id;
  }
  friend bool operator!=(const handshake& a, const handshake& b) { return !(a == b); }

 private:
  void set_bit(std::size_t byte, std::uint8_t mask, bool on) {
    reserved[byte] = static_cast<std::uint8_t>(on ? reserved[byte] | mask : reserved[byte] & ~mask);
  }
};

// Appends the 68 handshake bytes to `out`.
void encode_handshake(const handshake& h, std::string& out);

// Decodes a handshake from the start of `bytes` (bytes after the first 68 are not looked at).
// nullopt means "not enough bytes yet": a caller reading incrementally reads more and tries
// again. Bytes that are present are checked at once, so a stream that is not BitTorrent
// (an HTTP request, say) is rejected from its first byte. Error offsets count from the start
// of `bytes`.
expected<std::optional<handshake>, wire_error> decode_handshake(std::string_view bytes);

}  // namespace actorrent
