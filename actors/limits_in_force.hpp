// Whether the session's download / upload limits are on. While no limit applies, peers move
// bytes without asking the rate limiter (a request per chunk costs messages at full speed);
// a session's limits change while it runs (client::set_rate_limits), so peers read these
// flags at every transfer decision instead of once when their torrent starts.
#pragma once

#include <atomic>
#include <cstdint>

namespace actorrent {

struct limits_in_force {
  std::atomic<bool> download{false};
  std::atomic<bool> upload{false};

  void set(std::uint64_t download_limit, std::uint64_t upload_limit) {
    download.store(download_limit > 0, std::memory_order_relaxed);
    upload.store(upload_limit > 0, std::memory_order_relaxed);
  }
};

}  // namespace actorrent
