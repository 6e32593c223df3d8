// Reading and writing one torrent's pieces in its files under a download directory.
//
// - Files are opened lazily through a bounded LRU cache of descriptors (open_file_cache),
//   read-only until a write needs them writable.
// - Files are sparse: nothing ever writes zeros to extend a file. Preallocation (fallocate)
//   is opt-in and silently skipped where the filesystem does not support it.
// - A read of bytes that are not on disk (the file is missing, or ends before the range) is
//   an error, storage_errc::missing_data, never zeros that could pass for data. Pad-file
//   (BEP 47) bytes read as zeros and are never written.
// - Nothing is written outside the root directory: paths are walked component by component
//   with openat() from the root, and a symlink (or a FIFO, device...) found at any component
//   below the root is refused, not followed. The root itself is the user's choice and may be
//   a symlink.
// - Errors are values (storage_error: kind, path, errno text); nothing throws.
//
// Durability: a write that returned is in the page cache, not yet on disk. flush() makes
// every write that returned before it was called durable (fdatasync on the files written,
// fsync on the directories where entries were created). Resume data may only claim pieces
// written before a successful flush.
//
// Thread-safety: read, write, flush, close_all and create_empty_files may be called
// concurrently from any threads. No lock is held across a pread/pwrite. Concurrent writes to
// the same bytes leave one of the writers' data, unspecified which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/file_layout.hpp"
#include "storage/open_file_cache.hpp"
#include "storage/storage_error.hpp"

namespace actorrent {

struct storage_options {
  // The size of the storage's own descriptor cache; ignored when `cache` is given.
  std::size_t max_open_files = open_file_cache::default_capacity;
  // A cache shared with other storages, so that a whole session keeps one descriptor budget.
  std::shared_ptr<open_file_cache> cache;
  // Reserve each file's full length (fallocate) when it is first opened for writing, so that
  // a full disk shows at once rather than in the middle of the download and files do not
  // fragment. Off by default: files stay sparse.
  bool preallocate = false;
  // Fault injection (config "faults.disk_write_*"; tests): called once per write(), from any
  // thread that writes; a non-zero errno makes that write's first pwrite fail with it, down
  // the same path as a real failure. Empty: no faults.
  std::function<int()> write_fault;
};

class file_storage {
 public:
  file_storage(file_layout layout, std::filesystem::path root, storage_options options = {});
  ~file_storage();  // closes this storage's descriptors; does not flush
  file_storage(const file_storage&) = delete;
  file_storage& operator=(const file_storage&) = delete;

  const file_layout& layout() const { return layout_; }
  const std::filesystem::path& root() const { return root_; }

  // Reads `length` bytes of `piece` starting at `offset` into `out`, which must hold them. On
  // error the contents of `out` are unspecified.
  storage_status read(std::uint32_t piece, std::int64_t offset, std::int64_t length, char* out);

  // Writes a block of a piece, creating directories and files as needed. On error some of
  // the block's files may have been written.
  storage_status write(std::uint32_t piece, std::int64_t offset, const char* data,
                       std::int64_t length);
  storage_status write(std::uint32_t piece, std::int64_t offset, std::string_view data) {
    return write(piece, offset, data.data(), static_cast<std::int64_t>(data.size()));
  }

  // False when none of the piece's bytes was ever written: in each of its files the range is
  // past the end, a hole (SEEK_DATA), or the file is absent, so reading it gives only zeros or
  // missing data. True when some byte may hold data, or when the filesystem cannot tell. A
  // recheck skips such pieces instead of hashing the holes of a sparse download.
  bool may_hold_data(std::uint32_t piece);

  // Makes the writes that returned before this call durable. On error, treat every piece
  // written since the last successful flush as not on disk: Linux reports a failed writeback
  // once and then forgets it, so a second flush would succeed without the data.
  storage_status flush();

  // Closes this storage's descriptors (e.g. before the files are moved). Later calls reopen.
  void close_all();

  // Creates the torrent's zero-length files, which no write ever touches.
  storage_status create_empty_files();

  std::size_t open_files() const;  // this storage's descriptors in the cache
  const open_file_cache& cache() const { return *cache_; }

 private:
  using handle_result = expected<std::shared_ptr<file_handle>, storage_error>;
  handle_result handle_for(std::size_t file, bool write);
  handle_result open_file(std::size_t file, bool write);

  const file_layout layout_;
  const std::filesystem::path root_;
  const bool preallocate_;
  const std::function<int()> write_fault_;
  const std::shared_ptr<open_file_cache> cache_;
  const std::uint64_t owner_;

  std::mutex mutex_;         // guards the members below
  std::vector<char> dirty_;  // per file: written since the last flush
  std::vector<std::size_t> dirty_list_;
  std::vector<char> allocated_;  // per file: preallocation done (or not supported)
  // Directories (as component lists under the root; empty = the root) in which an entry was
  // created since the last flush: their fsync is what makes a new file survive a crash.
  std::set<std::vector<std::string>> new_entries_in_;
};

}  // namespace actorrent
