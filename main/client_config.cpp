#include "main/client_config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "main/json_reader.hpp"
#include "main/peer_endpoint.hpp"
#include "main/read_file.hpp"
#include "protocol/host_port.hpp"
#include "protocol/magnet.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {

namespace {

// nlohmann::ordered_json: errors come in file order and config_json prints the documented
// order.
using json_reader::json;
using json_reader::problem;

using json_reader::integer_in;
using json_reader::join_path;
using json_reader::near;
using json_reader::unknown_key;
using json_reader::wrong_value;

constexpr std::uint64_t no_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t week_s = 7 * 24 * 3600;
constexpr std::uint64_t week_ms = week_s * 1000;
constexpr std::uint64_t huge_bytes = std::uint64_t{1} << 40;

std::string integer_expectation(std::uint64_t lo, std::uint64_t hi, const std::string& unit) {
  std::string e;
  if (hi == no_max && lo <= 1)
    e = lo == 0 ? "a non-negative integer" : "a positive integer";
  else if (hi == no_max)
    e = "an integer of at least " + std::to_string(lo);
  else
    e = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  return unit.empty() ? e : e + " (" + unit + ")";
}

// One key: how to print it from a config and how to store it into one.
template <class Config>
struct setting {
  std::string section;  // empty: a key of the enclosing object itself
  std::string key;
  std::function<json(const Config&)> get;
  // `path` is the key's full path, for the message.
  std::function<problem(Config&, const json&, const std::string& path,
                        const std::filesystem::path& base_dir)>
      set;
};

// Builds a table of settings; `access(config)` returns a reference to the field.
template <class Config>
class schema {
 public:
  schema& section(std::string name) {
    section_ = std::move(name);
    return *this;
  }

