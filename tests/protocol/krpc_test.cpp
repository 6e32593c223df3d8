#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "protocol/krpc.hpp"

// Named: the file shares a unity batch with other tests.
namespace krpc_test {

using namespace actorrent;

namespace {

sha1_hash id_of(std::string_view twenty) {
  return sha1_hash::from_bytes(twenty);
}

const sha1_hash abc_id = id_of("abcdefghij0123456789");
const sha1_hash mno_id = id_of("mnopqrstuvwxyz123456");

krpc_message query_message(krpc_query q, std::string t = "aa") {
  krpc_message m;
  m.transaction_id = std::move(t);
  m.body = std::move(q);
  return m;
}

krpc_message response_message(krpc_response r, std::string t = "aa") {
  krpc_message m;
  m.transaction_id = std::move(t);
  m.body = std::move(r);
  return m;
}

std::string error_of(std::string_view datagram, const krpc_limits& limits = {}) {
  auto decoded = decode_krpc(datagram, limits);
  if (decoded) return "(decoded successfully)";
  return decoded.error().to_string();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

peer_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                std::uint16_t port) {
  return peer_address::v4_address({a, b, c, d}, port);
}

}  // namespace

// --- BEP 5's example packets, written out by hand from the spec's text. -----------------------

TEST_CASE("BEP 5 ping query and response, byte for byte", "[krpc]") {
  const std::string query = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
  CHECK(encode(query_message(ping_query{abc_id})) == query);
  auto q = decode_krpc(query);
  REQUIRE(q);
  CHECK(q->transaction_id == "aa");
  REQUIRE(q->is_query());
  CHECK(method_of(q->query()) == krpc_method::ping);
  CHECK(sender_id(q->query()) == abc_id);
  CHECK_FALSE(q->version);
  CHECK_FALSE(q->ip);

  const std::string response = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
  CHECK(encode(response_message(krpc_response{mno_id, {}, {}, {}, {}})) == response);
  auto r = decode_krpc(response);
  REQUIRE(r);
  REQUIRE(r->is_response());
  CHECK(r->response().id == mno_id);
  CHECK(r->response().nodes.empty());
  CHECK(r->response().values.empty());
  CHECK_FALSE(r->response().token);
}

TEST_CASE("BEP 5 find_node query, and its response with a real 26-byte node", "[krpc]") {
  const std::string query =
      "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:"
      "y1:qe";
  CHECK(encode(query_message(find_node_query{abc_id, mno_id})) == query);
  auto q = decode_krpc(query);
  REQUIRE(q);
  const auto* f = std::get_if<find_node_query>(&q->query());
  REQUIRE(f);
  CHECK(f->id == abc_id);
  CHECK(f->target == mno_id);

  // The spec's response has "def456..." (9 bytes) standing for the nodes: a placeholder, which
  // a decoder must refuse since compact node info comes in 26-byte entries.
  const std::string spec_response =
      "d1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re";
  auto refused = decode_krpc(spec_response);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "r.nodes: 9 bytes, not a multiple of 26");
  CHECK(refused.error().offset == 39);
  CHECK(refused.error().transaction_id == std::string("aa"));
  CHECK(refused.error().message_type == 'r');
  CHECK_FALSE(refused.error().should_reply());  // responses are never answered

  // The same response with one real node: 20 id bytes, 1.2.3.4, port 0x1ae1 = 6881.
  const std::string node = std::string("ABCDEFGHIJKLMNOPQRST") + "\x01\x02\x03\x04\x1a\xe1";
  const std::string response =
      "d1:rd2:id20:0123456789abcdefghij5:nodes26:" + node + "e1:t2:aa1:y1:re";
  krpc_response expected;
  expected.id = id_of("0123456789abcdefghij");
  expected.nodes = {{id_of("ABCDEFGHIJKLMNOPQRST"), v4(1, 2, 3, 4, 6881)}};
  CHECK(encode(response_message(expected)) == response);
  auto r = decode_krpc(response);
  REQUIRE(r);
  CHECK(r->response().id == expected.id);
  CHECK(r->response().nodes == expected.nodes);
}

