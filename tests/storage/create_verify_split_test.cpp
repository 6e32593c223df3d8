#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>

#include "protocol/metainfo.hpp"
#include "storage/create_torrent.hpp"
#include "storage/split_data.hpp"
#include "storage/verify_data.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
namespace fs = std::filesystem;

using test::temp_dir;

namespace {

void write_random(const fs::path& p, std::size_t size, unsigned seed) {
  fs::create_directories(p.parent_path());
  std::mt19937 rng(seed);
  std::string data(size, '\0');
  for (auto& c : data)
    c = static_cast<char>(rng());
  std::ofstream(p, std::ios::binary).write(data.data(), static_cast<std::streamsize>(size));
}

// A tree whose pieces (16 KiB) span files, with an empty file and a nested directory.
fs::path make_tree(const fs::path& root) {
  auto tree = root / "data" / "album";
  write_random(tree / "b.bin", 40000, 1);
  write_random(tree / "a.txt", 1000, 2);
  write_random(tree / "sub" / "c.bin", 70001, 3);
  write_random(tree / "sub" / "d.bin", 5, 4);
  write_random(tree / "empty", 0, 5);
  return tree;
}

metainfo create_and_parse(const fs::path& source, std::int64_t piece_length = 16384) {
  create_options o;
  o.path = source.string();
  o.piece_length = piece_length;
  o.tracker_tiers = {{"http://127.0.0.1:6969/announce"}};
  auto created = create_torrent(o);
  REQUIRE(created);
  auto m = parse_metainfo(created->bytes);
  REQUIRE(m);
  CHECK(m->info_hash.hex() == created->info_hash_hex);
  return *m;
}

void flip_byte(const fs::path& p, std::int64_t offset) {
  std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x01));
}

// Whether the filesystem reports the file as one hole (SEEK_DATA finds no data).
bool all_hole(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool hole = ::lseek(fd, 0, SEEK_DATA) < 0;
  ::close(fd);
  return hole;
}

}  // namespace

TEST_CASE("choose_piece_length aims at 1,000-2,000 pieces within 16 KiB-16 MiB", "[create]") {
  CHECK(choose_piece_length(1) == 16384);
  CHECK(choose_piece_length(16384 * 2000) == 16384);
  CHECK(choose_piece_length(16384 * 2000 + 1) == 32768);
  CHECK(choose_piece_length(std::int64_t{1} << 30) == std::int64_t{1} << 20);   // 1,024 pieces
  CHECK(choose_piece_length(std::int64_t{1} << 40) == std::int64_t{16} << 20);  // the cap
  for (std::int64_t size :
       {std::int64_t{100} << 20, std::int64_t{4} << 30, std::int64_t{20} << 30}) {
    auto pieces = (size + choose_piece_length(size) - 1) / choose_piece_length(size);
    CHECK(pieces >= 1000);
    CHECK(pieces <= 2000);
  }
}

TEST_CASE("create: deterministic byte-wise file order, symlinks skipped", "[create]") {
  temp_dir tmp;
  auto tree = make_tree(tmp.path);
  fs::create_symlink("/etc/passwd", tree / "link");
  auto src = scan_torrent_source(tree.string());
  REQUIRE(src);
  CHECK(src->name == "album");
  std::vector<std::string> order;
  for (const auto& f : src->files) {
    std::string joined;
    for (const auto& c : f.path)
      joined += (joined.empty() ? "" : "/") + c;
    order.push_back(joined);
  }
  CHECK(order == std::vector<std::string>{"a.txt", "b.bin", "empty", "sub/c.bin", "sub/d.bin"});
  CHECK(src->skipped == std::vector<std::string>{"link"});
  CHECK(src->total_length == 1000 + 40000 + 70001 + 5);

  // Same tree, same info-hash (creation date and order do not leak into the info dict).
  auto a = create_and_parse(tree);
  auto b = create_and_parse(tree);
  CHECK(a.info_hash == b.info_hash);
  CHECK(a.files.size() == 5);
  CHECK(a.num_pieces() == (111006 + 16383) / 16384);
}

TEST_CASE("create: refuses what cannot be a torrent", "[create]") {
  temp_dir tmp;
  fs::create_directories(tmp.path / "empty-dir");
  CHECK_THAT(scan_torrent_source((tmp.path / "empty-dir").string()).error(),
             Catch::Contains("no files"));
  CHECK_THAT(scan_torrent_source((tmp.path / "absent").string()).error(),
             Catch::Contains("absent"));
  write_random(tmp.path / "zero" / "z", 0, 1);
  CHECK_THAT(scan_torrent_source((tmp.path / "zero").string()).error(), Catch::Contains("empty"));
  write_random(tmp.path / "bs" / "a\\b", 10, 1);
  CHECK_THAT(scan_torrent_source((tmp.path / "bs").string()).error(), Catch::Contains("'\\'"));
}

