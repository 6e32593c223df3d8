#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/actor_setup.hpp"
#include "actors/disk_writer.hpp"
#include "actors/messages.hpp"
#include "protocol/bencode_value.hpp"
#include "storage/verify_data.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

// A three-file torrent of random data whose 32 KiB pieces span files; the last piece short.
struct sample_torrent {
  std::string data;
  std::shared_ptr<const metainfo> meta;

  sample_torrent() {
    std::mt19937 rng(11);
    data.resize(32768 * 5 + 5000);
    for (auto& c : data)
      c = static_cast<char>(rng());
    std::string hashes;
    for (std::size_t off = 0; off < data.size(); off += 32768)
      hashes += sha1(std::string_view(data).substr(off, 32768)).view();
    bvalue::list files{
        bvalue(bvalue::dict{{"length", 50000}, {"path", bvalue::list{"a"}}}),
        bvalue(bvalue::dict{{"length", 70000}, {"path", bvalue::list{"b", "c"}}}),
        bvalue(bvalue::dict{{"length", static_cast<std::int64_t>(data.size()) - 120000},
                            {"path", bvalue::list{"d"}}})};
    bvalue::dict info{{"name", "t"}, {"files", files}, {"piece length", 32768}, {"pieces", hashes}};
    auto m = parse_metainfo(bencode(bvalue(bvalue::dict{{"info", info}})));
    REQUIRE(m);
    meta = std::make_shared<const metainfo>(*m);
  }

  block_write block(const std::shared_ptr<block_pool>& pool, std::uint32_t piece,
                    std::uint32_t offset, bool corrupt = false) const {
    auto start = static_cast<std::size_t>(piece) * 32768 + offset;
    auto len = std::min<std::size_t>(
        16384, std::min<std::size_t>(data.size() - start,
                                     static_cast<std::size_t>(meta->piece_size(piece)) - offset));
    block_write w{1, piece, offset, pool->acquire(), 0, {}};
    std::copy(data.begin() + static_cast<std::ptrdiff_t>(start),
              data.begin() + static_cast<std::ptrdiff_t>(start + len), w.data.data());
    w.data.resize(len);
    if (corrupt) w.data.data()[0] ^= 1;
    return w;
  }

  std::vector<std::pair<std::uint32_t, std::uint32_t>> all_blocks() const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    for (std::uint32_t p = 0; p < meta->num_pieces(); ++p)
      for (std::int64_t o = 0; o < meta->piece_size(p); o += 16384)
        out.emplace_back(p, static_cast<std::uint32_t>(o));
    return out;
  }
};

}  // namespace

TEST_CASE("disk writer: blocks in any order become verified pieces on disk", "[disk_writer]") {
  sample_torrent t;
  test::temp_dir dir("actorrent-disk-writer");
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor torrent{sys};
  auto pool = block_pool::create();
  auto writer = spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, nullptr});

  // Piece 0 arrives corrupted first: it must fail, then pass once sent correctly.
  torrent->send(writer, t.block(pool, 0, 0, true));
  torrent->send(writer, t.block(pool, 0, 16384));
  auto blocks = t.all_blocks();
  std::mt19937 rng(5);
  std::shuffle(blocks.begin(), blocks.end(), rng);
  blocks.push_back(blocks[3]);  // an endgame duplicate
  for (auto [p, o] : blocks)
    torrent->send(writer, t.block(pool, p, o));

  std::size_t acks = 0;
  std::map<std::uint32_t, std::vector<bool>> checked;
  const std::size_t expected_acks = blocks.size() + 2;
  while (acks < expected_acks || checked.size() < t.meta->num_pieces()) {
    bool got = false;
    torrent->receive(
        [&](const block_written& w) {
          acks += w.ok;
          got = true;
        },
        [&](const piece_checked& c) {
          checked[c.piece].push_back(c.passed);
          got = true;
        },
        [&](const disk_failure& f) { FAIL(f.message); }, caf::after(5s) >> [] {});
    if (!got) break;
  }
  CHECK(acks == expected_acks);
  REQUIRE(checked.size() == t.meta->num_pieces());
  CHECK(checked[0] == std::vector<bool>{false, true});
  for (std::uint32_t p = 1; p < t.meta->num_pieces(); ++p)
    CHECK(checked[p] == std::vector<bool>{true});
  CHECK(verify_data(*t.meta, dir.path).complete());

  // Reads for upload come back with the data; unverified or out-of-range reads are refused.
  torrent->request(writer, 5s, block_read{2, 16384, 16384})
      .receive(
          [&](block_read_result& r) {
            REQUIRE(r.ok);
            CHECK(std::string(r.data.data(), r.data.size()) ==
                  t.data.substr(2 * 32768 + 16384, 16384));
          },
          [&](caf::error& e) { FAIL(sys.render(e)); });
  torrent->request(writer, 5s, block_read{5, 0, 16384})
      .receive([&](block_read_result& r) { CHECK_FALSE(r.ok); },  // piece 5 is 5000 bytes
               [&](caf::error& e) { FAIL(sys.render(e)); });
  torrent->send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_CASE("disk writer: a write that fails is reported with its kind and not acknowledged",
          "[disk_writer]") {
  sample_torrent t;
  test::temp_dir dir("actorrent-disk-writer");
  std::ofstream(dir.path / "t") << "a file where the torrent's directory should be";
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor torrent{sys};
  auto pool = block_pool::create();
  auto writer = spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, nullptr});
  torrent->send(writer, t.block(pool, 0, 0));
  bool failure = false, nack = false;
  for (int i = 0; i < 2; ++i)
    torrent->receive(
        [&](const disk_failure& f) { failure = f.message.find("/t") != std::string::npos; },
        [&](const block_written& w) { nack = !w.ok; },
        caf::after(5s) >> [] { FAIL("no answer from the disk writer"); });
  CHECK(failure);
  CHECK(nack);
  torrent->send_exit(writer, caf::exit_reason::user_shutdown);
}

