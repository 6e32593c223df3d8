// A one-line progress display for long CLI jobs (create, verify): redrawn in place on a
// TTY at most ten times a second, silent otherwise so that logs and pipes stay clean.
// Safe to call from several threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace actorrent {

class progress_line {
 public:
  explicit progress_line(std::string label);
  ~progress_line();  // ends the line if one was drawn

  // `done` of `total` units, each `unit_bytes` long (for the rate).
  void update(std::uint64_t done, std::uint64_t total, std::uint64_t unit_bytes);

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace actorrent
