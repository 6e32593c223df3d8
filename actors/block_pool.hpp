// Recycled, page-aligned, reference-counted buffers for 16 KiB blocks (DESIGN.md, principle
// 4: a block travels from the socket to the disk writer as one owned buffer, never copied
// again). Measured here (CAF-NOTES.md): malloc/free of 16–256 KiB buffers across threads
// caused a page-fault storm; and reads into buffers at page offset 16 copy 3.5x slower than
// into page-aligned ones (docs/design-notes.md). So buffers come from this pool, are handed
// around as block_buffer (a shared handle), and return to the pool when the last handle goes.
//
// Thread-safe. The pool keeps at most `max_free` idle buffers; beyond that they are freed.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace actorrent {

class block_pool;

// A filled block: a shared handle to pooled memory plus the byte count in use.
class block_buffer {
 public:
  block_buffer() = default;

  char* data() { return storage_ ? storage_.get() : nullptr; }
  const char* data() const { return storage_ ? storage_.get() : nullptr; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  void resize(std::size_t n);  // n <= capacity()
  explicit operator bool() const { return static_cast<bool>(storage_); }

 private:
  friend class block_pool;
  block_buffer(std::shared_ptr<char> storage, std::size_t capacity)
      : storage_(std::move(storage)), capacity_(capacity) {}
  std::shared_ptr<char> storage_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

class block_pool : public std::enable_shared_from_this<block_pool> {
 public:
  static constexpr std::size_t default_block_size = 16 * 1024;

  static std::shared_ptr<block_pool> create(std::size_t block_size = default_block_size,
                                            std::size_t max_free = 4096);
  ~block_pool();

  // A buffer of block_size() bytes, uninitialised, size() 0.
  block_buffer acquire();
  std::size_t block_size() const { return block_size_; }

  struct stats {
    std::size_t allocated = 0;  // buffers ever allocated from the system
    std::size_t reused = 0;     // acquisitions served from the free list
    std::size_t idle = 0;       // buffers in the free list now
  };
  stats statistics() const;

 private:
  block_pool(std::size_t block_size, std::size_t max_free);
  void give_back(char* p);

  const std::size_t block_size_;
  const std::size_t max_free_;
  mutable std::mutex mutex_;
  std::vector<char*> free_;
  stats stats_;
};

}  // namespace actorrent
