#include "main/progress_line.hpp"

#include <unistd.h>

#include <cstdio>

#include "main/format.hpp"

namespace actorrent {

progress_line::progress_line(std::string label)
    : label_(std::move(label)),
      enabled_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

progress_line::~progress_line() {
  if (drawn_) std::fputc('\n', stderr);
}

void progress_line::update(std::uint64_t done, std::uint64_t total, std::uint64_t unit_bytes) {
  if (!enabled_ || total == 0) return;
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock) return;  // another thread is drawing; this update is not needed
  auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  auto rate =
      seconds > 0 ? static_cast<std::int64_t>(static_cast<double>(done * unit_bytes) / seconds) : 0;
  constexpr int width = 30;
  int filled = static_cast<int>(width * done / total);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %3d%% %llu/%llu  %s/s ", label_.c_str(), bar.c_str(),
               static_cast<int>(100 * done / total), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total), format_size(rate).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace actorrent
