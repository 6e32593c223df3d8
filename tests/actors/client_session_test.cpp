// Whole sessions in one process: a seeding client and a downloading client on loopback,
// real files, real sockets, every actor of the pipeline in between.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <chrono>
#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "actors/client.hpp"
#include "actors/messages.hpp"
#include "protocol/metainfo.hpp"
#include "storage/create_torrent.hpp"
#include "storage/resume_store.hpp"
#include "tests/support/client_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
using namespace actorrent::test;
namespace fs = std::filesystem;

TEST_CASE("a seeding client and a downloading client move a multi-file torrent",
          "[client][session]") {
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");

  auto seeder =
      start_client(loopback_settings(tmp.path / "src", tmp.path / "state-a"), torrent, true);
  auto seeding = wait_for(*seeder, std::chrono::seconds(20), finished);
  REQUIRE(seeding.state == torrent_state::seeding);

  auto leecher = start_client(loopback_settings(tmp.path / "dst", tmp.path / "state-b"), torrent,
                              false, seeder->listen_port());
  auto done = wait_for(*leecher, std::chrono::seconds(30), finished);
  CHECK(done.state == torrent_state::complete);
  CHECK(done.pieces_have == torrent->num_pieces());
  CHECK(done.hash_failures == 0);

  check_same_files(*torrent, tmp.path / "dst" / "set", tmp.path / "src" / "set");

  auto stopped = leecher->stop();
  CHECK(stopped.resume_saved);
  CHECK(fs::exists(tmp.path / "state-b" / (torrent->info_hash.hex() + ".resume")));
  CHECK(seeder->stop().resume_saved);

  SECTION("a second run finds its data through the resume file and downloads nothing") {
    auto again =
        start_client(loopback_settings(tmp.path / "dst", tmp.path / "state-b"), torrent, false);
    auto resumed = wait_for(*again, std::chrono::seconds(20), finished);
    CHECK(resumed.state == torrent_state::complete);
    CHECK(resumed.downloaded == 0);
  }
}

TEST_CASE("the leecher connects to nobody; the seeder connects to it (an incoming peer)",
          "[client][session]") {
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");
  auto leecher =
      start_client(loopback_settings(tmp.path / "dst", tmp.path / "state-b"), torrent, false);
  auto seeder = start_client(loopback_settings(tmp.path / "src", tmp.path / "state-a"), torrent,
                             true, leecher->listen_port());

  auto done = wait_for(*leecher, std::chrono::seconds(30), finished);
  CHECK(done.state == torrent_state::complete);
  auto seeded = wait_for(*seeder, std::chrono::seconds(10), [&](const torrent_progress& p) {
    return p.uploaded >= torrent->total_length;
  });
  CHECK(seeded.uploaded >= torrent->total_length);
  check_same_files(*torrent, tmp.path / "dst" / "set", tmp.path / "src" / "set");
}

TEST_CASE("only: the pieces of the selected files are downloaded and nothing beyond them",
          "[client][session]") {
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");
  auto seeder =
      start_client(loopback_settings(tmp.path / "src", tmp.path / "state-a"), torrent, true);

  // The last file: its first piece is shared with f3.
  auto leecher = start_client(loopback_settings(tmp.path / "dst", tmp.path / "state-b"), torrent,
                              false, seeder->listen_port(), {"f4"});
  auto done = wait_for(*leecher, std::chrono::seconds(30), finished);
  CHECK(done.state == torrent_state::complete);
  CHECK(done.pieces_wanted < torrent->num_pieces());
  CHECK(read_file(tmp.path / "dst" / "set" / "f4") == read_file(tmp.path / "src" / "set" / "f4"));
  CHECK_FALSE(fs::exists(tmp.path / "dst" / "set" / "f0"));
  // f3 exists only as far as the piece it shares with f4 reaches into it.
  auto f3 = tmp.path / "dst" / "set" / "f3";
  if (fs::exists(f3)) {
    auto pieces_of_f4 = done.pieces_wanted;
    CHECK(static_cast<std::int64_t>(fs::file_size(f3)) <= torrent->files[3].length);
    CHECK(pieces_of_f4 >= 1);
  }
  CHECK(done.bytes_total <= torrent->files[4].length + 2 * torrent->piece_length);
}

TEST_CASE("only: an unknown selection is refused by name", "[client][session]") {
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");
  auto c = client::start(loopback_settings(tmp.path / "dst", tmp.path / "state"));
  REQUIRE(c);
  torrent_params p;
  p.torrent = torrent;
  p.only = {"*.mkv"};
  auto added = (*c)->add_torrent(p);
  REQUIRE_FALSE(added);
  CHECK(added.error() == "--only *.mkv: no file of the torrent matches");
  p.only = {"9"};
  added = (*c)->add_torrent(p);
  REQUIRE_FALSE(added);
  CHECK(added.error() == "--only 9: the torrent has 5 files (0 to 4)");
}