TEST_CASE("BEP 5 get_peers query and its response with values, byte for byte", "[krpc]") {
  const std::string query =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:"
      "aa1:y1:qe";
  CHECK(encode(query_message(get_peers_query{abc_id, mno_id})) == query);
  auto q = decode_krpc(query);
  REQUIRE(q);
  const auto* g = std::get_if<get_peers_query>(&q->query());
  REQUIRE(g);
  CHECK(g->info_hash == mno_id);

  const std::string response =
      "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:"
      "re";
  auto r = decode_krpc(response);
  REQUIRE(r);
  const auto& resp = r->response();
  CHECK(resp.id == abc_id);
  CHECK(resp.token == std::string("aoeusnth"));
  // "axje.u": 'a' 'x' 'j' 'e' = 97.120.106.101, port '.' 'u' = 0x2e75 = 11893.
  REQUIRE(resp.values.size() == 2);
  CHECK(resp.values[0] == v4(97, 120, 106, 101, 0x2e75));
  CHECK(resp.values[1] == v4('i', 'd', 'h', 't', ('n' << 8) | 'm'));
  CHECK(encode(*r) == response);

  // The "closest nodes" variant again has a placeholder for its nodes.
  const std::string with_nodes =
      "d1:rd2:id20:abcdefghij01234567895:nodes9:def456...5:token8:aoeusnthe1:t2:aa1:y1:re";
  CHECK(error_of(with_nodes) == "r.nodes: 9 bytes, not a multiple of 26 at byte 39");
}

TEST_CASE("BEP 5 announce_peer query, byte for byte, and implied_port", "[krpc]") {
  // The spec's JSON shows implied_port: 1, but its bencoded form leaves the key out: the
  // bencoded bytes are what an implied_port = 0 query encodes to.
  const std::string query =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:"
      "aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  announce_peer_query ap{abc_id, mno_id, 6881, false, "aoeusnth"};
  CHECK(encode(query_message(ap)) == query);
  auto q = decode_krpc(query);
  REQUIRE(q);
  const auto* a = std::get_if<announce_peer_query>(&q->query());
  REQUIRE(a);
  CHECK(a->port == 6881);
  CHECK_FALSE(a->implied_port);
  CHECK(a->token == "aoeusnth");

  ap.implied_port = true;
  const std::string implied =
      "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:"
      "porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  CHECK(encode(query_message(ap)) == implied);
  auto qi = decode_krpc(implied);
  REQUIRE(qi);
  CHECK(std::get<announce_peer_query>(qi->query()).implied_port);

  // With implied_port the port may be left out (the source port is used).
  auto no_port = decode_krpc(
      "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234565:"
      "token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe");
  REQUIRE(no_port);
  CHECK(std::get<announce_peer_query>(no_port->query()).port == 0);

  const std::string response = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
  CHECK(decode_krpc(response));
}

TEST_CASE("BEP 5 error packet, byte for byte", "[krpc]") {
  const std::string packet = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";
  krpc_message m;
  m.transaction_id = "aa";
  m.body = krpc_error{201, "A Generic Error Ocurred"};
  CHECK(encode(m) == packet);
  auto e = decode_krpc(packet);
  REQUIRE(e);
  REQUIRE(e->is_error());
  CHECK(e->error().code == 201);
  CHECK(e->error().message == "A Generic Error Ocurred");
}

// --- Round trips ------------------------------------------------------------------------------

TEST_CASE("round trip of every message kind with v, ip, nodes6 and IPv6 values", "[krpc]") {
  const auto v6peer = *peer_address::parse_ip("2001:db8::1", 51413);
  std::vector<krpc_message> messages;
  messages.push_back(query_message(ping_query{abc_id}, std::string("\x00\xff", 2)));
  messages.push_back(query_message(find_node_query{abc_id, mno_id}, "x"));
  messages.push_back(query_message(get_peers_query{mno_id, abc_id}, "0123456789abcdef"));
  messages.push_back(query_message(announce_peer_query{abc_id, mno_id, 1, true, "t"}));
  krpc_response full;
  full.id = mno_id;
  full.nodes = {{abc_id, v4(10, 0, 0, 1, 1)}, {mno_id, v4(255, 255, 255, 255, 65535)}};
  full.nodes6 = {{abc_id, v6peer}};
  full.values = {v4(1, 2, 3, 4, 5), v6peer};
  full.token = std::string(64, '\xab');
  messages.push_back(response_message(full));
  krpc_message err;
  err.transaction_id = "zz";
  err.body = krpc_error{204, "Method Unknown"};
  messages.push_back(err);
  for (auto& m : messages) {
    m.version = "AT01";
    m.ip = v4(203, 0, 113, 7, 6881);
  }

  for (const auto& m : messages) {
    const auto bytes = encode(m);
    auto back = decode_krpc(bytes);
    INFO(bytes);
    REQUIRE(back);
    CHECK(encode(*back) == bytes);
    CHECK(back->transaction_id == m.transaction_id);
    CHECK(back->version == m.version);
    CHECK(back->ip == m.ip);
    CHECK(back->body.index() == m.body.index());
  }
  auto r = decode_krpc(encode(messages[4]));
  REQUIRE(r);
  CHECK(r->response().nodes == full.nodes);
  CHECK(r->response().nodes6 == full.nodes6);
  CHECK(r->response().values == full.values);
  CHECK(r->response().token == full.token);
}

