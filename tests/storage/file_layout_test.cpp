#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "protocol/bencode_value.hpp"
#include "protocol/metainfo.hpp"
#include "storage/file_layout.hpp"

using namespace actorrent;

namespace {

// The obvious, slow answer: walk the bytes one by one and group them by owning file.
struct reference {
  std::vector<std::int64_t> lengths;
  std::vector<bool> pads;

  std::optional<std::size_t> owner(std::int64_t t) const {
    std::int64_t start = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      if (t >= start && t < start + lengths[i]) return i;
      start += lengths[i];
    }
    return std::nullopt;
  }
  std::int64_t start_of(std::size_t file) const {
    std::int64_t start = 0;
    for (std::size_t i = 0; i < file; ++i)
      start += lengths[i];
    return start;
  }
  std::vector<file_span> spans(std::int64_t from, std::int64_t length) const {
    std::vector<file_span> out;
    for (auto t = from; t < from + length; ++t) {
      auto f = *owner(t);
      if (!out.empty() && out.back().file == f) {
        ++out.back().length;
      } else {
        out.push_back({f, t - start_of(f), 1, pads[f]});
      }
    }
    return out;
  }
};

file_layout make_layout(std::int64_t piece_length, const std::vector<std::int64_t>& lengths,
                        const std::vector<bool>& pads) {
  std::vector<file_spec> specs;
  for (std::size_t i = 0; i < lengths.size(); ++i)
    specs.push_back({{"d", "f" + std::to_string(i)}, lengths[i], pads[i]});
  return file_layout::multi_file("t", piece_length, std::move(specs));
}

}  // namespace

TEST_CASE("file_layout: every block maps like the byte-by-byte reference", "[storage]") {
  // Zero-length files at the start, middle and end; pad files; a run of one-byte files that
  // a single piece spans; a short last piece.
  reference ref{{0, 3, 0, 1, 1, 1, 1, 1, 1, 10, 0, 0, 4, 2, 0},
                {false, false, false, false, false, false, false, false, false, false, false, false,
                 true, false, false}};
  for (std::int64_t piece_length : {1, 2, 5, 7, 8, 16, 64}) {
    INFO("piece length " << piece_length);
    auto layout = make_layout(piece_length, ref.lengths, ref.pads);
    const std::int64_t total = 25;
    REQUIRE(layout.total_length() == total);
    REQUIRE(layout.num_pieces() == (total + piece_length - 1) / piece_length);
    std::int64_t sum = 0;
    for (std::uint32_t p = 0; p < layout.num_pieces(); ++p)
      sum += layout.piece_size(p);
    CHECK(sum == total);

    for (std::uint32_t p = 0; p < layout.num_pieces(); ++p) {
      auto size = layout.piece_size(p);
      for (std::int64_t off = 0; off <= size; ++off) {
        for (std::int64_t len = 0; off + len <= size; ++len) {
          auto spans = layout.map_block(p, off, len);
          REQUIRE(spans);
          INFO("piece " << p << " offset " << off << " length " << len);
          CHECK(*spans == ref.spans(p * piece_length + off, len));
        }
      }
      // The file range of a piece: from the file of its first byte to that of its last.
      auto files = layout.files_in_piece(p);
      CHECK(files.begin == *ref.owner(p * piece_length));
      CHECK(files.end == *ref.owner(p * piece_length + size - 1) + 1);
    }

    for (std::int64_t t = 0; t < total; ++t) {
      auto f = *ref.owner(t);
      CHECK(layout.file_at(t) == f);
      auto pos = layout.piece_at(f, t - ref.start_of(f));
      REQUIRE(pos);
      CHECK(pos->piece == t / piece_length);
      CHECK(pos->offset == t % piece_length);
      // And back again through the forward mapping.
      auto back = layout.map_block(pos->piece, pos->offset, 1);
      REQUIRE(back);
      REQUIRE(back->size() == 1);
      CHECK((*back)[0] == file_span{f, t - ref.start_of(f), 1, ref.pads[f]});
    }

    for (std::size_t f = 0; f < ref.lengths.size(); ++f) {
      auto pieces = layout.pieces_of_file(f);
      if (ref.lengths[f] == 0) {
        CHECK(pieces.empty());
        CHECK_FALSE(layout.piece_at(f, 0));
        continue;
      }
      auto first = ref.start_of(f);
      auto last = first + ref.lengths[f] - 1;
      CHECK(pieces.begin == first / piece_length);
      CHECK(pieces.end == last / piece_length + 1);
      CHECK_FALSE(layout.piece_at(f, ref.lengths[f]));
      CHECK_FALSE(layout.piece_at(f, -1));
    }
  }
}

