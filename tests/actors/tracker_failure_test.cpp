// Issue 6, point 6: a tracker that is down or answers garbage. The tracker actor over real
// loopback sockets: closed ports, junk-answering HTTP and UDP servers, our own tracker as the
// working tier, and the fault-injection schedules applied to our tracker's real answers.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <functional>

#include "actors/actor_setup.hpp"
#include "actors/messages.hpp"
#include "actors/tracker_actor.hpp"
#include "tests/support/junk_trackers.hpp"
#include "tests/support/running_tracker.hpp"
#include "tracker/server/tracker_server.hpp"

// Named: the file shares a unity batch with other tests.
namespace tracker_failure_test {

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

const sha1_hash torrent_hash = sha1("a torrent with failing trackers");
const peer_address other_peer = peer_address::v4_address({127, 0, 0, 1}, 10010);

std::unique_ptr<test::running_tracker> start_tracker() {
  auto t = test::running_tracker::start_loopback();
  REQUIRE(t);
  return t;
}

// Short timeouts, so that a lost answer costs a fraction of a second; no proxy whatever the
// environment says.
tracker_transport_options fast_transport() {
  tracker_transport_options o;
  o.http.connect_timeout = 1000ms;
  o.http.total_timeout = 500ms;
  o.http.proxy = "";
  o.udp.client.session.retransmit_base = 100ms;
  o.udp.client.session.max_retransmits = 1;  // gives up 300 ms after the first send
  o.udp.total_timeout = 3000ms;
  return o;
}

// Another peer of the torrent, announced to our tracker by a plain (real) announce: whoever
// reaches that tracker next hears of it.
void register_other_peer(const std::string& url) {
  announce_request r;
  r.info_hash = torrent_hash;
  r.peer_id = sha1("the other peer");
  r.port = other_peer.port;
  r.left = 100;
  r.event = announce_event::started;
  auto answer = announce_to_tracker(url, r, fast_transport());
  if (!answer) FAIL(answer.error().message);
}

tracker_actor_config failing_config(caf::actor torrent,
                                    std::vector<std::vector<std::string>> tiers) {
  tracker_actor_config cfg;
  cfg.info_hash = torrent_hash;
  cfg.peer_id = sha1("us");
  cfg.port = 10020;
  cfg.torrent = torrent;
  cfg.tiers = std::move(tiers);
  cfg.transport = fast_transport();
  cfg.schedule.initial_backoff = 100ms;
  cfg.schedule.shortest_interval = 30s;  // no regular re-announce within a test
  cfg.stop_deadline = 2000ms;
  cfg.shuffle_seed = 7;
  return cfg;
}

// What the torrent heard from its tracker actor, in order.
struct heard {
  std::vector<tracker_status> statuses;
  std::vector<peers_discovered> discoveries;

