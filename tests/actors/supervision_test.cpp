// Supervision in whole client sessions: a failure injected into a part of a downloading
// torrent (piece manager, disk writer, choker) is restarted with its state rebuilt and the
// download completes with identical data; a part that keeps failing puts the torrent in the
// error state, and the session goes on.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "tests/support/client_fixture.hpp"
#include "tests/support/running_tracker.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
using namespace actorrent::test;
using namespace std::chrono_literals;

namespace {

torrent_parts parts_of(client& c, const caf::actor& torrent) {
  caf::scoped_actor self{c.system()};
  torrent_parts out;
  self->request(torrent, caf::infinite, get_parts{})
      .receive([&](torrent_parts& p) { out = std::move(p); },
               [&](caf::error& e) { FAIL("get_parts: " << c.system().render(e)); });
  return out;
}

// Waits until the torrent has its parts (its data is checked), at most 20 s.
torrent_parts wait_for_parts(client& c, const caf::actor& torrent) {
  for (int i = 0; i < 400; ++i) {
    caf::scoped_actor self{c.system()};
    std::optional<torrent_parts> got;
    self->request(torrent, caf::infinite, get_parts{})
        .receive([&](torrent_parts& p) { got = std::move(p); }, [](caf::error&) {});
    if (got) return *got;
    std::this_thread::sleep_for(50ms);
  }
  FAIL("the torrent never started its parts");
  return {};
}

void kill(client& c, const caf::actor& a, const std::string& why) {
  REQUIRE(a);
  caf::anon_send(a, caf::exit_msg{a.address(), caf::make_error(caf::sec::runtime_error, why)});
  (void)c;
}

const restart_stat* stat_of(const torrent_progress& p, const std::string& kind) {
  for (const auto& s : p.supervision)
    if (s.actor == kind) return &s;
  return nullptr;
}

bool same_data(const fs::path& a, const fs::path& b) {
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    if (!e.is_regular_file()) continue;
    if (read_file(e.path()) != read_file(b / fs::relative(e.path(), a))) return false;
  }
  return true;
}

struct swarm {
  temp_dir tmp;
  std::shared_ptr<const metainfo> torrent = make_torrent(tmp.path / "src");
  std::unique_ptr<client> seeder;
  std::unique_ptr<client> leecher;
  caf::actor leecher_torrent;

  // The leecher downloads at `limit` bytes/s, slow enough to inject faults mid-way.
  explicit swarm(std::uint64_t limit, std::size_t part_max_restarts = 5) {
    seeder = start_client(loopback_settings(tmp.path / "src", tmp.path / "state-a"), torrent, true);
    REQUIRE(wait_for(*seeder, 20s, finished).state == torrent_state::seeding);
    auto s = loopback_settings(tmp.path / "dst", tmp.path / "state-b");
    s.download_limit = limit;
    s.disk_threads = 2;
    s.part_supervision.max_restarts = part_max_restarts;
    leecher = start_client(s, torrent, false, seeder->listen_port());
    leecher_torrent = leecher->torrent_actor(torrent->info_hash.hex());
    REQUIRE(leecher_torrent);
  }

  // Waits until the leecher has some but not all pieces.
  void wait_mid_way() {
    auto p = wait_for(*leecher, 20s, [](const torrent_progress& p) { return p.pieces_have >= 20; });
    REQUIRE(p.pieces_have >= 20);
    REQUIRE(p.bytes_left > 0);
  }
};

}  // namespace

TEST_CASE("a failed piece manager is restarted from the verified pieces; the download ends",
          "[supervision][session]") {
  swarm s(600 * 1024);
  auto before = wait_for_parts(*s.leecher, s.leecher_torrent);
  s.wait_mid_way();
  kill(*s.leecher, before.piece_manager, "test: piece manager killed");
  auto done = wait_for(*s.leecher, 30s, finished);
  REQUIRE(done.state == torrent_state::complete);
  CHECK(same_data(s.tmp.path / "src" / "set", s.tmp.path / "dst" / "set"));
  auto after = parts_of(*s.leecher, s.leecher_torrent);
  CHECK(after.generation == before.generation + 1);
  CHECK(after.piece_manager != before.piece_manager);
  CHECK(after.disk_writers != before.disk_writers);  // restarted with it, as one group
  auto stat = stat_of(done, "piece_manager");
  REQUIRE(stat);
  CHECK(stat->restarts == 1);
  CHECK(stat->last_failure.find("piece manager killed") != std::string::npos);
  CHECK(done.restarts >= 1);
  // Nothing verified was fetched again: at most the pieces in flight at the kill twice.
  CHECK(done.downloaded <= static_cast<std::int64_t>(s.torrent->total_length) + 64 * 16384);
}

