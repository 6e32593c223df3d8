#include "actors/dht_table_file.hpp"

#include <fstream>
#include <iterator>

#include "storage/atomic_file.hpp"

namespace actorrent {

namespace {

// Refused above the size a table can have (dht_routing_config::max_saved_size): a file that
// big is not ours, and reading it whole would cost memory for nothing.
expected<std::string, std::string> read_saved(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return make_unexpected("cannot read it: " + ec.message());
  if (size > dht_routing_config{}.max_saved_size)
    return make_unexpected("too big for a routing table (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_unexpected(std::string("cannot open it"));
  std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_unexpected(std::string("cannot read it"));
  return blob;
}

}  // namespace

loaded_dht_table load_dht_table(const std::filesystem::path& path, std::mt19937_64& rng,
                                engine_clock::time_point now) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return {dht_routing_table(random_node_id(rng), now), {}, false};
  auto blob = read_saved(path);
  if (!blob) return {dht_routing_table(random_node_id(rng), now), blob.error(), false};
  auto loaded = dht_routing_table::load(*blob, now);
  if (!loaded)
    return {dht_routing_table(random_node_id(rng), now), loaded.error().to_string(), false};
  return {std::move(*loaded), {}, true};
}

std::string save_dht_table(const std::filesystem::path& path, const dht_routing_table& table) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  auto written = write_file_atomically(path.string(), table.save());
  return written ? std::string() : written.error();
}

}  // namespace actorrent
