#include "storage/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "protocol/metainfo.hpp"

namespace actorrent {

static_assert(sizeof(off_t) == 8, "large files need a 64-bit off_t");

namespace {

// The largest single pread/pwrite: Linux transfers at most ~2 GiB per call anyway.
constexpr std::int64_t max_io_chunk = std::int64_t{1} << 30;

class unique_fd {
 public:
  explicit unique_fd(int fd = -1) : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

using fd_result = expected<unique_fd, storage_error>;

std::string path_string(const std::filesystem::path& root, const std::vector<std::string>& comps,
                        std::size_t count) {
  auto p = root;
  for (std::size_t i = 0; i < count && i < comps.size(); ++i)
    p /= comps[i];
  return p.string();
}

storage_error make_error(storage_errc code, int err, std::string path, std::string detail) {
  return {code, err, std::move(path), std::move(detail)};
}

storage_error invalid_range(const file_layout& layout, std::uint32_t piece, std::int64_t offset,
                            std::int64_t length) {
  return make_error(storage_errc::invalid_range, 0, {},
                    "piece " + std::to_string(piece) + " bytes " + std::to_string(offset) + "+" +
                        std::to_string(length) + " not inside the torrent's " +
                        std::to_string(layout.num_pieces()) + " pieces");
}

// Why openat(dir, name, O_NOFOLLOW...) refused `name`: a planted symlink, or something that is
// not what we need there.
storage_error classify_refusal(int dirfd, const std::string& name, int err, std::string path) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode))
      return make_error(storage_errc::unsafe_path, ELOOP, std::move(path),
                        "is a symbolic link; refusing to follow it");
    if (err == ENOTDIR && !S_ISDIR(st.st_mode))
      return make_error(storage_errc::other, ENOTDIR, std::move(path),
                        "exists and is not a directory");
  }
  return storage_error_from_errno(err, std::move(path));
}

// Opens the directory root/comps[0]/.../comps[count-1] without following a symlink at any
// component below the root. With `create`, makes missing directories (and the root) and adds
// to `created_in` the prefix length of each directory in which it created an entry.
fd_result open_directory(const std::filesystem::path& root, const std::vector<std::string>& comps,
                         std::size_t count, bool create, std::vector<std::size_t>* created_in) {
  unique_fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 && errno == ENOENT && create) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) return make_unexpected(storage_error_from_errno(ec.value(), root.string()));
    dir.reset(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  if (dir.get() < 0) return make_unexpected(storage_error_from_errno(errno, root.string()));

  for (std::size_t i = 0; i < count; ++i) {
    const auto& name = comps[i];
    // Defence in depth: metainfo sanitised these, but a layout can be built by other code.
    if (auto bad = unsafe_path_component(name))
      return make_unexpected(
          make_error(storage_errc::unsafe_path, 0, path_string(root, comps, i + 1), *bad));
    constexpr int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::openat(dir.get(), name.c_str(), flags);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(dir.get(), name.c_str(), 0777) == 0) {
        if (created_in) created_in->push_back(i);
      } else if (errno != EEXIST) {
        return make_unexpected(storage_error_from_errno(errno, path_string(root, comps, i + 1)));
      }
      fd = ::openat(dir.get(), name.c_str(), flags);
    }
    if (fd < 0) {
      int err = errno;
      return make_unexpected(
          classify_refusal(dir.get(), name, err, path_string(root, comps, i + 1)));
    }
    dir.reset(fd);
  }
  return dir;
}

// Opens the regular file at the end of `comps`, creating it (and its directories) for
// writing. Refuses a symlink, and anything but a regular file, at any component.
fd_result open_regular_file(const std::filesystem::path& root,
                            const std::vector<std::string>& comps, bool write, bool executable,
                            std::vector<std::size_t>* created_in) {
  const auto full = path_string(root, comps, comps.size());
  if (comps.empty())
    return make_unexpected(make_error(storage_errc::unsafe_path, 0, full, "empty file path"));
  auto dir = open_directory(root, comps, comps.size() - 1, write, created_in);
  if (!dir) return make_unexpected(dir.error());
  const auto& name = comps.back();
  if (auto bad = unsafe_path_component(name))
    return make_unexpected(make_error(storage_errc::unsafe_path, 0, full, *bad));

  // O_NONBLOCK: opening a FIFO planted at the path must not hang the disk thread; it is then
  // refused below for not being a regular file.
  const int flags = (write ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  const mode_t mode = executable ? 0777 : 0666;
  int fd = -1;
  // Creating with O_EXCL tells whether the directory gained an entry (which flush must make
  // durable); losing that race to another thread just means opening the file it made.
  for (int attempt = 0; attempt < 3 && fd < 0; ++attempt) {
    fd = ::openat(dir->get(), name.c_str(), flags);
    if (fd >= 0 || errno != ENOENT || !write) break;
    fd = ::openat(dir->get(), name.c_str(), flags | O_CREAT | O_EXCL, mode);
    if (fd >= 0) {
      if (created_in) created_in->push_back(comps.size() - 1);
    } else if (errno != EEXIST) {
      break;
    }
  }
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) return make_unexpected(classify_refusal(dir->get(), name, err, full));
    return make_unexpected(storage_error_from_errno(err, full));
  }
  unique_fd file(fd);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) return make_unexpected(storage_error_from_errno(errno, full));
  if (S_ISDIR(st.st_mode))
    return make_unexpected(make_error(storage_errc::other, EISDIR, full, errno_text(EISDIR)));
  if (!S_ISREG(st.st_mode))
    return make_unexpected(
        make_error(storage_errc::unsafe_path, 0, full, "is not a regular file; refusing it"));
  int fl = ::fcntl(file.get(), F_GETFL);
  if (fl >= 0) ::fcntl(file.get(), F_SETFL, fl & ~O_NONBLOCK);
  return file;
}

}  // namespace

