#include <catch2/catch.hpp>

#include <random>

#include "engine/dht_query_handler.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

// Named, not anonymous: the unit tests are unity-built (tests/CMakeLists.txt), and the
// helpers of another file of the batch have the same names.
namespace dht_query_handler_test {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::hours(1000);

peer_address addr(std::uint8_t n, std::uint16_t port = 6881) {
  return peer_address::v4_address({30, 0, 0, n}, port);
}

struct node {
  std::mt19937_64 rng{5};
  dht_node_id own = random_node_id(rng);
  dht_routing_table table{own, t0};
  dht_tokens tokens{t0, 9};
  dht_peer_store store{{}, 3};

  dht_answer ask(krpc_query q, const peer_address& from, engine_clock::time_point now = t0) {
    krpc_message m;
    m.transaction_id = "aa";
    m.body = std::move(q);
    return answer_query(m, from, {table, tokens, store, 8}, now);
  }
};

TEST_CASE("ping is answered with our id and the requester's address; the querier is known",
          "[dht_query_handler]") {
  node n;
  const auto them = random_node_id(n.rng);
  auto a = n.ask(ping_query{them}, addr(1));
  REQUIRE(a.reply.is_response());
  CHECK(a.reply.transaction_id == "aa");
  CHECK(a.reply.response().id == n.own);
  CHECK(a.reply.ip == addr(1));
  CHECK(a.reply.version == dht_client_version());
  CHECK_FALSE(a.refused);
  REQUIRE(n.table.find(them));
  CHECK(n.table.find(them)->contact.address == addr(1));
  // The reply is a valid KRPC message.
  auto decoded = decode_krpc(encode(a.reply));
  REQUIRE(decoded);
  CHECK(decoded->response().id == n.own);
}

TEST_CASE("find_node hands out known nodes closest to the target", "[dht_query_handler]") {
  node n;
  std::vector<dht_contact> known;
  for (std::uint8_t i = 1; i <= 20; ++i) {
    known.push_back({random_node_id(n.rng), addr(i)});
    n.table.heard_from(known.back(), i % 2 == 0, t0);  // half answered us, half only queried
  }
  const auto target = random_node_id(n.rng);
  auto a = n.ask(find_node_query{random_node_id(n.rng), target}, addr(100));
  REQUIRE(a.reply.is_response());
  const auto& nodes = a.reply.response().nodes;
  CHECK(nodes.size() == 8);
  for (std::size_t i = 1; i < nodes.size(); ++i)
    CHECK(closer_to(target, nodes[i - 1].id, nodes[i].id));
}

TEST_CASE("get_peers gives a token that lets that IP announce, and the announced peers",
          "[dht_query_handler]") {
  node n;
  sha1_hash ih;
  ih.bytes.fill(0x42);
  const auto announcer = random_node_id(n.rng);
  auto g = n.ask(get_peers_query{announcer, ih}, addr(1, 5000));
  REQUIRE(g.reply.is_response());
  REQUIRE(g.reply.response().token);
  CHECK(g.reply.response().values.empty());

  announce_peer_query ann{announcer, ih, 51413, false, *g.reply.response().token};
  // From another IP the token is refused; the store stays empty.
  auto bad = n.ask(ann, addr(2, 5000));
  REQUIRE(bad.reply.is_error());
  CHECK(bad.reply.error().code == 203);
  CHECK(bad.refused);
  CHECK(n.store.size() == 0);

  auto ok = n.ask(ann, addr(1, 5001));  // same IP, another port: accepted
  REQUIRE(ok.reply.is_response());
  REQUIRE(ok.announced);
  CHECK(*ok.announced == addr(1, 51413));

  ann.implied_port = true;
  auto implied = n.ask(ann, addr(1, 5002));
  REQUIRE(implied.announced);
  CHECK(implied.announced->port == 5002);

  auto g2 = n.ask(get_peers_query{random_node_id(n.rng), ih}, addr(3));
  REQUIRE(g2.reply.is_response());
  CHECK(g2.reply.response().values.size() == 2);
}

TEST_CASE("announce_peer of port 0 or with a forged token is refused", "[dht_query_handler]") {
  node n;
  sha1_hash ih;
  ih.bytes.fill(1);
  auto forged =
      n.ask(announce_peer_query{random_node_id(n.rng), ih, 80, false, "12345678"}, addr(1));
  CHECK(forged.reply.is_error());
  auto g = n.ask(get_peers_query{random_node_id(n.rng), ih}, addr(1));
  auto zero = n.ask(
      announce_peer_query{random_node_id(n.rng), ih, 0, false, *g.reply.response().token}, addr(1));
  REQUIRE(zero.reply.is_error());
  CHECK(zero.refused);
  CHECK(n.store.size() == 0);
}

}  // namespace dht_query_handler_test
