// The node actor driven by its typed commands, in one process: real clients (each its own
// actor system), a real tracker and real sockets on loopback, files on disk. The remote path
// (the middleman, TLS, a wrong secret over the wire) is tests/integration/experiment_test.py's.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "actors/actor_setup.hpp"
#include "actors/error_text.hpp"
#include "experiment/generated_data.hpp"
#include "experiment/node_actor.hpp"
#include "experiment/node_messages.hpp"
#include "protocol/expected.hpp"
#include "tests/support/temp_dir.hpp"

namespace node_actor_test {

using namespace actorrent;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr auto answer_timeout = 20s;

// One command and its answer, or the text of the error the node answered with.
template <class Answer, class Command>
expected<Answer, std::string> ask(caf::actor_system& sys, const caf::actor& node, Command c) {
  caf::scoped_actor self{sys};
  expected<Answer, std::string> out = make_unexpected(std::string("no answer"));
  self->request(node, answer_timeout, std::move(c))
      .receive([&](const Answer& a) { out = a; },
               [&](const caf::error& e) { out = make_unexpected(error_text(sys, e)); });
  return out;
}

struct running_node {
  actorrent_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor node;
  std::shared_ptr<std::atomic<bool>> shut_down = std::make_shared<std::atomic<bool>>(false);

  running_node(const std::filesystem::path& dir, std::string secret) {
    register_node_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    node_actor_config nc;
    nc.secret = std::move(secret);
    nc.dir = dir;
    nc.host = "127.0.0.1";
    nc.description = "test node";
    nc.on_shutdown = [flag = shut_down] { *flag = true; };
    node = spawn_node(*sys, std::move(nc));
  }

  template <class Answer, class Command>
  expected<Answer, std::string> ask(Command c) {
    return node_actor_test::ask<Answer>(*sys, node, std::move(c));
  }

  std::string hello(const std::string& secret = "") {
    auto welcome = ask<node_welcome>(node_hello{secret, "node_actor_test"});
    REQUIRE(welcome);
    return welcome->token;
  }

  void ok(expected<node_ack, std::string> answer) {
    INFO((answer ? std::string("ack") : answer.error()));
    REQUIRE(answer);
  }

  // The client's stat once `done` holds for it, polling the node for at most `limit`.
  template <class Done>
  node_client_stat wait_for(const std::string& token, const std::string& client, Done done,
                            std::chrono::seconds limit) {
    node_client_stat last;
    const auto deadline = clock_type::now() + limit;
    while (clock_type::now() < deadline) {
      auto s = ask<node_stats>(node_get_stats{token});
      REQUIRE(s);
      for (const auto& c : s->clients)
        if (c.client == client) last = c;
      if (last.client == client && done(last)) return last;
      std::this_thread::sleep_for(100ms);
    }
    FAIL_CHECK(client << " did not get there within " << limit.count() << " s; last state "
                      << last.state << ", " << last.downloaded << " bytes down, " << last.pieces
                      << "/" << last.pieces_total << " pieces, " << last.restarts
                      << " restarts, error \"" << last.error << "\"");
    return last;
  }