file_storage::file_storage(file_layout layout, std::filesystem::path root, storage_options options)
    : layout_(std::move(layout)),
      root_(std::move(root)),
      preallocate_(options.preallocate),
      write_fault_(std::move(options.write_fault)),
      cache_(options.cache ? std::move(options.cache)
                           : std::make_shared<open_file_cache>(options.max_open_files)),
      owner_(open_file_cache::new_owner_id()),
      dirty_(layout_.num_files(), 0),
      allocated_(layout_.num_files(), 0) {}

file_storage::~file_storage() {
  cache_->erase_owner(owner_);
}

file_storage::handle_result file_storage::open_file(std::size_t file, bool write) {
  const auto& f = layout_.file(file);
  std::vector<std::size_t> created_in;
  auto fd = open_regular_file(root_, f.disk_path, write, f.executable, &created_in);
  if (!created_in.empty()) {
    // Recorded even when the open failed later on: the directories exist now.
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto depth : created_in)
      new_entries_in_.emplace(f.disk_path.begin(),
                              f.disk_path.begin() + static_cast<std::ptrdiff_t>(depth));
  }
  if (!fd) return make_unexpected(fd.error());
  return std::make_shared<file_handle>(fd->release(), write);
}

file_storage::handle_result file_storage::handle_for(std::size_t file, bool write) {
  if (auto h = cache_->find(owner_, file, write)) return h;
  auto opened = open_file(file, write);
  if (!opened) return opened;
  const auto& f = layout_.file(file);
  if (write && preallocate_ && f.length > 0) {
    bool needed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      needed = !allocated_[file];
    }
    if (needed) {
      int r;
      do {
        r = ::fallocate((*opened)->fd(), 0, 0, f.length);
      } while (r != 0 && errno == EINTR);
      // Filesystems without fallocate stay sparse: preallocation is an optimisation, and
      // emulating it by writing zeros is exactly what we never do.
      if (r != 0 && errno != EOPNOTSUPP && errno != ENOSYS)
        return make_unexpected(
            storage_error_from_errno(errno, layout_.file_path(file, root_).string()));
      std::lock_guard<std::mutex> lock(mutex_);
      allocated_[file] = 1;
    }
  }
  return cache_->insert(owner_, file, std::move(*opened));
}

