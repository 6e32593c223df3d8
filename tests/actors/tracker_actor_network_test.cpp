#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "actors/actor_setup.hpp"
#include "actors/messages.hpp"
#include "actors/tracker_actor.hpp"
#include "tests/support/running_tracker.hpp"
#include "tracker/server/tracker_server.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

// Our tracker server on ephemeral loopback ports (HTTP and UDP).
std::unique_ptr<test::running_tracker> start_tracker() {
  auto t = test::running_tracker::start_loopback();
  REQUIRE(t);
  return t;
}

tracker_actor_config peer_config(caf::actor torrent, const std::string& url, std::uint16_t port,
                                 const char* id) {
  tracker_actor_config cfg;
  cfg.info_hash = sha1("shared torrent");
  cfg.peer_id = sha1(id);
  cfg.port = port;
  cfg.torrent = torrent;
  cfg.tiers = {{url}};
  cfg.schedule.shortest_interval = 1s;
  cfg.stop_deadline = 3000ms;
  return cfg;
}

// Two tracker actors for one torrent: the second learns of the first from the real server.
void two_peers_meet(const std::string& url) {
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor torrent_a{sys};
  caf::scoped_actor torrent_b{sys};
  auto a = spawn_tracker_actor(sys, peer_config(torrent_a, url, 10001, "peer a"));
  torrent_a->receive([](const tracker_status& s) { REQUIRE(s.ok); },
                     caf::after(10s) >> [] { FAIL("peer a got no answer"); });
  auto b = spawn_tracker_actor(sys, peer_config(torrent_b, url, 10002, "peer b"));
  bool found = false;
  for (int i = 0; i < 2 && !found; ++i) {
    torrent_b->receive(
        [&](const peers_discovered& p) {
          found =
              p.peers.size() == 1 && p.peers[0] == peer_address::v4_address({127, 0, 0, 1}, 10001);
        },
        [](const tracker_status& s) { CHECK(s.ok); },
        caf::after(10s) >> [] { FAIL("peer b got no peers"); });
  }
  CHECK(found);
  for (auto* t : {&a, &b}) {
    bool announced = false;
    torrent_a->request(*t, 10s, tracker_stop{})
        .receive([&](const tracker_stopped& s) { announced = s.announced; },
                 [&](const caf::error& e) { FAIL(sys.render(e)); });
    CHECK(announced);
  }
}

}  // namespace

TEST_CASE("tracker actors find each other through our tracker server over HTTP",
          "[tracker_actor][network]") {
  auto tracker = start_tracker();
  two_peers_meet(tracker->http_url());
  CHECK(tracker->server->store().stats(server::tracker_clock::now()).peers == 0);  // both stopped
}

TEST_CASE("tracker actors find each other through our tracker server over UDP",
          "[tracker_actor][network]") {
  auto tracker = start_tracker();
  two_peers_meet(tracker->udp_url());
  CHECK(tracker->server->store().stats(server::tracker_clock::now()).peers == 0);
}

TEST_CASE("a tracker actor that is killed cancels its slow announce", "[tracker_actor][network]") {
  // A UDP "tracker" that never answers: the announce would wait out its retransmissions.
  boost::asio::io_context io;
  boost::asio::ip::udp::socket silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string url =
      "udp://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/announce";
  auto start = std::chrono::steady_clock::now();
  {
    actorrent_config sys_cfg;
    caf::actor_system sys{sys_cfg};
    caf::scoped_actor torrent{sys};
    auto a = spawn_tracker_actor(sys, peer_config(torrent, url, 10003, "peer c"));
    std::this_thread::sleep_for(300ms);
    torrent->send_exit(a, caf::exit_reason::kill);
  }  // the actor system waits for the detached worker here
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}
