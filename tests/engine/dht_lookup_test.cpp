#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/dht_lookup.hpp"
#include "engine/dht_routing_table.hpp"

// Named: the file shares a unity batch with other tests.
namespace dht_lookup_test {

using namespace actorrent;
using namespace std::chrono_literals;
using response_result = dht_lookup::response_result;

namespace {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::hours(1000);

peer_address address_of(std::uint32_t n) {
  return peer_address::v4_address({40, static_cast<std::uint8_t>(n >> 16),
                                   static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)},
                                  6881);
}

// An id whose distance to the all-zero target is `d` in the first byte.
dht_node_id at_distance(std::uint8_t d) {
  dht_node_id id;
  id.bytes[0] = d;
  id.bytes[19] = 1;  // never the all-zero target itself
  return id;
}

krpc_response answer(const dht_node_id& id, std::vector<dht_contact> nodes = {}) {
  krpc_response r;
  r.id = id;
  r.nodes = std::move(nodes);
  return r;
}

std::vector<dht_node_id> ids_of(const std::vector<dht_lookup_query>& queries) {
  std::vector<dht_node_id> ids;
  for (const auto& q : queries)
    ids.push_back(*q.id);
  return ids;
}

// --- A deterministic simulated DHT -----------------------------------------------------------

struct sim_node {
  dht_contact contact;
  dht_routing_table table;
  bool alive = true;
  std::vector<peer_address> peers;  // what it stores for the test's info-hash
};

struct network {
  std::mt19937_64 rng;
  std::vector<sim_node> nodes;
  std::map<peer_address, std::size_t> index;

  network(std::size_t n, std::uint64_t seed, double dead_fraction) : rng(seed) {
    for (std::size_t i = 0; i < n; ++i) {
      const dht_contact c{random_node_id(rng), address_of(static_cast<std::uint32_t>(i + 1))};
      nodes.push_back(sim_node{c, dht_routing_table(c.id, t0), true, {}});
      index[c.address] = i;
    }
    std::uniform_real_distribution<double> u(0, 1);
    for (auto& node : nodes)
      node.alive = u(rng) >= dead_fraction;
    // Every node has heard from every other, in its own random order: each table keeps what
    // its buckets allow, dense near its own id, as in the real DHT.
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i)
      order[i] = i;
    for (auto& node : nodes) {
      std::shuffle(order.begin(), order.end(), rng);
      for (std::size_t j : order)
        node.table.heard_from(nodes[j].contact, true, t0);
    }
  }

  // The answer of the node at `address`, or nullopt when it is dead.
  std::optional<krpc_response> ask(const dht_lookup_query& q) {
    auto& node = nodes.at(index.at(q.address));
    if (!node.alive) return std::nullopt;
    krpc_response r;
    r.id = node.contact.id;
    r.nodes = node.table.closest(q.target, 8, t0, true);
    if (q.method == krpc_method::get_peers) {
      r.values = node.peers;
      r.token = "tok" + std::to_string(index.at(q.address));
    }
    return r;
  }

  std::vector<dht_contact> truly_closest_alive(const dht_node_id& target, std::size_t k) const {
    std::vector<dht_contact> alive;
    for (const auto& n : nodes)
      if (n.alive) alive.push_back(n.contact);
    std::sort(alive.begin(), alive.end(), [&](const dht_contact& a, const dht_contact& b) {
      return closer_to(target, a.id, b.id);
    });
    alive.resize(std::min(k, alive.size()));
    return alive;
  }
};

struct run_stats {
  std::size_t max_in_flight = 0;
  engine_clock::time_point finished{};
};

// Drives a lookup over the network: answers arrive after 10 to 300 ms, in whatever order
// that makes; dead nodes never answer and time out.
run_stats drive(dht_lookup& lookup, network& net, std::size_t alpha) {
  struct pending {
    engine_clock::time_point at;
    peer_address from;
    krpc_response response;
  };
  std::vector<pending> in_transit;
  std::uniform_int_distribution<int> latency_ms(10, 300);
  run_stats stats;
  auto now = t0;
  const auto send = [&] {
    for (const auto& q : lookup.next_queries(now))
      if (auto r = net.ask(q))
        in_transit.push_back({now + std::chrono::milliseconds(latency_ms(net.rng)), q.address, *r});
    stats.max_in_flight = std::max(stats.max_in_flight, lookup.in_flight());
    REQUIRE(lookup.in_flight() <= alpha);
  };
  send();
  for (int step = 0; step < 200'000 && !lookup.done(); ++step) {
    now += 10ms;
    lookup.expire(now);
    send();
    // Deliver what has arrived, earliest first, asking for more after each answer.
    std::sort(in_transit.begin(), in_transit.end(),
              [](const pending& a, const pending& b) { return a.at < b.at; });
    while (!in_transit.empty() && in_transit.front().at <= now) {
      const auto p = in_transit.front();
      in_transit.erase(in_transit.begin());
      CHECK(lookup.on_response(p.from, p.response) != response_result::unexpected);
      send();
    }
    REQUIRE(lookup.check_invariants().empty());
  }
  stats.finished = now;
  return stats;
}

}  // namespace

