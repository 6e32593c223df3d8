#include "main/create_command.hpp"

#include <iostream>
#include <optional>

#include "main/exit_codes.hpp"
#include "main/format.hpp"
#include "main/progress_line.hpp"
#include "storage/atomic_file.hpp"
#include "storage/create_torrent.hpp"

namespace actorrent {

namespace {

// "262144", "256K", "256KiB", "4M", "4MiB".
std::optional<std::int64_t> parse_size(const std::string& text) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  std::string suffix = text.substr(used);
  std::int64_t scale = 1;
  if (suffix == "K" || suffix == "KiB" || suffix == "k")
    scale = 1024;
  else if (suffix == "M" || suffix == "MiB" || suffix == "m")
    scale = 1024 * 1024;
  else if (!suffix.empty())
    return std::nullopt;
  if (value <= 0 || value > (std::int64_t{1} << 40) / scale) return std::nullopt;
  return value * scale;
}

}  // namespace

int run_create(create_command_options o) {
  if (!o.piece_size.empty()) {
    auto size = parse_size(o.piece_size);
    if (!size || *size < 16384 || *size > (std::int64_t{256} << 20) || (*size & (*size - 1))) {
      std::cerr << "actorrent create: --piece-size " << o.piece_size
                << ": must be a power of two from 16 KiB to 256 MiB\n";
      return exit_bad_input;
    }
    o.options.piece_length = *size;
  }
  // Each -t is a tier; comma-separated URLs within one -t share a tier (as in mktorrent).
  for (const auto& t : o.trackers) {
    std::vector<std::string> tier;
    std::string::size_type start = 0;
    while (start <= t.size()) {
      auto comma = t.find(',', start);
      auto url = t.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!url.empty()) tier.push_back(url);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (!tier.empty()) o.options.tracker_tiers.push_back(std::move(tier));
  }
  progress_line progress("hashing");
  o.options.progress = [&](std::uint32_t done, std::uint32_t total, std::int64_t piece_length) {
    progress.update(done, total, static_cast<std::uint64_t>(piece_length));
  };
  auto created = create_torrent(o.options);
  if (!created) {
    std::cerr << "actorrent create: " << created.error() << "\n";
    return exit_bad_input;
  }
  if (auto written = write_file_atomically(o.output, created->bytes); !written) {
    std::cerr << "actorrent create: " << written.error() << "\n";
    return exit_failure;
  }
  for (const auto& s : created->skipped)
    std::cerr << "actorrent create: skipped (not a regular file): " << s << "\n";
  std::cout << "created " << o.output << ": " << format_size(created->total_length) << " in "
            << created->num_pieces << " pieces of " << format_size(created->piece_length)
            << ", info-hash " << created->info_hash_hex << "\n";
  return exit_ok;
}

}  // namespace actorrent
