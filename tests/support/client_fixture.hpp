// Whole client sessions in one test process: helpers shared by the session tests (a
// multi-file torrent of random data, loopback settings, polling a client's progress).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/client.hpp"
#include "protocol/metainfo.hpp"
#include "storage/create_torrent.hpp"

namespace actorrent::test {

namespace fs = std::filesystem;

inline std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng());
  return s;
}

inline void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Uneven files so that pieces span files; 16 KiB pieces so that there are many.
inline std::shared_ptr<const metainfo> make_torrent(
    const fs::path& root, std::vector<std::vector<std::string>> tracker_tiers = {}) {
  const std::size_t sizes[] = {700'001, 16'384, 1, 1'300'000, 250'000};
  for (std::size_t i = 0; i < std::size(sizes); ++i)
    write_file(root / "set" / ("f" + std::to_string(i)), random_bytes(sizes[i], 7 + i));
  create_options o;
  o.path = (root / "set").string();
  o.piece_length = 16 * 1024;
  o.tracker_tiers = std::move(tracker_tiers);
  auto created = create_torrent(o);
  REQUIRE(created);
  auto m = parse_metainfo(created->bytes);
  REQUIRE(m);
  return std::make_shared<const metainfo>(std::move(*m));
}

inline session_settings loopback_settings(const fs::path& dir, const fs::path& state) {
  session_settings s;
  s.listen_address = "127.0.0.1";
  s.listen_port = 0;
  s.download_dir = dir;
  s.state_dir = state;
  return s;
}

// Polls until `done` holds for the only torrent, at most `limit`.
inline torrent_progress wait_for(client& c, std::chrono::seconds limit,
                                 const std::function<bool(const torrent_progress&)>& done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  torrent_progress last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto all = c.progress();
    if (all.size() == 1) {
      last = all[0];
      if (done(last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

// Every file of `torrent` under `got` is byte for byte the one under `want`.
inline void check_same_files(const metainfo& torrent, const fs::path& got, const fs::path& want) {
  for (const auto& f : torrent.files)
    CHECK(read_file(got / f.path_string()) == read_file(want / f.path_string()));
}

inline bool finished(const torrent_progress& p) {
  return (p.state == torrent_state::complete || p.state == torrent_state::seeding) &&
         p.bytes_left == 0;
}

inline peer_address loopback(std::uint16_t port) {
  return peer_address::v4_address({127, 0, 0, 1}, port);
}

// A started client with the torrent added; it connects to `peer` when that is not 0.
inline std::unique_ptr<client> start_client(const session_settings& settings,
                                            std::shared_ptr<const metainfo> torrent, bool seed,
                                            std::uint16_t peer = 0,
                                            std::vector<std::string> only = {}) {
  auto c = client::start(settings);
  REQUIRE(c);
  torrent_params p;
  p.torrent = std::move(torrent);
  p.seed = seed;
  p.only = std::move(only);
  if (peer != 0) p.peers.push_back(loopback(peer));
  REQUIRE((*c)->add_torrent(p));
  return std::move(*c);
}

}  // namespace actorrent::test