// --- Rules, one at a time -----------------------------------------------------------------

TEST_CASE("alpha queries in flight, closest first, more as answers come", "[dht_lookup]") {
  std::vector<dht_contact> start;
  for (std::uint8_t d : {90, 10, 70, 30, 50, 20, 80, 40, 60, 100})
    start.push_back({at_distance(d), address_of(d)});
  const dht_node_id target;  // all zero
  dht_lookup lookup(dht_lookup_kind::find_node, target, at_distance(255), start);
  auto first = lookup.next_queries(t0);
  CHECK(ids_of(first) ==
        std::vector<dht_node_id>{at_distance(10), at_distance(20), at_distance(30)});
  CHECK(first[0].method == krpc_method::find_node);
  CHECK(first[0].target == target);
  CHECK(lookup.in_flight() == 3);
  CHECK(lookup.next_queries(t0).empty());
  CHECK(lookup.on_response(address_of(20), answer(at_distance(20))) == response_result::accepted);
  CHECK(ids_of(lookup.next_queries(t0)) == std::vector<dht_node_id>{at_distance(40)});
  // An answer naming a closer node: it is asked next.
  CHECK(lookup.on_response(address_of(10),
                           answer(at_distance(10), {{at_distance(5), address_of(5)}})) ==
        response_result::accepted);
  CHECK(ids_of(lookup.next_queries(t0)) == std::vector<dht_node_id>{at_distance(5)});
  CHECK(lookup.check_invariants().empty());
  CHECK_FALSE(lookup.done());
}

TEST_CASE("done once the k closest have answered; farther nodes are never asked", "[dht_lookup]") {
  dht_lookup_config cfg;
  cfg.k = 3;
  std::vector<dht_contact> start;
  for (std::uint8_t d = 1; d <= 6; ++d)
    start.push_back({at_distance(d), address_of(d)});
  dht_lookup lookup(dht_lookup_kind::find_node, dht_node_id{}, at_distance(255), start, {}, cfg);
  const auto q = lookup.next_queries(t0);
  REQUIRE(q.size() == 3);
  for (const auto& x : q) {
    CHECK_FALSE(lookup.done());
    lookup.on_response(x.address, answer(*x.id));
  }
  CHECK(lookup.done());
  CHECK(lookup.next_queries(t0).empty());
  CHECK(lookup.queries_sent() == 3);
  const auto result = lookup.closest_responded();
  REQUIRE(result.size() == 3);
  CHECK(result[0].id == at_distance(1));
  CHECK(result[2].id == at_distance(3));
}

TEST_CASE("failures and timeouts open the window to the next candidates", "[dht_lookup]") {
  dht_lookup_config cfg;
  cfg.k = 2;
  cfg.alpha = 2;
  std::vector<dht_contact> start;
  for (std::uint8_t d = 1; d <= 5; ++d)
    start.push_back({at_distance(d), address_of(d)});
  dht_lookup lookup(dht_lookup_kind::find_node, dht_node_id{}, at_distance(255), start, {}, cfg);
  CHECK(ids_of(lookup.next_queries(t0)) ==
        std::vector<dht_node_id>{at_distance(1), at_distance(2)});
  CHECK(lookup.on_failure(address_of(1)));  // an error reply
  CHECK_FALSE(lookup.on_failure(address_of(1)));
  CHECK(ids_of(lookup.next_queries(t0)) == std::vector<dht_node_id>{at_distance(3)});
  // Node 2 stays silent: at the timeout its slot is freed and it is reported.
  CHECK(lookup.expire(t0 + 4s).empty());
  const auto expired = lookup.expire(t0 + 5s);
  CHECK(ids_of(expired) == std::vector<dht_node_id>{at_distance(2), at_distance(3)});
  CHECK(lookup.in_flight() == 0);
  CHECK(ids_of(lookup.next_queries(t0 + 5s)) ==
        std::vector<dht_node_id>{at_distance(4), at_distance(5)});
  // Node 2 answers late after all: used, and the window is back to 2 and 4.
  CHECK(lookup.on_response(address_of(2), answer(at_distance(2))) == response_result::accepted);
  CHECK(lookup.on_response(address_of(4), answer(at_distance(4))) == response_result::accepted);
  CHECK(lookup.done());  // 2 and 4 are the two closest not failed; 5 is still in flight
  CHECK(lookup.closest_responded().size() == 2);
  // Every node failing ends the lookup too, empty-handed.
  dht_lookup doomed(dht_lookup_kind::find_node, dht_node_id{}, at_distance(255), start, {}, cfg);
  for (int round = 0; round < 5; ++round) {
    doomed.next_queries(t0);
    doomed.expire(t0 + 1h);
  }
  CHECK(doomed.done());
  CHECK(doomed.closest_responded().empty());
}

