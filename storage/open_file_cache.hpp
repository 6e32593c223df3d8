// A bounded, least-recently-used cache of open file descriptors, shared by any number of
// torrents' storages (Principle 5: a 10,000-file torrent, or a session of 100 torrents, must
// not need 10,000 descriptors).
//
// Handles are reference-counted: a handle evicted while another thread is in the middle of a
// pread/pwrite on it stays open until that call finishes, so no lock is held across I/O. The
// cache therefore bounds the descriptors it keeps; in-flight operations may briefly hold a few
// more (at most one per concurrent operation).
//
// Thread-safety: every member function may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace actorrent {

// Owns one open descriptor; closes it when the last reference goes.
class file_handle {
 public:
  file_handle(int fd, bool writable) : fd_(fd), writable_(writable) {}
  ~file_handle();
  file_handle(const file_handle&) = delete;
  file_handle& operator=(const file_handle&) = delete;

  int fd() const { return fd_; }
  bool writable() const { return writable_; }

 private:
  int fd_;
  bool writable_;
};

class open_file_cache {
 public:
  static constexpr std::size_t default_capacity = 256;

  // A capacity of 0 is taken as 1.
  explicit open_file_cache(std::size_t capacity = default_capacity);
  open_file_cache(const open_file_cache&) = delete;
  open_file_cache& operator=(const open_file_cache&) = delete;

  // Distinguishes the files of different storages sharing one cache.
  static std::uint64_t new_owner_id();

  // The cached handle for a file, if there is one that can write when `need_write`; marks it
  // most recently used.
  std::shared_ptr<file_handle> find(std::uint64_t owner, std::size_t file, bool need_write);

  // Caches a freshly opened handle and returns the one to use: `handle`, or a handle at least
  // as capable that another thread cached first (then `handle` is closed). Evicts the least
  // recently used handles beyond capacity.
  std::shared_ptr<file_handle> insert(std::uint64_t owner, std::size_t file,
                                      std::shared_ptr<file_handle> handle);

  void erase(std::uint64_t owner, std::size_t file);
  void erase_owner(std::uint64_t owner);  // close_all, and a storage's destructor
  void clear();

  std::size_t size() const;
  std::size_t size(std::uint64_t owner) const;
  std::size_t capacity() const { return capacity_; }

  struct stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t evictions = 0;
  };
  stats statistics() const;

 private:
  struct key {
    std::uint64_t owner;
    std::size_t file;
    bool operator==(const key& o) const { return owner == o.owner && file == o.file; }
  };
  struct key_hash {
    std::size_t operator()(const key& k) const {
      return std::hash<std::uint64_t>()(k.owner * 0x9E3779B97F4A7C15ull ^ k.file);
    }
  };
  struct entry {
    std::shared_ptr<file_handle> handle;
    std::list<key>::iterator lru;  // position in lru_
  };

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<key> lru_;  // most recently used first
  std::unordered_map<key, entry, key_hash> entries_;
  stats stats_;
};

}  // namespace actorrent
