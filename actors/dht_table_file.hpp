// The DHT's routing table on disk: our node id and the nodes we know, so that a restart
// rejoins the DHT without a bootstrap node and keeps its place in the id space. Written
// atomically (write temp, fsync, rename), so a crash leaves the old table or the new one.
#pragma once

#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include "engine/dht_routing_table.hpp"

namespace actorrent {

struct loaded_dht_table {
  dht_routing_table table;
  // Why the file was not used (unreadable, too big, malformed: named with the byte); empty
  // when it was, or when there was none.
  std::string problem;
  bool from_file = false;
};

// The saved table at `path`; a fresh one with a random id when there is none or it is bad.
loaded_dht_table load_dht_table(const std::filesystem::path& path, std::mt19937_64& rng,
                                engine_clock::time_point now);

// Empty on success, else what went wrong (the path and the system's reason).
std::string save_dht_table(const std::filesystem::path& path, const dht_routing_table& table);

}  // namespace actorrent
