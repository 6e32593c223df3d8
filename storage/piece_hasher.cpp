#include "storage/piece_hasher.hpp"

#include "storage/io_buffer.hpp"

#include <algorithm>
#include <mutex>
#include <thread>

namespace actorrent {

piece_hash_result hash_pieces(const piece_hash_job& job) {
  piece_hash_result result;
  result.hashes.resize(job.num_pieces);
  unsigned threads = job.threads ? job.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, std::max<std::uint32_t>(job.num_pieces, 1));

  std::atomic<std::uint32_t> next{0};
  std::atomic<std::uint32_t> done{0};
  std::atomic<bool> stop{false};
  std::mutex failure_mutex;

  auto worker = [&] {
    io_buffer buffer;
    sha1_context ctx;
    while (!stop.load(std::memory_order_relaxed)) {
      if (job.cancel && job.cancel->load(std::memory_order_relaxed)) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!result.failure) result.failure = "cancelled";
        stop = true;
        break;
      }
      std::uint32_t piece = next.fetch_add(1, std::memory_order_relaxed);
      if (piece >= job.num_pieces) break;
      std::size_t size = job.piece_size(piece);
      buffer.resize(size);
      auto r = job.read(piece, buffer.data());
      if (r.status == piece_read_status::failed) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!result.failure) result.failure = r.error;
        stop = true;
        break;
      }
      if (r.status == piece_read_status::ok) {
        ctx.update(buffer.data(), size);
        result.hashes[piece] = ctx.finish();  // each worker writes distinct elements
      }
      auto n = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (job.progress) job.progress(n);
    }
  };

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i)
    pool.emplace_back(worker);
  worker();
  for (auto& t : pool)
    t.join();
  return result;
}

}  // namespace actorrent
