#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "engine/dht_routing_table.hpp"

// Named: the file shares a unity batch with other tests.
namespace dht_routing_table_test {

using namespace actorrent;
using namespace std::chrono_literals;
using result = dht_routing_table::insert_result;

namespace {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::hours(1000);

// Distinct public IPv4 addresses, one per call.
peer_address next_address() {
  static std::uint32_t n = 0;
  ++n;
  return peer_address::v4_address({20, static_cast<std::uint8_t>(n >> 16),
                                   static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)},
                                  6881);
}

struct fixture {
  std::mt19937_64 rng{12345};
  dht_node_id own = random_node_id(rng);
  dht_routing_table table{own, t0};

  // A contact whose id shares exactly `prefix` bits with ours.
  dht_contact at_prefix(std::size_t prefix) {
    return {random_id_at_prefix(own, prefix, rng), next_address()};
  }
  dht_node_state state_of(const dht_contact& c, engine_clock::time_point now) {
    const auto* e = table.find(c.id);
    REQUIRE(e);
    return table.state(*e, now);
  }
};

std::set<dht_node_id> ids_of(const std::vector<dht_contact>& contacts) {
  std::set<dht_node_id> ids;
  for (const auto& c : contacts)
    ids.insert(c.id);
  return ids;
}

}  // namespace

TEST_CASE("k nodes fill a bucket; only the bucket holding our id splits", "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  CHECK(t.bucket_count() == 1);
  std::vector<dht_contact> far;
  for (int i = 0; i < 8; ++i) {
    far.push_back(f.at_prefix(0));
    CHECK(t.heard_from(far.back(), true, t0) == result::added);
  }
  CHECK(t.size() == 8);
  CHECK(t.bucket_count() == 1);

  // A ninth far node: the only bucket holds our id, so it splits, but every node shares 0
  // bits with us and stays in bucket 0, full of good nodes: the newcomer waits.
  const auto ninth = f.at_prefix(0);
  CHECK(t.heard_from(ninth, true, t0) == result::replacement);
  CHECK(t.bucket_count() == 2);
  CHECK(t.bucket_nodes(0).size() == 8);
  CHECK(t.bucket_nodes(1).empty());
  CHECK(t.bucket_replacements(0).size() == 1);

  // Bucket 0 no longer holds our id: it never splits again.
  for (int i = 0; i < 20; ++i)
    t.heard_from(f.at_prefix(0), true, t0);
  CHECK(t.bucket_count() == 2);
  CHECK(t.bucket_nodes(0).size() == 8);
  CHECK(t.bucket_replacements(0).size() == 8);  // bounded

  // Nodes nearer to us fill the last bucket, which splits as it overflows.
  for (int i = 0; i < 8; ++i)
    CHECK(t.heard_from(f.at_prefix(1), true, t0) == result::added);
  CHECK(t.bucket_count() == 2);
  CHECK(t.heard_from(f.at_prefix(3), true, t0) == result::added);  // splits to 1 | 2+
  CHECK(t.bucket_count() == 3);
  CHECK(t.bucket_nodes(1).size() == 8);
  CHECK(t.bucket_nodes(2).size() == 1);
  CHECK(t.bucket_index(f.at_prefix(100).id) == 2);
  CHECK(t.check_invariants().empty());
}

TEST_CASE("a split moves replacement candidates with their nodes and fills the room",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  // Eight nodes near us fill the single bucket; four more wait as candidates, two of them far.
  for (int i = 0; i < 8; ++i)
    t.heard_from(f.at_prefix(5), true, t0);
  dht_routing_config no_split;
  no_split.max_buckets = 1;
  dht_routing_table one(f.own, t0, no_split);
  for (int i = 0; i < 8; ++i)
    one.heard_from(f.at_prefix(5), true, t0);
  CHECK(one.heard_from(f.at_prefix(0), true, t0) == result::replacement);
  CHECK(one.bucket_count() == 1);

  CHECK(t.heard_from(f.at_prefix(0), true, t0) == result::added);  // split 0 | 1+
  CHECK(t.bucket_count() == 2);
  CHECK(t.bucket_nodes(0).size() == 1);
  CHECK(t.bucket_nodes(1).size() == 8);
  CHECK(t.check_invariants().empty());
}

