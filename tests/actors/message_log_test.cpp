#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/actor_setup.hpp"
#include "actors/logged_actor.hpp"
#include "actors/message_json.hpp"
#include "actors/message_log.hpp"
#include "actors/messages.hpp"

// Named: the file shares a unity batch with other tests.
namespace message_log_test {

using namespace actorrent;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() /
           ("actorrent-msglog-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<nlohmann::json> read_lines(const fs::path& file) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    out.push_back(nlohmann::json::parse(line));
  return out;
}

std::vector<nlohmann::json> of_event(const std::vector<nlohmann::json>& lines,
                                     const std::string& event) {
  std::vector<nlohmann::json> out;
  for (const auto& l : lines)
    if (l["event"] == event) out.push_back(l);
  return out;
}

template <class T>
std::string json_of(const T& x) {
  std::string out;
  json_inspector f(out);
  f.value(x);
  return out;
}

using logged_self = caf::stateful_actor<int, logged_actor>;

// Answers a block_read with a block_written, a piece_checked with nothing. The unused argument:
// CAF 0.17 binds a reference to a null tuple for a function actor spawned without any (UBSan).
caf::behavior echo(logged_self*, int) {
  return {
      [](const block_read& r) { return block_written{1, r.piece, r.offset, r.length, true, 9}; },
      [](const piece_checked&) {},
  };
}

// One actor system with a message log in `file`; runs `body(system, log)` and closes both.
template <class Body>
void with_logged_system(message_log_settings settings, Body body) {
  auto log = message_log::open(std::move(settings));
  REQUIRE(log);
  {
    actorrent_config cfg;
    cfg.message_log = *log;
    caf::actor_system sys{cfg};
    body(sys, **log);
  }
}

}  // namespace

TEST_CASE("message json: named fields, hex hashes, addresses, buffer sizes", "[message_log]") {
  CHECK(json_of(block_written{7, 3, 16384, 16384, true, 16397}) ==
        R"({"peer":7,"piece":3,"offset":16384,"length":16384,"ok":true,"credit":16397})");
  sha1_hash h;
  h.bytes[0] = 0xab;
  h.bytes[19] = 0x01;
  auto d = nlohmann::json::parse(
      json_of(peers_discovered{h, {*peer_address::parse_ip("127.0.0.1", 6881)}, "dht"}));
  CHECK(d["info_hash"] ==
        "ab000000000000000000000000000000000000"
        "01");
  CHECK(d["peers"][0] == "127.0.0.1:6881");
  CHECK(d["source"] == "dht");
  CHECK(
      json_of(picked{{{1, 0, 16384}, {1, 16384, 16384}}, true}) ==
      R"({"blocks":[{"piece":1,"offset":0,"length":16384},{"piece":1,"offset":16384,"length":16384}],"interesting":true})");
}

TEST_CASE("message json: any bytes give valid JSON, long strings are cut", "[message_log]") {
  std::string binary;
  for (int i = 0; i < 256; ++i)
    binary += static_cast<char>(i);
  binary += "é\"\\";
  std::string out;
  append_json_string(out, binary);
  auto parsed = nlohmann::json::parse(out);  // throws on invalid JSON or UTF-8
  CHECK(parsed.get<std::string>().find("é\"\\") != std::string::npos);
  // Random bytes, biased towards UTF-8 lead and continuation bytes: always valid JSON.
  std::mt19937 rng(42);
  const unsigned char interesting[] = {0x00, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xbf, 0xc0, 0xc2,
                                       0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0};
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(rng() % 12, '\0');
    for (auto& c : bytes)
      c = static_cast<char>(rng() % 3 ? interesting[rng() % sizeof interesting] : rng() % 256);
    std::string json;
    append_json_string(json, bytes);
    INFO(json);
    REQUIRE_NOTHROW(nlohmann::json::parse(json));
  }
  std::string long_text(5000, 'x');
  out.clear();
  append_json_string(out, long_text);
  CHECK(nlohmann::json::parse(out).get<std::string>() ==
        std::string(max_json_string, 'x') + "...(5000 bytes)");
}

