#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <future>
#include <mutex>
#include <thread>

#include "actors/actor_setup.hpp"
#include "actors/messages.hpp"
#include "actors/tracker_actor.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

// The transport seam: records each announce and answers per URL. Called on worker threads.
struct recording_transport {
  struct call {
    std::string url;
    announce_request request;
    response_fault fault = response_fault::none;
  };
  std::mutex mutex;
  std::vector<call> calls;
  std::function<expected<announce_response, tracker_error>(const std::string&)> answer;

  announce_function function() {
    return [this](const std::string& url, const announce_request& req, response_fault fault) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        calls.push_back({url, req, fault});
      }
      return answer(url);
    };
  }
  std::vector<call> snapshot() {
    std::lock_guard<std::mutex> lock(mutex);
    return calls;
  }
};

announce_response peers_answer(std::chrono::seconds interval) {
  announce_response r;
  r.interval = interval;
  r.complete = 1;
  r.incomplete = 2;
  r.peers = {peer_address::v4_address({127, 0, 0, 1}, 6881)};
  return r;
}

tracker_actor_config base_config(caf::actor torrent, recording_transport& transport) {
  tracker_actor_config cfg;
  cfg.info_hash = sha1("torrent");
  cfg.peer_id = sha1("peer");
  cfg.port = 6881;
  cfg.torrent = torrent;
  cfg.announce = transport.function();
  cfg.schedule.initial_backoff = 1s;
  cfg.schedule.shortest_interval = 1s;
  cfg.shuffle_seed = 1;
  return cfg;
}

}  // namespace

TEST_CASE("tracker actor: falls through tiers, hands peers to the torrent", "[tracker_actor]") {
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor torrent{sys};
  recording_transport transport;
  // The first tier answers only once the stats below are in the tracker's mailbox, so that
  // they are read before its failure (a mailbox is first in, first out).
  auto stats_sent = std::make_shared<std::promise<void>>();
  auto stats_in = stats_sent->get_future().share();
  transport.answer =
      [stats_in](const std::string& url) -> expected<announce_response, tracker_error> {
    if (url == "http://down/announce") {
      stats_in.wait_for(5s);
      return make_unexpected(tracker_error{tracker_error::kind::network, "connection refused"});
    }
    return peers_answer(3600s);
  };
  auto cfg = base_config(torrent, transport);
  cfg.tiers = {{"http://down/announce"}, {"udp://up:1/announce"}};
  auto tracker = spawn_tracker_actor(sys, cfg);
  torrent->send(tracker, tracker_stats{0, 0, 1000});
  stats_sent->set_value();

  bool got_failure = false, got_peers = false, got_ok = false;
  for (int i = 0; i < 3; ++i) {
    torrent->receive(
        [&](const tracker_status& s) {
          if (!s.ok)
            got_failure = s.url == "http://down/announce" && s.message == "connection refused";
          if (s.ok) got_ok = s.url == "udp://up:1/announce" && s.seeders == 1 && s.leechers == 2;
        },
        [&](const peers_discovered& p) {
          got_peers = p.source == "udp://up:1/announce" && p.peers.size() == 1 &&
                      p.info_hash == sha1("torrent");
        },
        caf::after(5s) >> [] { FAIL("no message from the tracker actor"); });
  }
  CHECK(got_failure);
  CHECK(got_peers);
  CHECK(got_ok);
  auto calls = transport.snapshot();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].request.event == announce_event::started);
  CHECK(calls[1].request.event == announce_event::started);  // still unheard after the failure
  CHECK(calls[1].request.left == 1000);

  // Stop: per BEP 12 the round starts again at the first tier (which fails), then reaches
  // the tracker that answered; the reply says "stopped" was heard.
  bool stopped = false;
  torrent->request(tracker, 5s, tracker_stop{})
      .receive([&](const tracker_stopped& s) { stopped = s.announced; },
               [&](const caf::error& e) { FAIL(sys.render(e)); });
  CHECK(stopped);
  calls = transport.snapshot();
  REQUIRE(calls.size() == 4);
  CHECK(calls[2].url == "http://down/announce");
  CHECK(calls[2].request.event == announce_event::stopped);
  CHECK(calls[3].url == "udp://up:1/announce");
  CHECK(calls[3].request.event == announce_event::stopped);
  CHECK(calls[3].request.numwant == 0);
}

