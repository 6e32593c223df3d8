#include "main/load_torrent.hpp"

#include "main/read_file.hpp"

namespace actorrent {

expected<metainfo, std::string> load_torrent(const std::string& path) {
  auto data = read_file(path);
  if (!data) return make_unexpected(data.error());
  auto m = parse_metainfo(*data);
  if (!m) return make_unexpected(path + ": " + m.error().to_string());
  return std::move(*m);
}

}  // namespace actorrent