TEST_CASE("file_layout: zero-length files never appear in a span", "[storage]") {
  auto layout = make_layout(4, {0, 0, 5, 0, 3, 0}, {false, false, false, false, false, false});
  REQUIRE(layout.num_pieces() == 2);
  auto all = layout.map_range(0, 8);
  REQUIRE(all);
  CHECK(*all == std::vector<file_span>{{2, 0, 5, false}, {4, 0, 3, false}});
  CHECK(layout.file_at(0) == std::size_t{2});
  CHECK(layout.file_at(5) == std::size_t{4});
  CHECK_FALSE(layout.file_at(8));
  CHECK(layout.pieces_of_file(0).empty());
  CHECK(layout.pieces_of_file(3).empty());
  CHECK(layout.pieces_of_file(5).empty());
  // Piece 1 is bytes 4..7: the last byte of file 2 and all of file 4 (file 3 lies between).
  CHECK(layout.files_in_piece(1).begin == 2);
  CHECK(layout.files_in_piece(1).end == 5);
}

TEST_CASE("file_layout: a piece spanning many small files, and pad files", "[storage]") {
  std::vector<file_spec> files{{{"big"}, 10},
                               {{"a"}, 1},
                               {{"b"}, 2},
                               {{"c"}, 1},
                               {{"d"}, 3},
                               {{"e"}, 1},
                               {{".pad", "6"}, 6, true},
                               {{"tail"}, 20}};
  auto layout = file_layout::multi_file("t", 16, files);
  REQUIRE(layout.num_pieces() == 3);  // 44 bytes
  auto piece0 = layout.map_block(0, 0, 16);
  REQUIRE(piece0);
  CHECK(*piece0 == std::vector<file_span>{{0, 0, 10, false},
                                          {1, 0, 1, false},
                                          {2, 0, 2, false},
                                          {3, 0, 1, false},
                                          {4, 0, 2, false}});
  auto piece1 = layout.map_block(1, 0, 16);
  REQUIRE(piece1);
  CHECK(*piece1 == std::vector<file_span>{
                       {4, 2, 1, false}, {5, 0, 1, false}, {6, 0, 6, true}, {7, 0, 8, false}});
  CHECK(layout.files_in_piece(0).begin == 0);
  CHECK(layout.files_in_piece(0).end == 5);
  CHECK(layout.pieces_of_file(7).begin == 1);
  CHECK(layout.pieces_of_file(7).end == 3);
}

TEST_CASE("file_layout: short last piece and out-of-range blocks", "[storage]") {
  auto layout = file_layout::single_file("x.bin", 16384, 40000);
  REQUIRE(layout.num_pieces() == 3);
  CHECK(layout.piece_size(0) == 16384);
  CHECK(layout.piece_size(2) == 40000 - 2 * 16384);
  CHECK(layout.piece_size(3) == 0);
  CHECK(layout.valid_block(2, 0, 40000 - 2 * 16384));
  CHECK_FALSE(layout.valid_block(2, 0, 40000 - 2 * 16384 + 1));
  CHECK_FALSE(layout.valid_block(2, 7000, 1000));
  CHECK_FALSE(layout.valid_block(3, 0, 1));
  CHECK_FALSE(layout.valid_block(0, -1, 1));
  CHECK_FALSE(layout.valid_block(0, 0, -1));
  CHECK_FALSE(layout.valid_block(0, 1, INT64_MAX));  // no overflow in the check
  CHECK_FALSE(layout.map_block(0, 16000, 1000));
  CHECK_FALSE(layout.map_range(39999, 2));
  CHECK_FALSE(layout.map_range(-1, 1));
  auto empty = layout.map_block(2, 7232, 0);  // a zero-length block at the very end
  REQUIRE(empty);
  CHECK(empty->empty());
  auto last = layout.map_block(2, 0, 7232);
  REQUIRE(last);
  CHECK(*last == std::vector<file_span>{{0, 32768, 7232, false}});
  CHECK(layout.files_in_piece(3).empty());
}

