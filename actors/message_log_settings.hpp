// The message log's configuration (config section `message_log`; docs/message-log.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace actorrent {

struct message_log_settings {
  std::filesystem::path file;  // empty: off
  std::uint64_t max_file_size = 64ull << 20;
  std::size_t max_files = 4;
  // Actor kinds: a message is kept when its sender or its receiver is one. Empty: all.
  std::vector<std::string> actors;
  std::vector<std::string> types;          // message types kept; empty: all
  std::vector<std::string> exclude_types;  // dropped even when `types` has them
  // One message in N of a type is written (the line says "sampled": N). The per-block
  // messages are sampled by default: logging each costs a fifth of a fast download.
  std::map<std::string, std::uint32_t> sample = default_sampling();

  // The messages of every block or batch of blocks; one in 16 keeps their shape in a log
  // without paying for each (bench/download has the cost figures).
  static std::map<std::string, std::uint32_t> default_sampling() {
    return {{"picked", 16},          {"pick_request", 16},
            {"blocks_arrived", 16},  {"block_writes", 16},
            {"credit_returned", 16}, {"peer_blocks_in", 16},
            {"peer_wire_batch", 16}, {"block_reads", 16},
            {"blocks_read", 16},     {"bandwidth_request", 16},
            {"bandwidth_grant", 16}};
  }
};

}  // namespace actorrent
