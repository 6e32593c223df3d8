// Where a torrent's bytes live on disk: the mapping between the torrent's piece space
// (piece, offset in piece) and its files (file index, offset in file). Pure arithmetic, no I/O.
//
// A torrent's data is the concatenation of its files in order. Zero-length files occupy no
// bytes, so they never appear in a span; pad files (BEP 47) occupy bytes that are zeros by
// definition and are never stored, so their spans are flagged `pad` and the I/O layer reads
// them as zeros and skips them on write.
//
// Lookups are binary searches over the files' offsets: a torrent may have 100k files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace actorrent {

struct metainfo;

struct layout_file {
  // Components of the file's path under the download root: {name} for a single-file torrent,
  // {name, path...} for a multi-file one. Each component is already sanitised (metainfo).
  std::vector<std::string> disk_path;
  std::int64_t offset = 0;  // position of the file's first byte in the torrent's data
  std::int64_t length = 0;
  bool pad = false;
  bool executable = false;
};

// A contiguous run of one file's bytes.
struct file_span {
  std::size_t file = 0;
  std::int64_t file_offset = 0;
  std::int64_t length = 0;
  bool pad = false;  // the bytes are zeros that exist on no disk

  friend bool operator==(const file_span& a, const file_span& b) {
    return a.file == b.file && a.file_offset == b.file_offset && a.length == b.length &&
           a.pad == b.pad;
  }
  friend bool operator!=(const file_span& a, const file_span& b) { return !(a == b); }
};

struct piece_position {
  std::uint32_t piece = 0;
  std::int64_t offset = 0;  // within the piece

  friend bool operator==(const piece_position& a, const piece_position& b) {
    return a.piece == b.piece && a.offset == b.offset;
  }
};

// Half-open ranges [begin, end).
struct file_range {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool empty() const { return begin >= end; }
  std::size_t size() const { return empty() ? 0 : end - begin; }
};
struct piece_range {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  bool empty() const { return begin >= end; }
  std::uint32_t size() const { return empty() ? 0 : end - begin; }
};

// One file as given to the test/creation constructor; `path` excludes the torrent name for
// multi-file torrents, exactly like file_entry::path.
struct file_spec {
  std::vector<std::string> path;
  std::int64_t length = 0;
  bool pad = false;
  bool executable = false;
};

class file_layout {
 public:
  explicit file_layout(const metainfo& m);

  // For tests and torrent creation. Preconditions (metainfo guarantees them for parsed
  // torrents): piece_length > 0, every length >= 0, path components already safe.
  static file_layout multi_file(std::string name, std::int64_t piece_length,
                                std::vector<file_spec> files);
  static file_layout single_file(std::string name, std::int64_t piece_length, std::int64_t length,
                                 bool executable = false);

  const std::string& name() const { return name_; }
  bool is_multi_file() const { return multi_file_; }
  std::int64_t piece_length() const { return piece_length_; }
  std::int64_t total_length() const { return total_length_; }
  std::uint32_t num_pieces() const { return num_pieces_; }
  std::int64_t piece_size(std::uint32_t piece) const;  // 0 for a piece past the end

  std::size_t num_files() const { return files_.size(); }
  const layout_file& file(std::size_t i) const { return files_[i]; }
  const std::vector<layout_file>& files() const { return files_; }

  // True when [offset, offset + length) lies inside the piece. Requests from peers are
  // hostile input: check before mapping.
  bool valid_block(std::uint32_t piece, std::int64_t offset, std::int64_t length) const;

  // The spans holding a block of a piece, in order; their lengths sum to `length`. nullopt
  // when the block is not inside the piece. A zero-length block maps to no spans.
  std::optional<std::vector<file_span>> map_block(std::uint32_t piece, std::int64_t offset,
                                                  std::int64_t length) const;
  // The same over the torrent's whole byte space.
  std::optional<std::vector<file_span>> map_range(std::int64_t torrent_offset,
                                                  std::int64_t length) const;

  // The piece and offset holding byte `file_offset` of `file`; nullopt unless
  // 0 <= file_offset < length (so never for a zero-length file).
  std::optional<piece_position> piece_at(std::size_t file, std::int64_t file_offset) const;
  // The file holding torrent byte `torrent_offset` (never a zero-length file).
  std::optional<std::size_t> file_at(std::int64_t torrent_offset) const;

  // The files whose bytes a piece covers: the first and last holders of its bytes and every
  // file between them (zero-length files in between hold none of them). Empty for a piece
  // past the end.
  file_range files_in_piece(std::uint32_t piece) const;
  // The pieces covering any byte of a file; empty for a zero-length file.
  piece_range pieces_of_file(std::size_t file) const;

  // DIR/<name> for a single-file torrent, DIR/<name>/<path...> for a multi-file one. Built by
  // joining sanitised components, never by parsing a path string.
  std::filesystem::path file_path(std::size_t file, const std::filesystem::path& root) const;

 private:
  file_layout(std::string name, bool multi_file, std::int64_t piece_length,
              std::vector<file_spec> files);

  // Index into nonempty_ of the file holding torrent byte `torrent_offset`.
  std::size_t nonempty_holding(std::int64_t torrent_offset) const;

  std::string name_;
  bool multi_file_ = false;
  std::int64_t piece_length_ = 1;
  std::int64_t total_length_ = 0;
  std::uint32_t num_pieces_ = 0;
  std::vector<layout_file> files_;
  // The files that hold at least one byte, and their offsets (strictly increasing), so that a
  // binary search never lands on a zero-length file.
  std::vector<std::size_t> nonempty_;
  std::vector<std::int64_t> nonempty_offsets_;
};

}  // namespace actorrent