  void shut(const std::string& token) {
    ok(ask<node_ack>(node_shutdown{token}));
    const auto deadline = clock_type::now() + 30s;
    while (!*shut_down && clock_type::now() < deadline)
      std::this_thread::sleep_for(20ms);
    CHECK(*shut_down);
  }
};

std::string read_whole(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_CASE("a node refuses every command until node_hello proved the secret", "[experiment][node]") {
  test::temp_dir dir{"actorrent-node"};
  running_node n{dir.path, "s3cret"};

  auto wrong = n.ask<node_welcome>(node_hello{"guess", "intruder"});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error() == "refused: wrong secret");
  CHECK_FALSE(n.ask<node_welcome>(node_hello{"", "intruder"}));
  // A prefix of the secret is as wrong as any other.
  CHECK_FALSE(n.ask<node_welcome>(node_hello{"s3cre", "intruder"}));

  for (const std::string token : {"", "0123456789abcdef0123456789abcdef"}) {
    auto spawned =
        n.ask<node_ack>(node_spawn_client{token, "x", "{}", "", false, false, 0, "", ""});
    REQUIRE_FALSE(spawned);
    CHECK_THAT(spawned.error(), Catch::Contains("node_spawn_client refused: not authenticated"));
    auto tracker = n.ask<node_tracker>(node_start_tracker{token});
    REQUIRE_FALSE(tracker);
    CHECK_THAT(tracker.error(), Catch::Contains("not authenticated"));
    CHECK_FALSE(n.ask<node_stats>(node_get_stats{token}));
    CHECK_FALSE(n.ask<node_ack>(node_shutdown{token}));
  }

  auto welcome = n.ask<node_welcome>(node_hello{"s3cret", "node_actor_test"});
  REQUIRE(welcome);
  CHECK(welcome->token.size() == 32);
  CHECK(welcome->node == "test node");
  // Nothing was done for the refused commands: no client, no directory, and the node runs.
  auto stats = n.ask<node_stats>(node_get_stats{welcome->token});
  REQUIRE(stats);
  CHECK(stats->clients.empty());
  CHECK_FALSE(std::filesystem::exists(dir.path / "clients"));
  CHECK_FALSE(*n.shut_down);
  // Each hello gets a token of its own.
  CHECK(n.hello("s3cret") != welcome->token);
  n.shut(welcome->token);
}

TEST_CASE("a node's clients are spawned, started, limited, faulted, killed, stopped and removed",
          "[experiment][node]") {
  test::temp_dir dir{"actorrent-node"};
  running_node n{dir.path, ""};
  const auto token = n.hello();

  auto tracker = n.ask<node_tracker>(node_start_tracker{token});
  REQUIRE(tracker);
  CHECK_THAT(tracker->announce_url, Catch::StartsWith("http://127.0.0.1:"));
  // 4 MiB in 64 pieces: at 192 KiB/s a leecher needs ~21 s, unlimited well under one.
  constexpr std::uint64_t size = 4 << 20;
  constexpr std::uint64_t seed = 5;
  auto torrent = n.ask<node_torrent>(
      node_generate_torrent{token, "t.bin", size, 64 << 10, seed, tracker->announce_url});
  REQUIRE(torrent);
  CHECK(torrent->info_hash.size() == 40);

  const std::string seeder = "a/seeder-1", leecher = "a/leecher-1";
  n.ok(n.ask<node_ack>(
      node_spawn_client{token, seeder, "", torrent->torrent, true, true, seed, "", ""}));
  n.ok(n.ask<node_ack>(
      node_spawn_client{token, leecher, "{}", torrent->torrent, false, false, 0, "", ""}));
  {  // Spawns the node refuses, naming the client and the reason.
    auto twice = n.ask<node_ack>(
        node_spawn_client{token, leecher, "{}", torrent->torrent, false, false, 0, "", ""});
    REQUIRE_FALSE(twice);
    CHECK(twice.error() == "a/leecher-1: a client of that name exists");
    auto outside =
        n.ask<node_ack>(node_spawn_client{token, "b/leecher-9", R"({"download_dir": "/tmp"})",
                                          torrent->torrent, false, false, 0, "", ""});
    REQUIRE_FALSE(outside);
    CHECK(outside.error() == "b/leecher-9: config: download_dir is the node's to set");
    auto garbled = n.ask<node_ack>(
        node_spawn_client{token, "b/leecher-9", "{}", "d4:infoi1ee", false, false, 0, "", ""});
    REQUIRE_FALSE(garbled);
    CHECK_THAT(garbled.error(), Catch::StartsWith("b/leecher-9: the torrent: "));
    auto unknown = n.ask<node_ack>(node_set_limits{token, "b/leecher-9", 1, 1});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error() == "b/leecher-9: no such client");
  }

  // Stats are streamed to a subscriber, each client as "created" before its start.
  caf::scoped_actor subscriber{*n.sys};
  n.ok(n.ask<node_ack>(node_subscribe{token, caf::actor{subscriber}}));
  bool streamed = false;
  subscriber->receive(
      [&](const node_stats& s) {
        streamed = s.node == "test node" && s.clients.size() == 2 &&
                   s.clients[0].state == "created" && s.clients[1].state == "created";
      },
      caf::after(5s) >> [] {});
  CHECK(streamed);

  n.ok(n.ask<node_ack>(node_client_control{token, seeder, node_client_command::start}));
  n.wait_for(
      token, seeder, [](const node_client_stat& s) { return s.state == "seeding"; }, 30s);

