#include <catch2/catch.hpp>

#include "protocol/bencode_value.hpp"
#include "protocol/metainfo.hpp"

using namespace actorrent;

namespace {

bvalue::dict single_file_info(std::int64_t length = 40000, std::int64_t piece_length = 16384) {
  auto pieces = (length + piece_length - 1) / piece_length;
  return {{"name", "file.bin"},
          {"length", length},
          {"piece length", piece_length},
          {"pieces", std::string(static_cast<std::size_t>(pieces) * 20, 'h')}};
}

bvalue::dict file(std::int64_t length, bvalue::list path, const char* attr = nullptr) {
  bvalue::dict f{{"length", length}, {"path", std::move(path)}};
  if (attr) f["attr"] = attr;
  return f;
}

bvalue::dict multi_file_info(bvalue::list files, std::int64_t total,
                             std::int64_t piece_length = 16384) {
  auto pieces = (total + piece_length - 1) / piece_length;
  return {{"name", "dir"},
          {"files", std::move(files)},
          {"piece length", piece_length},
          {"pieces", std::string(static_cast<std::size_t>(pieces) * 20, 'h')}};
}

std::string torrent_with(bvalue::dict info, bvalue::dict extra = {}) {
  extra["info"] = std::move(info);
  return bencode(bvalue(std::move(extra)));
}

}  // namespace

TEST_CASE("metainfo: single-file torrent", "[metainfo]") {
  auto info = single_file_info();
  std::string info_bytes = bencode(bvalue(info));
  auto t = torrent_with(info, {{"announce", "http://t.example/announce"},
                               {"comment", "hello"},
                               {"created by", "test"},
                               {"creation date", 1700000000}});
  auto m = parse_metainfo(t);
  REQUIRE(m);
  CHECK(m->info_hash == sha1(info_bytes));
  CHECK(m->info_bytes == info_bytes);
  CHECK(m->name == "file.bin");
  CHECK_FALSE(m->multi_file);
  CHECK(m->total_length == 40000);
  CHECK(m->num_pieces() == 3);
  CHECK(m->piece_size(0) == 16384);
  CHECK(m->piece_size(2) == 40000 - 2 * 16384);
  REQUIRE(m->files.size() == 1);
  CHECK(m->files[0].path_string() == "file.bin");
  CHECK(m->tracker_tiers == std::vector<std::vector<std::string>>{{"http://t.example/announce"}});
  CHECK(m->comment == "hello");
  CHECK(m->created_by == "test");
  CHECK(m->creation_date == 1700000000);
  CHECK_FALSE(m->is_private);
}

TEST_CASE("metainfo: the info-hash is over the info bytes as written, not re-encoded",
          "[metainfo]") {
  // Unsorted keys inside info: a re-encoding would sort them and change the hash.
  std::string info = "d6:lengthi5e4:name1:a6:pieces20:aaaaaaaaaaaaaaaaaaaa12:piece lengthi16384ee";
  std::string t = "d4:info" + info + "e";
  auto m = parse_metainfo(t);
  REQUIRE(m);
  CHECK(m->info_hash == sha1(info));
  CHECK_FALSE(m->warnings.empty());  // the unsorted keys are reported
}

TEST_CASE("metainfo: multi-file torrent with pad files, tiers, private, web seeds", "[metainfo]") {
  bvalue::list files{bvalue(file(10000, {"a.txt"})), bvalue(file(6384, {".pad", "6384"}, "p")),
                     bvalue(file(0, {"empty"})), bvalue(file(20000, {"sub", "b.bin"}, "x"))};
  auto info = multi_file_info(files, 36384);
  info["private"] = 1;
  auto t = torrent_with(
      info, {{"announce", "http://ignored/announce"},
             {"announce-list", bvalue::list{bvalue::list{"http://a/announce", "udp://b:1"},
                                            bvalue::list{}, bvalue::list{"http://c/announce"}}},
             {"url-list", bvalue::list{"http://seed/"}}});
  auto m = parse_metainfo(t);
  REQUIRE(m);
  CHECK(m->multi_file);
  CHECK(m->is_private);
  REQUIRE(m->files.size() == 4);
  CHECK(m->files[1].pad);
  CHECK(m->files[1].offset == 10000);
  CHECK(m->files[3].offset == 16384);
  CHECK(m->files[3].executable);
  CHECK(m->files[3].path_string() == "sub/b.bin");
  CHECK(m->total_length == 36384);
  CHECK(m->num_pieces() == 3);
  CHECK(m->tracker_tiers == std::vector<std::vector<std::string>>{
                                {"http://a/announce", "udp://b:1"}, {"http://c/announce"}});
  CHECK(m->web_seeds == std::vector<std::string>{"http://seed/"});
}

TEST_CASE("metainfo: bad announce-list entries are ignored with a warning", "[metainfo]") {
  auto t =
      torrent_with(single_file_info(),
                   {{"announce", "http://fallback/announce"},
                    {"announce-list", bvalue::list{bvalue("notalist"), bvalue::list{bvalue(5)}}}});
  auto m = parse_metainfo(t);
  REQUIRE(m);
  CHECK(m->tracker_tiers == std::vector<std::vector<std::string>>{{"http://fallback/announce"}});
  CHECK(m->warnings.size() == 2);
}

