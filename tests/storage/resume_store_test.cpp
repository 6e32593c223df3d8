#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "protocol/bencode_value.hpp"
#include "storage/resume_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct fixture {
  test::temp_dir tmp{"actorrent-resume"};
  fs::path root = tmp.path;
  std::vector<std::string> pieces;  // the data, piece by piece
  metainfo torrent;

  fixture() {
    std::mt19937 rng(3);
    std::string data(16384 * 5 + 100, '\0');
    for (auto& c : data)
      c = static_cast<char>(rng());
    std::string hashes;
    for (std::size_t off = 0; off < data.size(); off += 16384) {
      pieces.push_back(data.substr(off, 16384));
      hashes += sha1(pieces.back()).view();
    }
    bvalue::list files{
        bvalue(bvalue::dict{{"length", 30000}, {"path", bvalue::list{"a.bin"}}}),
        bvalue(bvalue::dict{{"length", static_cast<std::int64_t>(data.size()) - 30000},
                            {"path", bvalue::list{"sub", "b.bin"}}})};
    bvalue::dict info{{"name", "t"}, {"files", files}, {"piece length", 16384}, {"pieces", hashes}};
    auto m = parse_metainfo(bencode(bvalue(bvalue::dict{{"info", info}})));
    REQUIRE(m);
    torrent = *m;
  }

  fs::path data_dir() const { return root / "dl"; }
  fs::path state_dir() const { return root / "dl" / ".actorrent"; }
};

}  // namespace

TEST_CASE("resume: saved after a flush, trusted at the next start without a recheck", "[resume]") {
  fixture f;
  file_storage storage(file_layout(f.torrent), f.data_dir());
  bitfield verified(f.torrent.num_pieces());
  for (std::uint32_t p : {0u, 2u, 5u}) {
    REQUIRE(storage.write(p, 0, f.pieces[p]));
    verified.set(p);
  }
  REQUIRE(save_resume(storage, f.torrent, verified, f.state_dir()));
  CHECK(fs::exists(resume_file_path(f.state_dir(), f.torrent.info_hash)));

  auto start = load_verified_pieces(f.torrent, f.data_dir(), f.state_dir());
  CHECK_FALSE(start.rechecked);
  CHECK(start.verified == verified);
}

TEST_CASE("resume: after a kill between saves only the pieces not saved are rechecked",
          "[resume]") {
  fixture f;
  bitfield verified(f.torrent.num_pieces());
  {
    file_storage storage(file_layout(f.torrent), f.data_dir());
    for (std::uint32_t p = 0; p < 3; ++p) {
      REQUIRE(storage.write(p, 0, f.pieces[p]));
      verified.set(p);
    }
    REQUIRE(save_resume(storage, f.torrent, verified, f.state_dir()));
    // Written after the save: not claimed by the resume data, and it changes b.bin's mtime.
    ::usleep(2000);
    REQUIRE(storage.write(4, 0, f.pieces[4]));
    // Half-written when the process was killed: it must not count.
    REQUIRE(storage.write(3, 0, f.pieces[3].substr(0, 8000)));
    // No flush, no save: the process is gone.
  }
  // A save interrupted by the kill left its temporary file.
  auto resume = resume_file_path(f.state_dir(), f.torrent.info_hash);
  auto stale = resume.string() + ".tmp-AbC123";
  std::ofstream(stale) << "{\"version\": 1, \"ver";
  std::ofstream(f.state_dir() / "other.resume.tmp-AbC123") << "another torrent's";

  auto start = load_verified_pieces(f.torrent, f.data_dir(), f.state_dir());
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(f.state_dir() / "other.resume.tmp-AbC123"));
  CHECK(fs::exists(resume));
  CHECK(start.rechecked);
  CHECK_THAT(start.reason, Catch::Contains("was written after the resume data was saved"));
  CHECK(start.pieces_rechecked == 3);  // 3, 4 and 5; 0-2 are taken from the resume data
  CHECK(start.verified.test(0));
  CHECK(start.verified.test(1));
  CHECK(start.verified.test(2));
  CHECK_FALSE(start.verified.test(3));
  CHECK(start.verified.test(4));  // found by the recheck: nothing verified is fetched twice
  CHECK_FALSE(start.verified.test(5));
}

