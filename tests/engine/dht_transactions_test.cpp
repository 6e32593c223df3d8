#include <catch2/catch.hpp>

#include <set>

#include "engine/dht_transactions.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

// Named, not anonymous: the unit tests are unity-built (tests/CMakeLists.txt), and the
// helpers of another file of the batch have the same names.
namespace dht_transactions_test {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::hours(1000);

peer_address node(std::uint8_t n, std::uint16_t port = 6881) {
  return peer_address::v4_address({10, 0, 0, n}, port);
}

dht_pending_query query_to(const peer_address& a, std::uint64_t lookup = 0) {
  dht_pending_query q;
  q.address = a;
  q.method = krpc_method::get_peers;
  q.lookup = lookup;
  return q;
}

TEST_CASE("an answer closes its query only from the address the query went to",
          "[dht_transactions]") {
  dht_transactions t({}, 7);
  auto tid = t.open(query_to(node(1), 42), t0);
  REQUIRE(tid);
  CHECK(tid->size() == 2);
  CHECK_FALSE(t.close(*tid, node(2)));        // spoofed: another host
  CHECK_FALSE(t.close(*tid, node(1, 6882)));  // another port of the same host
  CHECK_FALSE(t.close("zz", node(1)));        // unknown id
  auto q = t.close(*tid, node(1));
  REQUIRE(q);
  CHECK(q->lookup == 42);
  CHECK(q->sent == t0);
  CHECK_FALSE(t.close(*tid, node(1)));  // answered once only
  CHECK(t.size() == 0);
}

TEST_CASE("pending queries are bounded and ids are unique among them", "[dht_transactions]") {
  dht_transactions t({4, 10s}, 0xfffe);  // wraps around while ids are in use
  std::set<std::string> ids;
  std::string first;
  for (std::uint8_t i = 1; i <= 4; ++i) {
    auto tid = t.open(query_to(node(i)), t0);
    REQUIRE(tid);
    if (i == 1) first = *tid;
    ids.insert(*tid);
  }
  CHECK(ids.size() == 4);
  CHECK_FALSE(t.has_room());
  CHECK_FALSE(t.open(query_to(node(9)), t0));
  CHECK(t.close(first, node(1)));
  CHECK(t.has_room());
}

TEST_CASE("queries unanswered past the timeout expire, the others stay", "[dht_transactions]") {
  dht_transactions t({16, 10s}, 1);
  auto a = t.open(query_to(node(1)), t0);
  auto b = t.open(query_to(node(2)), t0 + 5s);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(t.expire(t0 + 9s).empty());
  auto gone = t.expire(t0 + 10s);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].address == node(1));
  CHECK_FALSE(t.close(*a, node(1)));
  CHECK(t.close(*b, node(2)));
}

}  // namespace dht_transactions_test