storage_status file_storage::read(std::uint32_t piece, std::int64_t offset, std::int64_t length,
                                  char* out) {
  auto spans = layout_.map_block(piece, offset, length);
  if (!spans) return make_unexpected(invalid_range(layout_, piece, offset, length));
  for (const auto& s : *spans) {
    if (s.pad) {
      std::memset(out, 0, static_cast<std::size_t>(s.length));
      out += s.length;
      continue;
    }
    auto h = handle_for(s.file, false);
    if (!h) {
      auto e = h.error();
      // For a read, a file (or directory) that is not there is data that is not there.
      if (e.code == storage_errc::not_found) e.code = storage_errc::missing_data;
      if (e.code == storage_errc::missing_data) e.path = layout_.file_path(s.file, root_).string();
      return make_unexpected(std::move(e));
    }
    std::int64_t done = 0;
    while (done < s.length) {
      auto n = ::pread((*h)->fd(), out + done,
                       static_cast<std::size_t>(std::min(s.length - done, max_io_chunk)),
                       static_cast<off_t>(s.file_offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        auto e = storage_error_from_errno(errno, layout_.file_path(s.file, root_).string());
        e.offset = s.file_offset + done;
        return make_unexpected(std::move(e));
      }
      if (n == 0)
        return make_unexpected(
            make_error(storage_errc::missing_data, 0, layout_.file_path(s.file, root_).string(),
                       "file ends before byte " + std::to_string(s.file_offset + s.length)));
      done += n;
    }
    out += s.length;
  }
  return storage_ok();
}

bool file_storage::may_hold_data(std::uint32_t piece) {
  auto spans = layout_.map_block(piece, 0, layout_.piece_size(piece));
  if (!spans) return true;  // let the read report it
  bool on_disk_spans = false;
  for (const auto& s : *spans) {
    if (s.pad || s.length == 0) continue;
    on_disk_spans = true;
    auto h = handle_for(s.file, false);
    if (!h) {
      if (h.error().code == storage_errc::not_found) continue;
      return true;
    }
    // pread/pwrite ignore the descriptor's file position, so moving it here is harmless.
    auto at = ::lseek((*h)->fd(), static_cast<off_t>(s.file_offset), SEEK_DATA);
    if (at < 0 && errno == ENXIO) continue;  // only holes from there to the end
    if (at < 0) return true;                 // cannot tell
    if (at < s.file_offset + s.length) return true;
  }
  return !on_disk_spans;
}

storage_status file_storage::write(std::uint32_t piece, std::int64_t offset, const char* data,
                                   std::int64_t length) {
  auto spans = layout_.map_block(piece, offset, length);
  if (!spans) return make_unexpected(invalid_range(layout_, piece, offset, length));
  int injected = write_fault_ ? write_fault_() : 0;
  std::vector<std::size_t> written;
  auto mark_dirty = [&] {
    if (written.empty()) return;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto i : written) {
      if (!dirty_[i]) {
        dirty_[i] = 1;
        dirty_list_.push_back(i);
      }
    }
  };
  for (const auto& s : *spans) {
    if (s.pad) {
      data += s.length;
      continue;
    }
    auto h = handle_for(s.file, true);
    if (!h) {
      mark_dirty();
      return make_unexpected(h.error());
    }
    std::int64_t done = 0;
    while (done < s.length) {
      ssize_t n;
      if (injected != 0) {  // exactly what a failing pwrite does
        n = -1;
        errno = std::exchange(injected, 0);
      } else {
        n = ::pwrite((*h)->fd(), data + done,
                     static_cast<std::size_t>(std::min(s.length - done, max_io_chunk)),
                     static_cast<off_t>(s.file_offset + done));
      }
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = errno;
        // Bytes of this span may have reached the file: flush must cover it.
        written.push_back(s.file);
        mark_dirty();
        auto e = n == 0
                     ? make_error(storage_errc::other, 0, layout_.file_path(s.file, root_).string(),
                                  "write made no progress")
                     : storage_error_from_errno(err, layout_.file_path(s.file, root_).string());
        e.offset = s.file_offset + done;
        return make_unexpected(std::move(e));
      }
      done += n;
    }
    written.push_back(s.file);
    data += s.length;
  }
  mark_dirty();
  return storage_ok();
}

storage_status file_storage::flush() {
  std::vector<std::size_t> files;
  std::set<std::vector<std::string>> dirs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    files.swap(dirty_list_);
    for (auto i : files)
      dirty_[i] = 0;
    dirs.swap(new_entries_in_);
  }
  std::optional<storage_error> first;
  // Every file and directory is tried even after a failure, so that one bad file does not
  // leave the others' data unsynced.
  for (auto i : files) {
    auto h = handle_for(i, false);
    if (!h) {
      if (!first) first = h.error();
      continue;
    }
    int r;
    do {
      r = ::fdatasync((*h)->fd());
    } while (r != 0 && errno == EINTR);
    if (r != 0 && !first)
      first = storage_error_from_errno(errno, layout_.file_path(i, root_).string());
  }
  for (const auto& d : dirs) {
    auto dir = open_directory(root_, d, d.size(), false, nullptr);
    if (!dir) {
      if (!first) first = dir.error();
      continue;
    }
    if (::fsync(dir->get()) != 0 && !first)
      first = storage_error_from_errno(errno, path_string(root_, d, d.size()));
  }
  if (first) {
    // A written file that vanished is not "missing data to download" but lost data.
    if (first->code == storage_errc::missing_data) first->code = storage_errc::not_found;
    return make_unexpected(std::move(*first));
  }
  return storage_ok();
}

void file_storage::close_all() {
  cache_->erase_owner(owner_);
}

storage_status file_storage::create_empty_files() {
  for (std::size_t i = 0; i < layout_.num_files(); ++i) {
    const auto& f = layout_.file(i);
    if (f.length != 0 || f.pad) continue;
    auto h = open_file(i, true);
    if (!h) return make_unexpected(h.error());
  }
  return storage_ok();
}

std::size_t file_storage::open_files() const {
  return cache_->size(owner_);
}

}  // namespace actorrent
