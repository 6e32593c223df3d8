#include "storage/file_layout.hpp"

#include <algorithm>
#include <cassert>

#include "protocol/metainfo.hpp"

namespace actorrent {

namespace {

std::vector<file_spec> specs_of(const metainfo& m) {
  std::vector<file_spec> specs;
  specs.reserve(m.files.size());
  for (const auto& f : m.files)
    specs.push_back({f.path, f.length, f.pad, f.executable});
  return specs;
}

}  // namespace

file_layout::file_layout(const metainfo& m)
    : file_layout(m.name, m.multi_file, m.piece_length, specs_of(m)) {}

file_layout file_layout::multi_file(std::string name, std::int64_t piece_length,
                                    std::vector<file_spec> files) {
  return file_layout(std::move(name), true, piece_length, std::move(files));
}

file_layout file_layout::single_file(std::string name, std::int64_t piece_length,
                                     std::int64_t length, bool executable) {
  std::vector<file_spec> files{{{name}, length, false, executable}};
  return file_layout(std::move(name), false, piece_length, std::move(files));
}

file_layout::file_layout(std::string name, bool multi_file, std::int64_t piece_length,
                         std::vector<file_spec> files)
    : name_(std::move(name)), multi_file_(multi_file), piece_length_(piece_length) {
  assert(piece_length > 0);
  // Keeps release builds free of division by zero should a caller break the precondition.
  if (piece_length_ <= 0) piece_length_ = 1;
  files_.reserve(files.size());
  for (auto& spec : files) {
    assert(spec.length >= 0);
    layout_file f;
    if (multi_file_) {
      f.disk_path.reserve(spec.path.size() + 1);
      f.disk_path.push_back(name_);
      for (auto& c : spec.path)
        f.disk_path.push_back(std::move(c));
    } else {
      // The single file is stored under the torrent's name whatever its entry says.
      f.disk_path = {name_};
    }
    // Offsets are recomputed from the lengths rather than trusted from the caller.
    f.offset = total_length_;
    f.length = std::max<std::int64_t>(spec.length, 0);
    f.pad = spec.pad;
    f.executable = spec.executable;
    total_length_ += f.length;
    if (f.length > 0) {
      nonempty_.push_back(files_.size());
      nonempty_offsets_.push_back(f.offset);
    }
    files_.push_back(std::move(f));
  }
  num_pieces_ = static_cast<std::uint32_t>((total_length_ + piece_length_ - 1) / piece_length_);
}

std::int64_t file_layout::piece_size(std::uint32_t piece) const {
  if (piece >= num_pieces_) return 0;
  if (piece + 1 < num_pieces_) return piece_length_;
  return total_length_ - piece_length_ * static_cast<std::int64_t>(num_pieces_ - 1);
}

bool file_layout::valid_block(std::uint32_t piece, std::int64_t offset, std::int64_t length) const {
  if (piece >= num_pieces_ || offset < 0 || length < 0) return false;
  auto size = piece_size(piece);
  return offset <= size && length <= size - offset;
}

std::size_t file_layout::nonempty_holding(std::int64_t torrent_offset) const {
  // The last nonempty file starting at or before the byte; offsets are strictly increasing
  // and the files are contiguous, so it holds the byte.
  auto it = std::upper_bound(nonempty_offsets_.begin(), nonempty_offsets_.end(), torrent_offset);
  assert(it != nonempty_offsets_.begin());
  return static_cast<std::size_t>(it - nonempty_offsets_.begin()) - 1;
}

std::optional<std::vector<file_span>> file_layout::map_range(std::int64_t torrent_offset,
                                                             std::int64_t length) const {
  if (torrent_offset < 0 || length < 0 || torrent_offset > total_length_ ||
      length > total_length_ - torrent_offset)
    return std::nullopt;
  std::vector<file_span> spans;
  if (length == 0) return spans;
  auto k = nonempty_holding(torrent_offset);
  auto pos = torrent_offset;
  auto end = torrent_offset + length;
  while (pos < end) {
    assert(k < nonempty_.size());
    const auto index = nonempty_[k++];
    const auto& f = files_[index];
    auto in_file = pos - f.offset;
    auto n = std::min(f.length - in_file, end - pos);
    spans.push_back({index, in_file, n, f.pad});
    pos += n;
  }
  return spans;
}

std::optional<std::vector<file_span>> file_layout::map_block(std::uint32_t piece,
                                                             std::int64_t offset,
                                                             std::int64_t length) const {
  if (!valid_block(piece, offset, length)) return std::nullopt;
  return map_range(static_cast<std::int64_t>(piece) * piece_length_ + offset, length);
}

std::optional<piece_position> file_layout::piece_at(std::size_t file,
                                                    std::int64_t file_offset) const {
  if (file >= files_.size()) return std::nullopt;
  const auto& f = files_[file];
  if (file_offset < 0 || file_offset >= f.length) return std::nullopt;
  auto pos = f.offset + file_offset;
  return piece_position{static_cast<std::uint32_t>(pos / piece_length_), pos % piece_length_};
}

std::optional<std::size_t> file_layout::file_at(std::int64_t torrent_offset) const {
  if (torrent_offset < 0 || torrent_offset >= total_length_) return std::nullopt;
  return nonempty_[nonempty_holding(torrent_offset)];
}

file_range file_layout::files_in_piece(std::uint32_t piece) const {
  if (piece >= num_pieces_) return {};
  auto first = static_cast<std::int64_t>(piece) * piece_length_;
  auto last = first + piece_size(piece) - 1;
  return {nonempty_[nonempty_holding(first)], nonempty_[nonempty_holding(last)] + 1};
}

piece_range file_layout::pieces_of_file(std::size_t file) const {
  if (file >= files_.size() || files_[file].length == 0) return {};
  const auto& f = files_[file];
  return {static_cast<std::uint32_t>(f.offset / piece_length_),
          static_cast<std::uint32_t>((f.offset + f.length - 1) / piece_length_ + 1)};
}

std::filesystem::path file_layout::file_path(std::size_t file,
                                             const std::filesystem::path& root) const {
  auto p = root;
  for (const auto& c : files_[file].disk_path)
    p /= c;
  return p;
}

}  // namespace actorrent
