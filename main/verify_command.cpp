#include "main/verify_command.hpp"

#include <cstdio>
#include <iostream>

#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "main/piece_list.hpp"
#include "main/progress_line.hpp"
#include "storage/verify_data.hpp"

namespace actorrent {

int run_verify(const verify_command_options& o) {
  auto m = load_torrent(o.torrent);
  if (!m) {
    std::cerr << "actorrent verify: " << m.error() << "\n";
    return exit_bad_input;
  }
  verify_result r;
  {
    progress_line progress("verifying");
    verify_options options;
    options.threads = o.threads;
    options.progress = [&](std::uint32_t done, std::uint32_t total) {
      progress.update(done, total, static_cast<std::uint64_t>(m->piece_length));
    };
    r = verify_data(*m, o.dir, options);
  }
  if (r.failure) {
    std::cerr << "actorrent verify: " << *r.failure << "\n";
    return exit_failure;
  }
  for (const auto& v : r.files) {
    const auto& f = m->files[v.file];
    if (f.pad) continue;
    double percent =
        f.length ? 100.0 * static_cast<double>(v.bytes_valid) / static_cast<double>(f.length)
                 : 100.0;
    char pct[16];
    std::snprintf(pct, sizeof pct, "%6.2f%%", percent);
    std::cout << pct << "  " << (m->multi_file ? m->name + "/" : "") << f.path_string();
    if (!v.corrupt_pieces.empty())
      std::cout << "  corrupt pieces: " << format_piece_list(v.corrupt_pieces);
    if (!v.missing_pieces.empty())
      std::cout << "  missing pieces: " << format_piece_list(v.missing_pieces);
    std::cout << "\n";
  }
  std::cout << r.valid.count() << " of " << m->num_pieces()
            << " pieces valid: " << (r.complete() ? "complete" : "data is missing or wrong")
            << "\n";
  return r.complete() ? exit_ok : exit_failure;
}

}  // namespace actorrent
