#include "storage/split_data.hpp"

#include <memory>

#include "storage/file_io.hpp"
#include "storage/io_buffer.hpp"

namespace actorrent {

expected<split_result, std::string> split_data(
    const metainfo& torrent, const std::filesystem::path& download_dir, unsigned parts,
    const std::filesystem::path& out_dir,
    const std::function<void(std::uint32_t, std::uint32_t)>& progress) {
  const auto num_pieces = torrent.num_pieces();
  if (parts < 2 || parts > num_pieces)
    return make_unexpected("--parts " + std::to_string(parts) +
                           ": must be from 2 to the piece count (" + std::to_string(num_pieces) +
                           ")");
  file_layout layout(torrent);
  file_storage source(layout, download_dir);
  split_result result;
  std::vector<std::unique_ptr<file_storage>> copies;
  for (unsigned k = 0; k < parts; ++k) {
    result.parts.push_back(out_dir / ("part-" + std::to_string(k + 1)));
    copies.push_back(std::make_unique<file_storage>(layout, result.parts.back()));
    if (auto r = copies.back()->create_empty_files(); !r)
      return make_unexpected(r.error().to_string());
  }
  result.pieces_per_part.assign(parts, 0);

  io_buffer buffer(static_cast<std::size_t>(torrent.piece_length));
  for (std::uint32_t p = 0; p < num_pieces; ++p) {
    auto size = layout.piece_size(p);
    if (auto r = source.read(p, 0, size, buffer.data()); !r)
      return make_unexpected("piece " + std::to_string(p) + ": " + r.error().to_string() +
                             " (split needs complete data: run verify)");
    if (sha1(std::string_view(buffer.data(), static_cast<std::size_t>(size))) !=
        torrent.piece_hash(p))
      return make_unexpected("piece " + std::to_string(p) +
                             " fails its hash (split needs complete data: run verify)");
    auto& copy = *copies[p % parts];
    if (auto r = copy.write(p, 0, buffer.data(), size); !r)
      return make_unexpected(r.error().to_string());
    ++result.pieces_per_part[p % parts];
    if (progress) progress(p + 1, num_pieces);
  }
  for (auto& copy : copies)
    if (auto r = copy->flush(); !r) return make_unexpected(r.error().to_string());
  return result;
}

}  // namespace actorrent
