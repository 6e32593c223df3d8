#include "main/piece_list.hpp"

namespace actorrent {

std::string format_piece_list(const std::vector<std::uint32_t>& pieces, std::size_t max_runs) {
  std::string out;
  std::size_t runs = 0;
  for (std::size_t i = 0; i < pieces.size();) {
    std::size_t j = i;
    while (j + 1 < pieces.size() && pieces[j + 1] == pieces[j] + 1)
      ++j;
    if (runs == max_runs) {
      out += ", …";
      break;
    }
    if (!out.empty()) out += ", ";
    out += std::to_string(pieces[i]);
    if (j > i) out += "-" + std::to_string(pieces[j]);
    ++runs;
    i = j + 1;
  }
  return out;
}

}  // namespace actorrent
