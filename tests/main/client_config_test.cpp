#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "main/client_config.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

// Field-by-field equality through structured bindings: when a field is added to one of these
// structs, the binding stops compiling here, which is the reminder to give it a config key
// (client_config.cpp), a line in default_config_json's key list below and in README.md.
namespace actorrent {

bool operator==(const choker_config& a, const choker_config& b) {
  const auto& [a1, a2, a3, a4, a5, a6] = a;
  const auto& [b1, b2, b3, b4, b5, b6] = b;
  return std::tie(a1, a2, a3, a4, a5, a6) == std::tie(b1, b2, b3, b4, b5, b6);
}

bool operator==(const request_pipeline_config& a, const request_pipeline_config& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7, a8] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7, b8] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7, a8) == std::tie(b1, b2, b3, b4, b5, b6, b7, b8);
}

bool operator==(const piece_picker_config& a, const piece_picker_config& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7, a8] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7, b8] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7, a8) == std::tie(b1, b2, b3, b4, b5, b6, b7, b8);
}

bool operator==(const restart_policy_config& a, const restart_policy_config& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7) == std::tie(b1, b2, b3, b4, b5, b6, b7);
}

// `pool` (the first field) is the session's, not a setting.
bool operator==(const peer_connection_options& a, const peer_connection_options& b) {
  const auto& [pool_a, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11] = a;
  const auto& [pool_b, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11] = b;
  (void)pool_a;
  (void)pool_b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) ==
         std::tie(b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11);
}

bool operator==(const part_supervision_config& a, const part_supervision_config& b) {
  return a.max_restarts == b.max_restarts && a.window == b.window;
}

bool operator==(const fault_schedule& a, const fault_schedule& b) {
  const auto& [a1, a2, a3] = a;
  const auto& [b1, b2, b3] = b;
  return std::tie(a1, a2, a3) == std::tie(b1, b2, b3);
}

bool operator==(const fault_settings& a, const fault_settings& b) {
  const auto& [a1, a2, a3, a4, a5, a6] = a;
  const auto& [b1, b2, b3, b4, b5, b6] = b;
  return std::tie(a1, a2, a3, a4, a5, a6) == std::tie(b1, b2, b3, b4, b5, b6);
}

bool operator==(const message_log_settings& a, const message_log_settings& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7) == std::tie(b1, b2, b3, b4, b5, b6, b7);
}

bool operator==(const lsd_settings& a, const lsd_settings& b) {
  const auto& [a1, a2, a3, a4, a5] = a;
  const auto& [b1, b2, b3, b4, b5] = b;
  return std::tie(a1, a2, a3, a4, a5) == std::tie(b1, b2, b3, b4, b5);
}

bool operator==(const dht_settings& a, const dht_settings& b) {
  const auto& [a1, a2, a3, a4, a5, a6] = a;
  const auto& [b1, b2, b3, b4, b5, b6] = b;
  return std::tie(a1, a2, a3, a4, a5, a6) == std::tie(b1, b2, b3, b4, b5, b6);
}

bool operator==(const session_settings& a, const session_settings& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19,
               a20, a21, a22, a23, a24, a25] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19,
               b20, b21, b22, b23, b24, b25] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18,
                  a19, a20, a21, a22, a23, a24,
                  a25) == std::tie(b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15,
                                   b16, b17, b18, b19, b20, b21, b22, b23, b24, b25);
}

bool operator==(const config_torrent& a, const config_torrent& b) {
  const auto& [a1, a2, a3, a4, a5, a6, a7, a8] = a;
  const auto& [b1, b2, b3, b4, b5, b6, b7, b8] = b;
  return std::tie(a1, a2, a3, a4, a5, a6, a7, a8) == std::tie(b1, b2, b3, b4, b5, b6, b7, b8);
}

bool operator==(const client_config& a, const client_config& b) {
  const auto& [a1, a2] = a;
  const auto& [b1, b2] = b;
  return std::tie(a1, a2) == std::tie(b1, b2);
}

}  // namespace actorrent

