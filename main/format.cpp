#include "main/format.hpp"

#include <cstdio>

namespace actorrent {

std::string format_size(std::int64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0 || value == static_cast<double>(static_cast<std::int64_t>(value)))
    std::snprintf(buf, sizeof buf, "%lld %s", static_cast<long long>(value), units[unit]);
  else
    std::snprintf(buf, sizeof buf, "%.2f %s", value, units[unit]);
  return buf;
}

}  // namespace actorrent
