#include "storage/open_file_cache.hpp"

#include <unistd.h>

#include <atomic>
#include <vector>

namespace actorrent {

file_handle::~file_handle() {
  // close() may report a deferred write error, but the descriptor is gone either way and
  // retrying is wrong on Linux; durability is checked by flush()'s fdatasync instead.
  if (fd_ >= 0) ::close(fd_);
}

open_file_cache::open_file_cache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::uint64_t open_file_cache::new_owner_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<file_handle> open_file_cache::find(std::uint64_t owner, std::size_t file,
                                                   bool need_write) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find({owner, file});
  if (it == entries_.end() || (need_write && !it->second.handle->writable())) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.handle;
}

std::shared_ptr<file_handle> open_file_cache::insert(std::uint64_t owner, std::size_t file,
                                                     std::shared_ptr<file_handle> handle) {
  // Handles dropped here are closed after the lock is released: close() is a system call.
  std::vector<std::shared_ptr<file_handle>> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  key k{owner, file};
  auto it = entries_.find(k);
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    if (it->second.handle->writable() || !handle->writable()) {
      dropped.push_back(std::move(handle));
      return it->second.handle;
    }
    // A read-only handle gives way to a writable one; readers still using it keep it alive.
    dropped.push_back(std::exchange(it->second.handle, handle));
    return handle;
  }
  lru_.push_front(k);
  entries_.emplace(k, entry{handle, lru_.begin()});
  while (entries_.size() > capacity_) {
    auto victim = entries_.find(lru_.back());
    dropped.push_back(std::move(victim->second.handle));
    entries_.erase(victim);
    lru_.pop_back();
    ++stats_.evictions;
  }
  return handle;
}

void open_file_cache::erase(std::uint64_t owner, std::size_t file) {
  std::shared_ptr<file_handle> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find({owner, file});
  if (it == entries_.end()) return;
  dropped = std::move(it->second.handle);
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void open_file_cache::erase_owner(std::uint64_t owner) {
  std::vector<std::shared_ptr<file_handle>> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->owner != owner) {
      ++it;
      continue;
    }
    auto e = entries_.find(*it);
    dropped.push_back(std::move(e->second.handle));
    entries_.erase(e);
    it = lru_.erase(it);
  }
}

void open_file_cache::clear() {
  std::vector<std::shared_ptr<file_handle>> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [k, e] : entries_)
    dropped.push_back(std::move(e.handle));
  entries_.clear();
  lru_.clear();
}

std::size_t open_file_cache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

std::size_t open_file_cache::size(std::uint64_t owner) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const auto& k : lru_)
    n += k.owner == owner;
  return n;
}

open_file_cache::stats open_file_cache::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace actorrent
