// Typed errors of the storage layer. A failed read or write is an ordinary value that says
// what went wrong, on which file, and the system's own words for it: the torrent decides
// whether to pause (disk full), stop (permission denied, I/O error) or re-download (missing
// data). Nothing in storage/ throws or crashes on a failing disk.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "protocol/expected.hpp"

namespace actorrent {

enum class storage_errc {
  permission_denied,  // EACCES, EPERM, EROFS
  disk_full,          // ENOSPC, EDQUOT, EFBIG (file size limit)
  io_error,           // EIO: the device failed
  missing_data,       // a read reached past a file's end, or the file is not there
  not_found,          // a file vanished that was expected to exist (e.g. during flush)
  unsafe_path,        // a symlink or special file where a file or directory should be
  invalid_range,      // a block outside its piece, or a piece past the end
  other,
};

const char* to_string(storage_errc code);

struct storage_error {
  storage_errc code = storage_errc::other;
  int sys_errno = 0;         // 0 when the error did not come from a system call
  std::string path;          // the file or directory concerned; empty for invalid_range
  std::string detail;        // the errno text, or what was found instead of what was expected
  std::int64_t offset = -1;  // the byte of `path` where a read or write failed; -1: none

  // "disk full: /dl/t/a.bin at byte 16384: No space left on device"
  std::string to_string() const;
};

// strerror's text, thread-safely.
std::string errno_text(int err);

// Classifies a failed system call on `path`.
storage_error storage_error_from_errno(int err, std::string path);

// expected<void> for C++17: success carries nothing.
using storage_status = expected<std::monostate, storage_error>;
inline storage_status storage_ok() {
  return std::monostate{};
}

}  // namespace actorrent
