#include "engine/dht_node_id.hpp"

#include <array>

namespace actorrent {

dht_node_id xor_distance(const dht_node_id& a, const dht_node_id& b) {
  dht_node_id d;
  for (std::size_t i = 0; i < dht_node_id::size; ++i)
    d.bytes[i] = static_cast<std::uint8_t>(a.bytes[i] ^ b.bytes[i]);
  return d;
}

int compare_distance(const dht_node_id& target, const dht_node_id& a, const dht_node_id& b) {
  // The first byte where a and b differ decides; the XOR with the target there orders them.
  for (std::size_t i = 0; i < dht_node_id::size; ++i) {
    const int da = a.bytes[i] ^ target.bytes[i];
    const int db = b.bytes[i] ^ target.bytes[i];
    if (da != db) return da < db ? -1 : 1;
  }
  return 0;
}

std::size_t common_prefix_length(const dht_node_id& a, const dht_node_id& b) {
  for (std::size_t i = 0; i < dht_node_id::size; ++i) {
    std::uint8_t x = static_cast<std::uint8_t>(a.bytes[i] ^ b.bytes[i]);
    if (x == 0) continue;
    std::size_t bits = i * 8;
    while ((x & 0x80) == 0) {
      ++bits;
      x = static_cast<std::uint8_t>(x << 1);
    }
    return bits;
  }
  return dht_id_bits;
}

bool id_bit(const dht_node_id& id, std::size_t index) {
  return (id.bytes[index / 8] >> (7 - index % 8)) & 1;
}

dht_node_id random_node_id(std::mt19937_64& rng) {
  dht_node_id id;
  for (std::size_t i = 0; i < dht_node_id::size; i += 8) {
    std::uint64_t r = rng();
    for (std::size_t j = i; j < i + 8 && j < dht_node_id::size; ++j, r >>= 8)
      id.bytes[j] = static_cast<std::uint8_t>(r);
  }
  return id;
}

dht_node_id random_id_at_prefix(const dht_node_id& base, std::size_t prefix_bits,
                                std::mt19937_64& rng) {
  if (prefix_bits >= dht_id_bits) return base;
  dht_node_id id = random_node_id(rng);
  // Bits before prefix_bits come from base, bit prefix_bits is base's flipped.
  for (std::size_t bit = 0; bit <= prefix_bits; ++bit) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    const bool value = bit < prefix_bits ? id_bit(base, bit) : !id_bit(base, bit);
    auto& byte = id.bytes[bit / 8];
    byte = static_cast<std::uint8_t>(value ? (byte | mask) : (byte & ~mask));
  }
  return id;
}

namespace {

constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[n] = c;
  }
  return table;
}

constexpr auto crc32c_table = make_crc32c_table();

}  // namespace

std::uint32_t crc32c(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data)
    crc = crc32c_table[(crc ^ byte) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

bool bep42_exempt(const peer_address& a) {
  const auto& ip = a.ip;
  if (!a.v6) {
    return ip[0] == 10 || ip[0] == 127 || (ip[0] == 172 && (ip[1] & 0xf0) == 16) ||
           (ip[0] == 192 && ip[1] == 168) || (ip[0] == 169 && ip[1] == 254);
  }
  bool loopback = ip[15] == 1;
  for (std::size_t i = 0; i < 15; ++i)
    loopback = loopback && ip[i] == 0;
  const bool link_local = ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
  const bool unique_local = (ip[0] & 0xfe) == 0xfc;
  return loopback || link_local || unique_local;
}

std::uint32_t bep42_crc(const peer_address& address, std::uint8_t r) {
  static constexpr std::uint8_t v4_mask[] = {0x03, 0x0f, 0x3f, 0xff};
  static constexpr std::uint8_t v6_mask[] = {0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff};
  const std::size_t octets = address.v6 ? 8 : 4;
  const std::uint8_t* mask = address.v6 ? v6_mask : v4_mask;
  char masked[8];
  for (std::size_t i = 0; i < octets; ++i)
    masked[i] = static_cast<char>(address.ip[i] & mask[i]);
  masked[0] = static_cast<char>(masked[0] | ((r & 0x7) << 5));
  return crc32c(std::string_view(masked, octets));
}

dht_node_id bep42_node_id(const peer_address& external, std::uint8_t rand,
                          const dht_node_id& fill) {
  const std::uint32_t crc = bep42_crc(external, rand & 0x7);
  dht_node_id id = fill;
  id.bytes[0] = static_cast<std::uint8_t>(crc >> 24);
  id.bytes[1] = static_cast<std::uint8_t>(crc >> 16);
  id.bytes[2] = static_cast<std::uint8_t>(((crc >> 8) & 0xf8) | (fill.bytes[2] & 0x7));
  id.bytes[19] = rand;
  return id;
}

dht_node_id bep42_node_id(const peer_address& external, std::mt19937_64& rng) {
  const dht_node_id fill = random_node_id(rng);
  if (bep42_exempt(external)) return fill;
  return bep42_node_id(external, static_cast<std::uint8_t>(rng()), fill);
}

bool bep42_valid(const dht_node_id& id, const peer_address& address) {
  if (bep42_exempt(address)) return true;
  const std::uint32_t crc = bep42_crc(address, id.bytes[19] & 0x7);
  return id.bytes[0] == static_cast<std::uint8_t>(crc >> 24) &&
         id.bytes[1] == static_cast<std::uint8_t>(crc >> 16) &&
         (id.bytes[2] & 0xf8) == ((crc >> 8) & 0xf8);
}

}  // namespace actorrent
