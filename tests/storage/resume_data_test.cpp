#include <catch2/catch.hpp>

#include "protocol/bencode_value.hpp"
#include "protocol/metainfo.hpp"
#include "storage/resume_data.hpp"

using namespace actorrent;

namespace {

metainfo two_file_torrent() {
  bvalue::list files{bvalue(bvalue::dict{{"length", 30000}, {"path", bvalue::list{"a"}}}),
                     bvalue(bvalue::dict{{"length", 20000}, {"path", bvalue::list{"b"}}})};
  bvalue::dict info{{"name", "t"},
                    {"files", files},
                    {"piece length", 16384},
                    {"pieces", std::string(4 * 20, 'x')}};
  auto m = parse_metainfo(bencode(bvalue(bvalue::dict{{"info", info}})));
  REQUIRE(m);
  return *m;
}

resume_data sample(const metainfo& m) {
  resume_data r;
  r.info_hash = m.info_hash;
  r.verified = bitfield(m.num_pieces());
  r.verified.set(0);
  r.verified.set(3);
  r.files = {{30000, 111}, {20000, 222}};
  return r;
}

}  // namespace

TEST_CASE("resume data round-trips and is trusted when files are unchanged", "[resume]") {
  auto m = two_file_torrent();
  auto saved = sample(m);
  auto parsed = parse_resume(serialize_resume(saved), m);
  REQUIRE(parsed);
  CHECK(parsed->verified == saved.verified);
  auto d = evaluate_resume(parsed, saved.files, m);
  CHECK(d.trusted);
  CHECK(d.verified.test(0));
  CHECK(d.verified.test(3));
  CHECK_FALSE(d.verified.test(1));
}

// Pieces (16 KiB) of the two files a (30000) and b (20000): 0 in a; 1 in a and b; 2 and 3
// in b. The sample claims 0 and 3.
TEST_CASE("resume data: files written after the save keep their claimed pieces", "[resume]") {
  auto m = two_file_torrent();
  auto saved = sample(m);
  auto parsed = parse_resume(serialize_resume(saved), m);
  REQUIRE(parsed);
  auto check_kept = [&](const std::vector<file_state>& now, const char* reason) {
    auto d = evaluate_resume(parsed, now, m);
    CHECK_FALSE(d.trusted);  // the pieces outside it must be rechecked
    CHECK_THAT(d.reason, Catch::Contains(reason));
    CHECK(d.verified == saved.verified);
  };
  auto grown = saved.files;
  grown[1] = {20001, 222};  // grown within the same mtime tick
  check_kept(grown, "file b was written after the resume data was saved");
  auto touched = saved.files;
  touched[0].mtime_ns = 112;
  check_kept(touched, "file a was written after");
  auto both = saved.files;
  both[0] = {30000, 500};
  both[1] = {20000, 600};
  check_kept(both, "was written after");
}

TEST_CASE("resume data: a file changed by someone else loses its claimed pieces", "[resume]") {
  auto m = two_file_torrent();
  auto saved = sample(m);
  auto parsed = parse_resume(serialize_resume(saved), m);
  REQUIRE(parsed);
  auto only = [&](std::initializer_list<std::size_t> pieces) {
    bitfield b(m.num_pieces());
    for (auto p : pieces)
      b.set(p);
    return b;
  };
  struct change {
    std::vector<file_state> now;
    bitfield kept;
    const char* reason;
  };
  const std::vector<change> cases = {
      {{{-1, 0}, {20000, 222}}, only({3}), "file a changed since the resume data was saved"},
      {{{30000, 100}, {20000, 222}}, only({3}), "file a changed"},  // an older copy restored
      {{{30000, 111}, {19999, 300}}, only({0}), "file b changed"},  // shrunk, even if newer
      {{{30000, 111}, {-1, 0}}, only({0}), "file b changed"},
  };
  for (const auto& c : cases) {
    auto d = evaluate_resume(parsed, c.now, m);
    CHECK_FALSE(d.trusted);
    CHECK_THAT(d.reason, Catch::Contains(c.reason));
    CHECK(d.verified == c.kept);
  }
}

TEST_CASE("resume data: a claimed piece past the end of its file is not trusted", "[resume]") {
  auto m = two_file_torrent();
  auto saved = sample(m);
  saved.files[1] = {10000, 222};  // piece 3 ends at byte 20000 of b
  auto parsed = parse_resume(serialize_resume(saved), m);
  REQUIRE(parsed);
  auto d = evaluate_resume(parsed, saved.files, m);
  CHECK_FALSE(d.trusted);
  CHECK_THAT(d.reason, Catch::Contains("claims piece 3, which lies beyond the end of file b"));
  CHECK(d.verified.test(0));
  CHECK_FALSE(d.verified.test(3));
  // A file created after the save cannot hold a piece the save claimed.
  saved.files[1] = {-1, 0};
  parsed = parse_resume(serialize_resume(saved), m);
  REQUIRE(parsed);
  d = evaluate_resume(parsed, {{30000, 111}, {20000, 300}}, m);
  CHECK(d.verified.test(0));
  CHECK_FALSE(d.verified.test(3));
}

TEST_CASE("resume data that is corrupt or for another torrent is refused", "[resume]") {
  auto m = two_file_torrent();
  auto good = serialize_resume(sample(m));
  auto replace = [&](const std::string& from, const std::string& to) {
    auto s = good;
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {good.substr(0, good.size() / 2), "not valid JSON"},
      {"[]", "not valid JSON"},
      {replace(m.info_hash.hex(), std::string(40, '0')), "info_hash"},
      {replace("\"pieces\": 4", "\"pieces\": 5"), "piece count"},
      {replace("\"verified\": \"90\"", "\"verified\": \"zz\""), "not hex"},
      {replace("\"verified\": \"90\"", "\"verified\": \"91\""), "spare bit"},
      {replace("\"verified\": \"90\"", "\"verified\": \"9000\""), "verified"},
      {replace("\"version\": 1", "\"version\": 2"), "version"},
  };
  for (const auto& [json, expected] : cases) {
    INFO(json);
    auto r = parse_resume(json, m);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error(), Catch::Contains(expected));
    CHECK_FALSE(evaluate_resume(r, sample(m).files, m).trusted);
  }
}
