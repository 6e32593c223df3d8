// The colours of the project's self-contained HTML pages (the log timeline's message types,
// an experiment report's clients): distinct ones first, then hues spread by the golden angle.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace actorrent {

inline std::string chart_colour(std::size_t i) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                  "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
                                  "#393b79", "#ad494a", "#637939", "#e6550d", "#3182bd"};
  constexpr std::size_t n = sizeof palette / sizeof *palette;
  if (i < n) return palette[i];
  char buf[32];
  std::snprintf(buf, sizeof buf, "hsl(%d,65%%,42%%)", static_cast<int>((i - n) * 137.508) % 360);
  return buf;
}

}  // namespace actorrent
