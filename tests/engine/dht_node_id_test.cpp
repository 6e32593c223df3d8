#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/dht_node_id.hpp"
#include "protocol/hex.hpp"

using namespace actorrent;

namespace {

dht_node_id from_hex_id(const std::string& hex) {
  return dht_node_id::from_bytes(*from_hex(hex));
}

dht_node_id with_first_byte(std::uint8_t b) {
  dht_node_id id;
  id.bytes[0] = b;
  return id;
}

peer_address ip4(const char* text) {
  return *peer_address::parse_ip(text, 6881);
}

}  // namespace

TEST_CASE("XOR distance and ordering by distance to a target", "[dht_node_id]") {
  const auto a = with_first_byte(0x0f);
  const auto b = with_first_byte(0xf0);
  CHECK(xor_distance(a, b) == with_first_byte(0xff));
  CHECK(xor_distance(a, a) == dht_node_id{});

  const dht_node_id target = with_first_byte(0x10);
  CHECK(compare_distance(target, with_first_byte(0x11), with_first_byte(0x20)) < 0);
  CHECK(compare_distance(target, with_first_byte(0x20), with_first_byte(0x11)) > 0);
  CHECK(compare_distance(target, a, a) == 0);
  CHECK(closer_to(target, target, a));
  // XOR, not numeric difference: 0x08 is 8 away from 0x10 and 0x1f is 15 away, but
  // 0x10 ^ 0x1f = 0x0f < 0x10 ^ 0x08 = 0x18.
  CHECK(closer_to(target, with_first_byte(0x1f), with_first_byte(0x08)));

  // A difference in the last byte only matters when every earlier byte ties.
  dht_node_id x = target, y = target;
  x.bytes[19] = 1;
  y.bytes[19] = 2;
  CHECK(closer_to(target, x, y));
  y.bytes[5] = 0x80;
  CHECK(closer_to(target, x, y));
}

TEST_CASE("sorting by distance orders ids by XOR with the target", "[dht_node_id]") {
  std::mt19937_64 rng(7);
  const auto target = random_node_id(rng);
  std::vector<dht_node_id> ids;
  for (int i = 0; i < 200; ++i)
    ids.push_back(random_node_id(rng));
  std::sort(ids.begin(), ids.end(),
            [&](const dht_node_id& a, const dht_node_id& b) { return closer_to(target, a, b); });
  for (std::size_t i = 1; i < ids.size(); ++i)
    CHECK(xor_distance(ids[i - 1], target) < xor_distance(ids[i], target));
}

TEST_CASE("common prefix length and bits", "[dht_node_id]") {
  const dht_node_id zero;
  CHECK(common_prefix_length(zero, zero) == 160);
  CHECK(common_prefix_length(zero, with_first_byte(0x80)) == 0);
  CHECK(common_prefix_length(zero, with_first_byte(0x01)) == 7);
  dht_node_id last = zero;
  last.bytes[19] = 1;
  CHECK(common_prefix_length(zero, last) == 159);
  last.bytes[10] = 0x20;
  CHECK(common_prefix_length(zero, last) == 82);
  CHECK(id_bit(last, 82));
  CHECK_FALSE(id_bit(last, 81));
  CHECK(id_bit(last, 159));
}

TEST_CASE("random ids at a given prefix length", "[dht_node_id]") {
  std::mt19937_64 rng(1);
  const auto base = random_node_id(rng);
  for (std::size_t bits : {0, 1, 7, 8, 9, 63, 64, 100, 158, 159}) {
    for (int i = 0; i < 20; ++i)
      CHECK(common_prefix_length(base, random_id_at_prefix(base, bits, rng)) == bits);
  }
  CHECK(random_id_at_prefix(base, 160, rng) == base);
  CHECK(random_node_id(rng) != random_node_id(rng));
}

TEST_CASE("crc32c check value and known vectors", "[dht_node_id]") {
  CHECK(crc32c("") == 0);
  CHECK(crc32c("123456789") == 0xE3069283u);              // the standard check value of CRC-32C
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);    // RFC 3720 B.4: 32 bytes of zeros
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);  // RFC 3720 B.4: 32 bytes of ones
}

TEST_CASE("BEP 42 test vectors", "[dht_node_id][bep42]") {
  struct vector {
    const char* ip;
    std::uint8_t rand;
    const char* id;
  };
  // From BEP 42's table; only the first 21 bits and the last byte are prescribed.
  const vector vectors[] = {
      {"124.31.75.21", 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"},
      {"21.75.31.124", 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256"},
      {"65.23.51.170", 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616"},
      {"84.124.73.14", 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41"},
      {"43.213.53.83", 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a"},
  };
  for (const auto& v : vectors) {
    INFO(v.ip);
    const auto ip = ip4(v.ip);
    const auto example = from_hex_id(v.id);
    CHECK_FALSE(bep42_exempt(ip));
    CHECK(bep42_valid(example, ip));
    // Generating with the example's own free bits gives the example back.
    CHECK(bep42_node_id(ip, v.rand, example) == example);
    // The prescribed prefix is the crc's top 21 bits.
    const auto crc = bep42_crc(ip, v.rand & 7);
    CHECK((crc >> 11) == ((std::uint32_t{example.bytes[0]} << 13) |
                          (std::uint32_t{example.bytes[1]} << 5) | (example.bytes[2] >> 3)));

    // Any flipped bit among the first 21 invalidates it; the free bits do not matter.
    for (std::size_t bit = 0; bit < 21; ++bit) {
      auto bad = example;
      bad.bytes[bit / 8] ^= static_cast<std::uint8_t>(0x80 >> (bit % 8));
      CHECK_FALSE(bep42_valid(bad, ip));
    }
    auto free = example;
    free.bytes[2] ^= 0x07;
    free.bytes[10] ^= 0xff;
    free.bytes[19] ^= 0xf8;  // r is the low 3 bits only
    CHECK(bep42_valid(free, ip));
    // Another r gives another prefix.
    auto other_r = example;
    other_r.bytes[19] = static_cast<std::uint8_t>((v.rand & 0xf8) | ((v.rand + 1) & 7));
    CHECK_FALSE(bep42_valid(other_r, ip));
    // The id does not fit a different address.
    CHECK_FALSE(bep42_valid(example, ip4("8.8.8.8")));
  }
}

TEST_CASE("BEP 42 ids generated at random are valid; local addresses are exempt",
          "[dht_node_id][bep42]") {
  std::mt19937_64 rng(99);
  for (const char* text : {"1.2.3.4", "203.0.113.9", "2001:db8:1234::5", "2a00:1450::1"}) {
    const auto ip = ip4(text);
    for (int i = 0; i < 50; ++i) {
      const auto id = bep42_node_id(ip, rng);
      CHECK(bep42_valid(id, ip));
    }
  }
  for (const char* text : {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.3.4",
                           "127.0.0.1", "::1", "fe80::1", "fd00::7"}) {
    INFO(text);
    const auto ip = ip4(text);
    CHECK(bep42_exempt(ip));
    CHECK(bep42_valid(random_node_id(rng), ip));
  }
  for (const char* text : {"172.15.0.1", "172.32.0.1", "11.0.0.1", "192.169.0.1", "2001:db8::1"})
    CHECK_FALSE(bep42_exempt(ip4(text)));
  // A random id is almost never valid for a public address (1 in 2^21).
  int valid = 0;
  for (int i = 0; i < 1000; ++i)
    valid += bep42_valid(random_node_id(rng), ip4("124.31.75.21"));
  CHECK(valid == 0);
}
