// Fuzzes parse_magnet. Every accepted magnet must survive a round trip through its
// canonical form (to_string), and that canonical form must be a fixed point.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "protocol/magnet.hpp"

using namespace actorrent;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto magnet = parse_magnet(input);
  if (!magnet) {
    FUZZ_CHECK(!magnet.error().message.empty());
    return 0;
  }

  const auto& m = *magnet;
  FUZZ_CHECK(m.display_name.find('\0') == std::string::npos);
  for (const auto& tracker : m.trackers) {
    FUZZ_CHECK(!tracker.empty());
    FUZZ_CHECK(tracker.find('\0') == std::string::npos);
  }
  for (const auto& peer : m.peers) {
    FUZZ_CHECK(!peer.host.empty());
    FUZZ_CHECK(peer.port != 0);
    FUZZ_CHECK(!peer.to_string().empty());
  }
  FUZZ_CHECK(m.select_only.size() <= magnet_max_select_only);
  FUZZ_CHECK(std::is_sorted(m.select_only.begin(), m.select_only.end()));
  FUZZ_CHECK(std::adjacent_find(m.select_only.begin(), m.select_only.end()) == m.select_only.end());

  const std::string canonical = to_string(m);
  auto again = parse_magnet(canonical);
  if (!again) std::fprintf(stderr, "round trip rejected: %s\n", again.error().message.c_str());
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == m);
  FUZZ_CHECK(to_string(*again) == canonical);
  return 0;
}