namespace {

long threads_of_this_process() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0) return std::stol(line.substr(8));
  return -1;
}

}  // namespace

TEST_CASE("disk writer: writers of two torrents on one shared thread each verify their pieces",
          "[disk_writer]") {
  sample_torrent t;
  test::temp_dir dir_a("actorrent-disk-writer-a");
  test::temp_dir dir_b("actorrent-disk-writer-b");
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor torrent{sys};
  auto pool = block_pool::create();
  auto threads = disk_threads::create(sys, 1);
  auto a = spawn_disk_writer(sys, {t.meta, dir_a.path, {}, {}, torrent, pool, threads});
  auto b = spawn_disk_writer(sys, {t.meta, dir_b.path, {}, {}, torrent, pool, threads});

  // Batches as the piece manager sends them, interleaved between the two writers.
  std::uint64_t credit_sent = 0;
  for (auto [p, o] : t.all_blocks()) {
    for (const auto& writer : {a, b}) {
      auto w = t.block(pool, p, o);
      block_writes batch{
          1,
          {arrived_block{{p, o, static_cast<std::uint32_t>(w.data.size())}, w.data, 100}},
          torrent};
      credit_sent += 100;
      torrent->send(writer, std::move(batch));
    }
  }
  std::uint64_t credit_back = 0;
  std::size_t passed = 0;
  for (bool got = true; got && (credit_back < credit_sent || passed < 2 * t.meta->num_pieces());) {
    got = false;
    torrent->receive(
        [&](const credit_returned& c) {
          credit_back += c.credit;
          got = true;
        },
        [&](const piece_checked& c) {
          passed += c.passed;
          got = true;
        },
        [&](const disk_failure& f) { FAIL(f.message); }, caf::after(5s) >> [] {});
  }
  CHECK(credit_back == credit_sent);
  CHECK(passed == 2 * t.meta->num_pieces());
  // Requests are answered from the thread, each writer with its own pieces.
  for (const auto& writer : {a, b})
    torrent->request(writer, 5s, flush_storage{})
        .receive(
            [&](const storage_flushed& f) {
              CHECK(f.ok);
              auto bits = bitfield::from_wire(f.verified, t.meta->num_pieces());
              REQUIRE(bits);
              CHECK(bits->all());
            },
            [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(verify_data(*t.meta, dir_a.path).complete());
  CHECK(verify_data(*t.meta, dir_b.path).complete());
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(torrent->has_next_message());  // no stray replies to the asynchronous batches
  torrent->send_exit(a, caf::exit_reason::user_shutdown);
  torrent->send_exit(b, caf::exit_reason::user_shutdown);
  threads->stop();
}

TEST_CASE("disk writer: writers on the session's threads start no thread of their own",
          "[disk_writer]") {
  sample_torrent t;
  test::temp_dir dir("actorrent-disk-writer");
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor torrent{sys};
  auto pool = block_pool::create();
  auto threads = disk_threads::create(sys, 2);
  auto answer = [&](const caf::actor& writer) {
    torrent->request(writer, 5s, block_read{0, 0, 16384})
        .receive([](const block_read_result& r) { CHECK_FALSE(r.ok); },  // nothing verified
                 [&](caf::error& e) { FAIL(sys.render(e)); });
  };
  answer(spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, threads}));
  const long before = threads_of_this_process();
  std::vector<caf::actor> writers;
  for (int i = 0; i < 50; ++i)
    writers.push_back(spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, threads}));
  for (const auto& w : writers)
    answer(w);
  CHECK(threads_of_this_process() == before);
  for (const auto& w : writers)
    torrent->send_exit(w, caf::exit_reason::user_shutdown);
  threads->stop();
}
