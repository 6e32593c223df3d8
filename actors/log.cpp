#include "actors/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace actorrent {

namespace {

spdlog::level::level_enum to_spdlog(log_level l) {
  switch (l) {
    case log_level::trace:
      return spdlog::level::trace;
    case log_level::debug:
      return spdlog::level::debug;
    case log_level::info:
      return spdlog::level::info;
    case log_level::warn:
      return spdlog::level::warn;
    case log_level::error:
      return spdlog::level::err;
    case log_level::off:
      return spdlog::level::off;
  }
  return spdlog::level::warn;
}

std::mutex logger_mutex;

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = std::make_shared<spdlog::logger>("actorrent",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_level(spdlog::level::warn);
    l->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
    return l;
  }();
  return instance;
}

std::shared_ptr<spdlog::logger> current() {
  std::lock_guard<std::mutex> lock(logger_mutex);
  return logger();
}

}  // namespace

expected<log_level, std::string> parse_log_level(const std::string& name) {
  static const std::pair<const char*, log_level> names[] = {
      {"trace", log_level::trace}, {"debug", log_level::debug}, {"info", log_level::info},
      {"warn", log_level::warn},   {"error", log_level::error}, {"off", log_level::off}};
  for (const auto& [n, l] : names)
    if (name == n) return l;
  return make_unexpected("unknown log level '" + name + "' (trace, debug, info, warn, error, off)");
}

expected<bool, std::string> configure_log(log_level level, const std::string& file) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file, false);
    } catch (const std::exception& e) {
      return make_unexpected("cannot open the log file " + file + ": " + e.what());
    }
  }
  auto l = std::make_shared<spdlog::logger>("actorrent", std::move(sink));
  l->set_level(to_spdlog(level));
  l->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
  l->flush_on(spdlog::level::warn);
  std::lock_guard<std::mutex> lock(logger_mutex);
  logger() = std::move(l);
  return true;
}

bool log_enabled(log_level level) {
  return current()->should_log(to_spdlog(level));
}

void log_line(log_level level, const std::string& text) {
  current()->log(to_spdlog(level), "{}", text);
}

}  // namespace actorrent