TEST_CASE("node states: good, questionable after 15 minutes, bad after two failures",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  const auto n = f.at_prefix(0);
  t.heard_from(n, true, t0);
  CHECK(f.state_of(n, t0) == dht_node_state::good);
  CHECK(f.state_of(n, t0 + 15min - 1s) == dht_node_state::good);
  CHECK(f.state_of(n, t0 + 15min) == dht_node_state::questionable);
  // Having answered once, a query from it makes it good again (BEP 5's second rule)...
  CHECK(t.heard_from(n, false, t0 + 20min) == result::updated);
  CHECK(f.state_of(n, t0 + 20min) == dht_node_state::good);
  CHECK(f.state_of(n, t0 + 35min) == dht_node_state::questionable);
  // ... while a node that only ever queried us stays questionable.
  const auto talker = f.at_prefix(0);
  t.heard_from(talker, false, t0);
  CHECK(f.state_of(talker, t0) == dht_node_state::questionable);

  t.heard_from(n, true, t0 + 40min);
  CHECK(t.node_failed(n, t0 + 41min) == dht_node_state::good);  // one failure is not enough
  CHECK(t.node_failed(n, t0 + 42min) == dht_node_state::bad);
  CHECK(f.state_of(n, t0 + 42min) == dht_node_state::bad);  // kept: nobody to replace it
  // An answer clears the failures.
  t.heard_from(n, true, t0 + 43min);
  CHECK(f.state_of(n, t0 + 43min) == dht_node_state::good);
  CHECK(t.find(n.id)->failures == 0);

  // Failures reported for an unknown node, or from the wrong address, change nothing.
  CHECK_FALSE(t.node_failed(f.at_prefix(0), t0));
  CHECK_FALSE(t.node_failed({n.id, next_address()}, t0));
  CHECK(t.find(n.id)->failures == 0);
}

TEST_CASE("a bad node gives its place to the best replacement, or to the next newcomer",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  t.heard_from(f.at_prefix(20), true, t0);  // split once so that bucket 0 is a plain bucket
  std::vector<dht_contact> nodes;
  for (int i = 0; i < 8; ++i) {
    nodes.push_back(f.at_prefix(0));
    t.heard_from(nodes.back(), true, t0);
  }
  REQUIRE(t.bucket_count() >= 2);
  REQUIRE(t.bucket_nodes(0).size() == 8);

  // Candidates: one that only queried us, one that answered (the better), one older answerer.
  const auto talker = f.at_prefix(0), answerer = f.at_prefix(0), old = f.at_prefix(0);
  CHECK(t.heard_from(old, true, t0 - 30min) == result::replacement);
  CHECK(t.heard_from(talker, false, t0 + 2min) == result::replacement);
  CHECK(t.heard_from(answerer, true, t0 + 1min) == result::replacement);

  t.node_failed(nodes[3], t0 + 3min);
  CHECK(t.find(nodes[3].id));
  CHECK(t.node_failed(nodes[3], t0 + 3min) == dht_node_state::bad);
  CHECK_FALSE(t.find(nodes[3].id));  // replaced at once
  CHECK(t.find(answerer.id));        // by the candidate that answered most recently
  CHECK(t.bucket_replacements(0).size() == 2);

  // Replacement candidates that fail twice are dropped.
  t.node_failed(old, t0 + 4min);
  t.node_failed(old, t0 + 4min);
  CHECK(t.bucket_replacements(0).size() == 1);
  t.node_failed(talker, t0 + 4min);
  t.node_failed(talker, t0 + 4min);
  CHECK(t.bucket_replacements(0).empty());

  // No candidate left: a bad node stays until a newcomer takes its place.
  t.node_failed(nodes[5], t0 + 5min);
  CHECK(t.node_failed(nodes[5], t0 + 5min) == dht_node_state::bad);
  CHECK(t.find(nodes[5].id));
  const auto newcomer = f.at_prefix(0);
  CHECK(t.heard_from(newcomer, false, t0 + 6min) == result::added);
  CHECK_FALSE(t.find(nodes[5].id));
  CHECK(t.find(newcomer.id));
  CHECK(t.check_invariants().empty());
}

