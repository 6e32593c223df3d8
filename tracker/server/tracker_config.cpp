#include "tracker/server/tracker_config.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "protocol/hex.hpp"
#include "tracker/server/listen_address.hpp"

namespace actorrent::server {

namespace {

using json = nlohmann::json;

std::string key_error(std::string_view key, std::string_view what) {
  return "key '" + std::string(key) + "': " + std::string(what);
}

expected<std::int64_t, std::string> integer(const json& v, std::string_view key, std::int64_t lo,
                                            std::int64_t hi) {
  const std::string range = "must be an integer " + std::to_string(lo) + ".." + std::to_string(hi);
  if (!v.is_number_integer()) return make_unexpected(key_error(key, range));
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
    return make_unexpected(key_error(key, range));
  const auto x = v.get<std::int64_t>();
  if (x < lo || x > hi) return make_unexpected(key_error(key, range));
  return x;
}

expected<std::vector<std::string>, std::string> strings(const json& v, std::string_view key) {
  if (!v.is_array()) return make_unexpected(key_error(key, "must be a list of strings"));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      return make_unexpected(key_error(key, "entry " + std::to_string(i) + " must be a string"));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

}  // namespace

expected<tracker_config, std::string> parse_tracker_config(std::string_view text) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return make_unexpected("not valid JSON: " + std::string(e.what()));
  }
  if (!root.is_object()) return make_unexpected(std::string("must be a JSON object"));

  tracker_config c;
  std::optional<std::int64_t> min_interval;
  constexpr std::int64_t big = std::int64_t{1} << 40;
  for (const auto& item : root.items()) {
    const std::string& key = item.key();
    const json& v = item.value();
    auto set_size = [&](std::size_t& field, std::int64_t lo, std::int64_t hi) -> std::string {
      auto x = integer(v, key, lo, hi);
      if (!x) return x.error();
      field = static_cast<std::size_t>(*x);
      return {};
    };
    std::string err;
    if (key == "http" || key == "udp") {
      if (!v.is_string()) return make_unexpected(key_error(key, "must be a string HOST:PORT"));
      (key == "http" ? c.http : c.udp) = v.get<std::string>();
    } else if (key == "interval") {
      auto x = integer(v, key, 1, 7 * 86400);
      if (!x) return make_unexpected(x.error());
      c.swarm.interval = std::chrono::seconds(*x);
    } else if (key == "min_interval") {
      auto x = integer(v, key, 1, 7 * 86400);
      if (!x) return make_unexpected(x.error());
      min_interval = *x;
    } else if (key == "numwant_default" || key == "numwant_max") {
      auto x = integer(v, key, 0, 1000);
      if (!x) return make_unexpected(x.error());
      (key == "numwant_default" ? c.swarm.numwant_default : c.swarm.numwant_max) =
          static_cast<std::int32_t>(*x);
    } else if (key == "max_swarms") {
      err = set_size(c.swarm.max_swarms, 1, big);
    } else if (key == "max_peers_per_swarm") {
      err = set_size(c.swarm.max_peers_per_swarm, 1, big);
    } else if (key == "max_peers") {
      err = set_size(c.swarm.max_peers, 1, big);
    } else if (key == "allow") {
      auto list = strings(v, key);
      if (!list) return make_unexpected(list.error());
      if (!c.swarm.allow) c.swarm.allow.emplace();
      for (std::size_t i = 0; i < list->size(); ++i) {
        auto raw = (*list)[i].size() == 40 ? from_hex((*list)[i]) : std::nullopt;
        if (!raw)
          return make_unexpected(
              key_error(key, "entry " + std::to_string(i) + " is not a 40-digit hex info-hash"));
        c.swarm.allow->insert(sha1_hash::from_bytes(*raw));
      }
    } else if (key == "allow_torrents") {
      auto list = strings(v, key);
      if (!list) return make_unexpected(list.error());
      if (!c.swarm.allow) c.swarm.allow.emplace();
      c.allow_torrents = std::move(*list);
    } else if (key == "stats") {
      if (!v.is_boolean()) return make_unexpected(key_error(key, "must be true or false"));
      c.stats = v.get<bool>();
    } else {
      return make_unexpected("unknown key '" + key + "'");
    }
    if (!err.empty()) return make_unexpected(err);
  }
  c.swarm.min_interval = min_interval ? std::chrono::seconds(*min_interval)
                                      : std::max(std::chrono::seconds(1), c.swarm.interval / 2);
  return c;
}

std::optional<std::string> check_tracker_config(const tracker_config& c) {
  if (!c.http && !c.udp) return "no listener: give --http or --udp (or 'http'/'udp' in the config)";
  if (c.http) {
    if (auto a = parse_listen_address(*c.http); !a) return "http: " + a.error();
  }
  if (c.udp) {
    if (auto a = parse_listen_address(*c.udp); !a) return "udp: " + a.error();
  }
  if (c.swarm.min_interval > c.swarm.interval)
    return "key 'min_interval': must not exceed interval (" +
           std::to_string(c.swarm.interval.count()) + ")";
  if (c.swarm.numwant_default > c.swarm.numwant_max)
    return "key 'numwant_default': must not exceed numwant_max (" +
           std::to_string(c.swarm.numwant_max) + ")";
  return std::nullopt;
}

}  // namespace actorrent::server
