#include "storage/verify_data.hpp"

#include <algorithm>

#include "storage/file_io.hpp"
#include "storage/piece_hasher.hpp"

namespace actorrent {

verify_result verify_data(const metainfo& torrent, const std::filesystem::path& download_dir,
                          const verify_options& options) {
  file_storage storage(file_layout(torrent), download_dir);
  const auto& layout = storage.layout();

  piece_hash_job job;
  job.num_pieces = torrent.num_pieces();
  job.piece_size = [&](std::uint32_t p) { return static_cast<std::size_t>(layout.piece_size(p)); };
  job.read = [&](std::uint32_t p, char* buffer) {
    auto r = storage.read(p, 0, layout.piece_size(p), buffer);
    if (r) return piece_read_result{};
    if (r.error().code == storage_errc::missing_data)
      return piece_read_result{piece_read_status::missing, {}};
    return piece_read_result{piece_read_status::failed, r.error().to_string()};
  };
  job.threads = options.threads;
  if (options.progress)
    job.progress = [&](std::uint32_t done) { options.progress(done, job.num_pieces); };
  job.cancel = options.cancel;
  auto hashed = hash_pieces(job);

  verify_result result;
  result.failure = hashed.failure;
  result.valid = bitfield(torrent.num_pieces());
  std::vector<char> missing(torrent.num_pieces(), 0);
  for (std::uint32_t p = 0; p < torrent.num_pieces(); ++p) {
    if (!hashed.hashes[p])
      missing[p] = 1;
    else if (*hashed.hashes[p] == torrent.piece_hash(p))
      result.valid.set(p);
  }
  for (std::size_t f = 0; f < torrent.files.size(); ++f) {
    const auto& file = torrent.files[f];
    file_verdict v;
    v.file = f;
    if (file.pad) {
      v.bytes_valid = file.length;  // zeros by definition, never on disk
      result.files.push_back(std::move(v));
      continue;
    }
    auto pieces = layout.pieces_of_file(f);
    for (auto p = pieces.begin; p < pieces.end; ++p) {
      if (result.valid.test(p)) {
        auto piece_begin = static_cast<std::int64_t>(p) * torrent.piece_length;
        auto piece_end = piece_begin + layout.piece_size(p);
        v.bytes_valid +=
            std::min(piece_end, file.offset + file.length) - std::max(piece_begin, file.offset);
      } else if (missing[p]) {
        v.missing_pieces.push_back(p);
      } else {
        v.corrupt_pieces.push_back(p);
      }
    }
    result.files.push_back(std::move(v));
  }
  return result;
}

}  // namespace actorrent