TEST_CASE("hostile answers: wrong ids, strangers, junk nodes", "[dht_lookup]") {
  const dht_node_id own = at_distance(200);
  std::vector<dht_contact> start = {{at_distance(10), address_of(10)},
                                    {at_distance(20), address_of(20)}};
  dht_lookup lookup(dht_lookup_kind::find_node, dht_node_id{}, own, start);
  lookup.next_queries(t0);
  // Someone we never asked.
  CHECK(lookup.on_response(address_of(99), answer(at_distance(99))) == response_result::unexpected);
  // A node answering under another id than we were told: failed, its nodes unused.
  CHECK(lookup.on_response(address_of(10),
                           answer(at_distance(11), {{at_distance(1), address_of(1)}})) ==
        response_result::id_mismatch);
  CHECK(lookup.on_response(address_of(10), answer(at_distance(10))) == response_result::unexpected);
  // Junk in a genuine answer: our own id, port 0, an IPv6 node in an IPv4 lookup, a known id
  // at a new address, a known address under a new id.
  auto zero_port = address_of(3);
  zero_port.port = 0;
  const std::vector<dht_contact> junk = {
      {own, address_of(2)},
      {at_distance(3), zero_port},
      {at_distance(4), *peer_address::parse_ip("2001:db8::4", 6881)},
      {at_distance(20), address_of(21)},
      {at_distance(6), address_of(20)},
      {at_distance(7), address_of(7)},  // the only good one
  };
  CHECK(lookup.on_response(address_of(20), answer(at_distance(20), junk)) ==
        response_result::accepted);
  CHECK(lookup.candidate_count() == 3);  // 10 (failed), 20, 7
  CHECK(ids_of(lookup.next_queries(t0)) == std::vector<dht_node_id>{at_distance(7)});
  CHECK(lookup.check_invariants().empty());
}

TEST_CASE("bootstrap addresses: asked when nothing else is known, ids learnt from answers",
          "[dht_lookup]") {
  const auto router = address_of(1000);
  dht_lookup lookup(dht_lookup_kind::find_node, dht_node_id{}, at_distance(255), {}, {router});
  const auto q = lookup.next_queries(t0);
  REQUIRE(q.size() == 1);
  CHECK(q[0].address == router);
  CHECK_FALSE(q[0].id);
  CHECK(lookup.on_response(router, answer(at_distance(50), {{at_distance(9), address_of(9)}})) ==
        response_result::accepted);
  CHECK(ids_of(lookup.next_queries(t0)) == std::vector<dht_node_id>{at_distance(9)});
  lookup.on_response(address_of(9), answer(at_distance(9)));
  CHECK(lookup.done());
  const auto result = lookup.closest_responded();
  REQUIRE(result.size() == 2);
  CHECK(result[1] == dht_contact{at_distance(50), router});
}

TEST_CASE("get_peers: peers collected once, tokens of the closest answerers", "[dht_lookup]") {
  dht_lookup_config cfg;
  cfg.k = 2;
  cfg.max_peers = 3;
  std::vector<dht_contact> start;
  for (std::uint8_t d = 1; d <= 3; ++d)
    start.push_back({at_distance(d), address_of(d)});
  const dht_node_id info_hash;
  dht_lookup lookup(dht_lookup_kind::get_peers, info_hash, at_distance(255), start, {}, cfg);
  const auto q = lookup.next_queries(t0);
  REQUIRE(q.size() == 2);
  CHECK(q[0].method == krpc_method::get_peers);
  CHECK(q[0].target == info_hash);
  auto r1 = answer(at_distance(1));
  r1.values = {address_of(500), address_of(501), address_of(500)};
  // Node 1 gives no token: it cannot be announced to.
  auto r2 = answer(at_distance(2));
  r2.values = {address_of(501), address_of(502), address_of(503)};
  r2.token = "t2";
  lookup.on_response(address_of(1), r1);
  lookup.on_response(address_of(2), r2);
  CHECK(lookup.done());
  CHECK(lookup.peers() ==
        std::vector<peer_address>{address_of(500), address_of(501), address_of(502)});  // bounded
  const auto targets = lookup.announce_targets();
  REQUIRE(targets.size() == 1);
  CHECK(targets[0].node.id == at_distance(2));
  CHECK(targets[0].token == "t2");
}