TEST_CASE("a full replacement cache takes answerers over nodes that only queried",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  t.heard_from(f.at_prefix(20), true, t0);
  for (int i = 0; i < 8; ++i)
    t.heard_from(f.at_prefix(0), true, t0);
  for (int i = 0; i < 8; ++i)
    REQUIRE(t.heard_from(f.at_prefix(0), true, t0) == result::replacement);
  // A flood of nodes that merely query us cannot push out candidates that answered.
  for (int i = 0; i < 50; ++i)
    CHECK(t.heard_from(f.at_prefix(0), false, t0 + 1min) == result::ignored);
  // A fresher answerer replaces the stalest candidate.
  const auto fresh = f.at_prefix(0);
  CHECK(t.heard_from(fresh, true, t0 + 2min) == result::replacement);
  const auto& cache = t.bucket_replacements(0);
  CHECK(std::any_of(cache.begin(), cache.end(),
                    [&](const dht_node_entry& e) { return e.contact.id == fresh.id; }));
  CHECK(cache.size() == 8);
}

TEST_CASE("conflicting ids and addresses are ignored; our own id never enters",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  CHECK(t.heard_from({f.own, next_address()}, true, t0) == result::ignored);

  const auto x = f.at_prefix(0);
  CHECK(t.heard_from(x, true, t0) == result::added);
  // The same id from another address: a spoof, or a node that moved; the entry stays.
  CHECK(t.heard_from({x.id, next_address()}, true, t0) == result::ignored);
  CHECK(t.find(x.id)->contact.address == x.address);
  // Another id at the same address: ignored while the first is not bad...
  const dht_contact y{random_id_at_prefix(f.own, 0, f.rng), x.address};
  CHECK(t.heard_from(y, true, t0) == result::ignored);
  CHECK_FALSE(t.find(y.id));
  // ... and takes its place once it is.
  t.node_failed(x, t0);
  t.node_failed(x, t0);
  CHECK(t.heard_from(y, true, t0) == result::added);
  CHECK_FALSE(t.find(x.id));
  CHECK(t.find(y.id));
  CHECK(t.check_invariants().empty());
}

TEST_CASE("nodes to ping: the least recently seen questionable node per bucket",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  const auto a = f.at_prefix(0), b = f.at_prefix(0), c = f.at_prefix(0);
  t.heard_from(a, false, t0);
  t.heard_from(b, false, t0 + 1s);
  t.heard_from(c, true, t0 + 2s);  // good: not pinged
  CHECK(t.nodes_to_ping(t0 + 3s) == std::vector<dht_contact>{a});
  CHECK(t.nodes_to_ping(t0 + 4s) == std::vector<dht_contact>{b});  // a is awaiting its answer
  CHECK(t.nodes_to_ping(t0 + 5s).empty());
  // a's ping timed out: "try once more" right away.
  CHECK(t.node_failed(a, t0 + 10s) == dht_node_state::questionable);
  CHECK(t.nodes_to_ping(t0 + 10s) == std::vector<dht_contact>{a});
  CHECK(t.node_failed(a, t0 + 20s) == dht_node_state::bad);
  // b never answered nor failed: pinged again after ping_retry.
  CHECK(t.nodes_to_ping(t0 + 30s).empty());
  CHECK(t.nodes_to_ping(t0 + 4s + 1min) == std::vector<dht_contact>{b});
  // b answers; 15 minutes later c and b are questionable, c seen before b.
  t.heard_from(b, true, t0 + 2min);
  CHECK(t.nodes_to_ping(t0 + 16min) == std::vector<dht_contact>{c});
  t.heard_from(c, true, t0 + 16min + 1s);  // c answers the ping
  CHECK(t.nodes_to_ping(t0 + 17min + 1s) == std::vector<dht_contact>{b});

  // One per bucket: a node in another bucket is pinged in the same round.
  const auto near = f.at_prefix(40);
  for (int i = 0; i < 8; ++i)
    t.heard_from(f.at_prefix(0), true, t0 + 20min);  // splits: bucket 0 | 1+
  t.heard_from(near, false, t0 + 20min);
  REQUIRE(t.bucket_count() >= 2);
  const auto round = t.nodes_to_ping(t0 + 30min);
  CHECK(ids_of(round).count(near.id) == 1);
  CHECK(round.size() == 2);
}