TEST_CASE("tracker actor: re-announces after the interval, completed sent early",
          "[tracker_actor]") {
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor torrent{sys};
  recording_transport transport;
  transport.answer = [](const std::string&) -> expected<announce_response, tracker_error> {
    return peers_answer(1s);
  };
  auto cfg = base_config(torrent, transport);
  cfg.tiers = {{"http://t/announce"}};
  auto tracker = spawn_tracker_actor(sys, cfg);
  // started, then a regular announce one interval (1 s) later.
  for (int i = 0; i < 20 && transport.snapshot().size() < 2; ++i)
    std::this_thread::sleep_for(100ms);
  REQUIRE(transport.snapshot().size() >= 2);
  CHECK(transport.snapshot()[1].request.event == announce_event::none);
  torrent->send(tracker, tracker_completed{});
  for (int i = 0; i < 20 && transport.snapshot().back().request.event != announce_event::completed;
       ++i)
    std::this_thread::sleep_for(50ms);
  CHECK(transport.snapshot().back().request.event == announce_event::completed);
  torrent->send_exit(tracker, caf::exit_reason::user_shutdown);
}

TEST_CASE("tracker actor: a failed round backs off; stop honours its deadline", "[tracker_actor]") {
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor torrent{sys};
  recording_transport transport;
  std::atomic<bool> slow{false};
  transport.answer = [&](const std::string&) -> expected<announce_response, tracker_error> {
    if (slow) {
      std::this_thread::sleep_for(1500ms);
      return peers_answer(60s);
    }
    return make_unexpected(
        tracker_error{tracker_error::kind::failure_reason, "unregistered torrent"});
  };
  auto cfg = base_config(torrent, transport);
  cfg.tiers = {{"http://a/announce", "http://b/announce"}};
  cfg.stop_deadline = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto tracker = spawn_tracker_actor(sys, cfg);
  // Round 1: a and b fail at once; round 2 only after the 1 s backoff.
  for (int i = 0; i < 40 && transport.snapshot().size() < 3; ++i)
    std::this_thread::sleep_for(50ms);
  auto calls = transport.snapshot();
  REQUIRE(calls.size() >= 3);
  CHECK(std::chrono::steady_clock::now() - start >= 900ms);
  CHECK(calls[0].url != calls[1].url);

  // Nothing was ever heard: stop replies at once without announcing.
  bool announced = true;
  torrent->request(tracker, 2s, tracker_stop{})
      .receive([&](const tracker_stopped& s) { announced = s.announced; },
               [&](const caf::error& e) { FAIL(sys.render(e)); });
  CHECK_FALSE(announced);

  // A tracker that heard "started" but hangs on "stopped": the deadline ends the wait.
  slow = false;
  transport.answer = [&](const std::string&) -> expected<announce_response, tracker_error> {
    if (slow) std::this_thread::sleep_for(1500ms);
    return peers_answer(60s);
  };
  auto tracker2 = spawn_tracker_actor(sys, cfg);
  torrent->receive([](const tracker_status&) {}, [](const peers_discovered&) {},
                   caf::after(5s) >> [] { FAIL("no answer"); });
  slow = true;
  auto t0 = std::chrono::steady_clock::now();
  torrent->request(tracker2, 5s, tracker_stop{})
      .receive([&](const tracker_stopped& s) { announced = s.announced; },
               [&](const caf::error& e) { FAIL(sys.render(e)); });
  CHECK_FALSE(announced);
  CHECK(std::chrono::steady_clock::now() - t0 < 1200ms);
}

TEST_CASE("tracker actor: the fault schedules pick announces, and the status says so",
          "[tracker_actor][faults]") {
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor torrent{sys};
  recording_transport transport;
  transport.answer = [](const std::string&) -> expected<announce_response, tracker_error> {
    return make_unexpected(tracker_error{tracker_error::kind::network, "timed out"});
  };
  auto cfg = base_config(torrent, transport);
  cfg.tiers = {{"http://a/announce"}};
  cfg.schedule.initial_backoff = 10ms;
  cfg.schedule.max_backoff = 10ms;
  // Drops: announces 1 and 2. Corruptions: every second announce, 2 included, where the
  // drop wins; both schedules keep counting every announce.
  cfg.faults.drop = fault_schedule{1, 0, 2};
  cfg.faults.corrupt = fault_schedule{2, 0, 0};
  auto tracker = spawn_tracker_actor(sys, cfg);
  std::vector<std::string> messages;
  for (int i = 0; i < 5; ++i) {
    torrent->receive([&](const tracker_status& s) { messages.push_back(s.message); },
                     caf::after(5s) >> [] {});
  }
  torrent->send_exit(tracker, caf::exit_reason::user_shutdown);
  auto calls = transport.snapshot();
  REQUIRE(calls.size() >= 5);
  CHECK(calls[0].fault == response_fault::drop);
  CHECK(calls[1].fault == response_fault::drop);
  CHECK(calls[2].fault == response_fault::none);
  CHECK(calls[3].fault == response_fault::corrupt);
  CHECK(calls[4].fault == response_fault::none);
  REQUIRE(messages.size() == 5);
  CHECK(messages[0] == "timed out [fault injection: answer dropped]");
  CHECK(messages[2] == "timed out");
  CHECK(messages[3] == "timed out [fault injection: answer garbled]");
}