namespace {

client_config parse(const std::string& text, const std::filesystem::path& base = {}) {
  auto c = parse_client_config(text, "test.json", base);
  INFO(text);
  if (!c) FAIL(c.error());
  return *c;
}

std::string error_of(const std::string& text) {
  auto c = parse_client_config(text, "test.json");
  INFO(text);
  REQUIRE_FALSE(c);
  return c.error();
}

// Every key path of a JSON object, nested objects flattened ("choker.upload_slots").
void flatten(const nlohmann::json& j, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& item : j.items()) {
    const std::string path = prefix.empty() ? item.key() : prefix + "." + item.key();
    // message_log.sample is one key whose value is a map (type -> N), not a section.
    if (item.value().is_object() && path != "message_log.sample")
      flatten(item.value(), path, out);
    else
      out.insert(path);
  }
}

// Written out by hand on purpose: the second list that the table in client_config.cpp must
// agree with.
const std::set<std::string> all_keys{
    "listen.address",
    "listen.port",
    "download_dir",
    "state_dir",
    "limits.download",
    "limits.upload",
    "limits.max_connections",
    "limits.max_connections_per_torrent",
    "limits.max_incoming_requests",
    "disk.threads",
    "disk.full_retry_s",
    "choker.upload_slots",
    "choker.optimistic_slots",
    "choker.rechoke_interval_s",
    "choker.optimistic_interval_s",
    "choker.new_peer_age_s",
    "choker.new_peer_weight",
    "pipeline.block_size",
    "pipeline.in_flight_time_ms",
    "pipeline.min_depth",
    "pipeline.max_depth",
    "pipeline.initial_depth",
    "pipeline.ramp_time_ms",
    "pipeline.snubbed_depth",
    "pipeline.snub_timeout_s",
    "picker.sequential",
    "picker.endgame_max_requests_per_block",
    "picker.endgame_min_age_ms",
    "picker.endgame_peer_queue",
    "picker.max_hash_failures",
    "picker.ban_sole_contributor",
    "picker.idle_piece_takeover_s",
    "picker.rng_seed",
    "faults.kill_peer_every_ms",
    "faults.disk_write_fail_every",
    "faults.disk_write_fail_after",
    "faults.disk_write_fail_count",
    "faults.disk_write_error",
    "faults.tracker_drop_every",
    "faults.tracker_drop_after",
    "faults.tracker_drop_count",
    "faults.tracker_corrupt_every",
    "faults.tracker_corrupt_after",
    "faults.tracker_corrupt_count",
    "faults.seed",
    "supervision.initial_delay_ms",
    "supervision.max_delay_ms",
    "supervision.max_restarts",
    "supervision.window_s",
    "supervision.drop_s",
    "supervision.stable_period_s",
    "supervision.max_keys",
    "supervision.part_max_restarts",
    "supervision.part_window_s",
    "connection.read_buffer_size",
    "connection.receive_credit",
    "connection.max_frame_length",
    "connection.send_low_water",
    "connection.send_queue_limit",
    "connection.socket_receive_buffer",
    "connection.socket_send_buffer",
    "connection.connect_timeout_ms",
    "connection.handshake_timeout_ms",
    "connection.idle_timeout_s",
    "connection.keep_alive_interval_s",
    "tracker.numwant",
    "pex.enabled",
    "lsd.enabled",
    "lsd.group",
    "lsd.port",
    "lsd.interface",
    "lsd.interval_s",
    "dht.enabled",
    "dht.port",
    "dht.bootstrap",
    "dht.max_lookups",
    "dht.max_queries",
    "dht.state_file",
    "logging.level",
    "logging.file",
    "message_log.file",
    "message_log.max_file_size",
    "message_log.max_files",
    "message_log.actors",
    "message_log.types",
    "message_log.exclude_types",
    "message_log.sample",
    "torrents",
};