TEST_CASE("the encoder files each contact under its own family's key", "[krpc]") {
  krpc_response r;
  r.id = abc_id;
  const auto v6peer = *peer_address::parse_ip("::1", 6881);
  r.nodes = {{mno_id, v6peer}};  // misplaced: an IPv6 contact in the IPv4 list
  auto back = decode_krpc(encode(response_message(r)));
  REQUIRE(back);
  CHECK(back->response().nodes.empty());
  CHECK(back->response().nodes6 == std::vector<dht_contact>{{mno_id, v6peer}});
}

TEST_CASE("compact node info helpers", "[krpc]") {
  std::string bytes;
  append_compact_node({abc_id, v4(1, 2, 3, 4, 0x1234)}, bytes);
  CHECK(bytes.size() == compact_node_v4_size);
  CHECK(bytes.substr(20) == std::string("\x01\x02\x03\x04\x12\x34", 6));
  auto nodes = parse_compact_nodes_v4(bytes + bytes);
  REQUIRE(nodes);
  CHECK(nodes->size() == 2);
  CHECK_FALSE(parse_compact_nodes_v4(bytes.substr(1)));
  CHECK_FALSE(parse_compact_nodes_v6(bytes));
  CHECK(parse_compact_nodes_v6("")->empty());
}

// --- Hostile input ----------------------------------------------------------------------------

TEST_CASE("unknown keys are ignored, at the top level and in arguments", "[krpc]") {
  auto q = decode_krpc(
      "d1:ad2:id20:abcdefghij01234567894:wantl2:n42:n6e6:target20:mnopqrstuvwxyz123456e"
      "2:roi1e1:q9:find_node1:t2:aa1:y1:q1:zd1:xli1eeee");
  REQUIRE(q);
  CHECK(std::get<find_node_query>(q->query()).target == mno_id);
  // An odd "v" is informational only: ignored, not refused.
  auto v = decode_krpc("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:vi5e1:y1:qe");
  REQUIRE(v);
  CHECK_FALSE(v->version);
}