TEST_CASE("a hostile network naming ever more fake nodes cannot keep a lookup going",
          "[dht_lookup]") {
  std::mt19937_64 rng(5);
  const auto target = random_node_id(rng);
  dht_lookup lookup(dht_lookup_kind::find_node, target, random_node_id(rng),
                    {{random_node_id(rng), address_of(1)}});
  std::uint32_t next = 2;
  std::size_t max_candidates = 0;
  auto now = t0;
  while (!lookup.done()) {
    const auto queries = lookup.next_queries(now);
    REQUIRE_FALSE(queries.empty());
    for (const auto& q : queries) {
      // Every answer names 64 new nodes, each a little closer to the target than the asker.
      krpc_response r = answer(*q.id);
      for (int i = 0; i < 64; ++i) {
        auto id = *q.id;
        const std::size_t prefix = std::min<std::size_t>(
            159, common_prefix_length(id, target) + 1 + static_cast<std::size_t>(rng() % 3));
        id = random_id_at_prefix(target, prefix, rng);
        r.nodes.push_back({id, address_of(next++)});
      }
      lookup.on_response(q.address, r);
      max_candidates = std::max(max_candidates, lookup.candidate_count());
    }
    now += 100ms;
  }
  CHECK(lookup.queries_sent() == 128);
  CHECK(max_candidates <= 64 + 128);
  CHECK(lookup.check_invariants().empty());
}

// --- A simulated network of a few hundred nodes --------------------------------------------

TEST_CASE("find_node converges on the true closest nodes of a simulated network",
          "[dht_lookup][sim]") {
  network net(400, 2024, 0.1);
  std::mt19937_64 rng(77);
  const dht_node_id own = random_node_id(rng);
  // Our own table knows 20 nodes of the network at random.
  dht_routing_table ours(own, t0);
  for (int i = 0; i < 20; ++i)
    ours.heard_from(net.nodes[rng() % net.nodes.size()].contact, true, t0);

  for (int round = 0; round < 10; ++round) {
    const auto target = random_node_id(rng);
    dht_lookup lookup(dht_lookup_kind::find_node, target, own, ours.closest(target, 8, t0));
    const auto stats = drive(lookup, net, 3);
    INFO("round " << round);
    REQUIRE(lookup.done());
    CHECK(stats.max_in_flight == 3);
    CHECK(lookup.closest_responded() == net.truly_closest_alive(target, 8));
    CHECK(lookup.queries_sent() < 80);
  }
}

TEST_CASE("bootstrapping from one address finds our neighbourhood", "[dht_lookup][sim]") {
  network net(300, 99, 0.05);
  std::mt19937_64 rng(3);
  const dht_node_id own = random_node_id(rng);
  std::size_t router = 0;
  while (!net.nodes[router].alive)
    ++router;
  dht_lookup_config cfg;
  cfg.alpha = 5;
  dht_lookup lookup(dht_lookup_kind::find_node, own, own, {}, {net.nodes[router].contact.address},
                    cfg);
  const auto stats = drive(lookup, net, 5);
  REQUIRE(lookup.done());
  CHECK(stats.max_in_flight <= 5);
  CHECK(lookup.closest_responded() == net.truly_closest_alive(own, 8));
}

TEST_CASE("get_peers over the simulated network: peers and announce targets", "[dht_lookup][sim]") {
  network net(400, 31337, 0.1);
  std::mt19937_64 rng(11);
  const dht_node_id own = random_node_id(rng);
  const dht_node_id info_hash = random_node_id(rng);
  // The 8 closest live nodes store two peers each.
  const auto holders = net.truly_closest_alive(info_hash, 8);
  std::set<peer_address> expected_peers;
  for (std::size_t i = 0; i < holders.size(); ++i) {
    auto& node = net.nodes[net.index.at(holders[i].address)];
    for (std::uint32_t j = 0; j < 2; ++j) {
      node.peers.push_back(address_of(100'000 + static_cast<std::uint32_t>(i) * 2 + j));
      expected_peers.insert(node.peers.back());
    }
  }
  std::vector<dht_contact> start;
  for (int i = 0; i < 8; ++i)
    start.push_back(net.nodes[rng() % net.nodes.size()].contact);
  dht_lookup lookup(dht_lookup_kind::get_peers, info_hash, own, start);
  const auto stats = drive(lookup, net, 3);
  REQUIRE(lookup.done());
  CHECK(stats.max_in_flight <= 3);
  CHECK(std::set<peer_address>(lookup.peers().begin(), lookup.peers().end()) == expected_peers);
  const auto targets = lookup.announce_targets();
  REQUIRE(targets.size() == 8);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    CHECK(targets[i].node == holders[i]);
    CHECK(targets[i].token == "tok" + std::to_string(net.index.at(holders[i].address)));
  }
}

}  // namespace dht_lookup_test