  // A limit set before the start holds from the start.
  constexpr std::uint64_t limit = 192 << 10;
  n.ok(n.ask<node_ack>(node_set_limits{token, leecher, limit, 0}));
  const auto started = clock_type::now();
  n.ok(n.ask<node_ack>(node_client_control{token, leecher, node_client_command::start}));
  std::this_thread::sleep_for(2s);
  auto limited = n.wait_for(
      token, leecher, [](const node_client_stat& s) { return s.downloaded > 0; }, 10s);
  const double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
  CHECK(limited.state == "downloading");
  CHECK(limited.pieces < limited.pieces_total);
  // The limiter's burst allowance is one second's worth.
  CHECK(limited.downloaded <= static_cast<std::int64_t>(limit * (elapsed + 1.0)));
  CHECK(limited.restarts == 0);

  // Peer kills turned on in the running client: supervision restarts the killed peer actors.
  n.ok(n.ask<node_ack>(node_set_faults{token, leecher, R"({"kill_peer_every_ms": 300})"}));
  auto faulted = n.wait_for(
      token, leecher, [](const node_client_stat& s) { return s.restarts >= 1; }, 20s);
  CHECK(faulted.pieces < faulted.pieces_total);
  auto disk_fault =
      n.ask<node_ack>(node_set_faults{token, leecher, R"({"disk_write_fail_every": 1})"});
  REQUIRE_FALSE(disk_fault);
  CHECK_THAT(disk_fault.error(), Catch::Contains("only kill_peer_every_ms"));
  auto bad_faults = n.ask<node_ack>(node_set_faults{token, leecher, R"({"kill_peer_every": 1})"});
  REQUIRE_FALSE(bad_faults);
  CHECK_THAT(bad_faults.error(), Catch::Contains("kill_peer_every"));

  // Faults off and no limit: the download completes, byte for byte.
  n.ok(n.ask<node_ack>(node_set_faults{token, leecher, R"({"kill_peer_every_ms": 0})"}));
  n.ok(n.ask<node_ack>(node_set_limits{token, leecher, 0, 0}));
  auto done = n.wait_for(
      token, leecher, [](const node_client_stat& s) { return s.completed_unix_ms > 0; }, 60s);
  CHECK(done.pieces == done.pieces_total);
  CHECK(done.downloaded >= static_cast<std::int64_t>(size));
  const auto leecher_file = dir.path / "clients" / "a_leecher-1" / "data" / "t.bin";
  std::string expected_bytes(size, '\0');
  generate_bytes(seed, 0, reinterpret_cast<unsigned char*>(expected_bytes.data()), size);
  CHECK(read_whole(leecher_file) == expected_bytes);

  // Kill: the session ends at once; a start afterwards checks the data and seeds again.
  n.ok(n.ask<node_ack>(node_client_control{token, seeder, node_client_command::kill}));
  auto killed = n.wait_for(
      token, seeder, [](const node_client_stat& s) { return s.state == "killed"; }, 10s);
  CHECK(killed.peers == 0);
  n.ok(n.ask<node_ack>(node_client_control{token, seeder, node_client_command::start}));
  n.wait_for(
      token, seeder, [](const node_client_stat& s) { return s.state == "seeding"; }, 30s);

  // Stop and start: the counts carry over into the new session.
  n.ok(n.ask<node_ack>(node_client_control{token, leecher, node_client_command::stop}));
  auto stopped = n.wait_for(
      token, leecher, [](const node_client_stat& s) { return s.state == "stopped"; }, 10s);
  CHECK(stopped.downloaded >= done.downloaded);
  CHECK(stopped.restarts >= faulted.restarts);
  n.ok(n.ask<node_ack>(node_client_control{token, leecher, node_client_command::start}));
  auto resumed = n.wait_for(
      token, leecher, [](const node_client_stat& s) { return s.state == "seeding"; }, 30s);
  CHECK(resumed.downloaded >= stopped.downloaded);
  CHECK(resumed.completed_unix_ms == done.completed_unix_ms);

  // Remove: the client is gone from the stats and from the commands.
  n.ok(n.ask<node_ack>(node_client_control{token, leecher, node_client_command::remove}));
  const auto deadline = clock_type::now() + 10s;
  bool gone = false;
  while (!gone && clock_type::now() < deadline) {
    auto s = n.ask<node_stats>(node_get_stats{token});
    REQUIRE(s);
    gone = s->clients.size() == 1 && s->clients[0].client == seeder;
    if (!gone) std::this_thread::sleep_for(50ms);
  }
  CHECK(gone);
  auto after_remove =
      n.ask<node_ack>(node_client_control{token, leecher, node_client_command::start});
  REQUIRE_FALSE(after_remove);
  CHECK(after_remove.error() == "a/leecher-1: no such client");

  n.shut(token);
}

}  // namespace node_actor_test
