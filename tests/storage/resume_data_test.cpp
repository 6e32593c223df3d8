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

TEST_CASE("resume data is not trusted when a file's size or mtime changed", "[resume]") {
  auto m = two_file_torrent();
  auto saved = sample(m);
  auto parsed = parse_resume(serialize_resume(saved), m);
  REQUIRE(parsed);
  auto grown = saved.files;
  grown[1].size = 20001;
  auto d = evaluate_resume(parsed, grown, m);
  CHECK_FALSE(d.trusted);
  CHECK_THAT(d.reason, Catch::Contains("file b changed"));
  CHECK(d.verified.size() == 0);
  auto touched = saved.files;
  touched[0].mtime_ns = 112;
  CHECK_FALSE(evaluate_resume(parsed, touched, m).trusted);
  auto deleted = saved.files;
  deleted[0] = {-1, 0};
  CHECK_FALSE(evaluate_resume(parsed, deleted, m).trusted);
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