TEST_CASE("buckets unchanged for 15 minutes get a refresh target inside them",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  for (std::size_t prefix : {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 9})
    t.heard_from(f.at_prefix(prefix), true, t0);
  REQUIRE(t.bucket_count() == 3);
  CHECK(t.refresh_targets(t0 + 14min, f.rng).empty());
  t.heard_from(t.bucket_nodes(1)[0].contact, true, t0 + 10min);  // bucket 1 changed later

  const auto targets = t.refresh_targets(t0 + 15min, f.rng);
  REQUIRE(targets.size() == 2);
  CHECK(t.bucket_index(targets[0]) == 0);
  CHECK(common_prefix_length(targets[0], f.own) == 0);
  CHECK(t.bucket_index(targets[1]) == 2);
  CHECK(common_prefix_length(targets[1], f.own) >= 2);
  CHECK(t.refresh_targets(t0 + 16min, f.rng).empty());  // just refreshed
  const auto later = t.refresh_targets(t0 + 25min, f.rng);
  REQUIRE(later.size() == 1);
  CHECK(t.bucket_index(later[0]) == 1);
}

TEST_CASE("closest nodes: by distance, bad ones never, confirmed ones on request",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  std::vector<dht_contact> all;
  for (int i = 0; i < 300; ++i) {
    const auto c = f.at_prefix(f.rng() % 12);
    if (t.heard_from(c, i % 3 != 0, t0) == result::added) all.push_back(c);
  }
  REQUIRE(t.size() == all.size());
  // Some go bad.
  std::set<dht_node_id> bad;
  for (std::size_t i = 0; i < all.size(); i += 5) {
    t.node_failed(all[i], t0);
    if (t.node_failed(all[i], t0) == dht_node_state::bad && t.find(all[i].id))
      bad.insert(all[i].id);
  }
  for (int round = 0; round < 20; ++round) {
    const auto target = random_node_id(f.rng);
    std::vector<dht_contact> expected, confirmed;
    for (std::size_t b = 0; b < t.bucket_count(); ++b)
      for (const auto& e : t.bucket_nodes(b)) {
        if (bad.count(e.contact.id)) continue;
        expected.push_back(e.contact);
        if (e.last_response) confirmed.push_back(e.contact);
      }
    const auto by_distance = [&](const dht_contact& a, const dht_contact& b) {
      return closer_to(target, a.id, b.id);
    };
    std::sort(expected.begin(), expected.end(), by_distance);
    std::sort(confirmed.begin(), confirmed.end(), by_distance);
    expected.resize(std::min<std::size_t>(8, expected.size()));
    confirmed.resize(std::min<std::size_t>(8, confirmed.size()));
    CHECK(t.closest(target, 8, t0) == expected);
    CHECK(t.closest(target, 8, t0, true) == confirmed);
  }
  CHECK(t.closest(f.own, 1000, t0).size() == t.size() - bad.size());
  CHECK(t.closest(f.own, 0, t0).empty());
}

TEST_CASE("the table stays bounded under a flood of ids near and far", "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  for (int i = 0; i < 100'000; ++i) {
    const std::size_t prefix = i % 2 ? f.rng() % 160 : f.rng() % 8;
    const auto c = f.at_prefix(prefix);
    t.heard_from(c, f.rng() % 2, t0 + std::chrono::seconds(i));
    if (i % 7 == 0) t.node_failed(c, t0 + std::chrono::seconds(i));
    if (i % 10'000 == 0) REQUIRE(t.check_invariants().empty());
  }
  CHECK(t.check_invariants().empty());
  CHECK(t.bucket_count() <= 160);
  CHECK(t.size() + t.replacement_count() <= t.max_entries());
  CHECK(t.size() <= 160 * 8);
  // Random prefixes up to 160 bits make the table split all the way down, and no further.
  CHECK(t.bucket_count() > 20);
}

