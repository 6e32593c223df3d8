// The DHT actor over real UDP sockets on loopback: two of our nodes find each other's
// announced peers; hostile datagrams are counted and leave the node working; the routing
// table survives a restart.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <boost/asio/ip/udp.hpp>
#include <fstream>
#include <string>
#include <thread>

#include "actors/actor_setup.hpp"
#include "actors/dht_actor.hpp"
#include "actors/io_thread.hpp"
#include "actors/messages.hpp"
#include "engine/dht_node_id.hpp"
#include "protocol/krpc.hpp"
#include "protocol/sha1.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using udp = asio::ip::udp;

// Named, not anonymous: the unit tests are unity-built (tests/CMakeLists.txt), and the
// helpers of another file of the batch have the same names.
namespace dht_actor_test {

dht_handle start_node(caf::actor_system& sys, io_thread& io, const std::filesystem::path& state,
                      std::vector<std::string> bootstrap = {}) {
  dht_actor_config cfg;
  cfg.io = &io.context();
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.state_dir = state;
  cfg.settings.bootstrap = std::move(bootstrap);
  auto node = spawn_dht(sys, cfg);
  REQUIRE(node);
  REQUIRE(node->port != 0);
  return *node;
}

dht_stats stats_of(caf::scoped_actor& self, const caf::actor& node) {
  dht_stats out;
  self->request(node, 5s, get_dht_stats{})
      .receive([&](const dht_stats& s) { out = s; },
               [](caf::error& e) { FAIL("no dht_stats: " << caf::to_string(e)); });
  return out;
}

void stop_node(caf::scoped_actor& self, const caf::actor& node) {
  self->request(node, 5s, dht_stop{})
      .receive([](const dht_stopped& s) { CHECK(s.saved); },
               [](caf::error& e) { FAIL("no dht_stopped: " << caf::to_string(e)); });
}

// Sends `packet` to 127.0.0.1:port from `socket`; the answer, or "" after the timeout.
std::string exchange(udp::socket& socket, std::uint16_t port, const std::string& packet) {
  socket.send_to(asio::buffer(packet), udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  socket.non_blocking(true);
  char buf[2048];
  for (int i = 0; i < 100; ++i) {  // 1 s at most
    udp::endpoint from;
    boost::system::error_code ec;
    const auto n = socket.receive_from(asio::buffer(buf), from, 0, ec);
    if (!ec) return std::string(buf, n);
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

TEST_CASE("two nodes: an announce on one is found by a search from the other", "[dht_actor]") {
  test::temp_dir dir;
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  io_thread io;
  caf::scoped_actor self{sys};
  auto a = start_node(sys, io, dir.path / "a");
  auto b = start_node(sys, io, dir.path / "b", {"127.0.0.1:" + std::to_string(a.port)});
  const auto hash = sha1("dht actor test torrent");
  caf::scoped_actor seeder{sys};
  caf::scoped_actor leecher{sys};
  // The seeder's node knows nobody yet: its search is starved until b joins through it.
  self->send(a.actor, dht_track{hash, 51413, seeder});
  self->send(b.actor, dht_track{hash, 0, leecher});
  bool found = false;
  for (int i = 0; i < 5 && !found; ++i)
    leecher->receive(
        [&](const peers_discovered& d) {
          CHECK(d.source == "dht");
          CHECK(d.info_hash == hash);
          for (const auto& p : d.peers)
            found = found || p == peer_address::v4_address({127, 0, 0, 1}, 51413);
        },
        caf::after(15s) >> [] {});
  CHECK(found);
  const auto sa = stats_of(self, a.actor);
  const auto sb = stats_of(self, b.actor);
  CHECK(sa.nodes == 1);
  CHECK(sb.nodes == 1);
  CHECK(sa.malformed_in == 0);
  CHECK(sb.malformed_in == 0);
  CHECK(sa.tracked == 1);
  stop_node(self, a.actor);
  stop_node(self, b.actor);
}

TEST_CASE("hostile datagrams are counted, malformed queries answered 203, the node goes on",
          "[dht_actor]") {
  test::temp_dir dir;
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  io_thread io;
  caf::scoped_actor self{sys};
  auto node = start_node(sys, io, dir.path);
  asio::io_context local;
  udp::socket s(local, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string id(20, 'C');
  const std::vector<std::string> malformed{
      std::string("\x00\xff not bencode", 14),
      "d1:ad2:id20:0123456789",  // truncated
      "d1:t2:xx1:y1:q1:q4:ping1:ad2:id20:" + id + "e4:pad" + "3000:" + std::string(3000, 'x') +
          "e",                                                // oversized
      "d1:ai42e1:q4:ping1:t2:aa1:y1:qe",                      // "a" not a dictionary
      "d1:ad2:id5:shorte1:q4:ping1:t2:bb1:y1:qe",             // a 5-byte id
      "d1:ad2:id20:" + id + "e1:q9:vote_evil1:t2:cc1:y1:qe",  // unknown method
      "d1:ad2:id20:" + id + "9:info_hash20:" + id +
          "4:porti-5e5:token2:xxe1:q13:announce_peer"
          "1:t2:dd1:y1:qe",  // negative port
  };
  std::vector<std::string> answers;
  for (const auto& p : malformed)
    answers.push_back(exchange(s, node.port, p));
  // Not KRPC at all, or truncated: no transaction id to answer under.
  CHECK(answers[0].empty());
  CHECK(answers[1].empty());
  auto wrong_type = decode_krpc(answers[3]);
  REQUIRE(wrong_type);
  CHECK(wrong_type->transaction_id == "aa");
  REQUIRE(wrong_type->is_error());
  CHECK(wrong_type->error().code == 203);
  auto unknown = decode_krpc(answers[5]);
  REQUIRE(unknown);
  REQUIRE(unknown->is_error());
  CHECK(unknown->error().code == 204);
  // An answer to nothing we asked: no reply, counted apart.
  CHECK(exchange(s, node.port, "d1:rd2:id20:" + id + "e1:t2:zz1:y1:re").empty());
  // Still a working node.
  auto pong = decode_krpc(exchange(s, node.port, "d1:ad2:id20:" + id + "e1:q4:ping1:t2:pp1:y1:qe"));
  REQUIRE(pong);
  CHECK(pong->transaction_id == "pp");
  CHECK(pong->is_response());
  const auto st = stats_of(self, node.actor);
  CHECK(st.malformed_in == malformed.size());
  CHECK(st.unexpected_in == 1);
  CHECK(st.queries_in == 1);
  CHECK(st.nodes == 1);  // the pinger
  stop_node(self, node.actor);
}

TEST_CASE("the routing table and node id survive a restart", "[dht_actor]") {
  test::temp_dir dir;
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  io_thread io;
  caf::scoped_actor self{sys};
  auto a = start_node(sys, io, dir.path / "a");
  auto b = start_node(sys, io, dir.path / "b", {"127.0.0.1:" + std::to_string(a.port)});
  for (int i = 0; i < 50 && stats_of(self, b.actor).nodes == 0; ++i)
    std::this_thread::sleep_for(100ms);
  const auto before = stats_of(self, b.actor);
  REQUIRE(before.nodes == 1);
  stop_node(self, b.actor);
  REQUIRE(std::filesystem::exists(dir.path / "b" / "dht.dat"));
  auto again = start_node(sys, io, dir.path / "b");  // no bootstrap this time
  const auto after = stats_of(self, again.actor);
  CHECK(after.node_id == before.node_id);
  CHECK(after.nodes == 1);
  // A garbled file is refused with a new id, not trusted.
  stop_node(self, again.actor);
  std::ofstream(dir.path / "b" / "dht.dat", std::ios::binary | std::ios::trunc) << "d2:id3:abce";
  auto fresh = start_node(sys, io, dir.path / "b");
  const auto fresh_stats = stats_of(self, fresh.actor);
  CHECK(fresh_stats.node_id != before.node_id);
  CHECK(fresh_stats.nodes == 0);
  stop_node(self, fresh.actor);
  stop_node(self, a.actor);
}

TEST_CASE("BEP 42: three nodes agreeing on a public address give us an id valid for it",
          "[dht_actor]") {
  test::temp_dir dir;
  actorrent_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  io_thread io;
  caf::scoped_actor self{sys};
  asio::io_context local;
  // Three fake nodes on three loopback IPs (127/8 is all ours on Linux).
  std::vector<udp::socket> fakes;
  std::vector<std::string> bootstrap;
  for (const char* ip : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
    fakes.emplace_back(local, udp::endpoint(asio::ip::make_address(ip), 0));
    fakes.back().non_blocking(true);
    bootstrap.push_back(std::string(ip) + ":" +
                        std::to_string(fakes.back().local_endpoint().port()));
  }
  auto node = start_node(sys, io, dir.path, bootstrap);
  const auto original = stats_of(self, node.actor).node_id;
  const auto external = *peer_address::parse_ip("203.0.113.5", 6881);
  REQUIRE_FALSE(bep42_valid(original, external));  // a random id fits by chance 1 in 2^21
  std::size_t answered = 0;
  for (int round = 0; round < 300 && answered < fakes.size(); ++round) {  // 3 s at most
    for (std::size_t i = 0; i < fakes.size(); ++i) {
      char buf[2048];
      udp::endpoint from;
      boost::system::error_code ec;
      const auto n = fakes[i].receive_from(asio::buffer(buf), from, 0, ec);
      if (ec) continue;
      auto q = decode_krpc(std::string_view(buf, n));
      REQUIRE(q);
      REQUIRE(q->is_query());
      krpc_message r;
      r.transaction_id = q->transaction_id;
      r.body = krpc_response{sha1("fake node " + std::to_string(i)), {}, {}, {}, {}};
      r.ip = external;
      fakes[i].send_to(asio::buffer(encode(r)), from);
      ++answered;
      if (answered < fakes.size()) {
        std::this_thread::sleep_for(50ms);
        CHECK(stats_of(self, node.actor).node_id == original);  // not yet: fewer than three
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(answered == fakes.size());
  dht_node_id now_id;
  for (int i = 0; i < 50; ++i) {
    now_id = stats_of(self, node.actor).node_id;
    if (now_id != original) break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(now_id != original);
  CHECK(bep42_valid(now_id, external));
  CHECK(stats_of(self, node.actor).nodes == 3);  // the table kept its nodes across the change
  stop_node(self, node.actor);
}

}  // namespace dht_actor_test
