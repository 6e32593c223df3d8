#include "storage/verify_data.hpp"

#include <algorithm>

#include "storage/file_io.hpp"
#include "storage/piece_hasher.hpp"

namespace actorrent {

namespace {

sha1_hash zeros_hash(std::int64_t size) {
  static const char zeros[65536] = {};
  sha1_context ctx;
  for (; size > 0; size -= static_cast<std::int64_t>(sizeof zeros))
    ctx.update(zeros, static_cast<std::size_t>(std::min<std::int64_t>(size, sizeof zeros)));
  return ctx.finish();
}

}  // namespace

verify_result verify_data(const metainfo& torrent, const std::filesystem::path& download_dir,
                          const verify_options& options) {
  file_storage storage(file_layout(torrent), download_dir);
  const auto& layout = storage.layout();
  // A piece of zeros is valid as a hole (a sparse copy, a compressing filesystem): read those.
  const auto last = torrent.num_pieces() == 0 ? 0 : torrent.num_pieces() - 1;
  const sha1_hash zero_piece = zeros_hash(torrent.piece_length);
  const sha1_hash zero_last = zeros_hash(layout.piece_size(last));
  auto may_be_zeros = [&](std::uint32_t p) {
    return torrent.piece_hash(p) == (p == last ? zero_last : zero_piece);
  };

  // The pieces to read and hash; the others are known to be valid.
  const bool use_known = options.known_valid && options.known_valid->size() == torrent.num_pieces();
  std::vector<std::uint32_t> to_check;
  to_check.reserve(torrent.num_pieces());
  for (std::uint32_t p = 0; p < torrent.num_pieces(); ++p)
    if (!use_known || !options.known_valid->test(p)) to_check.push_back(p);

  piece_hash_job job;
  job.num_pieces = static_cast<std::uint32_t>(to_check.size());
  job.piece_size = [&](std::uint32_t i) {
    return static_cast<std::size_t>(layout.piece_size(to_check[i]));
  };
  job.read = [&](std::uint32_t i, char* buffer) {
    const auto p = to_check[i];
    // Never-written parts of a sparse download are not worth hashing.
    if (!storage.may_hold_data(p) && !may_be_zeros(p))
      return piece_read_result{piece_read_status::missing, {}};
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
  result.valid = use_known ? *options.known_valid : bitfield(torrent.num_pieces());
  std::vector<char> missing(torrent.num_pieces(), 0);
  for (std::uint32_t i = 0; i < to_check.size(); ++i) {
    const auto p = to_check[i];
    if (!hashed.hashes[i])
      missing[p] = 1;
    else if (*hashed.hashes[i] == torrent.piece_hash(p))
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
