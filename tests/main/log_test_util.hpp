// Building message-log lines (docs/message-log.md) for the `actorrent log` tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "main/log_records.hpp"

namespace actorrent::test {

inline const std::string torrent_a = "9f3c01ab" + std::string(32, 'a');
inline const std::string torrent_b = "77e0beef" + std::string(32, 'b');

inline nlohmann::json actor(const std::string& kind, std::uint64_t id,
                            const std::string& torrent = "", const std::string& peer = "") {
  nlohmann::json j{{"kind", kind}, {"id", id}};
  if (!torrent.empty()) j["torrent"] = torrent;
  if (!peer.empty()) j["peer"] = peer;
  return j;
}

inline std::string message_line(std::int64_t t, const nlohmann::json& from,
                                const nlohmann::json& to, const std::string& type,
                                const nlohmann::json& fields = nlohmann::json::object()) {
  nlohmann::json j{{"t", t}, {"event", "message"}};
  if (!from.is_null()) j["from"] = from;
  j["to"] = to;
  j["type"] = type;
  j["fields"] = fields;
  return j.dump();
}

inline std::string event_line(std::int64_t t, const std::string& event, const nlohmann::json& a,
                              const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json j{{"t", t}, {"event", event}, {"actor", a}};
  for (auto it = extra.begin(); it != extra.end(); ++it)
    j[it.key()] = it.value();
  return j.dump();
}

inline msglog::record parse(const std::string& line) {
  msglog::record r;
  std::string error;
  INFO(line);
  REQUIRE(msglog::parse_record(line, r, error));
  return r;
}

inline void write_lines(const std::filesystem::path& p, const std::vector<std::string>& lines) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  for (const auto& l : lines)
    out << l << "\n";
}

inline void append_lines(const std::filesystem::path& p, const std::vector<std::string>& lines) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  for (const auto& l : lines)
    out << l << "\n";
}

constexpr std::int64_t t0 = 1763730000000000;  // 2025-11-21 13:00:00 UTC

}  // namespace actorrent::test
