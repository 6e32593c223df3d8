#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/actor_setup.hpp"
#include "actors/disk_writer.hpp"
#include "actors/messages.hpp"
#include "actors/piece_manager.hpp"
#include "protocol/bencode_value.hpp"
#include "storage/resume_store.hpp"
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
  auto writer = spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, {}, nullptr});

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
  auto writer = spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, {}, nullptr});
  torrent->send(writer, t.block(pool, 0, 0));
  bool failure = false, nack = false, lost = false;
  for (int i = 0; i < 3; ++i)
    torrent->receive(
        [&](const disk_failure& f) {
          failure = f.kind == "disk error" && f.message.find("/t") != std::string::npos;
        },
        [&](const block_written& w) { nack = !w.ok; },
        [&](const piece_write_failed& w) { lost = w.piece == 0; },
        caf::after(5s) >> [] { FAIL("no answer from the disk writer"); });
  CHECK(failure);
  CHECK(nack);
  CHECK(lost);
  torrent->send_exit(writer, caf::exit_reason::user_shutdown);
}

namespace {

// Stops the actors when the test ends, also when a REQUIRE fails: the actor system's
// destructor waits for every actor, and would wait forever for a detached disk writer.
struct stop_at_exit {
  caf::scoped_actor& self;
  std::vector<caf::actor> actors;
  ~stop_at_exit() {
    for (const auto& a : actors)
      self->send_exit(a, caf::exit_reason::user_shutdown);
  }
};

// What the disk writer told its reply target about a run of writes.
struct writer_news {
  std::vector<block_written> acks;
  std::map<std::uint32_t, std::vector<bool>> checked;
  std::vector<disk_failure> failures;
  std::vector<std::uint32_t> lost;  // piece_write_failed

  // Collects until `done` holds, or nothing came for a second.
  template <class Done>
  void collect(caf::scoped_actor& self, Done done) {
    for (int i = 0; i < 10000 && !done(*this); ++i) {
      bool got = true;
      self->receive([&](const block_written& w) { acks.push_back(w); },
                    [&](const piece_checked& c) { checked[c.piece].push_back(c.passed); },
                    [&](const disk_failure& f) { failures.push_back(f); },
                    [&](const piece_write_failed& w) { lost.push_back(w.piece); },
                    caf::after(1s) >> [&] { got = false; });
      if (!got) break;
    }
  }
};

// The pieces the resume data saved by `writer` claims.
bitfield saved_pieces(caf::scoped_actor& self, const caf::actor& writer, const metainfo& m,
                      const std::filesystem::path& state_dir) {
  bitfield out;
  self->request(writer, 5s, save_resume_data{state_dir.string(), {}})
      .receive([&](const resume_saved& r) { REQUIRE(r.ok); },
               [&](caf::error& e) { FAIL(self->system().render(e)); });
  std::ifstream in(resume_file_path(state_dir, m.info_hash));
  std::string json((std::istreambuf_iterator<char>(in)), {});
  auto parsed = parse_resume(json, m);
  REQUIRE(parsed);
  return parsed->verified;
}

}  // namespace

TEST_CASE("disk writer: an injected EIO fails the n-th write as a real one would",
          "[disk_writer][faults]") {
  sample_torrent t;
  test::temp_dir dir("actorrent-disk-writer");
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor torrent{sys};
  auto pool = block_pool::create();
  // The third write fails, only it.
  disk_writer_config config{t.meta,
                            dir.path / "dl",
                            {},
                            {},
                            torrent,
                            pool,
                            disk_write_faults(fault_schedule{3, 0, 1}, EIO),
                            nullptr};
  auto writer = spawn_disk_writer(sys, config);
  stop_at_exit stop{torrent, {writer}};

  // Writes 1-2: piece 0; write 3: the first block of piece 1 (bytes 32768.. of file a).
  for (auto [p, o] : {std::pair{0u, 0u}, {0u, 16384u}, {1u, 0u}, {1u, 16384u}})
    torrent->send(writer, t.block(pool, p, o));
  writer_news news;
  news.collect(torrent, [](const writer_news& n) { return n.acks.size() == 4 && !n.lost.empty(); });
  REQUIRE(news.acks.size() == 4);
  CHECK(news.acks[0].ok);
  CHECK(news.acks[1].ok);
  CHECK_FALSE(news.acks[2].ok);  // the failed write is not acknowledged as written
  CHECK(news.acks[3].ok);
  REQUIRE(news.failures.size() == 1);
  const auto& f = news.failures[0];
  CHECK(f.kind == "disk error");
  CHECK(f.piece == 1);
  CHECK_THAT(f.message, Catch::Contains((dir.path / "dl" / "t" / "a").string() + " at byte 32768"));
  CHECK_THAT(f.message, Catch::Contains(errno_text(EIO)));
  CHECK(news.lost == std::vector<std::uint32_t>{1});
  CHECK(news.checked == std::map<std::uint32_t, std::vector<bool>>{{0, {true}}});

  // Piece 1 has all its blocks on disk by now but one was never written: it stays unverified,
  // also in the resume data.
  auto state = dir.path / "state";
  auto saved = saved_pieces(torrent, writer, *t.meta, state);
  CHECK(saved.test(0));
  CHECK_FALSE(saved.test(1));

  // The piece manager resets the piece and has it downloaded again: now it is written.
  torrent->send(writer, reset_piece{1});
  torrent->send(writer, t.block(pool, 1, 16384));
  torrent->send(writer, t.block(pool, 1, 0));
  writer_news again;
  again.collect(torrent, [](const writer_news& n) { return n.checked.count(1) == 1; });
  CHECK(again.failures.empty());
  CHECK(again.checked[1] == std::vector<bool>{true});
  saved = saved_pieces(torrent, writer, *t.meta, state);
  CHECK(saved.test(0));
  CHECK(saved.test(1));
  auto on_disk = verify_data(*t.meta, dir.path / "dl");
  CHECK(on_disk.valid.test(0));
  CHECK(on_disk.valid.test(1));
}