TEST_CASE("resume: pieces of a file changed by someone else are rechecked", "[resume]") {
  fixture f;
  bitfield verified(f.torrent.num_pieces());
  {
    file_storage storage(file_layout(f.torrent), f.data_dir());
    for (std::uint32_t p = 0; p < 4; ++p) {
      REQUIRE(storage.write(p, 0, f.pieces[p]));
      verified.set(p);
    }
    REQUIRE(save_resume(storage, f.torrent, verified, f.state_dir()));
  }
  // a.bin (piece 0 and the start of piece 1) gets a flipped byte and an mtime older than the
  // save's, as a restored backup would; b.bin is cut short inside piece 2.
  auto a = f.data_dir() / "t" / "a.bin";
  {
    std::fstream io(a, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(100);
    io.put(static_cast<char>(f.pieces[0][100] ^ 1));
  }
  timespec old_times[2] = {{1'000'000, 0}, {1'000'000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, a.c_str(), old_times, 0) == 0);
  fs::resize_file(f.data_dir() / "t" / "sub" / "b.bin", 10000);

  auto start = load_verified_pieces(f.torrent, f.data_dir(), f.state_dir());
  CHECK(start.rechecked);
  CHECK_THAT(start.reason, Catch::Contains("changed since the resume data was saved"));
  CHECK(start.pieces_rechecked == f.torrent.num_pieces());
  CHECK_FALSE(start.verified.test(0));  // the flipped byte is found
  CHECK(start.verified.test(1));        // its bytes are intact in both files
  CHECK_FALSE(start.verified.test(2));  // cut short
  CHECK_FALSE(start.verified.test(3));
}

TEST_CASE("resume: missing or corrupt resume data means a recheck, never trust", "[resume]") {
  fixture f;
  file_storage storage(file_layout(f.torrent), f.data_dir());
  REQUIRE(storage.write(1, 0, f.pieces[1]));
  REQUIRE(storage.flush());

  auto none = load_verified_pieces(f.torrent, f.data_dir(), f.state_dir());
  CHECK(none.rechecked);
  CHECK_THAT(none.reason, Catch::Contains("no resume file"));
  CHECK(none.verified.count() == 1);

  // Resume data that claims every piece, but is corrupt: the claim is never used.
  bitfield all(f.torrent.num_pieces());
  all.set_all();
  REQUIRE(save_resume(storage, f.torrent, all, f.state_dir()));
  auto path = resume_file_path(f.state_dir(), f.torrent.info_hash);
  fs::resize_file(path, fs::file_size(path) / 2);
  auto corrupt = load_verified_pieces(f.torrent, f.data_dir(), f.state_dir());
  CHECK(corrupt.rechecked);
  CHECK_THAT(corrupt.reason, Catch::Contains("not valid JSON"));
  CHECK(corrupt.verified.count() == 1);
}

TEST_CASE("resume: nothing is saved when the flush fails", "[resume]") {
  fixture f;
  file_storage storage(file_layout(f.torrent), f.data_dir());
  bitfield verified(f.torrent.num_pieces());
  REQUIRE(storage.write(0, 0, f.pieces[0]));
  verified.set(0);
  // The written file vanishes before the flush; with its descriptor closed, the flush must
  // reopen it and fails (an open descriptor of an unlinked file would still sync fine).
  storage.close_all();
  fs::remove(f.data_dir() / "t" / "a.bin");
  auto saved = save_resume(storage, f.torrent, verified, f.state_dir());
  REQUIRE_FALSE(saved);
  CHECK_THAT(saved.error(), Catch::Contains("resume data not saved"));
  CHECK_FALSE(fs::exists(resume_file_path(f.state_dir(), f.torrent.info_hash)));
}

TEST_CASE("resume save schedule: at most once per interval, only when changed", "[resume]") {
  resume_save_schedule s(10s);
  auto t0 = resume_save_schedule::clock::time_point{} + 100s;
  CHECK_FALSE(s.due(t0));
  s.changed();
  CHECK(s.due(t0));
  s.saved(t0);
  s.changed();
  CHECK_FALSE(s.due(t0 + 9s));
  CHECK(s.due(t0 + 10s));
}