// Every field differs from its default.
client_config everything_changed() {
  client_config c;
  auto& s = c.session;
  s.listen_address = "::1";
  s.listen_port = 0;
  s.download_dir = "/data/dl";
  s.state_dir = "/data/state";
  s.download_limit = 1'000'000;
  s.upload_limit = 250'000;
  s.max_connections = 300;
  s.max_connections_per_torrent = 60;
  s.max_incoming_requests = 500;
  s.disk_threads = 3;
  s.choker = {6, 2, 5s, 20s, 90s, 2};
  s.pipeline.block_size = 32 * 1024;
  s.pipeline.in_flight_time = 1500ms;
  s.pipeline.min_depth = 3;
  s.pipeline.max_depth = 250;
  s.pipeline.initial_depth = 8;
  s.pipeline.ramp_time = 2500ms;
  s.pipeline.snubbed_depth = 2;
  s.pipeline.snub_timeout = 45s;
  s.picker = {true, 3, 250ms, 6, 5, false, 40s, 1234};
  s.supervision = {500ms, 60s, 7, 300s, 600s, 30s, 100};
  auto& cn = s.connection;
  cn.read_buffer_size = 256 * 1024;
  cn.receive_credit = 4 << 20;
  cn.max_frame_length = 2 << 20;
  cn.send_low_water = 128 * 1024;
  cn.send_queue_limit = 16 << 20;
  cn.socket_receive_buffer = 1 << 20;
  cn.socket_send_buffer = 2 << 20;
  cn.connect_timeout = 3000ms;
  cn.handshake_timeout = 7000ms;
  cn.idle_timeout = 200'000ms;
  cn.keep_alive_interval = 0ms;
  s.numwant = 80;
  s.pex = false;
  s.lsd = {true, "239.1.2.3", 7000, "127.0.0.1", 600s};
  s.dht = {false, 7000, {"127.0.0.1:6881", "router.example.org:6881"}, 4, 100, "dht2.dat"};
  s.log_level = "debug";
  s.log_file = "/var/log/actorrent.log";
  s.message_log = {"/tmp/messages.log", 1 << 20, 9, {"peer", "piece_manager"}, {"picked"}, {"tick"},
                   {{"picked", 4}}};
  c.torrents.push_back({"/t/a.torrent",
                        "/dl/a",
                        {"127.0.0.1:6881", "[::1]:7000"},
                        true,
                        true,
                        {"0", "*.mkv"},
                        100,
                        200});
  c.torrents.push_back({"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567",
                        "",
                        {},
                        std::nullopt,
                        false,
                        {},
                        0,
                        0});
  return c;
}

}  // namespace

TEST_CASE("config: an empty object is the defaults") {
  const client_config defaults;  // not client_config{}: GCC 12 -O3 warns (maybe-uninitialized)
  CHECK(parse("{}") == defaults);
  CHECK(parse("  {\n}\n") == defaults);
}

TEST_CASE("config: default_config_json holds every key and parses to exactly the defaults") {
  const std::string text = default_config_json();
  const client_config defaults;
  CHECK(parse(text) == defaults);
  std::set<std::string> keys;
  flatten(nlohmann::json::parse(text), "", keys);
  CHECK(keys == all_keys);
  // The documented values, spot-checked against the engine's own defaults.
  const auto j = nlohmann::json::parse(text);
  CHECK(j["listen"]["port"] == 6881);
  CHECK(j["supervision"]["max_delay_ms"] == 120000);
  CHECK(j["connection"]["idle_timeout_s"] == 150);
  CHECK(j["picker"]["rng_seed"].is_null());
  CHECK(j["torrents"] == nlohmann::json::array());
}

TEST_CASE("config: config_json of a config with every field changed reads back the same") {
  const client_config c = everything_changed();
  const session_settings defaults;
  REQUIRE_FALSE(c.session == defaults);
  CHECK(parse(config_json(c)) == c);
}

TEST_CASE("config: listen, directories, limits") {
  auto c = parse(R"({"listen": {"address": "127.0.0.1", "port": 0},
                     "download_dir": "/srv/dl", "state_dir": "/srv/state",
                     "limits": {"download": 18446744073709551615, "upload": 1024,
                                "max_connections": 10, "max_connections_per_torrent": 5,
                                "max_incoming_requests": 64}})");
  const auto& s = c.session;
  CHECK(s.listen_address == "127.0.0.1");
  CHECK(s.listen_port == 0);
  CHECK(s.download_dir == "/srv/dl");
  CHECK(s.state_dir == "/srv/state");
  CHECK(s.download_limit == 18446744073709551615u);
  CHECK(s.upload_limit == 1024);
  CHECK(s.max_connections == 10);
  CHECK(s.max_connections_per_torrent == 5);
  CHECK(s.max_incoming_requests == 64);
  CHECK(parse(R"({"listen": {"address": "::"}})").session.listen_address == "::");
}