TEST_CASE("file_layout: paths under the download directory", "[storage]") {
  auto single = file_layout::single_file("movie.mkv", 1024, 5000);
  CHECK(single.file_path(0, "/dl") == std::filesystem::path("/dl/movie.mkv"));
  CHECK(single.file(0).disk_path == std::vector<std::string>{"movie.mkv"});

  auto multi =
      file_layout::multi_file("album", 1024, {{{"cd1", "01.flac"}, 10}, {{"cover.jpg"}, 5}});
  CHECK(multi.file_path(0, "/dl") == std::filesystem::path("/dl/album/cd1/01.flac"));
  CHECK(multi.file_path(1, "/dl") == std::filesystem::path("/dl/album/cover.jpg"));
  CHECK(multi.file(0).disk_path == std::vector<std::string>{"album", "cd1", "01.flac"});
}

TEST_CASE("file_layout: built from a parsed metainfo", "[storage]") {
  bvalue::list files{
      bvalue::dict{{"length", 0}, {"path", bvalue::list{"empty"}}},
      bvalue::dict{{"length", 20000}, {"path", bvalue::list{"sub", "a.bin"}}, {"attr", "x"}},
      bvalue::dict{{"length", 12768}, {"path", bvalue::list{".pad", "12768"}}, {"attr", "p"}},
      bvalue::dict{{"length", 100}, {"path", bvalue::list{"b.txt"}}}};
  bvalue::dict info{{"name", "dir"},
                    {"files", files},
                    {"piece length", 16384},
                    {"pieces", std::string(3 * 20, 'h')}};
  auto m = parse_metainfo(bencode(bvalue(bvalue::dict{{"info", info}})));
  REQUIRE(m);
  file_layout layout(*m);
  CHECK(layout.name() == "dir");
  CHECK(layout.is_multi_file());
  CHECK(layout.total_length() == m->total_length);
  CHECK(layout.num_pieces() == m->num_pieces());
  REQUIRE(layout.num_files() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(layout.file(i).offset == m->files[i].offset);
    CHECK(layout.file(i).length == m->files[i].length);
    CHECK(layout.file(i).pad == m->files[i].pad);
  }
  CHECK(layout.file(1).executable);
  CHECK(layout.file_path(1, "/r") == std::filesystem::path("/r/dir/sub/a.bin"));
  // b.txt starts exactly at piece 2 thanks to the pad file.
  CHECK(layout.piece_at(3, 0) == piece_position{2, 0});
  auto piece1 = layout.map_block(1, 0, 16384);
  REQUIRE(piece1);
  CHECK(*piece1 == std::vector<file_span>{{1, 16384, 3616, false}, {2, 0, 12768, true}});

  bvalue::dict single{{"name", "one.iso"},
                      {"length", 5},
                      {"piece length", 16384},
                      {"pieces", std::string(20, 'h')}};
  auto s = parse_metainfo(bencode(bvalue(bvalue::dict{{"info", single}})));
  REQUIRE(s);
  file_layout one(*s);
  CHECK_FALSE(one.is_multi_file());
  CHECK(one.file_path(0, "/r") == std::filesystem::path("/r/one.iso"));
}

TEST_CASE("file_layout: 100k files map by binary search", "[storage]") {
  std::vector<file_spec> files;
  for (int i = 0; i < 100000; ++i)
    files.push_back({{"f" + std::to_string(i)}, (i % 7 == 0) ? 0 : (i % 13) * 100 + 1});
  auto layout = file_layout::multi_file("many", 32768, files);
  std::int64_t covered = 0;
  std::size_t last_file = 0;
  for (std::uint32_t p = 0; p < layout.num_pieces(); ++p) {
    auto spans = layout.map_block(p, 0, layout.piece_size(p));
    REQUIRE(spans);
    for (const auto& s : *spans) {
      REQUIRE(s.length > 0);
      REQUIRE(s.file >= last_file);
      REQUIRE(s.file_offset + s.length <= layout.file(s.file).length);
      covered += s.length;
      last_file = s.file;
    }
  }
  CHECK(covered == layout.total_length());
}