TEST_CASE("wrong types and sizes are refused, naming the key and the byte", "[krpc]") {
  CHECK(error_of("d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe") ==
        "a.id: 19 bytes, expected 20 at byte 9");
  CHECK(error_of("d1:ad2:id21:abcdefghij0123456789Xe1:q4:ping1:t2:aa1:y1:qe") ==
        "a.id: 21 bytes, expected 20 at byte 9");
  CHECK(error_of("d1:ad2:idi5ee1:q4:ping1:t2:aa1:y1:qe") == "a.id: not a string at byte 9");
  CHECK(error_of("d1:ad1:xi1ee1:q4:ping1:t2:aa1:y1:qe") == "a.id: missing at byte 4");
  CHECK(error_of("d1:ali1ee1:q4:ping1:t2:aa1:y1:qe") == "a: not a dictionary at byte 4");
  CHECK(error_of("d1:q4:ping1:t2:aa1:y1:qe") == "a: missing at byte 0");
  CHECK(error_of("d1:ad2:id20:abcdefghij0123456789e1:qi1e1:t2:aa1:y1:qe") ==
        "q: not a string at byte 36");
  CHECK(error_of("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:ti7e1:y1:qe") ==
        "t: not a string at byte 45");
  CHECK(error_of("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe") == "t: missing at byte 0");
  CHECK(error_of("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:xe") ==
        "y: not one of \"q\", \"r\", \"e\" at byte 52");
  CHECK(error_of("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aae") == "y: missing at byte 0");
  CHECK(error_of("li1ee") == "message is not a dictionary at byte 0");
  CHECK(error_of("d1:rd2:id20:abcdefghij01234567896:valuesi1ee1:t2:aa1:y1:re") ==
        "r.values: not a list at byte 40");
  CHECK(error_of("d1:rd2:id20:abcdefghij01234567896:valuesl6:axje.u5:idhtnee1:t2:aa1:y1:re") ==
        "r.values[1]: 5 bytes, expected 6 (IPv4) or 18 (IPv6) at byte 49");
  CHECK(error_of("d1:rd2:id20:abcdefghij01234567896:valuesli1eee1:t2:aa1:y1:re") ==
        "r.values[0]: not a string at byte 41");
  CHECK(error_of("d1:rd2:id20:abcdefghij01234567896:nodes6i1ee1:t2:aa1:y1:re") ==
        "r.nodes6: not a string at byte 40");
  CHECK(error_of("d1:rd2:id20:abcdefghij01234567895:token0:e1:t2:aa1:y1:re") ==
        "r.token: empty at byte 39");
  CHECK(error_of("d1:rle1:t2:aa1:y1:re") == "r: not a dictionary at byte 4");
  CHECK(error_of("d1:eli201ee1:t2:aa1:y1:ee") == "(decoded successfully)");  // no message text
  CHECK(error_of("d1:el3:abce1:t2:aa1:y1:ee") == "e[0]: not an integer code at byte 5");
  CHECK(error_of("d1:ele1:t2:aa1:y1:ee") == "e[0]: not an integer code at byte 4");
  CHECK(error_of("d1:eli201ei5ee1:t2:aa1:y1:ee") == "e[1]: not a string at byte 10");
  CHECK(error_of("d1:e3:abc1:t2:aa1:y1:ee") == "e: not a list at byte 4");
  CHECK(error_of("d2:ip5:abcde1:rd2:id20:abcdefghij0123456789e1:t2:aa1:y1:re") ==
        "ip: 5 bytes, expected 6 (IPv4) or 18 (IPv6) at byte 5");
  // A duplicate key is ambiguous (which id?): the bencode decoder refuses it.
  CHECK(contains(error_of("d1:ad2:id20:abcdefghij01234567892:id20:abcdefghij0123456789e1:q4:"
                          "ping1:t2:aa1:y1:qe"),
                 "bencode: "));
}

