#include "tracker/server/announce_query.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "tracker/server/query_string.hpp"

namespace actorrent::server {

namespace {

std::optional<std::int64_t> parse_non_negative(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');  // 19 digits cannot overflow int64
  }
  return v;
}

// A client's key is opaque text; BEP 15 carries 32 bits. Hex of up to 8 digits (what most
// clients send) maps to its value, anything else to a hash of the text, so both transports
// compare the same way.
std::uint32_t key_of(std::string_view s) {
  if (!s.empty() && s.size() <= 8) {
    std::uint32_t v = 0;
    bool hex = true;
    for (char c : s) {
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) {
        hex = false;
        break;
      }
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    if (hex) return v;
  }
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (char c : s)
    h = (h ^ static_cast<std::uint8_t>(c)) * 16777619u;
  return h;
}

std::optional<std::string> hash_param(std::string_view name, const std::string& value,
                                      sha1_hash& out) {
  if (value.size() != sha1_hash::size)
    return "invalid " + std::string(name) + ": must be 20 bytes, got " +
           std::to_string(value.size());
  out = sha1_hash::from_bytes(value);
  return std::nullopt;
}

}  // namespace

expected<announce_query, std::string> parse_announce_query(std::string_view query) {
  auto params = parse_query(query, max_announce_params);
  if (!params) return make_unexpected(params.error());

  announce_query a;
  auto& r = a.request;
  r.left = -1;
  bool seen_hash = false, seen_id = false, seen_port = false;
  std::vector<std::string_view> seen;
  for (const auto& p : *params) {
    const std::string_view k = p.key;
    static constexpr std::string_view known[] = {"info_hash",  "peer_id", "port",  "uploaded",
                                                 "downloaded", "left",    "event", "compact",
                                                 "no_peer_id", "numwant", "key",   "ip"};
    bool is_known = false;
    for (auto n : known)
      is_known = is_known || n == k;
    if (!is_known) continue;
    for (auto s : seen)
      if (s == k) return make_unexpected("duplicate parameter " + p.key);
    seen.push_back(k);

    if (k == "info_hash") {
      if (auto e = hash_param(k, p.value, r.info_hash)) return make_unexpected(*e);
      seen_hash = true;
    } else if (k == "peer_id") {
      if (auto e = hash_param(k, p.value, r.peer_id)) return make_unexpected(*e);
      seen_id = true;
    } else if (k == "port") {
      auto v = parse_non_negative(p.value);
      if (!v || *v < 1 || *v > 65535)
        return make_unexpected(std::string("invalid port: must be an integer 1..65535"));
      r.port = static_cast<std::uint16_t>(*v);
      seen_port = true;
    } else if (k == "uploaded" || k == "downloaded" || k == "left") {
      auto v = parse_non_negative(p.value);
      if (!v) return make_unexpected("invalid " + p.key + ": must be a non-negative integer");
      (k == "uploaded" ? r.uploaded : k == "downloaded" ? r.downloaded : r.left) = *v;
    } else if (k == "numwant") {
      auto v = parse_non_negative(p.value);
      if (!v)
        return make_unexpected(std::string("invalid numwant: must be a non-negative integer"));
      r.numwant = static_cast<std::int32_t>(
          std::min<std::int64_t>(*v, std::numeric_limits<std::int32_t>::max()));
    } else if (k == "event") {
      if (p.value == "started") {
        r.event = announce_event::started;
      } else if (p.value == "completed") {
        r.event = announce_event::completed;
      } else if (p.value == "stopped") {
        r.event = announce_event::stopped;
      } else if (p.value.empty() || p.value == "paused" || p.value == "empty") {
        r.event = announce_event::none;  // BEP 21's paused is a regular announce for us
      } else {
        return make_unexpected(
            std::string("invalid event: must be started, completed, stopped or empty"));
      }
    } else if (k == "compact" || k == "no_peer_id") {
      if (p.value != "0" && p.value != "1")
        return make_unexpected("invalid " + p.key + ": must be 0 or 1");
      (k == "compact" ? a.compact : a.no_peer_id) = p.value == "1";
    } else if (k == "key") {
      if (p.value.size() > 64) return make_unexpected(std::string("invalid key: too long"));
      r.key = key_of(p.value);
    } else if (k == "ip") {
      if (p.value.size() > 64) return make_unexpected(std::string("invalid ip: too long"));
      a.ip = p.value;
    }
  }
  if (!seen_hash) return make_unexpected(std::string("missing info_hash"));
  if (!seen_id) return make_unexpected(std::string("missing peer_id"));
  if (!seen_port) return make_unexpected(std::string("missing port"));
  return a;
}

expected<std::vector<sha1_hash>, std::string> parse_scrape_query(std::string_view query) {
  // A scrape may also carry a few unrelated parameters; the bound on hashes is what matters.
  auto params = parse_query(query, max_scrape_hashes + 16);
  if (!params) return make_unexpected(params.error());
  std::vector<sha1_hash> hashes;
  for (const auto& p : *params) {
    if (p.key != "info_hash") continue;
    if (hashes.size() >= max_scrape_hashes)
      return make_unexpected("too many info_hash parameters (limit " +
                             std::to_string(max_scrape_hashes) + ")");
    sha1_hash h;
    if (auto e = hash_param("info_hash", p.value, h)) return make_unexpected(*e);
    hashes.push_back(h);
  }
  return hashes;
}

}  // namespace actorrent::server
