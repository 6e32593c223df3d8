// A fresh directory under the system's temporary directory, removed with everything in it
// when the test ends. Tests that touch real files use one each, so they never collide.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace actorrent::test {

struct temp_dir {
  std::filesystem::path path;

  explicit temp_dir(const char* prefix = "actorrent-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / prefix).string() + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

}  // namespace actorrent::test
