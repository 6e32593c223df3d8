#include "main/split_command.hpp"

#include <iostream>
#include <memory>

#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "main/progress_line.hpp"
#include "storage/split_data.hpp"

namespace actorrent {

namespace {

struct split_cli {
  std::string torrent;
  std::string dir;
  unsigned parts = 0;
  std::string out;
};

int run_split(const split_cli& cli) {
  auto m = load_torrent(cli.torrent);
  if (!m) {
    std::cerr << "actorrent split: " << m.error() << "\n";
    return exit_bad_input;
  }
  progress_line progress("splitting");
  auto r =
      split_data(*m, cli.dir, cli.parts, cli.out, [&](std::uint32_t done, std::uint32_t total) {
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

}  // namespace

void add_split_command(CLI::App& app) {
  auto cli = std::make_shared<split_cli>();
  auto* cmd =
      app.add_subcommand("split", "Write K partial copies of complete data (for test swarms)");
  cmd->add_option("torrent", cli->torrent, "the .torrent file")->required();
  cmd->add_option("--dir", cli->dir, "the directory holding the complete data")->required();
  cmd->add_option("--parts", cli->parts, "how many partial copies (2 to the piece count)")
      ->required();
  cmd->add_option("-o,--output", cli->out, "where to write part-1 ... part-K")->required();
  cmd->callback([cli] { throw command_result{run_split(*cli)}; });
}

}  // namespace actorrent
