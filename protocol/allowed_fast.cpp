#include "protocol/allowed_fast.hpp"

#include <string>

#include "protocol/bitfield.hpp"

namespace actorrent {

std::vector<std::uint32_t> generate_allowed_fast(std::uint32_t k, std::uint32_t num_pieces,
                                                 const sha1_hash& info_hash,
                                                 const std::array<std::uint8_t, 4>& ipv4) {
  std::vector<std::uint32_t> result;
  if (k == 0 || num_pieces == 0) return result;
  if (k >= num_pieces) {
    result.reserve(num_pieces);
    for (std::uint32_t i = 0; i < num_pieces; ++i)
      result.push_back(i);
    return result;
  }

  result.reserve(k);
  bitfield chosen(num_pieces);  // O(1) duplicate test even for a large configured k

  // Only the /24 counts, so every host behind one NAT or in one subnet gets the same set.
  std::string x;
  x.reserve(4 + sha1_hash::size);
  x.push_back(static_cast<char>(ipv4[0]));
  x.push_back(static_cast<char>(ipv4[1]));
  x.push_back(static_cast<char>(ipv4[2]));
  x.push_back('\0');
  x.append(info_hash.view());

  while (result.size() < k) {
    const sha1_hash digest = sha1(x);
    x.assign(digest.view());
    for (std::size_t j = 0; j < sha1_hash::size && result.size() < k; j += 4) {
      const std::uint32_t y = std::uint32_t{digest.bytes[j]} << 24 |
                              std::uint32_t{digest.bytes[j + 1]} << 16 |
                              std::uint32_t{digest.bytes[j + 2]} << 8 | digest.bytes[j + 3];
      const std::uint32_t index = y % num_pieces;
      if (chosen.test(index)) continue;
      chosen.set(index);
      result.push_back(index);
    }
  }
  return result;
}

}  // namespace actorrent