TEST_CASE("metainfo: unsafe file paths are rejected, naming the file", "[metainfo]") {
  struct path_case {
    bvalue::list path;
    std::string expected;
  };
  const std::vector<path_case> cases = {
      {{"..", "etc", "passwd"}, "path component \"..\" is not allowed"},
      {{"a", ".", "b"}, "path component \".\" is not allowed"},
      {{"a", "", "b"}, "empty path component"},
      {{"/etc/passwd"}, "contains '/'"},
      {{"a/../../b"}, "contains '/'"},
      {{"..\\..\\windows"}, "contains '\\'"},
      {{std::string("a\0b", 3)}, "NUL byte"},
      {{std::string(256, 'x')}, "longer than 255 bytes"},
  };
  for (const auto& c : cases) {
    auto t = torrent_with(multi_file_info({bvalue(file(100, c.path))}, 100));
    auto m = parse_metainfo(t);
    REQUIRE_FALSE(m);
    INFO(m.error().to_string());
    CHECK_THAT(m.error().message, Catch::Contains("info.files[0].path (file \""));
    CHECK_THAT(m.error().message, Catch::Contains(c.expected));
    CHECK(m.error().offset > 0);
  }
  auto bad_name = single_file_info();
  bad_name["name"] = "..";
  auto m = parse_metainfo(torrent_with(bad_name));
  REQUIRE_FALSE(m);
  CHECK_THAT(m.error().message, Catch::Contains("info.name"));
}

TEST_CASE("metainfo: colliding paths are rejected", "[metainfo]") {
  auto same = parse_metainfo(
      torrent_with(multi_file_info({bvalue(file(100, {"a"})), bvalue(file(100, {"a"}))}, 200)));
  REQUIRE_FALSE(same);
  CHECK_THAT(same.error().message, Catch::Contains("collides"));
  auto file_then_dir = parse_metainfo(torrent_with(
      multi_file_info({bvalue(file(100, {"a"})), bvalue(file(100, {"a", "b"}))}, 200)));
  REQUIRE_FALSE(file_then_dir);
  CHECK_THAT(file_then_dir.error().message, Catch::Contains("parent directory is a file"));
  auto dir_then_file = parse_metainfo(torrent_with(
      multi_file_info({bvalue(file(100, {"a", "b"})), bvalue(file(100, {"a"}))}, 200)));
  REQUIRE_FALSE(dir_then_file);
  CHECK_THAT(dir_then_file.error().message, Catch::Contains("collides"));
}

TEST_CASE("metainfo: malformed fields give errors naming the field and offset", "[metainfo]") {
  auto with = [](const char* key, bvalue v) {
    auto info = single_file_info();
    info[key] = std::move(v);
    return torrent_with(info);
  };
  auto without = [](const char* key) {
    auto info = single_file_info();
    info.erase(key);
    return torrent_with(info);
  };
  struct field_case {
    std::string torrent;
    std::string expected;
  };
  auto both = single_file_info();
  both["files"] = bvalue::list{bvalue(file(1, {"x"}))};
  const std::vector<field_case> cases = {
      {"i1e", "torrent is not a dictionary"},
      {"d8:announce1:xe", "torrent has no info dictionary"},
      {"d4:infoi1ee", "info is not a dictionary"},
      {"d4:infod", "invalid bencode: unexpected end of input"},
      {without("name"), "info.name missing"},
      {with("name", 7), "info.name missing or not a string"},
      {without("piece length"), "info.piece length missing"},
      {with("piece length", 0), "info.piece length 0 out of range"},
      {with("piece length", -16384), "out of range"},
      {with("piece length", std::int64_t{1} << 40), "out of range"},
      {without("pieces"), "info.pieces missing"},
      {with("pieces", std::string(59, 'h')), "not a multiple of 20"},
      {with("pieces", std::string(40, 'h')), "has 2 hashes but total length 40000 needs 3"},
      {with("pieces", std::string(80, 'h')), "has 4 hashes"},
      {with("length", -1), "info.length -1 out of range"},
      {with("length", "big"), "info.length is not an integer"},
      {without("length"), "neither length nor files"},
      {torrent_with(both), "both length and files"},
      {torrent_with(multi_file_info({}, 0)), "info.files is empty"},
      {torrent_with(multi_file_info({bvalue(5)}, 5)), "info.files[0] is not a dictionary"},
      {torrent_with(multi_file_info({bvalue(bvalue::dict{{"path", bvalue::list{"a"}}})}, 5)),
       "info.files[0].length missing"},
      {torrent_with(multi_file_info({bvalue(bvalue::dict{{"length", 5}})}, 5)),
       "info.files[0].path missing"},
      {torrent_with(multi_file_info({bvalue(file(5, {}))}, 5)), "info.files[0].path is empty"},
      {torrent_with(multi_file_info({bvalue(file(5, {bvalue(3)}))}, 5)), "non-string component"},
      {torrent_with(single_file_info(0)), "holds no data"},
      {torrent_with(
           multi_file_info({bvalue(file(std::int64_t{1} << 49, {"a"})),
                            bvalue(file(std::int64_t{1} << 49, {"b"})), bvalue(file(1, {"c"}))},
                           1, std::int64_t{256} << 20)),
       "total length exceeds"},
  };
  for (const auto& c : cases) {
    auto m = parse_metainfo(c.torrent);
    REQUIRE_FALSE(m);
    INFO(c.torrent.substr(0, 120) << " -> " << m.error().to_string());
    CHECK_THAT(m.error().message, Catch::Contains(c.expected));
    CHECK(m.error().offset < c.torrent.size() + 1);
  }
}

TEST_CASE("metainfo: a bare info dictionary parses (magnet metadata)", "[metainfo]") {
  std::string info = bencode(bvalue(single_file_info()));
  auto m = parse_info_dictionary(info);
  REQUIRE(m);
  CHECK(m->info_hash == sha1(info));
  CHECK(m->tracker_tiers.empty());
}
