// The clocks an experiment reports by: wall-clock milliseconds (the nodes' completion times
// and the controller's start, on machines whose clocks agree) and a process's CPU seconds.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace actorrent {

inline std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Now in UTC, formatted by strftime: "%Y-%m-%dT%H:%M:%SZ" for a record, "%Y%m%dT%H%M%SZ" for
// a directory name.
inline std::string utc_now_text(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

inline double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// This process's CPU seconds so far, user and system.
inline double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return cpu_seconds(u);
}

}  // namespace actorrent