TEST_CASE("config: choker") {
  auto c = parse(R"({"choker": {"upload_slots": 8, "optimistic_slots": 0,
      "rechoke_interval_s": 5, "optimistic_interval_s": 15, "new_peer_age_s": 0,
      "new_peer_weight": 1}})");
  const auto& k = c.session.choker;
  CHECK(k.upload_slots == 8);
  CHECK(k.optimistic_slots == 0);
  CHECK(k.rechoke_interval == 5s);
  CHECK(k.optimistic_interval == 15s);
  CHECK(k.new_peer_age == 0s);
  CHECK(k.new_peer_weight == 1);
}

TEST_CASE("config: pipeline") {
  auto c = parse(R"({"pipeline": {"block_size": 8192, "in_flight_time_ms": 250,
      "min_depth": 1, "max_depth": 1, "initial_depth": 1, "ramp_time_ms": 0,
      "snubbed_depth": 1, "snub_timeout_s": 10}})");
  const auto& p = c.session.pipeline;
  CHECK(p.block_size == 8192);
  CHECK(p.in_flight_time == 250ms);
  CHECK(p.min_depth == 1);
  CHECK(p.max_depth == 1);
  CHECK(p.initial_depth == 1);
  CHECK(p.ramp_time == 0ms);
  CHECK(p.snubbed_depth == 1);
  CHECK(p.snub_timeout == 10s);
}

TEST_CASE("config: picker") {
  auto c = parse(R"({"picker": {"sequential": true, "endgame_max_requests_per_block": 4,
      "endgame_peer_queue": 9, "max_hash_failures": 1, "ban_sole_contributor": false, "idle_piece_takeover_s": 5,
      "rng_seed": 42}})");
  const auto& p = c.session.picker;
  CHECK(p.sequential);
  CHECK(p.endgame_max_requests_per_block == 4);
  CHECK(p.endgame_peer_queue == 9);
  CHECK(p.max_hash_failures == 1);
  CHECK_FALSE(p.ban_sole_contributor);
  CHECK(p.idle_piece_takeover == 5s);
  CHECK(p.rng_seed == std::optional<std::uint64_t>(42));
  CHECK_FALSE(parse(R"({"picker": {"rng_seed": null}})").session.picker.rng_seed);
}

TEST_CASE("config: supervision") {
  auto c = parse(R"({"supervision": {"initial_delay_ms": 100, "max_delay_ms": 100,
      "max_restarts": 0, "window_s": 10, "drop_s": 0, "stable_period_s": 1, "max_keys": 1}})");
  const auto& r = c.session.supervision;
  CHECK(r.initial_delay == 100ms);
  CHECK(r.max_delay == 100ms);
  CHECK(r.max_restarts == 0);
  CHECK(r.window == 10s);
  CHECK(r.drop_duration == 0s);
  CHECK(r.stable_period == 1s);
  CHECK(r.max_keys == 1);
}

TEST_CASE("config: connection") {
  auto c = parse(R"({"connection": {"read_buffer_size": 65536, "receive_credit": 2097152,
      "max_frame_length": 262144, "send_low_water": 1, "send_queue_limit": 65536,
      "socket_receive_buffer": 4096, "socket_send_buffer": 8192, "connect_timeout_ms": 500,
      "handshake_timeout_ms": 900, "idle_timeout_s": 30, "keep_alive_interval_s": 0}})");
  const auto& o = c.session.connection;
  CHECK(o.read_buffer_size == 65536);
  CHECK(o.receive_credit == 2097152);
  CHECK(o.max_frame_length == 262144);
  CHECK(o.send_low_water == 1);
  CHECK(o.send_queue_limit == 65536);
  CHECK(o.socket_receive_buffer == 4096);
  CHECK(o.socket_send_buffer == 8192);
  CHECK(o.connect_timeout == 500ms);
  CHECK(o.handshake_timeout == 900ms);
  CHECK(o.idle_timeout == 30s);
  CHECK(o.keep_alive_interval == 0ms);
  CHECK_FALSE(o.pool);
}

