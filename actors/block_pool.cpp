#include "actors/block_pool.hpp"

#include <cassert>
#include <cstdlib>
#include <new>

namespace actorrent {

namespace {
constexpr std::size_t page = 4096;
}

void block_buffer::resize(std::size_t n) {
  assert(n <= capacity_);
  size_ = n;
}

std::shared_ptr<block_pool> block_pool::create(std::size_t block_size, std::size_t max_free) {
  return std::shared_ptr<block_pool>(new block_pool(block_size, max_free));
}

block_pool::block_pool(std::size_t block_size, std::size_t max_free)
    : block_size_((block_size + page - 1) / page * page), max_free_(max_free) {}

block_pool::~block_pool() {
  for (char* p : free_)
    std::free(p);
}

block_buffer block_pool::acquire() {
  char* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      p = free_.back();
      free_.pop_back();
      ++stats_.reused;
    } else {
      ++stats_.allocated;
    }
  }
  if (p == nullptr) {
    p = static_cast<char*>(std::aligned_alloc(page, block_size_));
    if (p == nullptr) throw std::bad_alloc();
  }
  // The deleter keeps the pool alive while any of its buffers is out.
  std::shared_ptr<block_pool> self = shared_from_this();
  return block_buffer(std::shared_ptr<char>(p, [self](char* q) { self->give_back(q); }),
                      block_size_);
}

void block_pool::give_back(char* p) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.size() < max_free_) {
      free_.push_back(p);
      return;
    }
  }
  std::free(p);
}

block_pool::stats block_pool::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  stats s = stats_;
  s.idle = free_.size();
  return s;
}

}  // namespace actorrent
