#include "main/verify_command.hpp"

#include <cstdio>
#include <iostream>
#include <memory>

#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "main/piece_list.hpp"
#include "main/progress_line.hpp"
#include "storage/verify_data.hpp"

namespace actorrent {

namespace {

struct verify_cli {
  std::string torrent;
  std::string dir;
  unsigned threads = 0;
};

int run_verify(const verify_cli& cli) {
  auto m = load_torrent(cli.torrent);
  if (!m) {
    std::cerr << "actorrent verify: " << m.error() << "\n";
    return exit_bad_input;
  }
  verify_result r;
  {
    progress_line progress("verifying");
    verify_options options;
    options.threads = cli.threads;
    options.progress = [&](std::uint32_t done, std::uint32_t total) {
      progress.update(done, total, static_cast<std::uint64_t>(m->piece_length));
    };
    r = verify_data(*m, cli.dir, options);
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

}  // namespace

void add_verify_command(CLI::App& app) {
  auto cli = std::make_shared<verify_cli>();
  auto* cmd = app.add_subcommand("verify", "Recheck downloaded data against a .torrent");
  cmd->add_option("torrent", cli->torrent, "the .torrent file")->required();
  cmd->add_option("--dir", cli->dir, "the download directory holding the data")->required();
  cmd->add_option("--threads", cli->threads, "hashing threads (default: one per core)");
  cmd->callback([cli] { throw command_result{run_verify(*cli)}; });
}

}  // namespace actorrent
