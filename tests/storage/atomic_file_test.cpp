#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/atomic_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
namespace fs = std::filesystem;

TEST_CASE("write_file_atomically replaces content and leaves no temporary file", "[atomic_file]") {
  test::temp_dir tmp("actorrent-atomic");
  const fs::path& dir = tmp.path;
  auto target = (dir / "resume.json").string();

  REQUIRE(write_file_atomically(target, "first"));
  REQUIRE(write_file_atomically(target, std::string("second\0binary", 13)));
  std::ifstream in(target, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == std::string("second\0binary", 13));
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);

  auto bad = write_file_atomically((dir / "no-such-dir" / "x").string(), "data");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error(), Catch::Contains("no-such-dir/x"));
}