TEST_CASE("config: dht") {
  const client_config defaults;
  CHECK(defaults.session.dht.enabled);
  CHECK_FALSE(defaults.session.dht.port);         // the listen port
  CHECK(defaults.session.dht.bootstrap.empty());  // nothing on the internet unless asked
  auto c = parse(R"({"dht": {"enabled": false, "port": 0, "bootstrap": ["127.0.0.1:6881",
                     "[::1]:7000", "router.example.org:6881"], "max_lookups": 2,
                     "max_queries": 64, "state_file": "d.dat"}})");
  const auto& d = c.session.dht;
  CHECK_FALSE(d.enabled);
  CHECK(d.port == std::optional<std::uint16_t>(0));
  CHECK(d.bootstrap ==
        std::vector<std::string>{"127.0.0.1:6881", "[::1]:7000", "router.example.org:6881"});
  CHECK(d.max_lookups == 2);
  CHECK(d.max_queries == 64);
  CHECK(d.state_file == "d.dat");
  CHECK_FALSE(parse(R"({"dht": {"port": null}})").session.dht.port);
  CHECK(error_of(R"({"dht": {"bootstrap": ["127.0.0.1"]}})") ==
        "test.json: dht.bootstrap[0]: '127.0.0.1': missing port (expected HOST:PORT, e.g. "
        "192.0.2.7:6881 or router.example.org:6881)");
  CHECK(error_of(R"({"dht": {"bootstrap": ["a:0"]}})").find("dht.bootstrap[0]: 'a:0': the port") !=
        std::string::npos);
  CHECK(error_of(R"({"dht": {"port": 70000}})") ==
        "test.json: dht.port: expected an integer from 0 to 65535 (0: any free port) or null (the "
        "listen port), got 70000");
  CHECK(error_of(R"({"dht": {"state_file": "../x"}})").find("dht.state_file") != std::string::npos);
  CHECK(error_of(R"({"dht": {"max_lookups": 0}})").find("dht.max_lookups") != std::string::npos);
}

TEST_CASE("config: tracker, logging, message_log") {
  auto c = parse(R"({"tracker": {"numwant": 0}, "logging": {"level": "trace", "file": "a.log"},
                     "message_log": {"file": "m.log", "max_file_size": 4096, "max_files": 2,
                                     "actors": ["peer", "socket"], "types": ["picked"],
                                     "exclude_types": ["tick"], "sample": {"picked": 3}}})");
  CHECK(c.session.numwant == 0);
  CHECK(c.session.log_level == "trace");
  CHECK(c.session.log_file == "a.log");
  const auto& m = c.session.message_log;
  CHECK(m.file == "m.log");
  CHECK(m.max_file_size == 4096);
  CHECK(m.max_files == 2);
  CHECK(m.actors == std::vector<std::string>{"peer", "socket"});
  CHECK(m.types == std::vector<std::string>{"picked"});
  CHECK(m.exclude_types == std::vector<std::string>{"tick"});
  CHECK(m.sample == std::map<std::string, std::uint32_t>{{"picked", 3}});
  CHECK(parse(R"({"message_log": {"sample": {}}})").session.message_log.sample.empty());
  CHECK(parse("{}").session.message_log.sample.at("picked") == 16);
  CHECK(error_of(R"({"message_log": {"actors": ["peer", "perr"]}})") ==
        "test.json: message_log.actors[1]: expected a list of names among choker client dht "
        "disk_thread disk_writer listener lsd peer piece_manager rate_limiter session socket "
        "torrent tracker, got string \"perr\"");
  CHECK(error_of(R"({"message_log": {"sample": {"picked": 0}}})") ==
        "test.json: message_log.sample.picked: expected an integer 1..2^30, got 0");
  CHECK(error_of(R"({"message_log": "m.log"})").find("message_log") != std::string::npos);
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"})
    CHECK(parse(std::string(R"({"logging": {"level": ")") + level + "\"}}").session.log_level ==
          level);
}

TEST_CASE("config: torrents") {
  auto c = parse(R"({"torrents": [
      {"source": "a.torrent", "download_dir": "out", "peers": ["127.0.0.1:1", "[::1]:2"],
       "seed": false, "sequential": true, "only": ["1", "docs/*"],
       "download_limit": 10, "upload_limit": 20},
      {"source": "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "seed": null},
      {"source": "/abs/b.torrent"}]})");
  REQUIRE(c.torrents.size() == 3);
  const auto& a = c.torrents[0];
  CHECK(a.source == "a.torrent");
  CHECK(a.download_dir == "out");
  CHECK(a.peers == std::vector<std::string>{"127.0.0.1:1", "[::1]:2"});
  CHECK(a.seed == std::optional<bool>(false));
  CHECK(a.sequential);
  CHECK(a.only == std::vector<std::string>{"1", "docs/*"});
  CHECK(a.download_limit == 10);
  CHECK(a.upload_limit == 20);
  CHECK_FALSE(c.torrents[1].seed);
  CHECK(c.torrents[1].download_dir.empty());
  CHECK(c.torrents[2].source == "/abs/b.torrent");
  CHECK(parse(R"({"torrents": []})").torrents.empty());
}