TEST_CASE("save and load: a round trip keeps our id and the nodes that are not bad",
          "[dht_routing_table]") {
  fixture f;
  auto& t = f.table;
  std::set<dht_node_id> kept;
  for (int i = 0; i < 60; ++i) {
    auto c = f.at_prefix(f.rng() % 6);
    if (i % 4 == 0) c.address = *peer_address::parse_ip("2001:db8::" + std::to_string(i + 1), 6881);
    if (t.heard_from(c, true, t0) == result::added) kept.insert(c.id);
  }
  // A node of a bucket without candidates turns bad: it stays in its bucket but is not saved.
  std::size_t quiet = 0;
  while (quiet < t.bucket_count() &&
         (t.bucket_nodes(quiet).empty() || !t.bucket_replacements(quiet).empty()))
    ++quiet;
  REQUIRE(quiet < t.bucket_count());
  const auto victim = t.bucket_nodes(quiet)[0].contact;
  t.node_failed(victim, t0);
  REQUIRE(t.node_failed(victim, t0) == dht_node_state::bad);
  REQUIRE(t.find(victim.id));
  kept.erase(victim.id);
  const auto blob = t.save();
  auto loaded = dht_routing_table::load(blob, t0 + 1h);
  REQUIRE(loaded);
  CHECK(loaded->own_id() == f.own);
  std::set<dht_node_id> reloaded;
  for (std::size_t b = 0; b < loaded->bucket_count(); ++b)
    for (const auto& e : loaded->bucket_nodes(b)) {
      reloaded.insert(e.contact.id);
      CHECK(loaded->state(e, t0 + 1h) == dht_node_state::questionable);  // ping before trusting
      const auto* original = t.find(e.contact.id);
      REQUIRE(original);
      CHECK(original->contact.address == e.contact.address);
    }
  CHECK(reloaded == kept);
  CHECK(loaded->check_invariants().empty());
  // Saving the reloaded table saves the same nodes.
  auto again = dht_routing_table::load(loaded->save(), t0 + 2h);
  REQUIRE(again);
  CHECK(again->size() == loaded->size());

  // An empty table round-trips too.
  dht_routing_table empty(f.own, t0);
  auto e = dht_routing_table::load(empty.save(), t0);
  REQUIRE(e);
  CHECK(e->size() == 0);
  CHECK(e->own_id() == f.own);
}

TEST_CASE("load refuses a malformed blob, naming the key and the byte", "[dht_routing_table]") {
  const auto error_of = [](std::string_view blob) {
    auto t = dht_routing_table::load(blob, t0);
    return t ? std::string("(loaded)") : t.error().to_string();
  };
  const std::string id20(20, 'i');
  CHECK(error_of("") == "bencode: unexpected end of input at byte 0");
  CHECK(error_of("garbage").rfind("bencode: ", 0) == 0);
  CHECK(error_of("le") == "saved table is not a dictionary at byte 0");
  CHECK(error_of("de") == "id: missing at byte 0");
  CHECK(error_of("d2:idi5ee") == "id: not a string at byte 5");
  CHECK(error_of("d2:id19:" + std::string(19, 'i') + "e") == "id: 19 bytes, expected 20 at byte 5");
  CHECK(error_of("d2:id20:" + id20 + "5:nodes27:" + std::string(27, 'n') + "e") ==
        "nodes: 27 bytes, not a multiple of 26 at byte 35");
  CHECK(error_of("d2:id20:" + id20 + "6:nodes6i0ee") == "nodes6: not a string at byte 36");
  CHECK(error_of("d2:id20:" + id20 + "6:nodes626:" + std::string(26, 'n') + "e") ==
        "nodes6: 26 bytes, not a multiple of 38 at byte 36");
  CHECK(error_of("d2:id20:" + id20 + "e") == "(loaded)");
  CHECK(error_of(std::string(600 * 1024, 'x')) ==
        "saved table of 614400 bytes exceeds the limit of 524288 at byte 524288");

  // Unreachable entries (port 0) and our own id are skipped, unknown keys ignored.
  std::string nodes;
  append_compact_node({dht_node_id::from_bytes(id20), peer_address::v4_address({1, 2, 3, 4}, 1)},
                      nodes);
  append_compact_node(
      {dht_node_id::from_bytes(std::string(20, 'a')), peer_address::v4_address({1, 2, 3, 5}, 0)},
      nodes);
  append_compact_node(
      {dht_node_id::from_bytes(std::string(20, 'b')), peer_address::v4_address({1, 2, 3, 6}, 2)},
      nodes);
  auto t = dht_routing_table::load("d2:id20:" + id20 + "5:nodes78:" + nodes + "7:versioni2ee", t0);
  REQUIRE(t);
  CHECK(t->size() == 1);
  CHECK(t->find(dht_node_id::from_bytes(std::string(20, 'b'))));
}

}  // namespace dht_routing_table_test