TEST_CASE("a port in use is refused with the address", "[client][session]") {
  temp_dir tmp;
  auto first = client::start(loopback_settings(tmp.path, tmp.path / "s1"));
  REQUIRE(first);
  auto settings = loopback_settings(tmp.path, tmp.path / "s2");
  settings.listen_port = (*first)->listen_port();
  auto second = client::start(settings);
  REQUIRE_FALSE(second);
  CHECK(second.error().find("cannot listen on 127.0.0.1 port " +
                            std::to_string(settings.listen_port)) == 0);
}

// Token buckets hold the transfer to the set rate (the issue: within ±10 % over the run).
// Two pairs at once, one limited by the leecher's download limit, one by the seeder's
// upload limit; each moves ~2.2 MiB at 256 KiB/s, about nine seconds.
TEST_CASE("download and upload limits hold the rate within ten per cent", "[client][limits]") {
  constexpr std::uint64_t limit = 256 * 1024;
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");

  auto start_seeder = [&](const std::string& name, std::uint64_t upload_limit) {
    auto settings = loopback_settings(tmp.path / "src", tmp.path / ("state-" + name));
    settings.upload_limit = upload_limit;
    auto c = start_client(settings, torrent, true);
    REQUIRE(wait_for(*c, std::chrono::seconds(20), finished).state == torrent_state::seeding);
    return c;
  };
  auto start_leecher = [&](const std::string& name, std::uint64_t download_limit,
                           std::uint16_t seeder_port) {
    auto settings = loopback_settings(tmp.path / name, tmp.path / ("state-" + name));
    settings.download_limit = download_limit;
    return start_client(settings, torrent, false, seeder_port);
  };

  auto free_seeder = start_seeder("a", 0);
  auto slow_seeder = start_seeder("b", limit);
  auto begin = std::chrono::steady_clock::now();
  auto limited_leecher = start_leecher("down", limit, free_seeder->listen_port());
  auto free_leecher = start_leecher("up", 0, slow_seeder->listen_port());

  // Both polled in one loop, so that each completion time is when it happened.
  std::optional<std::chrono::steady_clock::time_point> down_done, up_done;
  auto deadline = begin + std::chrono::seconds(40);
  while ((!down_done || !up_done) && std::chrono::steady_clock::now() < deadline) {
    auto now = std::chrono::steady_clock::now();
    auto d = limited_leecher->progress();
    auto u = free_leecher->progress();
    if (!down_done && d.size() == 1 && finished(d[0])) down_done = now;
    if (!up_done && u.size() == 1 && finished(u[0])) up_done = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(down_done);
  REQUIRE(up_done);
  // The buckets start full (half a second of rate): that much came at once.
  auto rate = [&](std::chrono::steady_clock::time_point end) {
    std::chrono::duration<double> took = end - begin;
    return (static_cast<double>(torrent->total_length) - limit / 2.0) / took.count();
  };
  double down_rate = rate(*down_done);
  double up_rate = rate(*up_done);
  INFO("download-limited: " << down_rate / 1024 << " KiB/s, upload-limited: " << up_rate / 1024
                            << " KiB/s, limit " << limit / 1024 << " KiB/s");
  CHECK(down_rate == Approx(limit).epsilon(0.10));
  CHECK(up_rate == Approx(limit).epsilon(0.10));
}

TEST_CASE("a torrent holds at most max_connections_per_torrent peers", "[client][session]") {
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");
  auto settings = loopback_settings(tmp.path / "src", tmp.path / "state-seed");
  settings.max_connections_per_torrent = 2;
  auto seeder = start_client(settings, torrent, true);
  REQUIRE(wait_for(*seeder, std::chrono::seconds(20), finished).state == torrent_state::seeding);

  std::vector<std::unique_ptr<client>> leechers;
  for (int i = 0; i < 3; ++i) {
    auto name = "dst" + std::to_string(i);
    // Seeding once complete: they stay connected, so the limit must hold while all want in.
    leechers.push_back(
        start_client(loopback_settings(tmp.path / name, tmp.path / ("state-" + name)), torrent,
                     true, seeder->listen_port()));
  }
  // Two get in and complete; the third is refused (and, seeding nothing, waits).
  std::uint32_t most_peers = 0;
  int complete = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && complete < 2) {
    auto s = seeder->progress();
    if (s.size() == 1) most_peers = std::max(most_peers, s[0].peers);
    complete = 0;
    for (auto& l : leechers) {
      auto p = l->progress();
      complete += p.size() == 1 && finished(p[0]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(complete == 2);
  CHECK(most_peers <= 2);
}

TEST_CASE("a seed saves its resume data after its check, and no stop rewrites it",
          "[client][session][resume]") {
  temp_dir tmp("actorrent-client-resume");
  auto torrent = make_torrent(tmp.path);
  auto settings = loopback_settings(tmp.path, tmp.path / "state");
  const auto resume = resume_file_path(settings.state_dir, torrent->info_hash);
  std::optional<fs::file_time_type> written;
  {
    auto first = start_client(settings, torrent, true);  // no resume data: a full check
    REQUIRE(finished(wait_for(*first, std::chrono::seconds(20), finished)));
    // Saved in the background once the check is done, before any stop.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!fs::exists(resume) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(fs::exists(resume));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the torrent hears of it
    written = fs::last_write_time(resume);
    CHECK(first->stop().resume_saved);
  }
  CHECK(fs::last_write_time(resume) == *written);
  const auto bytes = read_file(resume);
  {
    auto second = start_client(settings, torrent, true);  // trusts the resume data
    REQUIRE(finished(wait_for(*second, std::chrono::seconds(20), finished)));
    CHECK(second->stop().resume_saved);
  }
  CHECK(fs::last_write_time(resume) == *written);
  CHECK(read_file(resume) == bytes);
  auto state = load_verified_pieces(*torrent, tmp.path, settings.state_dir);
  CHECK_FALSE(state.rechecked);
  CHECK(state.verified.all());
}

TEST_CASE("two clients that dial each other at once keep one connection between them",
          "[client][session]") {
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");
  auto seeder_settings = loopback_settings(tmp.path / "src", tmp.path / "state-a");
  auto leecher_settings = loopback_settings(tmp.path / "dst", tmp.path / "state-b");
  leecher_settings.download_limit = 512 * 1024;  // the transfer lasts a few seconds
  auto seeder = client::start(seeder_settings);
  auto leecher = client::start(leecher_settings);
  REQUIRE(seeder);
  REQUIRE(leecher);
  // Each told of the other at the same moment: both dial, and two connections come up, one
  // each way, until each torrent learns the remote's peer id from the handshake.
  torrent_params to_leecher;
  to_leecher.torrent = torrent;
  to_leecher.peers = {loopback((*leecher)->listen_port())};
  torrent_params to_seeder;
  to_seeder.torrent = torrent;
  to_seeder.peers = {loopback((*seeder)->listen_port())};
  to_seeder.seed = false;
  REQUIRE((*leecher)->add_torrent(to_seeder));
  REQUIRE((*seeder)->add_torrent(to_leecher));

  const auto begin = std::chrono::steady_clock::now();
  std::uint32_t most_seeder = 0, most_leecher = 0;
  bool both_connected = false, done = false;
  while (!done && std::chrono::steady_clock::now() < begin + std::chrono::seconds(30)) {
    auto s = (*seeder)->progress();
    auto l = (*leecher)->progress();
    REQUIRE((s.size() == 1 && l.size() == 1));
    done = finished(l[0]);
    // The duplicate lives for a moment after the second handshake.
    if (std::chrono::steady_clock::now() > begin + std::chrono::seconds(1) && !done) {
      most_seeder = std::max(most_seeder, s[0].peers);
      most_leecher = std::max(most_leecher, l[0].peers);
      both_connected = both_connected || (s[0].peers == 1 && l[0].peers == 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(done);
  CHECK(both_connected);
  CHECK(most_seeder == 1);
  CHECK(most_leecher == 1);
  check_same_files(*torrent, tmp.path / "dst" / "set", tmp.path / "src" / "set");
}

namespace {

std::uint64_t dht_nodes(client& c) {
  caf::scoped_actor self{c.system()};
  std::uint64_t nodes = 0;
  self->request(c.dht(), std::chrono::seconds(5), get_dht_stats{})
      .receive([&](const dht_stats& s) { nodes = s.nodes; }, [](const caf::error&) {});
  return nodes;
}

}  // namespace

TEST_CASE("peers tell each other their DHT nodes (BEP 5 PORT), which join the routing tables",
          "[client][session][dht]") {
  temp_dir tmp;
  auto torrent = make_torrent(tmp.path / "src");
  // No bootstrap node: a routing table can only learn of the other client through PORT.
  auto seeder =
      start_client(loopback_settings(tmp.path / "src", tmp.path / "state-a"), torrent, true);
  REQUIRE(seeder->dht());
  REQUIRE(dht_nodes(*seeder) == 0);
  auto leecher = start_client(loopback_settings(tmp.path / "dst", tmp.path / "state-b"), torrent,
                              false, seeder->listen_port());
  CHECK(finished(wait_for(*leecher, std::chrono::seconds(30), finished)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::uint64_t seeder_nodes = 0, leecher_nodes = 0;
  while ((seeder_nodes == 0 || leecher_nodes == 0) && std::chrono::steady_clock::now() < deadline) {
    seeder_nodes = dht_nodes(*seeder);
    leecher_nodes = dht_nodes(*leecher);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(seeder_nodes == 1);
  CHECK(leecher_nodes == 1);
}
