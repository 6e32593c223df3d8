#include "storage/storage_error.hpp"

#include <cerrno>
#include <cstring>

namespace actorrent {

namespace {

// strerror is not thread-safe and strerror_r comes in two flavours: the GNU one returns the
// text (maybe not in buf), the XSI one returns an int and fills buf. Overloads pick either.
[[maybe_unused]] const char* strerror_result(const char* text, const char*) {
  return text;
}
[[maybe_unused]] const char* strerror_result(int, const char* buf) {
  return buf;
}

}  // namespace

std::string errno_text(int err) {
  char buf[256] = "unknown error";
  return strerror_result(::strerror_r(err, buf, sizeof buf), buf);
}

const char* to_string(storage_errc code) {
  switch (code) {
    case storage_errc::permission_denied:
      return "permission denied";
    case storage_errc::disk_full:
      return "disk full";
    case storage_errc::io_error:
      return "I/O error";
    case storage_errc::missing_data:
      return "missing data";
    case storage_errc::not_found:
      return "not found";
    case storage_errc::unsafe_path:
      return "unsafe path";
    case storage_errc::invalid_range:
      return "invalid range";
    case storage_errc::other:
      return "storage error";
  }
  return "storage error";
}

std::string storage_error::to_string() const {
  std::string out = actorrent::to_string(code);
  if (!path.empty()) out += ": " + path;
  if (offset >= 0) out += " at byte " + std::to_string(offset);
  if (!detail.empty()) out += ": " + detail;
  return out;
}

storage_error storage_error_from_errno(int err, std::string path) {
  storage_errc code;
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
      code = storage_errc::permission_denied;
      break;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:  // RLIMIT_FSIZE or the filesystem's maximum file size: no room either way
      code = storage_errc::disk_full;
      break;
    case EIO:
      code = storage_errc::io_error;
      break;
    case ENOENT:
      code = storage_errc::not_found;
      break;
    case ELOOP:  // what O_NOFOLLOW reports for a symlink
      code = storage_errc::unsafe_path;
      break;
    default:
      code = storage_errc::other;
  }
  return {code, err, std::move(path), errno_text(err)};
}

}  // namespace actorrent