TEST_CASE("a failed disk writer and a failed choker are restarted; the download ends",
          "[supervision][session]") {
  swarm s(600 * 1024);
  auto before = wait_for_parts(*s.leecher, s.leecher_torrent);
  REQUIRE(before.disk_writers.size() == 2);
  s.wait_mid_way();
  kill(*s.leecher, before.disk_writers[1], "test: disk writer killed");
  kill(*s.leecher, before.choker, "test: choker killed");
  // The seeder's choker too: its peer must be unchoked again by the successor.
  auto seeder_torrent = s.seeder->torrent_actor(s.torrent->info_hash.hex());
  kill(*s.seeder, parts_of(*s.seeder, seeder_torrent).choker, "test: seeder's choker killed");
  auto done = wait_for(*s.leecher, 30s, finished);
  REQUIRE(done.state == torrent_state::complete);
  CHECK(same_data(s.tmp.path / "src" / "set", s.tmp.path / "dst" / "set"));
  REQUIRE(stat_of(done, "disk_writer"));
  CHECK(stat_of(done, "disk_writer")->restarts == 1);
  REQUIRE(stat_of(done, "choker"));
  CHECK(stat_of(done, "choker")->restarts == 1);
  auto seeder_progress = s.seeder->progress();
  REQUIRE(seeder_progress.size() == 1);
  REQUIRE(stat_of(seeder_progress[0], "choker"));
  CHECK(seeder_progress[0].state == torrent_state::seeding);
}

TEST_CASE("a part that keeps failing puts the torrent in the error state; the session goes on",
          "[supervision][session]") {
  swarm s(300 * 1024, 1);
  auto first = wait_for_parts(*s.leecher, s.leecher_torrent);
  kill(*s.leecher, first.choker, "test: first failure");
  auto second = first;
  for (int i = 0; i < 200 && second.generation == first.generation; ++i) {
    std::this_thread::sleep_for(20ms);
    second = parts_of(*s.leecher, s.leecher_torrent);
  }
  REQUIRE(second.generation == first.generation + 1);
  kill(*s.leecher, second.choker, "test: second failure");
  auto failed = wait_for(*s.leecher, 10s,
                         [](const torrent_progress& p) { return p.state == torrent_state::error; });
  REQUIRE(failed.state == torrent_state::error);
  CHECK(failed.error.find("choker") != std::string::npos);
  CHECK(failed.error.find("second failure") != std::string::npos);
  // The session still answers, and stops cleanly.
  CHECK(s.leecher->progress().size() == 1);
  auto stopped = s.leecher->stop();
  CHECK(stopped.message.find("failed") != std::string::npos);
}

TEST_CASE("a torrent actor that crashes takes its parts and peers with it; the session marks it",
          "[supervision][session]") {
  swarm s(300 * 1024);
  auto parts = wait_for_parts(*s.leecher, s.leecher_torrent);
  caf::scoped_actor self{s.leecher->system()};
  self->monitor(parts.piece_manager);
  self->monitor(parts.choker);
  kill(*s.leecher, s.leecher_torrent, "test: torrent crashed");
  int downs = 0;
  for (int i = 0; i < 2; ++i)
    self->receive([&](caf::down_msg&) { ++downs; }, caf::after(10s) >> [] {});
  CHECK(downs == 2);
  auto p = wait_for(*s.leecher, 10s,
                    [](const torrent_progress& p) { return p.state == torrent_state::error; });
  CHECK(p.state == torrent_state::error);
  CHECK(p.error.find("torrent crashed") != std::string::npos);
  // The seeder keeps running; the leecher's session still stops cleanly.
  CHECK(s.seeder->progress().at(0).state == torrent_state::seeding);
  s.leecher->stop();
}

TEST_CASE("a failed tracker actor is restarted; the leecher finds the seeder through the tracker",
          "[supervision][session]") {
  auto tracker = running_tracker::start_loopback();
  if (!tracker) return;  // start() printed why
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src", {{tracker->http_url()}});
  auto seeder =
      start_client(loopback_settings(tmp.path / "src", tmp.path / "state-a"), torrent, true);
  REQUIRE(wait_for(*seeder, 20s, finished).state == torrent_state::seeding);
  // No --peer: the leecher learns of the seeder from the tracker only, through the tracker
  // actor that replaces the one killed here.
  auto leecher =
      start_client(loopback_settings(tmp.path / "dst", tmp.path / "state-b"), torrent, false);
  auto leecher_torrent = leecher->torrent_actor(torrent->info_hash.hex());
  auto before = wait_for_parts(*leecher, leecher_torrent);
  REQUIRE(before.tracker);
  kill(*leecher, before.tracker, "test: tracker actor killed");
  auto done = wait_for(*leecher, 30s, finished);
  REQUIRE(done.state == torrent_state::complete);
  CHECK(same_data(tmp.path / "src" / "set", tmp.path / "dst" / "set"));
  // The download may end before the kill is handled: wait for the restart to show.
  auto restarted = wait_for(
      *leecher, 10s, [](const torrent_progress& p) { return stat_of(p, "tracker") != nullptr; });
  auto after = parts_of(*leecher, leecher_torrent);
  CHECK(after.tracker);
  CHECK(after.tracker != before.tracker);
  CHECK(after.piece_manager == before.piece_manager);  // nothing else was restarted
  auto stat = stat_of(restarted, "tracker");
  REQUIRE(stat);
  CHECK(stat->restarts == 1);
  CHECK(stat->last_failure == "test: tracker actor killed");
}