  template <class Access>
  schema& integer(std::string key, Access access, std::uint64_t lo, std::uint64_t hi,
                  std::string unit = {}) {
    using T = std::decay_t<decltype(access(std::declval<Config&>()))>;
    hi = std::min<std::uint64_t>(hi, static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    const std::string expectation = integer_expectation(lo, hi, unit);
    return add(
        std::move(key), [access](const Config& c) { return json(access(c)); },
        [=](Config& c, const json& v, const std::string& path, const auto&) -> problem {
          auto x = integer_in(v, lo, hi);
          if (!x) return wrong_value(path, expectation, v);
          access(c) = static_cast<T>(*x);
          return std::nullopt;
        });
  }

  // A std::chrono field written as an integer count of `Unit`.
  template <class Unit, class Access>
  schema& duration(std::string key, Access access, std::uint64_t lo, std::uint64_t hi,
                   std::string unit) {
    using D = std::decay_t<decltype(access(std::declval<Config&>()))>;
    const std::string expectation = integer_expectation(lo, hi, unit);
    return add(
        std::move(key),
        [access](const Config& c) {
          return json(std::chrono::duration_cast<Unit>(access(c)).count());
        },
        [=](Config& c, const json& v, const std::string& path, const auto&) -> problem {
          auto x = integer_in(v, lo, hi);
          if (!x) return wrong_value(path, expectation, v);
          access(c) = std::chrono::duration_cast<D>(Unit{static_cast<typename Unit::rep>(*x)});
          return std::nullopt;
        });
  }

  template <class Access>
  schema& boolean(std::string key, Access access) {
    return add(
        std::move(key), [access](const Config& c) { return json(access(c)); },
        [=](Config& c, const json& v, const std::string& path, const auto&) -> problem {
          if (!v.is_boolean()) return wrong_value(path, "true or false", v);
          access(c) = v.get<bool>();
          return std::nullopt;
        });
  }

  // `valid` empty: any string.
  template <class Access>
  schema& text(std::string key, Access access, std::string expectation,
               std::function<bool(const std::string&)> valid = {}) {
    return add(
        std::move(key), [access](const Config& c) { return json(access(c)); },
        [=](Config& c, const json& v, const std::string& path, const auto&) -> problem {
          if (!v.is_string() || (valid && !valid(v.get_ref<const std::string&>())))
            return wrong_value(path, expectation, v);
          access(c) = v.get<std::string>();
          return std::nullopt;
        });
  }

  // A file or directory (a std::filesystem::path or std::string field); relative ones are
  // resolved against the config's directory.
  template <class Access>
  schema& path(std::string key, Access access, bool may_be_empty) {
    const std::string expectation = may_be_empty ? "a path (string)" : "a non-empty path";
    return add(
        std::move(key),
        [access](const Config& c) { return json(std::filesystem::path(access(c)).string()); },
        [=](Config& c, const json& v, const std::string& key_path,
            const std::filesystem::path& base) -> problem {
          if (!v.is_string() || (!may_be_empty && v.get_ref<const std::string&>().empty()))
            return wrong_value(key_path, expectation, v);
          access(c) = near(base, v.get<std::string>()).string();  // a path or a string field
          return std::nullopt;
        });
  }

  std::vector<setting<Config>> settings;

 private:
  template <class Get, class Set>
  schema& add(std::string key, Get get, Set set) {
    settings.push_back({section_, std::move(key), std::move(get), std::move(set)});
    return *this;
  }

  std::string section_;
};

template <class Config>
using table = std::vector<setting<Config>>;

const std::set<std::string>& log_levels() {
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
  return levels;
}

bool is_ip_literal(const std::string& s) {
  return peer_address::parse_ip(s, 0).has_value();
}

// The actor kinds the message log names (docs/message-log.md).
const std::set<std::string>& actor_kinds() {
  static const std::set<std::string> kinds{
      "session",  "torrent",      "piece_manager", "disk_writer", "choker", "tracker", "peer",
      "listener", "rate_limiter", "disk_thread",   "client",      "socket", "lsd",     "dht"};
  return kinds;
}

// A list of names; `allowed` empty: any non-empty name.
template <class Config, class Access>
setting<Config> name_list(std::string section, std::string key, Access access,
                          std::set<std::string> allowed) {
  return {std::move(section), std::move(key), [access](const Config& c) { return json(access(c)); },
          [=](Config& c, const json& v, const std::string& path, const auto&) -> problem {
            std::string expectation = "a list of names";
            if (!allowed.empty()) {
              expectation += " among";
              for (const auto& a : allowed)
                expectation += " " + a;
            }
            if (!v.is_array()) return wrong_value(path, expectation, v);
            std::vector<std::string> names;
            for (std::size_t i = 0; i < v.size(); ++i) {
              const auto& e = v[i];
              if (!e.is_string() || e.get_ref<const std::string&>().empty() ||
                  (!allowed.empty() && !allowed.count(e.get<std::string>())))
                return wrong_value(path + "[" + std::to_string(i) + "]", expectation, e);
              names.push_back(e.get<std::string>());
            }
            access(c) = std::move(names);
            return std::nullopt;
          }};
}

// The three keys of one fault schedule: <name>_every, <name>_after, <name>_count.
template <class Access>
void fault_schedule_keys(schema<client_config>& s, const std::string& name, Access access) {
  s.section("faults")
      .integer(
          name + "_every", [access](auto& c) -> auto& { return access(c).every; }, 0, no_max,
          "0 = never")
      .integer(
          name + "_after", [access](auto& c) -> auto& { return access(c).after; }, 0, no_max)
      .integer(
          name + "_count", [access](auto& c) -> auto& { return access(c).count; }, 0, no_max,
          "0 = no limit");
}

// The documented order: README.md's table and default_config_json follow it.
const table<client_config>& client_table() {
  static const table<client_config> settings = [] {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    schema<client_config> s;
    s.section("listen")
        .text(
            "address", [](auto& c) -> auto& { return c.session.listen_address; },
            "an IP address such as 0.0.0.0, ::, or 127.0.0.1", is_ip_literal)
        .integer(
            "port", [](auto& c) -> auto& { return c.session.listen_port; }, 0, 65535);
    s.section("")
        .path(
            "download_dir", [](auto& c) -> auto& { return c.session.download_dir; }, false)
        .path(
            "state_dir", [](auto& c) -> auto& { return c.session.state_dir; }, true);
    s.section("limits")
        .integer(
            "download", [](auto& c) -> auto& { return c.session.download_limit; }, 0, no_max,
            "bytes per second")
        .integer(
            "upload", [](auto& c) -> auto& { return c.session.upload_limit; }, 0, no_max,
            "bytes per second")
        .integer(
            "max_connections", [](auto& c) -> auto& { return c.session.max_connections; }, 1,
            100000)
        .integer(
            "max_connections_per_torrent",
            [](auto& c) -> auto& { return c.session.max_connections_per_torrent; }, 1, 100000)
        .integer(
            "max_incoming_requests",
            [](auto& c) -> auto& { return c.session.max_incoming_requests; }, 1, 100000);
    s.section("choker")
        .integer(
            "upload_slots", [](auto& c) -> auto& { return c.session.choker.upload_slots; }, 0,
            10000)
        .integer(
            "optimistic_slots", [](auto& c) -> auto& { return c.session.choker.optimistic_slots; },
            0, 10000)
        .duration<seconds>(
            "rechoke_interval_s",
            [](auto& c) -> auto& { return c.session.choker.rechoke_interval; }, 1, week_s,
            "seconds")
        .duration<seconds>(
            "optimistic_interval_s",
            [](auto& c) -> auto& { return c.session.choker.optimistic_interval; }, 1, week_s,
            "seconds")
        .duration<seconds>(
            "new_peer_age_s", [](auto& c) -> auto& { return c.session.choker.new_peer_age; }, 0,
            week_s, "seconds")
        .integer(
            "new_peer_weight", [](auto& c) -> auto& { return c.session.choker.new_peer_weight; }, 1,
            1000);
    s.section("pipeline")
        .integer(
            "block_size", [](auto& c) -> auto& { return c.session.pipeline.block_size; }, 1024,
            128 * 1024, "bytes")
        .duration<milliseconds>(
            "in_flight_time_ms", [](auto& c) -> auto& { return c.session.pipeline.in_flight_time; },
            1, week_ms, "milliseconds")
        .integer(
            "min_depth", [](auto& c) -> auto& { return c.session.pipeline.min_depth; }, 1, 100000)
        .integer(
            "max_depth", [](auto& c) -> auto& { return c.session.pipeline.max_depth; }, 1, 100000)
        .integer(
            "initial_depth", [](auto& c) -> auto& { return c.session.pipeline.initial_depth; }, 1,
            100000)
        .duration<milliseconds>(
            "ramp_time_ms", [](auto& c) -> auto& { return c.session.pipeline.ramp_time; }, 0,
            week_ms, "milliseconds")
        .integer(
            "snubbed_depth", [](auto& c) -> auto& { return c.session.pipeline.snubbed_depth; }, 1,
            100000)
        .duration<seconds>(
            "snub_timeout_s", [](auto& c) -> auto& { return c.session.pipeline.snub_timeout; }, 1,
            week_s, "seconds");
    s.section("picker")
        .boolean(
            "sequential", [](auto& c) -> auto& { return c.session.picker.sequential; })
        .integer(
            "endgame_max_requests_per_block",
            [](auto& c) -> auto& { return c.session.picker.endgame_max_requests_per_block; }, 1,
            100)
        .duration<milliseconds>(
            "endgame_min_age_ms", [](auto& c) -> auto& { return c.session.picker.endgame_min_age; },
            0, week_s * 1000, "milliseconds")
        .integer(
            "endgame_peer_queue",
            [](auto& c) -> auto& { return c.session.picker.endgame_peer_queue; }, 1, 100000)
        .integer(
            "max_hash_failures",
            [](auto& c) -> auto& { return c.session.picker.max_hash_failures; }, 1, 1000)
        .boolean(
            "ban_sole_contributor",
            [](auto& c) -> auto& { return c.session.picker.ban_sole_contributor; })
        .duration<seconds>(
            "idle_piece_takeover_s",
            [](auto& c) -> auto& { return c.session.picker.idle_piece_takeover; }, 1, week_s,
            "seconds");
    // rng_seed is an optional, which no builder above reads: null means "random".
    s.settings.push_back(
        {"picker", "rng_seed",
         [](const client_config& c) {
           const auto& seed = c.session.picker.rng_seed;
           return seed ? json(*seed) : json(nullptr);
         },
         [](client_config& c, const json& v, const std::string& path, const auto&) -> problem {
           if (v.is_null()) {
             c.session.picker.rng_seed.reset();
           } else if (auto x = integer_in(v, 0, no_max)) {
             c.session.picker.rng_seed = *x;
           } else {
             return wrong_value(path, "null (random) or a non-negative integer", v);
           }
           return std::nullopt;
         }});
    s.section("supervision")
        .duration<milliseconds>(
            "initial_delay_ms",
            [](auto& c) -> auto& { return c.session.supervision.initial_delay; }, 1, week_ms,
            "milliseconds")
        .duration<milliseconds>(
            "max_delay_ms", [](auto& c) -> auto& { return c.session.supervision.max_delay; }, 1,
            week_ms, "milliseconds")
        .integer(
            "max_restarts", [](auto& c) -> auto& { return c.session.supervision.max_restarts; }, 0,
            100000)
        .duration<seconds>(
            "window_s", [](auto& c) -> auto& { return c.session.supervision.window; }, 1, week_s,
            "seconds")
        .duration<seconds>(
            "drop_s", [](auto& c) -> auto& { return c.session.supervision.drop_duration; }, 0,
            week_s, "seconds")
        .duration<seconds>(
            "stable_period_s", [](auto& c) -> auto& { return c.session.supervision.stable_period; },
            0, week_s, "seconds")
        .integer(
            "max_keys", [](auto& c) -> auto& { return c.session.supervision.max_keys; }, 1,
            10'000'000)
        .integer(
            "part_max_restarts",
            [](auto& c) -> auto& { return c.session.part_supervision.max_restarts; }, 0, 100000)
        .duration<seconds>(
            "part_window_s", [](auto& c) -> auto& { return c.session.part_supervision.window; }, 1,
            week_s, "seconds");
    // Lower bounds: a piece message (16 KiB block + 13 bytes) must fit in a frame and in the
    // send queue, or every block would end the connection.
    constexpr std::uint64_t block_frame = 16 * 1024 + 13;
    s.section("connection")
        .integer(
            "read_buffer_size",
            [](auto& c) -> auto& { return c.session.connection.read_buffer_size; }, 4096, 64 << 20,
            "bytes")
        .integer(
            "receive_credit", [](auto& c) -> auto& { return c.session.connection.receive_credit; },
            block_frame, huge_bytes, "bytes")
        .integer(
            "max_frame_length",
            [](auto& c) -> auto& { return c.session.connection.max_frame_length; }, block_frame,
            128 << 20, "bytes")
        .integer(
            "send_low_water", [](auto& c) -> auto& { return c.session.connection.send_low_water; },
            1, huge_bytes, "bytes")
        .integer(
            "send_queue_limit",
            [](auto& c) -> auto& { return c.session.connection.send_queue_limit; }, block_frame,
            huge_bytes, "bytes")
        .integer(
            "socket_receive_buffer",
            [](auto& c) -> auto& { return c.session.connection.socket_receive_buffer; }, 0, 1 << 30,
            "bytes, 0 = the kernel's autotuning")
        .integer(
            "socket_send_buffer",
            [](auto& c) -> auto& { return c.session.connection.socket_send_buffer; }, 0, 1 << 30,
            "bytes, 0 = the kernel's autotuning")
        .duration<milliseconds>(
            "connect_timeout_ms",
            [](auto& c) -> auto& { return c.session.connection.connect_timeout; }, 1, week_ms,
            "milliseconds")
        .duration<milliseconds>(
            "handshake_timeout_ms",
            [](auto& c) -> auto& { return c.session.connection.handshake_timeout; }, 1, week_ms,
            "milliseconds")
        .duration<seconds>(
            "idle_timeout_s", [](auto& c) -> auto& { return c.session.connection.idle_timeout; }, 1,
            week_s, "seconds")
        .duration<seconds>(
            "keep_alive_interval_s",
            [](auto& c) -> auto& { return c.session.connection.keep_alive_interval; }, 0, week_s,
            "seconds, 0 = never");
    s.section("disk")
        .integer(
            "threads", [](auto& c) -> auto& { return c.session.disk_threads; }, 0, 64,
            "0 = one per core, at most 4")
        .duration<seconds>(
            "full_retry_s", [](auto& c) -> auto& { return c.session.disk_full_retry; }, 1, week_s,
            "seconds");
    s.section("tracker").integer(
        "numwant", [](auto& c) -> auto& { return c.session.numwant; }, 0, 1000);
    s.section("pex").boolean(
        "enabled", [](auto& c) -> auto& { return c.session.pex; });
    s.section("lsd")
        .boolean(
            "enabled", [](auto& c) -> auto& { return c.session.lsd.enabled; })
        .text(
            "group", [](auto& c) -> auto& { return c.session.lsd.group; },
            "an IPv4 multicast address (224.0.0.0/4)",
            [](const std::string& g) {
              auto a = peer_address::parse_ip(g, 0);
              return a && !a->v6 && (a->ip[0] & 0xf0) == 0xe0;
            })
        .integer(
            "port", [](auto& c) -> auto& { return c.session.lsd.port; }, 1, 65535)
        .text(
            "interface", [](auto& c) -> auto& { return c.session.lsd.interface_address; },
            "an IPv4 address (0.0.0.0: the kernel's choice)",
            [](const std::string& i) {
              auto a = peer_address::parse_ip(i, 0);
              return a && !a->v6;
            })
        .duration<seconds>(
            "interval_s", [](auto& c) -> auto& { return c.session.lsd.interval; }, 60, week_s,
            "seconds");
    s.section("dht").boolean(
        "enabled", [](auto& c) -> auto& { return c.session.dht.enabled; });
    s.settings.push_back(
        {"dht", "port",
         [](const client_config& c) {
           return c.session.dht.port ? json(*c.session.dht.port) : json(nullptr);
         },
         [](client_config& c, const json& v, const std::string& path, const auto&) -> problem {
           if (v.is_null()) {
             c.session.dht.port.reset();
             return std::nullopt;
           }
           auto x = integer_in(v, 0, 65535);
           if (!x)
             return wrong_value(path,
                                "an integer from 0 to 65535 (0: any free port) or null "
                                "(the listen port)",
                                v);
           c.session.dht.port = static_cast<std::uint16_t>(*x);
           return std::nullopt;
         }});
    s.settings.push_back(
        {"dht", "bootstrap", [](const client_config& c) { return json(c.session.dht.bootstrap); },
         [](client_config& c, const json& v, const std::string& path, const auto&) -> problem {
           if (!v.is_array()) return wrong_value(path, "a list of \"host:port\" strings", v);
           std::vector<std::string> out;
           for (std::size_t i = 0; i < v.size(); ++i) {
             const std::string element = path + "[" + std::to_string(i) + "]";
             if (!v[i].is_string()) return wrong_value(element, "a \"host:port\" string", v[i]);
             if (auto hp = split_host_port(v[i].get<std::string>()); !hp)
               return element + ": " + hp.error();
             out.push_back(v[i].get<std::string>());
           }
           c.session.dht.bootstrap = std::move(out);
           return std::nullopt;
         }});
    s.section("dht")
        .integer(
            "max_lookups", [](auto& c) -> auto& { return c.session.dht.max_lookups; }, 1, 1000)
        .integer(
            "max_queries", [](auto& c) -> auto& { return c.session.dht.max_queries; }, 4, 100000)
        .text(
            "state_file", [](auto& c) -> auto& { return c.session.dht.state_file; },
            "a file name (no directory: it goes in the state directory)",
            [](const std::string& n) {
              return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos;
            });
    s.section("faults").duration<milliseconds>(
        "kill_peer_every_ms", [](auto& c) -> auto& { return c.session.faults.kill_peer_interval; },
        0, week_ms, "milliseconds, 0 = never");
    fault_schedule_keys(
        s, "disk_write_fail", [](auto& c) -> auto& { return c.session.faults.disk_write; });
    s.settings.push_back(
        {"faults", "disk_write_error",
         [](const client_config& c) {
           return json(c.session.faults.disk_write_errno == ENOSPC ? "enospc" : "eio");
         },
         [](client_config& c, const json& v, const std::string& path, const auto&) -> problem {
           if (v == "eio")
             c.session.faults.disk_write_errno = EIO;
           else if (v == "enospc")
             c.session.faults.disk_write_errno = ENOSPC;
           else
             return wrong_value(path, "\"eio\" or \"enospc\"", v);
           return std::nullopt;
         }});
    fault_schedule_keys(
        s, "tracker_drop", [](auto& c) -> auto& { return c.session.faults.tracker_drop; });
    fault_schedule_keys(
        s, "tracker_corrupt", [](auto& c) -> auto& { return c.session.faults.tracker_corrupt; });
    s.section("faults").integer(
        "seed", [](auto& c) -> auto& { return c.session.faults.seed; }, 0, no_max, "0 = random");
    s.section("logging")
        .text(
            "level", [](auto& c) -> auto& { return c.session.log_level; },
            "one of trace, debug, info, warn, error, off",
            [](const std::string& l) { return log_levels().count(l) != 0; })
        .path(
            "file", [](auto& c) -> auto& { return c.session.log_file; }, true);
    s.section("message_log")
        .path(
            "file", [](auto& c) -> auto& { return c.session.message_log.file; }, true)
        .integer(
            "max_file_size", [](auto& c) -> auto& { return c.session.message_log.max_file_size; },
            4096, std::uint64_t{1} << 40, "bytes")
        .integer(
            "max_files", [](auto& c) -> auto& { return c.session.message_log.max_files; }, 1, 1000);
    s.settings.push_back(name_list<client_config>(
        "message_log", "actors", [](auto& c) -> auto& { return c.session.message_log.actors; },
        actor_kinds()));
    s.settings.push_back(name_list<client_config>(
        "message_log", "types", [](auto& c) -> auto& { return c.session.message_log.types; }, {}));
    s.settings.push_back(name_list<client_config>(
        "message_log", "exclude_types",
        [](auto& c) -> auto& { return c.session.message_log.exclude_types; }, {}));
    s.settings.push_back(
        {"message_log", "sample",
         [](const client_config& c) { return json(c.session.message_log.sample); },
         [](client_config& c, const json& v, const std::string& path, const auto&) -> problem {
           if (!v.is_object())
             return wrong_value(path, "an object of message type: one kept in N (N ≥ 1)", v);
           std::map<std::string, std::uint32_t> sample;
           for (const auto& [type, n] : v.items()) {
             auto x = integer_in(n, 1, 1u << 30);
             if (!x) return wrong_value(path + "." + type, "an integer 1..2^30", n);
             sample[type] = static_cast<std::uint32_t>(*x);
           }
           c.session.message_log.sample = std::move(sample);
           return std::nullopt;
         }});
    return std::move(s.settings);
  }();
  return settings;
}

// A list of strings, each checked by `check(value, element_path)`.
template <class Access, class Check>
setting<config_torrent> string_list(std::string key, Access access, Check check) {
  return {"", std::move(key), [access](const config_torrent& t) { return json(access(t)); },
          [=](config_torrent& t, const json& v, const std::string& path, const auto&) -> problem {
            if (!v.is_array()) return wrong_value(path, "a list of strings", v);
            std::vector<std::string> out;
            for (std::size_t i = 0; i < v.size(); ++i) {
              const std::string element = path + "[" + std::to_string(i) + "]";
              if (!v[i].is_string()) return wrong_value(element, "a string", v[i]);
              if (auto p = check(v[i].get<std::string>(), element)) return p;
              out.push_back(v[i].get<std::string>());
            }
            access(t) = std::move(out);
            return std::nullopt;
          }};
}

const table<config_torrent>& torrent_table() {
  static const table<config_torrent> settings = [] {
    schema<config_torrent> s;
    s.settings.push_back({"", "source", [](const config_torrent& t) { return json(t.source); },
                          [](config_torrent& t, const json& v, const std::string& path,
                             const std::filesystem::path& base) -> problem {
                            if (!v.is_string() || v.get_ref<const std::string&>().empty())
                              return wrong_value(path, "a .torrent path or a magnet URI", v);
                            const auto& source = v.get_ref<const std::string&>();
                            t.source = is_magnet_uri(source) ? source : near(base, source).string();
                            return std::nullopt;
                          }});
    s.path(
        "download_dir", [](auto& t) -> auto& { return t.download_dir; }, true);
    s.settings.push_back(string_list(
        "peers", [](auto& t) -> auto& { return t.peers; },
        [](const std::string& peer, const std::string& path) -> problem {
          auto parsed = parse_peer_endpoint(peer);
          if (!parsed) return path + ": " + parsed.error();
          return std::nullopt;
        }));
    s.settings.push_back(
        {"", "seed", [](const config_torrent& t) { return t.seed ? json(*t.seed) : json(nullptr); },
         [](config_torrent& t, const json& v, const std::string& path, const auto&) -> problem {
           if (v.is_null()) {
             t.seed.reset();
           } else if (v.is_boolean()) {
             t.seed = v.get<bool>();
           } else {
             return wrong_value(path, "true, false or null (the command's default)", v);
           }
           return std::nullopt;
         }});
    s.boolean(
        "sequential", [](auto& t) -> auto& { return t.sequential; });
    s.settings.push_back(string_list(
        "only", [](auto& t) -> auto& { return t.only; },
        [](const std::string& entry, const std::string& path) -> problem {
          if (entry.empty()) return path + ": expected a file index or a glob, got \"\"";
          return std::nullopt;
        }));
    s.integer(
        "download_limit", [](auto& t) -> auto& { return t.download_limit; }, 0, no_max,
        "bytes per second");
    s.integer(
        "upload_limit", [](auto& t) -> auto& { return t.upload_limit; }, 0, no_max,
        "bytes per second");
    return std::move(s.settings);
  }();
  return settings;
}

// The keys of one object: those of `section` (empty: the object's own keys).
template <class Config>
std::vector<std::string> keys_of(const table<Config>& t, const std::string& section) {
  std::vector<std::string> keys;
  for (const auto& s : t)
    if (s.section == section) keys.push_back(s.key);
  return keys;
}

template <class Config>
problem apply_members(Config& config, const json& object, const std::string& path,
                      const table<Config>& t, const std::string& section,
                      const std::filesystem::path& base) {
  if (!object.is_object()) return wrong_value(path, "an object", object);
  for (const auto& item : object.items()) {
    const std::string key_path = join_path(path, item.key());
    auto s = std::find_if(t.begin(), t.end(), [&](const setting<Config>& x) {
      return x.section == section && x.key == item.key();
    });
    if (s == t.end()) return unknown_key(key_path, keys_of(t, section));
    if (auto p = s->set(config, item.value(), key_path, base)) return p;
  }
  return std::nullopt;
}

problem parse_torrents(std::vector<config_torrent>& out, const json& list,
                       const std::filesystem::path& base) {
  if (!list.is_array()) return wrong_value("torrents", "a list of objects", list);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "torrents[" + std::to_string(i) + "]";
    config_torrent t;
    if (auto p = apply_members(t, list[i], path, torrent_table(), "", base)) return p;
    if (!list[i].contains("source"))
      return path + ": missing key 'source' (a .torrent path or a magnet URI)";
    out.push_back(std::move(t));
  }
  return std::nullopt;
}

// The order of the top-level keys: settings and sections as they first appear, then torrents.
std::vector<std::string> top_level_keys() {
  std::vector<std::string> keys;
  for (const auto& s : client_table()) {
    const std::string& name = s.section.empty() ? s.key : s.section;
    if (std::find(keys.begin(), keys.end(), name) == keys.end()) keys.push_back(name);
  }
  keys.push_back("torrents");
  return keys;
}

problem apply_root(client_config& c, const json& root, const std::filesystem::path& base) {
  if (!root.is_object()) return wrong_value("the top level", "a JSON object", root);
  const auto& t = client_table();
  for (const auto& item : root.items()) {
    const std::string& key = item.key();
    problem p;
    if (key == "torrents") {
      p = parse_torrents(c.torrents, item.value(), base);
    } else if (std::any_of(t.begin(), t.end(), [&](const auto& s) { return s.section == key; })) {
      p = apply_members(c, item.value(), key, t, key, base);
    } else if (auto s =
                   std::find_if(t.begin(), t.end(),
                                [&](const auto& x) { return x.section.empty() && x.key == key; });
               s != t.end()) {
      p = s->set(c, item.value(), key, base);
    } else {
      p = unknown_key(key, top_level_keys());
    }
    if (p) return p;
  }
  return std::nullopt;
}

// What the engine classes document as their preconditions between fields.
problem check_relations(const session_settings& s) {
  const auto& pl = s.pipeline;
  if (pl.min_depth > pl.max_depth)
    return "pipeline.min_depth: " + std::to_string(pl.min_depth) + " exceeds pipeline.max_depth (" +
           std::to_string(pl.max_depth) + ")";
  if (pl.initial_depth > pl.max_depth)
    return "pipeline.initial_depth: " + std::to_string(pl.initial_depth) +
           " exceeds pipeline.max_depth (" + std::to_string(pl.max_depth) + ")";
  if (pl.snubbed_depth > pl.max_depth)
    return "pipeline.snubbed_depth: " + std::to_string(pl.snubbed_depth) +
           " exceeds pipeline.max_depth (" + std::to_string(pl.max_depth) + ")";
  const auto ms = [](auto d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  if (s.supervision.max_delay < s.supervision.initial_delay)
    return "supervision.max_delay_ms: " + ms(s.supervision.max_delay) +
           " is below supervision.initial_delay_ms (" + ms(s.supervision.initial_delay) + ")";
  const auto& cn = s.connection;
  if (cn.send_low_water > cn.send_queue_limit)
    return "connection.send_low_water: " + std::to_string(cn.send_low_water) +
           " exceeds connection.send_queue_limit (" + std::to_string(cn.send_queue_limit) + ")";
  return std::nullopt;
}

template <class Config>
json object_of(const Config& c, const table<Config>& t) {
  json out = json::object();
  for (const auto& s : t) {
    if (s.section.empty())
      out[s.key] = s.get(c);
    else
      out[s.section][s.key] = s.get(c);
  }
  return out;
}

}  // namespace

expected<client_config, std::string> parse_client_config(std::string_view text,
                                                         const std::string& source_name,
                                                         const std::filesystem::path& base_dir) {
  const auto fail = [&](const std::string& message) {
    return make_unexpected(source_name + ": " + message);
  };
  auto root = json_reader::parse(text);
  if (!root) return fail(root.error());

  client_config c;
  if (auto p = apply_root(c, *root, base_dir)) return fail(*p);
  if (auto p = check_relations(c.session)) return fail(*p);
  return c;
}

expected<client_config, std::string> load_client_config(const std::filesystem::path& file) {
  auto text = read_file(file.string(), std::size_t{1} << 20);
  if (!text) return make_unexpected(text.error());
  auto base = file.parent_path();
  if (base.empty()) base = ".";
  return parse_client_config(*text, file.string(), base);
}

std::string config_json(const client_config& config) {
  json out = object_of(config, client_table());
  json torrents = json::array();
  for (const auto& t : config.torrents)
    torrents.push_back(object_of(t, torrent_table()));
  out["torrents"] = std::move(torrents);
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string default_config_json() {
  const client_config defaults;  // not client_config{}: GCC 12 -O3 warns (maybe-uninitialized)
  return config_json(defaults);
}

}  // namespace actorrent
