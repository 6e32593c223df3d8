#include "main/split_command.hpp"

#include <iostream>

#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "main/progress_line.hpp"
#include "storage/split_data.hpp"

namespace actorrent {

int run_split(const split_command_options& o) {
  auto m = load_torrent(o.torrent);
  if (!m) {
    std::cerr << "actorrent split: " << m.error() << "\n";
    return exit_bad_input;
  }
  progress_line progress("splitting");
  auto r = split_data(*m, o.dir, o.parts, o.out, [&](std::uint32_t done, std::uint32_t total) {
    progress.update(done, total, static_cast<std::uint64_t>(m->piece_length));
  });
  if (!r) {
    std::cerr << "actorrent split: " << r.error() << "\n";
    return exit_failure;
  }
  for (std::size_t k = 0; k < r->parts.size(); ++k)
    std::cout << r->parts[k].string() << ": " << r->pieces_per_part[k] << " of " << m->num_pieces()
              << " pieces\n";
  return exit_ok;
}

}  // namespace actorrent