TEST_CASE("announce_peer ports: negative, too large, zero, wrong type", "[krpc]") {
  const auto with_port = [](const std::string& port) {
    return "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:port" + port +
           "5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  };
  CHECK(error_of(with_port("i6881e")) == "(decoded successfully)");
  CHECK(error_of(with_port("i-1e")) == "a.port: -1 out of range (0 to 65535) at byte 72");
  CHECK(error_of(with_port("i65536e")) == "a.port: 65536 out of range (0 to 65535) at byte 72");
  CHECK(error_of(with_port("i0e")) == "a.port: 0 at byte 72");
  CHECK(error_of(with_port("4:6881")) == "a.port: not an integer at byte 72");
  auto e = decode_krpc(with_port("i-1e"));
  REQUIRE_FALSE(e);
  CHECK(e.error().should_reply());
  CHECK(e.error().reply_code == krpc_error_code::protocol);

  CHECK(error_of("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti1ee"
                 "1:q13:announce_peer1:t2:aa1:y1:qe") == "a.token: missing at byte 4");
  CHECK(error_of("d1:ad2:id20:abcdefghij012345678912:implied_port1:19:info_hash20:"
                 "mnopqrstuvwxyz1234564:porti1e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe") ==
        "a.implied_port: not an integer at byte 47");
}

TEST_CASE("an unknown method is answered with 204 and the transaction id", "[krpc]") {
  auto e = decode_krpc("d1:ad2:id20:abcdefghij0123456789e1:q3:get1:t2:xy1:y1:qe");
  REQUIRE_FALSE(e);
  CHECK(e.error().message == "q: unknown method 'get'");
  CHECK(e.error().reply_code == krpc_error_code::method_unknown);
  REQUIRE(e.error().should_reply());
  const auto reply = e.error().reply();
  CHECK(encode(reply) == "d1:eli204e23:q: unknown method 'get'e1:t2:xy1:y1:ee");
  // Unprintable method names are described, not echoed.
  CHECK(error_of(std::string("d1:ad2:id20:abcdefghij0123456789e1:q2:\x01\x02") +
                 "1:t2:xy1:y1:qe") == "q: unknown method of 2 bytes at byte 36");
}

TEST_CASE("size limits: datagram, transaction id, token, nodes, values", "[krpc]") {
  // One byte over the datagram limit.
  std::string big = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q1:z";
  const std::size_t pad = 1501 - big.size() - 1;
  big += std::to_string(pad - std::to_string(pad).size() - 1) + ":" +
         std::string(pad - std::to_string(pad).size() - 1, 'x') + "e";
  big.resize(1501, 'e');
  auto too_big = decode_krpc(big);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().message == "message of 1501 bytes exceeds the limit of 1500");
  CHECK(too_big.error().transaction_id == std::string("aa"));  // found by the lenient scan

  CHECK(error_of("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t17:01234567890123456" +
                 std::string("1:y1:qe")) == "t: 17 bytes exceeds the limit of 16 at byte 45");
  CHECK(error_of("d1:rd2:id20:abcdefghij01234567895:token65:" + std::string(65, 't') +
                 "e1:t2:aa1:y1:re") == "r.token: 65 bytes exceeds the limit of 64 at byte 39");

  krpc_limits roomy;
  roomy.max_message_size = 1 << 16;
  roomy.max_bencode_tokens = 10'000;
  krpc_response r;
  r.id = abc_id;
  for (int i = 0; i < 65; ++i)
    r.nodes.push_back({abc_id, v4(1, 1, 1, 1, static_cast<std::uint16_t>(i + 1))});
  CHECK(contains(error_of(encode(response_message(r)), roomy),
                 "r.nodes: 65 nodes exceed the limit of 64"));
  r.nodes.pop_back();
  CHECK(error_of(encode(response_message(r)), roomy) == "(decoded successfully)");
  r.nodes.clear();
  for (int i = 0; i < 201; ++i)
    r.values.push_back(v4(1, 1, 1, 1, static_cast<std::uint16_t>(i)));
  CHECK(error_of(encode(response_message(r)), roomy) ==
        "r.values: 201 entries exceed the limit of 200 at byte 40");
  // The default bencode token budget alone stops a list of 600 tiny items in 1500 bytes.
  std::string many = "d1:rd2:id20:abcdefghij01234567891:xl";
  for (int i = 0; i < 650; ++i)
    many += "0:";
  many += "ee1:t2:aa1:y1:re";
  CHECK(contains(error_of(many), "bencode: "));
}

TEST_CASE("every truncation of a valid query fails cleanly; the tail still yields t", "[krpc]") {
  const std::string query =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:"
      "aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  for (std::size_t n = 0; n < query.size(); ++n) {
    auto e = decode_krpc(query.substr(0, n));
    INFO("prefix of " << n << " bytes");
    REQUIRE_FALSE(e);
    CHECK(e.error().offset <= n);
    // Once "t" and "y" are complete, a lenient scan still finds them.
    if (n >= query.size() - 1) {
      CHECK(e.error().transaction_id == std::string("aa"));
      CHECK(e.error().message_type == 'q');
      CHECK(e.error().should_reply());
    }
    if (n < query.size() - 12) CHECK_FALSE(e.error().should_reply());
  }
}

TEST_CASE("random corruption never crashes and errors stay within the datagram", "[krpc]") {
  krpc_response r;
  r.id = abc_id;
  r.nodes = {{mno_id, v4(1, 2, 3, 4, 5)}};
  r.values = {v4(5, 6, 7, 8, 9)};
  r.token = "tok";
  const std::vector<std::string> seeds = {
      encode(response_message(r)),
      encode(query_message(announce_peer_query{abc_id, mno_id, 6881, true, "aoeusnth"})),
      "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee"};
  std::mt19937 rng(42);
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string m = seeds[round % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits; ++i) {
      const std::size_t at = rng() % m.size();
      switch (rng() % 3) {
        case 0:
          m[at] = static_cast<char>(rng());
          break;
        case 1:
          m.erase(at, 1 + rng() % 3);
          break;
        default:
          m.insert(at, 1, "0123456789:eild-"[rng() % 16]);
      }
      if (m.empty()) m = "d";
    }
    auto e = decode_krpc(m);
    if (e) {
      ++decoded;
      CHECK(decode_krpc(encode(*e)));  // whatever decodes re-encodes into something valid
    } else {
      CHECK(e.error().offset <= std::max<std::size_t>(m.size(), 1500));
      CHECK_FALSE(e.error().message.empty());
    }
  }
  CHECK(decoded > 0);
}

}  // namespace krpc_test