TEST_CASE("verify: complete data passes; a flipped byte names its file and piece", "[verify]") {
  temp_dir tmp;
  auto tree = make_tree(tmp.path);
  auto m = create_and_parse(tree);
  auto dir = tmp.path / "data";
  auto ok = verify_data(m, dir);
  CHECK(ok.complete());
  CHECK(ok.valid.count() == m.num_pieces());

  // Byte 50000 of the torrent is byte 9000 of sub/c.bin (after a.txt, b.bin): piece 3.
  flip_byte(tree / "sub" / "c.bin", 9000);
  auto bad = verify_data(m, dir);
  CHECK_FALSE(bad.complete());
  CHECK(bad.valid.count() == m.num_pieces() - 1);
  CHECK_FALSE(bad.valid.test(3));
  std::size_t c_index = 3;
  REQUIRE(m.files[c_index].path_string() == "sub/c.bin");
  CHECK(bad.files[c_index].corrupt_pieces == std::vector<std::uint32_t>{3});
  CHECK(bad.files[c_index].missing_pieces.empty());
  CHECK(bad.files[c_index].bytes_valid == 70001 - 16384);  // piece 3 lies wholly inside c.bin
  for (std::size_t f = 0; f < m.files.size(); ++f)
    if (f != c_index) CHECK(bad.files[f].corrupt_pieces.empty());
}

TEST_CASE("verify: missing and short files are missing pieces, not zeros", "[verify]") {
  temp_dir tmp;
  auto tree = make_tree(tmp.path);
  auto m = create_and_parse(tree);
  fs::resize_file(tree / "sub" / "c.bin", 50000);
  fs::remove(tree / "sub" / "d.bin");
  auto r = verify_data(m, tmp.path / "data");
  CHECK_FALSE(r.complete());
  CHECK_FALSE(r.failure);
  // c.bin bytes 50000.. are torrent bytes 91000..: pieces 5 and 6 (the last holds d.bin too).
  CHECK(r.files[3].missing_pieces == std::vector<std::uint32_t>{5, 6});
  CHECK(r.files[4].missing_pieces == std::vector<std::uint32_t>{6});
  CHECK(r.valid.count() == 5);
}

TEST_CASE("verify: pieces known to be valid are not read; holes are not hashed", "[verify]") {
  temp_dir dir;
  auto tree = make_tree(dir.path);
  auto m = create_and_parse(tree);
  REQUIRE(m.num_pieces() > 4);
  // Piece 0 lies in b.bin: flip a byte of it, and say it is known to be valid anyway.
  flip_byte(tree / "b.bin", 10);
  bitfield known(m.num_pieces());
  known.set(0);
  known.set(2);
  std::atomic<std::uint32_t> reported_total{0};
  verify_options o;
  o.known_valid = &known;
  o.progress = [&](std::uint32_t, std::uint32_t total) { reported_total = total; };
  auto r = verify_data(m, dir.path / "data", o);
  CHECK_FALSE(r.failure);
  CHECK(r.complete());  // piece 0 was not read: trust is the caller's decision
  CHECK(reported_total == m.num_pieces() - 2);
  CHECK(verify_data(m, dir.path / "data").valid.count() == m.num_pieces() - 1);

  // A sparse file's never-written range reads as zeros: such pieces are missing.
  auto c = tree / "sub" / "c.bin";
  fs::resize_file(c, 0);
  fs::resize_file(c, 70001);
  auto sparse = verify_data(m, dir.path / "data");
  const bool holes = all_hole(c);
  for (const auto& v : sparse.files) {
    if (m.files[v.file].path_string() != "sub/c.bin") continue;
    // Pieces wholly inside c.bin are missing; those it shares with a neighbour are hashed.
    CHECK(v.bytes_valid == 0);
    if (holes) CHECK(v.missing_pieces.size() >= 3);
  }
}

TEST_CASE("verify: a piece of zeros is valid as a hole", "[verify]") {
  temp_dir dir;
  auto file = dir.path / "data" / "z.bin";
  write_random(file, 16384, 7);  // piece 0
  {
    std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(32768);  // piece 1 stays a hole: zeros, never written
    std::string rest(32768, 'r');
    io.write(rest.data(), static_cast<std::streamsize>(rest.size()));
  }
  auto m = create_and_parse(file);
  REQUIRE(m.num_pieces() == 4);
  auto r = verify_data(m, dir.path / "data");
  CHECK(r.complete());
}

TEST_CASE("split: every piece in some copy, no copy complete, absent pieces absent", "[split]") {
  temp_dir tmp;
  auto tree = make_tree(tmp.path);
  auto m = create_and_parse(tree);
  auto out = tmp.path / "parts";
  auto r = split_data(m, tmp.path / "data", 3, out);
  REQUIRE(r);
  REQUIRE(r->parts.size() == 3);
  bitfield all(m.num_pieces());
  for (const auto& part : r->parts) {
    auto v = verify_data(m, part);
    CHECK_FALSE(v.complete());
    CHECK(v.valid.count() > 0);
    all |= v.valid;
    // Whatever a copy lacks reads as missing or fails: zeros never pass for data.
    for (std::uint32_t p = 0; p < m.num_pieces(); ++p)
      if (!v.valid.test(p)) CHECK(p % 3 != static_cast<std::uint32_t>(&part - &r->parts[0]));
  }
  CHECK(all.all());

  CHECK_THAT(split_data(m, tmp.path / "data", 1, out).error(), Catch::Contains("--parts 1"));
  CHECK_THAT(split_data(m, tmp.path / "data", m.num_pieces() + 1, out).error(),
             Catch::Contains("piece count"));
  flip_byte(tree / "a.txt", 10);
  CHECK_THAT(split_data(m, tmp.path / "data", 2, tmp.path / "p2").error(),
             Catch::Contains("fails its hash"));
}