  bool got_other_peer() const {
    for (const auto& d : discoveries)
      for (const auto& p : d.peers)
        if (p == other_peer) return true;
    return false;
  }
  // The peers, and the status of the announce that brought them (sent after them).
  bool found() const { return got_other_peer() && !statuses.empty() && statuses.back().ok; }
  std::vector<tracker_status> failures() const {
    std::vector<tracker_status> out;
    for (const auto& s : statuses)
      if (!s.ok) out.push_back(s);
    return out;
  }
  std::string dump() const {
    std::string out;
    for (const auto& s : statuses)
      out += (s.ok ? "ok   " : "fail ") + s.url + ": " + s.message + "\n";
    return out;
  }
};

// Takes the tracker actor's messages until `done` or `limit`; bounded either way.
void listen(caf::scoped_actor& torrent, heard& h, const std::function<bool()>& done,
            std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    torrent->receive([&](const tracker_status& s) { h.statuses.push_back(s); },
                     [&](const peers_discovered& d) { h.discoveries.push_back(d); },
                     caf::after(50ms) >> [] {});
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string port_of(const std::string& url) {
  auto colon = url.rfind(':');
  auto slash = url.find('/', colon);
  return url.substr(colon + 1, slash - colon - 1);
}

// Kills the tracker actor when a test leaves early (a failed REQUIRE): the actor system's
// destructor waits for every actor, so one left running would hang the test binary.
struct kill_at_exit {
  caf::actor actor;
  ~kill_at_exit() { caf::anon_send_exit(actor, caf::exit_reason::kill); }
};

void stop_tracker_actor(caf::scoped_actor& torrent, caf::actor_system& sys, caf::actor& tracker) {
  torrent->request(tracker, 5s, tracker_stop{})
      .receive([](const tracker_stopped&) {}, [&](const caf::error& e) { FAIL(sys.render(e)); });
}

}  // namespace

TEST_CASE("tracker actor: first tier down (HTTP and UDP), peers from the second tier",
          "[tracker_actor][network][faults]") {
  auto ours = start_tracker();
  const std::string dead_http =
      "http://127.0.0.1:" + std::to_string(test::closed_tcp_port()) + "/announce";
  const std::string dead_udp =
      "udp://127.0.0.1:" + std::to_string(test::closed_udp_port()) + "/announce";
  for (const std::string& working : {ours->http_url(), ours->udp_url()}) {
    INFO("second tier " << working);
    register_other_peer(working);
    actorrent_config sys_cfg;
    caf::actor_system sys{sys_cfg};
    caf::scoped_actor torrent{sys};
    auto tracker =
        spawn_tracker_actor(sys, failing_config(torrent, {{dead_http, dead_udp}, {working}}));
    kill_at_exit guard{tracker};
    heard h;
    listen(torrent, h, [&] { return h.found(); });
    INFO(h.dump());
    CHECK(h.got_other_peer());
    CHECK(h.discoveries.at(0).source == working);
    // Each dead tracker is reported once, by URL, with what went wrong; then the second tier.
    auto failures = h.failures();
    REQUIRE(failures.size() == 2);
    for (const auto& f : failures) {
      CHECK(contains(f.message, "127.0.0.1:" + port_of(f.url)));
      if (f.url == dead_http) {
        CHECK(contains(f.message, "Couldn't connect to server"));
      } else {
        CHECK(f.url == dead_udp);
        CHECK(contains(f.message, "connection refused"));
      }
    }
    CHECK(failures[0].url != failures[1].url);
    REQUIRE(h.statuses.size() == 3);
    CHECK(h.statuses[2].ok);
    CHECK(h.statuses[2].url == working);
    CHECK(h.statuses[2].leechers >= 1);  // the other peer
    stop_tracker_actor(torrent, sys, tracker);
  }
}

TEST_CASE("tracker actor: first tier answers garbage (HTTP and UDP), peers from the second tier",
          "[tracker_actor][network][faults]") {
  auto ours = start_tracker();
  // Bencode, but its compact peer list is ragged: the parser must refuse it, not guess.
  test::junk_http_tracker junk_http("d8:intervali1800e5:peers5:junk!e");
  test::junk_udp_tracker junk_udp;
  register_other_peer(ours->http_url());
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor torrent{sys};
  auto tracker = spawn_tracker_actor(
      sys, failing_config(torrent, {{junk_http.url(), junk_udp.url()}, {ours->http_url()}}));
  kill_at_exit guard{tracker};
  heard h;
  listen(torrent, h, [&] { return h.found(); });
  INFO(h.dump());
  CHECK(h.got_other_peer());
  auto failures = h.failures();
  REQUIRE(failures.size() == 2);
  for (const auto& f : failures) {
    if (f.url == junk_http.url()) {
      CHECK(contains(f.message, junk_http.url() + ": "));
      CHECK(contains(f.message, "'peers'"));
    } else {
      CHECK(f.url == junk_udp.url());
      CHECK(f.message == "udp://127.0.0.1:" + port_of(f.url) +
                             ": connect response needs at least 16 bytes, got 13 bytes");
    }
  }
  CHECK(junk_http.arrivals().size() == 1);
  CHECK(junk_udp.arrivals().size() == 1);  // garbage ends the operation: no retransmission
  stop_tracker_actor(torrent, sys, tracker);
}

TEST_CASE("tracker actor: when every tier fails, rounds back off with growing intervals",
          "[tracker_actor][network][faults]") {
  test::junk_http_tracker junk_http("this is not bencode");
  const std::string dead_udp =
      "udp://127.0.0.1:" + std::to_string(test::closed_udp_port()) + "/announce";
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor torrent{sys};
  auto cfg = failing_config(torrent, {{junk_http.url()}, {dead_udp}});
  cfg.schedule.initial_backoff = 150ms;
  auto tracker = spawn_tracker_actor(sys, cfg);
  kill_at_exit guard{tracker};
  heard h;
  listen(torrent, h, [&] { return junk_http.arrivals().size() >= 4; });
  // Three whole rounds were reported before the fourth began; take what is still queued.
  listen(
      torrent, h, [&] { return h.failures().size() >= 6; }, 2s);
  INFO(h.dump());
  const auto arrivals = junk_http.arrivals();
  REQUIRE(arrivals.size() >= 4);
  // Each round reaches the junk tracker (tier 1), then the dead one (tier 2), then waits.
  // A round's wait starts after its request arrived, so the gap is at least the backoff:
  // 150, 300, 600 ms. The upper bounds only catch a schedule gone wrong (30 s, never).
  const std::chrono::milliseconds backoff[] = {150ms, 300ms, 600ms};
  for (int i = 0; i < 3; ++i) {
    const auto gap = arrivals[i + 1] - arrivals[i];
    INFO("round " << i + 1 << " to " << i + 2 << ": "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() << " ms");
    CHECK(gap >= backoff[i]);
    CHECK(gap < backoff[i] + 1500ms);
  }
  CHECK(arrivals[3] - arrivals[2] > arrivals[2] - arrivals[1]);
  CHECK(arrivals[2] - arrivals[1] > arrivals[1] - arrivals[0]);
  // Both trackers of each round were reported, the junk one with what the parser saw.
  REQUIRE(h.failures().size() >= 6);
  for (const auto& f : h.failures()) {
    if (f.url == junk_http.url())
      CHECK(contains(f.message, "answer is not bencode"));
    else
      CHECK(contains(f.message, "connection refused"));
  }
  bool announced = true;
  torrent->request(tracker, 5s, tracker_stop{})
      .receive([&](const tracker_stopped& s) { announced = s.announced; },
               [&](const caf::error& e) { FAIL(sys.render(e)); });
  CHECK_FALSE(announced);  // no tracker ever heard "started": nothing to stop
}

TEST_CASE("tracker actor: faults.tracker_drop loses the first two answers, the third gets peers",
          "[tracker_actor][network][faults]") {
  auto ours = start_tracker();
  for (const std::string& url : {ours->http_url(), ours->udp_url()}) {
    INFO("tracker " << url);
    register_other_peer(url);
    actorrent_config sys_cfg;
    caf::actor_system sys{sys_cfg};
    caf::scoped_actor torrent{sys};
    auto cfg = failing_config(torrent, {{url}});
    cfg.faults.drop = fault_schedule{1, 0, 2};
    auto tracker = spawn_tracker_actor(sys, cfg);
    kill_at_exit guard{tracker};
    heard h;
    listen(torrent, h, [&] { return h.found(); });
    INFO(h.dump());
    CHECK(h.got_other_peer());
    // The transports' own timeouts: libcurl's, and BEP 15's retransmission schedule.
    const std::string timeout =
        url.rfind("http", 0) == 0 ? "Timeout was reached" : "no answer after 2 attempts";
    REQUIRE(h.statuses.size() == 3);
    for (int i = 0; i < 2; ++i) {
      CHECK_FALSE(h.statuses[i].ok);
      CHECK(contains(h.statuses[i].message, timeout));
      CHECK(contains(h.statuses[i].message, "[fault injection: answer dropped]"));
    }
    CHECK(h.statuses[2].ok);
    stop_tracker_actor(torrent, sys, tracker);
  }
}

TEST_CASE("tracker actor: faults.tracker_corrupt garbles an answer, the parser names the problem",
          "[tracker_actor][network][faults]") {
  auto ours = start_tracker();
  for (const std::string& url : {ours->http_url(), ours->udp_url()}) {
    INFO("tracker " << url);
    register_other_peer(url);
    actorrent_config sys_cfg;
    caf::actor_system sys{sys_cfg};
    caf::scoped_actor torrent{sys};
    auto cfg = failing_config(torrent, {{url}});
    cfg.faults.corrupt = fault_schedule{1, 0, 1};
    auto tracker = spawn_tracker_actor(sys, cfg);
    kill_at_exit guard{tracker};
    heard h;
    listen(torrent, h, [&] { return h.found(); });
    INFO(h.dump());
    CHECK(h.got_other_peer());
    REQUIRE(h.statuses.size() == 2);
    CHECK_FALSE(h.statuses[0].ok);
    const std::string problem = url.rfind("http", 0) == 0
                                    ? "answer is not bencode"
                                    : "announce response needs at least 20 bytes";
    CHECK(contains(h.statuses[0].message, problem));
    CHECK(contains(h.statuses[0].message, "[fault injection: answer garbled]"));
    CHECK(h.statuses[1].ok);
    stop_tracker_actor(torrent, sys, tracker);
  }
}

}  // namespace tracker_failure_test
