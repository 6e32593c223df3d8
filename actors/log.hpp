// The human log (not the message log): one line per event worth a person's attention — a
// peer cut off for a protocol violation, a disk error, a tracker failing — with the level set
// by the config's logging section. Only log.cpp includes spdlog (it is slow to compile);
// everything else calls these. Thread-safe.
#pragma once

#include <string>

#include "protocol/expected.hpp"

namespace actorrent {

enum class log_level { trace, debug, info, warn, error, off };

// "trace" ... "off"; nullopt-like error for anything else.
expected<log_level, std::string> parse_log_level(const std::string& name);

// To `file` (appended), or stderr when empty. Until called, warnings and errors go to stderr.
expected<bool, std::string> configure_log(log_level level, const std::string& file);

bool log_enabled(log_level level);
void log_line(log_level level, const std::string& text);

inline void log_debug(const std::string& text) {
  log_line(log_level::debug, text);
}
inline void log_info(const std::string& text) {
  log_line(log_level::info, text);
}
inline void log_warn(const std::string& text) {
  log_line(log_level::warn, text);
}
inline void log_error(const std::string& text) {
  log_line(log_level::error, text);
}

}  // namespace actorrent
