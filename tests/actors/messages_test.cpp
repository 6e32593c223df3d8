#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include "actors/actor_setup.hpp"
#include "actors/messages.hpp"

using namespace actorrent;

namespace {

// Serialises a value into a CAF message and back, as a remote send would.
template <class T>
T round_trip(caf::actor_system& sys, const T& value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto msg = caf::make_message(value);
  REQUIRE_FALSE(sink(msg));
  caf::binary_deserializer source{sys, buf};
  caf::message out;
  REQUIRE_FALSE(source(out));
  REQUIRE(out.match_elements<T>());
  return out.get_as<T>(0);
}

}  // namespace

TEST_CASE("every message type round-trips through CAF's serializer", "[messages]") {
  actorrent_config cfg;
  caf::actor_system sys{cfg};

  auto peer = *peer_address::parse_ip("2001:db8::1", 6881);
  peers_discovered pd{sha1("x"), {peer_address::v4_address({127, 0, 0, 1}, 1), peer}, "udp://t:1"};
  auto pd2 = round_trip(sys, pd);
  CHECK(pd2.info_hash == pd.info_hash);
  CHECK(pd2.peers == pd.peers);
  CHECK(pd2.source == pd.source);

  auto ts = round_trip(sys, tracker_stats{1, 2, 3});
  CHECK((ts.uploaded == 1 && ts.downloaded == 2 && ts.left == 3));
  round_trip(sys, tracker_completed{});
  round_trip(sys, tracker_want_peers{});
  round_trip(sys, tracker_stop{});
  CHECK(round_trip(sys, tracker_stopped{true}).announced);
  auto st = round_trip(sys, tracker_status{"http://t/announce", true, "warn", 3, 4, 1800});
  CHECK((st.url == "http://t/announce" && st.seeders == 3 && st.next_announce_in_s == 1800));
  announce_outcome ao;
  ao.generation = 9;
  ao.url = "u";
  ao.ok = true;
  ao.peers = {peer};
  ao.min_interval_s = 60;
  auto ao2 = round_trip(sys, ao);
  CHECK((ao2.generation == 9 && ao2.peers == ao.peers && ao2.min_interval_s == 60));
  auto bw = round_trip(sys, block_written{7, 3, 16384, 16384, true});
  CHECK((bw.peer == 7 && bw.piece == 3 && bw.offset == 16384 && bw.length == 16384 && bw.ok));
  auto br = round_trip(sys, block_read{1, 2, 3});
  CHECK((br.piece == 1 && br.offset == 2 && br.length == 3));
  auto pc = round_trip(sys, piece_checked{5, true});
  CHECK((pc.piece == 5 && pc.passed));
  auto df = round_trip(sys, disk_failure{"disk full", "/dl/a: No space left on device", 4});
  CHECK((df.kind == "disk full" && df.piece == 4));
}

TEST_CASE("messages print readably for the message log", "[messages]") {
  auto text = caf::deep_to_string(tracker_stats{10, 20, 30});
  CHECK(text == "tracker_stats(10, 20, 30)");
}
