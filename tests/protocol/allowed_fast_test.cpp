#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "protocol/allowed_fast.hpp"

using namespace actorrent;

namespace {

sha1_hash bep6_info_hash() {
  return sha1_hash::from_bytes(std::string(20, '\xaa'));
}

}  // namespace

TEST_CASE("allowed-fast set matches the BEP 6 test vectors", "[allowed_fast]") {
  const std::array<std::uint8_t, 4> ip{80, 4, 4, 200};
  CHECK(generate_allowed_fast(7, 1313, bep6_info_hash(), ip) ==
        std::vector<std::uint32_t>{1059, 431, 808, 1217, 287, 376, 1188});
  CHECK(generate_allowed_fast(9, 1313, bep6_info_hash(), ip) ==
        std::vector<std::uint32_t>{1059, 431, 808, 1217, 287, 376, 1188, 353, 508});
}

TEST_CASE("allowed-fast set depends only on the /24 of the address", "[allowed_fast]") {
  const auto a = generate_allowed_fast(9, 1313, bep6_info_hash(), {80, 4, 4, 1});
  const auto b = generate_allowed_fast(9, 1313, bep6_info_hash(), {80, 4, 4, 200});
  const auto c = generate_allowed_fast(9, 1313, bep6_info_hash(), {80, 4, 5, 200});
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("allowed-fast set is distinct and in range", "[allowed_fast]") {
  // With 12 pieces and k = 11 duplicates are certain, so the skip path runs.
  auto set = generate_allowed_fast(11, 12, bep6_info_hash(), {10, 0, 0, 1});
  REQUIRE(set.size() == 11);
  CHECK(std::all_of(set.begin(), set.end(), [](std::uint32_t i) { return i < 12; }));
  std::sort(set.begin(), set.end());
  CHECK(std::adjacent_find(set.begin(), set.end()) == set.end());
}

TEST_CASE("allowed-fast set with fewer pieces than k is every piece", "[allowed_fast]") {
  const std::array<std::uint8_t, 4> ip{80, 4, 4, 200};
  CHECK(generate_allowed_fast(10, 3, bep6_info_hash(), ip) == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(generate_allowed_fast(3, 3, bep6_info_hash(), ip) == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(generate_allowed_fast(10, 0, bep6_info_hash(), ip).empty());
  CHECK(generate_allowed_fast(0, 1313, bep6_info_hash(), ip).empty());
}
