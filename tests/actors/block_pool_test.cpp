#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>

#include "actors/block_pool.hpp"
#include "actors/io_thread.hpp"

#include <boost/asio/post.hpp>

using namespace actorrent;

TEST_CASE("block pool: page-aligned buffers, recycled when the last handle goes", "[block_pool]") {
  auto pool = block_pool::create(16 * 1024, 2);
  block_buffer a = pool->acquire();
  REQUIRE(a);
  CHECK(reinterpret_cast<std::uintptr_t>(a.data()) % 4096 == 0);
  CHECK(a.capacity() == 16 * 1024);
  std::memset(a.data(), 'x', 100);
  a.resize(100);
  CHECK(a.size() == 100);
  const char* first = a.data();
  {
    block_buffer shared = a;  // a second owner, e.g. the disk writer's queue
    a = block_buffer();
    CHECK(pool->statistics().idle == 0);  // still owned
  }
  CHECK(pool->statistics().idle == 1);
  block_buffer b = pool->acquire();
  CHECK(b.data() == first);  // reused, not reallocated
  CHECK(pool->statistics().reused == 1);
  CHECK(pool->statistics().allocated == 1);

  // Beyond max_free, returned buffers are freed.
  {
    std::vector<block_buffer> many;
    for (int i = 0; i < 5; ++i)
      many.push_back(pool->acquire());
  }
  CHECK(pool->statistics().idle == 2);
}

TEST_CASE("block pool: buffers outlive the pool handle and cross threads", "[block_pool]") {
  block_buffer kept;
  {
    auto pool = block_pool::create();
    kept = pool->acquire();
  }  // the pool lives on while `kept` does
  std::thread t([b = std::move(kept)]() mutable {
    std::memset(b.data(), 1, b.capacity());
    b = block_buffer();  // returned (and the pool destroyed) on another thread
  });
  t.join();
  SUCCEED();
}

TEST_CASE("io thread runs posted work, and keeps running while idle", "[io_thread]") {
  io_thread io;
  std::atomic<int> ran{0};
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // idle: no work queued
  boost::asio::post(io.context(), [&] { ++ran; });
  for (int i = 0; i < 100 && ran == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(ran == 1);
  io.stop();
  io.stop();  // idempotent
}
