#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include "actors/actor_setup.hpp"
#include "experiment/generated_data.hpp"
#include "experiment/node_messages.hpp"
#include "tests/support/caf_round_trip.hpp"

namespace node_messages_test {

using namespace actorrent;

using test::round_trip;

TEST_CASE("every node message type round-trips through CAF's serializer", "[experiment][node]") {
  actorrent_config cfg;
  register_node_message_types(cfg);
  caf::actor_system sys{cfg};
  std::size_t seen = 0;
  // Default values first: every registered type crosses at all.
  for_each_node_message_type([&](auto tag, const char*) {
    using T = typename decltype(tag)::type;
    round_trip(sys, T{});
    ++seen;
  });
  CHECK(seen == 17);
  // Then the fields, for the types that carry the experiment's data.
  auto hello = round_trip(sys, node_hello{"s3cret", "ctl pid 1"});
  CHECK((hello.secret == "s3cret" && hello.controller == "ctl pid 1"));
  node_spawn_client s{"tok", "a/leecher-1", R"({"choker":{}})", std::string("d8\0e", 4), true, true,
                      42,    "/data",       "http://t/announce"};
  auto s2 = round_trip(sys, s);
  CHECK((s2.token == "tok" && s2.client == "a/leecher-1" && s2.config_json == s.config_json));
  CHECK((s2.torrent == s.torrent && s2.seeder && s2.generate && s2.generate_seed == 42));
  CHECK((s2.data_dir == "/data" && s2.announce_url == "http://t/announce"));
  auto c = round_trip(sys, node_client_control{"tok", "b/seeder-1", node_client_command::kill});
  CHECK((c.client == "b/seeder-1" && c.command == node_client_command::kill));
  node_stats st{"n", 1234, 1.5, {{"a/leecher-1", "seeding", 10, 20, 3, 4, 5, 6, 777, "e"}}};
  auto st2 = round_trip(sys, st);
  REQUIRE(st2.clients.size() == 1);
  CHECK((st2.unix_ms == 1234 && st2.cpu_s == 1.5 && st2.clients[0].downloaded == 10));
  CHECK((st2.clients[0].completed_unix_ms == 777 && st2.clients[0].error == "e"));
}

TEST_CASE("generated data depends only on the seed and the offset", "[experiment][node]") {
  std::vector<unsigned char> whole(4096), part(1000);
  generate_bytes(7, 0, whole.data(), whole.size());
  generate_bytes(7, 800, part.data(), part.size());  // from the middle: the same bytes
  CHECK(std::equal(part.begin(), part.end(), whole.begin() + 800));
  std::vector<unsigned char> other(4096);
  generate_bytes(8, 0, other.data(), other.size());
  CHECK(other != whole);
  // Not a constant or a short cycle: most bytes differ from their neighbour.
  std::size_t same = 0;
  for (std::size_t i = 1; i < whole.size(); ++i)
    same += whole[i] == whole[i - 1];
  CHECK(same < 64);
}

}  // namespace node_messages_test