TEST_CASE("disk writer: ENOSPC, injected or a real file size limit, is \"disk full\"",
          "[disk_writer][faults]") {
  sample_torrent t;
  test::temp_dir dir("actorrent-disk-writer");
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor torrent{sys};
  auto pool = block_pool::create();
  const auto a = (dir.path / "t" / "a").string();

  SECTION("injected: after two writes every write fails") {
    disk_writer_config config{t.meta, dir.path, {}, {}, torrent, pool, {}, nullptr};
    config.faults = disk_write_faults(fault_schedule{1, 2, 0}, ENOSPC);
    auto writer = spawn_disk_writer(sys, config);
    stop_at_exit stop{torrent, {writer}};
    for (auto [p, o] : {std::pair{0u, 0u}, {0u, 16384u}, {1u, 0u}, {1u, 16384u}})
      torrent->send(writer, t.block(pool, p, o));
    writer_news news;
    news.collect(torrent,
                 [](const writer_news& n) { return n.acks.size() == 4 && n.lost.size() == 2; });
    REQUIRE(news.failures.size() == 2);
    for (const auto& f : news.failures) {
      CHECK(f.kind == "disk full");
      CHECK(f.piece == 1);
      CHECK_THAT(f.message, Catch::Contains(errno_text(ENOSPC)));
    }
    // The second block of piece 1 spans files a (to byte 50000) and b/c: it fails in a.
    CHECK_THAT(news.failures[0].message, Catch::Contains(a + " at byte 32768"));
    CHECK_THAT(news.failures[1].message, Catch::Contains(a + " at byte 49152"));
    CHECK(news.checked == std::map<std::uint32_t, std::vector<bool>>{{0, {true}}});
    auto saved = saved_pieces(torrent, writer, *t.meta, dir.path / "state");
    CHECK(saved.count() == 1);
    CHECK(saved.test(0));
  }

  SECTION("real: RLIMIT_FSIZE makes pwrite fail with EFBIG") {
    auto writer = spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, {}, nullptr});
    stop_at_exit stop{torrent, {writer}};
    torrent->send(writer, t.block(pool, 0, 0));  // file a exists before the limit applies
    writer_news first;
    first.collect(torrent, [](const writer_news& n) { return n.acks.size() == 1; });
    REQUIRE(first.acks.size() == 1);
    struct sigaction ignore {
    }, old_action{};
    ignore.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_action) == 0);
    rlimit old_limit{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    rlimit small = old_limit;
    small.rlim_cur = 40000;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    torrent->send(writer, t.block(pool, 1, 0));  // bytes 32768-49151 of a
    writer_news news;
    news.collect(torrent, [](const writer_news& n) { return !n.lost.empty(); });
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    ::sigaction(SIGXFSZ, &old_action, nullptr);
    REQUIRE(news.failures.size() == 1);
    CHECK(news.failures[0].kind == "disk full");
    // pwrite wrote up to the limit, then failed.
    CHECK_THAT(news.failures[0].message, Catch::Contains(a + " at byte 40000"));
    CHECK_THAT(news.failures[0].message, Catch::Contains(errno_text(EFBIG)));
    CHECK(news.lost == std::vector<std::uint32_t>{1});
  }
}

TEST_CASE("disk write faults: copies share one schedule, also across threads", "[faults]") {
  disk_write_faults none;
  CHECK_FALSE(none.enabled());
  CHECK(none.next() == 0);
  CHECK_FALSE(disk_write_faults(fault_schedule{0, 0, 0}, EIO).enabled());

  disk_write_faults faults(fault_schedule{2, 1, 3}, ENOSPC);
  auto copy = faults;
  // Writes 1..: the first is let through, then every second fails, three at most.
  std::vector<int> seen;
  for (int i = 0; i < 10; ++i)
    seen.push_back((i % 2 ? copy : faults).next());
  CHECK(seen == std::vector<int>{0, 0, ENOSPC, 0, ENOSPC, 0, ENOSPC, 0, 0, 0});

  disk_write_faults shared(fault_schedule{5, 0, 0}, EIO);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&failed, f = shared]() mutable {
      for (int i = 0; i < 1000; ++i)
        failed += f.next() == EIO;
    });
  for (auto& th : threads)
    th.join();
  CHECK(failed == 800);  // exactly every fifth of the 4000 writes
}