TEST_CASE("config: relative paths are taken from the base directory, magnets left alone") {
  auto c = parse(R"({"download_dir": "dl", "state_dir": "/abs/state", "logging": {"file": "x.log"},
      "message_log": {"file": "m.log"},
      "torrents": [{"source": "t/a.torrent", "download_dir": "../out"},
                   {"source": "MAGNET:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}]})",
                 "/etc/actorrent");
  CHECK(c.session.download_dir == "/etc/actorrent/dl");
  CHECK(c.session.state_dir == "/abs/state");
  CHECK(c.session.log_file == "/etc/actorrent/x.log");
  CHECK(c.session.message_log.file == "/etc/actorrent/m.log");
  CHECK(c.torrents[0].source == "/etc/actorrent/t/a.torrent");
  CHECK(c.torrents[0].download_dir == "/etc/out");
  CHECK(c.torrents[1].source.rfind("MAGNET:", 0) == 0);
  // An unset path stays unset, and a key not written is not resolved.
  auto d = parse(R"({"state_dir": ""})", "/etc/actorrent");
  CHECK(d.session.state_dir.empty());
  CHECK(d.session.download_dir == ".");
}

TEST_CASE("config: unknown keys are named with their full path and the known ones") {
  CHECK(error_of(R"({"donwload_dir": "x"})") ==
        "test.json: donwload_dir: unknown key (known: listen, download_dir, state_dir, limits, "
        "choker, pipeline, picker, supervision, connection, disk, tracker, pex, lsd, dht, "
        "faults, logging, message_log, torrents)");
  CHECK(error_of(R"({"choker": {"upload_slots": 2, "uplod_slots": 3}})") ==
        "test.json: choker.uplod_slots: unknown key (known: upload_slots, optimistic_slots, "
        "rechoke_interval_s, optimistic_interval_s, new_peer_age_s, new_peer_weight)");
  CHECK(error_of(R"({"torrents": [{"source": "a"}, {"source": "b", "sed": true}]})") ==
        "test.json: torrents[1].sed: unknown key (known: source, download_dir, peers, seed, "
        "sequential, only, download_limit, upload_limit)");
  CHECK(error_of(R"({"limits": {"download_limit": 1}})")
            .rfind("test.json: limits.download_limit: unknown key (known: download, upload,", 0) ==
        0);
}

TEST_CASE("config: wrong types name the key, the expected type and what was found") {
  CHECK(error_of(R"({"limits": {"download": "fast"}})") ==
        "test.json: limits.download: expected a non-negative integer (bytes per second), got "
        "string \"fast\"");
  CHECK(error_of(R"({"picker": {"sequential": 1}})") ==
        "test.json: picker.sequential: expected true or false, got 1");
  CHECK(error_of(R"({"choker": [1]})") == "test.json: choker: expected an object, got an array");
  CHECK(error_of(R"({"download_dir": null})") ==
        "test.json: download_dir: expected a non-empty path, got null");
  CHECK(error_of(R"({"torrents": {"source": "a"}})") ==
        "test.json: torrents: expected a list of objects, got an object");
  CHECK(error_of(R"({"torrents": ["a.torrent"]})") ==
        "test.json: torrents[0]: expected an object, got string \"a.torrent\"");
  CHECK(error_of(R"({"torrents": [{"source": "a", "peers": ["1.2.3.4:5", 6]}]})") ==
        "test.json: torrents[0].peers[1]: expected a string, got 6");
  CHECK(error_of(R"({"torrents": [{"source": "a", "seed": "yes"}]})") ==
        "test.json: torrents[0].seed: expected true, false or null (the command's default), got "
        "string \"yes\"");
  CHECK(error_of("[]") == "test.json: the top level: expected a JSON object, got an array");
}

TEST_CASE("config: out-of-range values name the key and the range") {
  CHECK(error_of(R"({"listen": {"port": 65536}})") ==
        "test.json: listen.port: expected an integer from 0 to 65535, got 65536");
  CHECK(error_of(R"({"limits": {"upload": -1}})") ==
        "test.json: limits.upload: expected a non-negative integer (bytes per second), got -1");
  CHECK(error_of(R"({"limits": {"upload": 1.5}})") ==
        "test.json: limits.upload: expected a non-negative integer (bytes per second), got 1.5");
  CHECK(error_of(R"({"limits": {"max_connections": 0}})") ==
        "test.json: limits.max_connections: expected an integer from 1 to 100000, got 0");
  CHECK(error_of(R"({"choker": {"rechoke_interval_s": 0}})") ==
        "test.json: choker.rechoke_interval_s: expected an integer from 1 to 604800 (seconds), "
        "got 0");
  CHECK(error_of(R"({"logging": {"level": "verbose"}})") ==
        "test.json: logging.level: expected one of trace, debug, info, warn, error, off, got "
        "string \"verbose\"");
  CHECK(error_of(R"({"listen": {"address": "localhost"}})") ==
        "test.json: listen.address: expected an IP address such as 0.0.0.0, ::, or 127.0.0.1, "
        "got string \"localhost\"");
  CHECK(error_of(R"({"connection": {"max_frame_length": 1000}})")
            .find("connection.max_frame_length: expected an integer from 16397") !=
        std::string::npos);
  CHECK(error_of(R"({"torrents": [{"source": ""}]})") ==
        "test.json: torrents[0].source: expected a .torrent path or a magnet URI, got string "
        "\"\"");
  CHECK(error_of(R"({"torrents": [{"source": "a", "peers": ["1.2.3.4:0"]}]})")
            .rfind("test.json: torrents[0].peers[0]: '1.2.3.4:0': port 0", 0) == 0);
  CHECK(error_of(R"({"torrents": [{"source": "a", "only": [""]}]})") ==
        "test.json: torrents[0].only[0]: expected a file index or a glob, got \"\"");
}

TEST_CASE("config: constraints between fields") {
  CHECK(error_of(R"({"pipeline": {"min_depth": 600}})") ==
        "test.json: pipeline.min_depth: 600 exceeds pipeline.max_depth (500)");
  CHECK(error_of(R"({"pipeline": {"max_depth": 3}})") ==
        "test.json: pipeline.initial_depth: 4 exceeds pipeline.max_depth (3)");
  CHECK(error_of(R"({"pipeline": {"max_depth": 4, "initial_depth": 4, "snubbed_depth": 5}})") ==
        "test.json: pipeline.snubbed_depth: 5 exceeds pipeline.max_depth (4)");
  CHECK(error_of(R"({"supervision": {"initial_delay_ms": 5000, "max_delay_ms": 4000}})") ==
        "test.json: supervision.max_delay_ms: 4000 is below supervision.initial_delay_ms (5000)");
  CHECK(error_of(R"({"connection": {"send_low_water": 9000000}})") ==
        "test.json: connection.send_low_water: 9000000 exceeds connection.send_queue_limit "
        "(8388608)");
  // Checked after every key is read, whatever the order they come in.
  CHECK(parse(R"({"pipeline": {"min_depth": 600, "max_depth": 700}})").session.pipeline.min_depth ==
        600);
}

TEST_CASE("config: a torrent needs a source") {
  CHECK(error_of(R"({"torrents": [{"source": "a"}, {"seed": true}]})") ==
        "test.json: torrents[1]: missing key 'source' (a .torrent path or a magnet URI)");
}

TEST_CASE("config: syntax errors name the line, the column and the byte offset") {
  const std::string e = error_of("{\n  \"listen\": {\"port\": 1,}\n}");
  INFO(e);
  // The '}' after the trailing comma: line 2, column 24, offset 25.
  CHECK(e.rfind("test.json: invalid JSON at line 2, column 24 (byte 25): ", 0) == 0);
  CHECK(e.find("json.exception") == std::string::npos);
  CHECK(error_of("").rfind("test.json: invalid JSON at line 1, column 1 (byte 0): ", 0) == 0);
  CHECK(error_of("{} x").rfind("test.json: invalid JSON at line 1, column 4 (byte 3): ", 0) == 0);
}

TEST_CASE("config: a key given twice is an error") {
  CHECK(error_of(R"({"choker": {"upload_slots": 2, "upload_slots": 3}})") ==
        "test.json: choker.upload_slots: key given twice");
  CHECK(error_of(R"({"torrents": [{"source": "a"}, {"source": "b", "source": "c"}]})") ==
        "test.json: torrents[1].source: key given twice");
  CHECK(error_of(R"({"tracker": {}, "tracker": {}})") == "test.json: tracker: key given twice");
  // The same key in different objects is fine.
  CHECK(parse(R"({"torrents": [{"source": "a"}, {"source": "b"}]})").torrents.size() == 2);
}

TEST_CASE("config: comments are allowed") {
  auto c = parse("{\n  // slower\n  \"limits\": {\"upload\": 5 /* B/s */}\n}");
  CHECK(c.session.upload_limit == 5);
}

TEST_CASE("config: hostile bytes come back printable") {
  // Bad UTF-8 is a syntax error, whose message quotes what was read.
  const std::string syntax = error_of("{\"logging\": {\"level\": \"\xff\xfe\"}}");
  CHECK(syntax.find("invalid JSON") != std::string::npos);
  CHECK(syntax.find('\xff') == std::string::npos);
  // Valid UTF-8 in a wrong value is quoted as JSON, escapes and all.
  const std::string value = error_of("{\"logging\": {\"level\": \"caf\xc3\xa9\\n\"}}");
  CHECK(value ==
        "test.json: logging.level: expected one of trace, debug, info, warn, error, "
        "off, got string \"caf\xc3\xa9\\n\"");
}

TEST_CASE("config: load_client_config reads paths relative to the file") {
  test::temp_dir dir;
  const auto file = dir.path / "client.json";
  std::ofstream(file) << R"({"download_dir": "downloads", "torrents": [{"source": "x.torrent"}]})";
  auto c = load_client_config(file);
  REQUIRE(c);
  CHECK(c->session.download_dir == dir.path / "downloads");
  CHECK(c->torrents.at(0).source == (dir.path / "x.torrent").string());

  std::ofstream(dir.path / "bad.json") << R"({"tracker": {"numwant": "many"}})";
  auto bad = load_client_config(dir.path / "bad.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == (dir.path / "bad.json").string() +
                           ": tracker.numwant: expected an integer from 0 to 1000, got string "
                           "\"many\"");

  auto missing = load_client_config(dir.path / "nope.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().rfind((dir.path / "nope.json").string() + ": ", 0) == 0);
}

TEST_CASE("config: README.md documents every key and shows default_config_json verbatim") {
  const auto readme = std::filesystem::path(ACTORRENT_SOURCE_DIR) / "README.md";
  INFO(readme.string());
  std::ifstream in(readme);
  REQUIRE(in);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto begin = text.find("\n## Configuration\n");
  REQUIRE(begin != std::string::npos);
  const std::string section = text.substr(begin, text.find("\n## ", begin + 1) - begin);
  CHECK(section.find("```json\n" + default_config_json() + "```") != std::string::npos);
  std::set<std::string> documented = all_keys;
  for (const char* key : {"source", "download_dir", "peers", "seed", "sequential", "only",
                          "download_limit", "upload_limit"})
    documented.insert(std::string("torrents[].") + key);
  for (const auto& key : documented) {
    INFO(key);
    CHECK(section.find("`" + key + "`") != std::string::npos);
  }
}

TEST_CASE("config: the faults section sets the schedules and the disk error") {
  auto c = parse(R"({"faults": {"kill_peer_every_ms": 500, "disk_write_fail_every": 3,
                     "disk_write_fail_after": 10, "disk_write_fail_count": 2,
                     "disk_write_error": "enospc", "tracker_corrupt_every": 1, "seed": 7}})");
  const auto& f = c.session.faults;
  CHECK(f.kill_peer_interval == 500ms);
  CHECK(f.disk_write == fault_schedule{3, 10, 2});
  CHECK(f.disk_write_errno == ENOSPC);
  CHECK(f.tracker_corrupt == fault_schedule{1, 0, 0});
  CHECK_FALSE(f.tracker_drop.enabled());
  CHECK(f.seed == 7);
  CHECK(error_of(R"({"faults": {"disk_write_error": "full"}})") ==
        "test.json: faults.disk_write_error: expected \"eio\" or \"enospc\", got string \"full\"");
}