TEST_CASE("message log: delivered messages name both actors, type and fields", "[message_log]") {
  temp_dir dir;
  message_log_settings s;
  s.file = dir.path / "msgs.jsonl";
  s.sample.clear();
  caf::actor_id echo_id = 0, client_id = 0;
  with_logged_system(s, [&](caf::actor_system& sys, message_log& log) {
    auto a = sys.spawn(echo, 0);
    echo_id = a.id();
    log.name(a.id(), {"disk_writer", "00ff", ""}, 0);
    caf::scoped_actor self{sys};
    client_id = self->id();
    log.name(self->id(), {"peer", "00ff", "127.0.0.1:7000"}, 0);
    self->request(a, std::chrono::seconds(5), block_read{4, 0, 16384})
        .receive([](const block_written& w) { CHECK(w.piece == 4); },
                 [](caf::error&) { FAIL("no answer"); });
    self->send_exit(a, caf::exit_reason::user_shutdown);
  });
  auto lines = read_lines(s.file);
  auto spawned = of_event(lines, "spawned");
  REQUIRE(spawned.size() == 2);
  CHECK(spawned[0]["actor"] ==
        nlohmann::json{{"kind", "disk_writer"}, {"id", echo_id}, {"torrent", "00ff"}});
  auto msgs = of_event(lines, "message");
  REQUIRE_FALSE(msgs.empty());
  const auto& m = msgs.front();
  CHECK(m["type"] == "block_read");
  CHECK(m["from"]["kind"] == "peer");
  CHECK(m["from"]["id"] == client_id);
  CHECK(m["from"]["peer"] == "127.0.0.1:7000");
  CHECK(m["to"]["kind"] == "disk_writer");
  CHECK(m["fields"] == nlohmann::json{{"piece", 4}, {"offset", 0}, {"length", 16384}});
  CHECK(m["t"].get<std::int64_t>() > 1'600'000'000'000'000);
  CHECK_FALSE(m.contains("sampled"));
  // The exit message is delivered (and logged) too, then the actor's end with its reason.
  bool exit_logged = false;
  for (const auto& x : msgs)
    exit_logged = exit_logged || x["type"] == "exit_msg";
  CHECK(exit_logged);
  auto ends = of_event(lines, "terminated");
  REQUIRE(ends.size() == 1);
  CHECK(ends[0]["actor"]["id"] == echo_id);
  CHECK(ends[0]["reason"] == "user shutdown");
}

TEST_CASE("message log: type and actor filters, sampling", "[message_log]") {
  temp_dir dir;
  message_log_settings s;
  s.file = dir.path / "msgs.jsonl";
  s.sample = {{"piece_checked", 4}};
  s.exclude_types = {"exit_msg"};
  with_logged_system(s, [&](caf::actor_system& sys, message_log& log) {
    auto a = sys.spawn(echo, 0);
    log.name(a.id(), {"piece_manager", {}, {}}, 0);
    for (std::uint32_t i = 0; i < 10; ++i)
      caf::anon_send(a, piece_checked{i, true});
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  });
  auto msgs = of_event(read_lines(s.file), "message");
  std::vector<std::uint32_t> pieces;
  for (const auto& m : msgs) {
    CHECK(m["type"] == "piece_checked");  // exit_msg excluded
    CHECK(m["sampled"] == 4);
    CHECK(m["from"]["kind"] == "client");  // no sender
    pieces.push_back(m["fields"]["piece"]);
  }
  CHECK(pieces == std::vector<std::uint32_t>{0, 4, 8});

  // Only messages from or to the listed kinds.
  message_log_settings t;
  t.file = dir.path / "only.jsonl";
  t.actors = {"choker"};
  with_logged_system(t, [&](caf::actor_system& sys, message_log& log) {
    auto a = sys.spawn(echo, 0);
    auto b = sys.spawn(echo, 0);
    log.name(a.id(), {"piece_manager", {}, {}}, 0);
    log.name(b.id(), {"choker", {}, {}}, 0);
    caf::anon_send(a, piece_checked{1, true});
    caf::anon_send(b, piece_checked{2, true});
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  });
  auto only = of_event(read_lines(t.file), "message");
  REQUIRE_FALSE(only.empty());
  for (const auto& m : only)
    CHECK(m["to"]["kind"] == "choker");
}

TEST_CASE("message log: supervision and wire events; rotation keeps every line", "[message_log]") {
  temp_dir dir;
  message_log_settings s;
  s.file = dir.path / "msgs.jsonl";
  s.max_file_size = 4096;
  s.max_files = 50;
  {
    std::ofstream old(dir.path / "msgs.1.jsonl");  // an earlier run's: removed at the start
    old << "old\n";
  }
  with_logged_system(s, [&](caf::actor_system&, message_log& log) {
    log.name(10, {"torrent", "ab", {}}, 0);
    log.name(11, {"peer", "ab", "10.0.0.1:6881"}, 10);
    log.terminated(11, "fault injection: peer actor killed");
    log.name(12, {"peer", "ab", "10.0.0.1:6881"}, 10);
    log.restarted(12, 11, 10, 1, "fault injection: peer actor killed");
    for (int i = 0; i < 200; ++i)
      log.wire(12, "in", "choke", "{}");
  });
  std::vector<nlohmann::json> all;
  for (int i = 50; i >= 0; --i) {
    auto f = i == 0 ? s.file : dir.path / ("msgs." + std::to_string(i) + ".jsonl");
    if (!fs::exists(f)) continue;
    CHECK(fs::file_size(f) <= 4096 + 512);
    for (auto& l : read_lines(f))
      all.push_back(std::move(l));  // throws on a bad line
  }
  REQUIRE(all.size() == 206);
  CHECK(all[0]["event"] == "log_started");
  CHECK(all[0]["pid"] == ::getpid());
  CHECK(all[0]["filters"]["sample"].is_object());
  all.erase(all.begin());
  CHECK(all[0]["event"] == "spawned");
  CHECK(all[1]["parent"]["id"] == 10);
  CHECK(all[2]["event"] == "terminated");
  auto r = all[4];
  CHECK(r["event"] == "restarted");
  CHECK(r["actor"] ==
        nlohmann::json{{"kind", "peer"}, {"id", 12}, {"torrent", "ab"}, {"peer", "10.0.0.1:6881"}});
  CHECK(r["replaces"] == 11);
  CHECK(r["restarts"] == 1);
  CHECK(all[204]["what"] == "choke");
  CHECK(all[204]["dir"] == "in");
}

TEST_CASE("message log: an unwritable path is an error naming it", "[message_log]") {
  message_log_settings s;
  s.file = "/proc/actorrent-no/such/msgs.jsonl";
  auto log = message_log::open(s);
  REQUIRE_FALSE(log);
  CHECK(log.error().find("/proc/actorrent-no/such/msgs.jsonl") != std::string::npos);
}

}  // namespace message_log_test