TEST_CASE("piece manager: a piece whose write failed is downloaded again, nobody charged",
          "[disk_writer][piece_manager][faults]") {
  sample_torrent t;
  test::temp_dir dir("actorrent-disk-writer");
  actorrent_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor torrent{sys};
  caf::scoped_actor peer{sys};
  auto pool = block_pool::create();
  const auto n = t.meta->num_pieces();

  piece_manager_config pm_config;
  pm_config.torrent = t.meta;
  pm_config.have = bitfield(n);
  pm_config.picker.rng_seed = 3;
  pm_config.torrent_actor = torrent;
  auto pm = spawn_piece_manager(sys, pm_config);
  disk_writer_config dw_config{
      t.meta, dir.path, {}, {}, pm, pool, disk_write_faults(fault_schedule{4, 0, 1}, EIO), nullptr};
  auto writer = spawn_disk_writer(sys, dw_config);
  stop_at_exit stop{torrent, {pm, writer}};
  torrent->send(pm, set_disk_writers{{writer}});

  const peer_key key = 7;
  auto fail = [&](caf::error& e) { FAIL(sys.render(e)); };
  peer->request(pm, 5s, peer_registered{key, peer}).receive([](const peer_welcome&) {}, fail);
  peer->request(pm, 5s, peer_pieces{key, peer_pieces::all, 0, {}})
      .receive([](const interest& i) { CHECK(i.interesting); }, fail);
  auto pick = [&] {
    std::vector<block_request> out;
    peer->request(pm, 5s, pick_request{key, 100, false, {}})
        .receive([&](picked& p) { out = std::move(p.blocks); }, fail);
    return out;
  };
  auto deliver = [&](const std::vector<block_request>& blocks) {
    for (const auto& b : blocks) {
      auto w = t.block(pool, b.piece, b.offset);
      blocks_arrived arrived{key, {}, {}};
      arrived.blocks.push_back(arrived_block{b, std::move(w.data), 0});
      peer->send(pm, std::move(arrived));
    }
  };

  auto first = pick();
  REQUIRE(first.size() == t.all_blocks().size());
  deliver(first);
  std::set<std::uint32_t> verified;
  std::vector<disk_failure> failures;
  bool charged = false;
  auto listen = [&](std::size_t verified_wanted) {
    for (int i = 0; i < 1000 && verified.size() < verified_wanted; ++i) {
      bool got = true;
      torrent->receive([&](const piece_verified& v) { verified.insert(v.piece); },
                       [&](const disk_failure& f) { failures.push_back(f); },
                       [&](const piece_failed_hash&) { charged = true; },
                       caf::after(2s) >> [&] { got = false; });
      if (!got) break;
    }
  };
  listen(n - 1);
  REQUIRE(failures.size() == 1);
  const auto lost = failures[0].piece;
  CHECK(failures[0].kind == "disk error");
  CHECK(verified.size() == n - 1);
  CHECK(verified.count(lost) == 0);

  // Once the piece manager has heard of the failure, the lost piece's blocks are picked
  // again, and only they.
  std::vector<block_request> again;
  for (int i = 0; i < 100 && again.empty(); ++i) {
    again = pick();
    if (again.empty()) std::this_thread::sleep_for(20ms);
  }
  REQUIRE_FALSE(again.empty());
  for (const auto& b : again)
    CHECK(b.piece == lost);
  CHECK(static_cast<std::int64_t>(again.size()) == (t.meta->piece_size(lost) + 16383) / 16384);
  deliver(again);
  listen(n);
  CHECK(verified.size() == n);
  CHECK_FALSE(charged);  // a disk failure is not a hash failure
  CHECK(verify_data(*t.meta, dir.path).complete());
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
  auto a = spawn_disk_writer(sys, {t.meta, dir_a.path, {}, {}, torrent, pool, {}, threads});
  auto b = spawn_disk_writer(sys, {t.meta, dir_b.path, {}, {}, torrent, pool, {}, threads});

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
  answer(spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, {}, threads}));
  const long before = threads_of_this_process();
  std::vector<caf::actor> writers;
  for (int i = 0; i < 50; ++i)
    writers.push_back(
        spawn_disk_writer(sys, {t.meta, dir.path, {}, {}, torrent, pool, {}, threads}));
  for (const auto& w : writers)
    answer(w);
  CHECK(threads_of_this_process() == before);
  for (const auto& w : writers)
    torrent->send_exit(w, caf::exit_reason::user_shutdown);
  threads->stop();
}
