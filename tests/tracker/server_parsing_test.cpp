#include <catch2/catch.hpp>

#include "protocol/bencode.hpp"
#include "tracker/server/announce_query.hpp"
#include "tracker/server/connection_ids.hpp"
#include "tracker/server/listen_address.hpp"
#include "tracker/server/query_string.hpp"
#include "tracker/server/siphash.hpp"
#include "tracker/server/tracker_config.hpp"
#include "tracker/server/tracker_response.hpp"

// Named: the file shares a unity batch with other tests.
namespace server_parsing_test {

using namespace actorrent;
using namespace actorrent::server;
using namespace std::chrono_literals;

namespace {

std::string encoded(std::string_view raw) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

const std::string ih(20, '\x01');
const std::string pid = "-AT0001-abcdefghijkl";

std::string base_query() {
  return "info_hash=" + encoded(ih) + "&peer_id=" + pid + "&port=6881";
}

std::string failure_of(const std::string& query) {
  auto a = parse_announce_query(query);
  return a ? std::string("(accepted)") : a.error();
}

}  // namespace

TEST_CASE("siphash24 matches the reference test vector", "[tracker_server]") {
  siphash_key key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::string msg;
  for (int i = 0; i < 15; ++i)
    msg.push_back(static_cast<char>(i));
  CHECK(siphash24(key, msg) == 0xa129ca6149be45e5ULL);
  CHECK(siphash24(key, "") == 0x726fdb47dd0e0e31ULL);
}

TEST_CASE("percent decoding is strict", "[tracker_server]") {
  CHECK(*percent_decode("a%41%6a+b") == "aAj+b");
  CHECK(*percent_decode("%00%ff") == std::string("\0\xff", 2));
  CHECK_FALSE(percent_decode("%4"));
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%zz"));
  CHECK_FALSE(percent_decode("a b"));
  CHECK_FALSE(percent_decode("\xc3\xa9"));
  auto t = split_target("/announce?a=1");
  CHECK(t.path == "/announce");
  CHECK(t.query == "a=1");
  CHECK(split_target("/scrape").query.empty());
  auto q = parse_query("a=1&&b&c=%41", 10);
  REQUIRE(q);
  REQUIRE(q->size() == 3);
  CHECK((*q)[1].key == "b");
  CHECK((*q)[1].value.empty());
  CHECK((*q)[2].value == "A");
  CHECK_FALSE(parse_query("a=1&b=2&c=3", 2));
  auto bad = parse_query("info_hash=%G1", 10);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("info_hash") != std::string::npos);
}

TEST_CASE("announce query: the parameters BitTorrent clients send", "[tracker_server]") {
  auto a = parse_announce_query(base_query() +
                                "&uploaded=1&downloaded=2&left=3&event=started&compact=0"
                                "&no_peer_id=1&numwant=80&key=1a2B3c4D&supportcrypto=1");
  REQUIRE(a);
  CHECK(a->request.info_hash.view() == ih);
  CHECK(a->request.peer_id.view() == pid);
  CHECK(a->request.port == 6881);
  CHECK(a->request.uploaded == 1);
  CHECK(a->request.downloaded == 2);
  CHECK(a->request.left == 3);
  CHECK(a->request.event == announce_event::started);
  CHECK_FALSE(a->compact);
  CHECK(a->no_peer_id);
  CHECK(a->request.numwant == 80);
  CHECK(a->request.key == 0x1a2b3c4dU);
  CHECK_FALSE(a->ip);

  auto d = parse_announce_query(base_query());
  REQUIRE(d);
  CHECK(d->compact);
  CHECK(d->request.left == -1);
  CHECK(d->request.numwant == -1);
  CHECK(d->request.event == announce_event::none);
}

TEST_CASE("announce query: each malformed parameter is named", "[tracker_server]") {
  CHECK(failure_of("peer_id=" + pid + "&port=1") == "missing info_hash");
  CHECK(failure_of("info_hash=" + encoded(ih) + "&port=1") == "missing peer_id");
  CHECK(failure_of("info_hash=" + encoded(ih) + "&peer_id=" + pid) == "missing port");
  CHECK(failure_of("info_hash=" + encoded(ih.substr(1)) + "&peer_id=" + pid + "&port=1") ==
        "invalid info_hash: must be 20 bytes, got 19");
  CHECK(failure_of("info_hash=" + encoded(ih) + "&peer_id=abc&port=1") ==
        "invalid peer_id: must be 20 bytes, got 3");
  for (std::string port : {"0", "65536", "-1", "x", "", "99999999999999999999"})
    CHECK(failure_of("info_hash=" + encoded(ih) + "&peer_id=" + pid + "&port=" + port) ==
          "invalid port: must be an integer 1..65535");
  CHECK(failure_of(base_query() + "&left=ten") == "invalid left: must be a non-negative integer");
  CHECK(failure_of(base_query() + "&left=-5") == "invalid left: must be a non-negative integer");
  CHECK(failure_of(base_query() + "&uploaded=1.5") ==
        "invalid uploaded: must be a non-negative integer");
  CHECK(failure_of(base_query() + "&numwant=-1") ==
        "invalid numwant: must be a non-negative integer");
  CHECK(failure_of(base_query() + "&event=begun").find("invalid event") == 0);
  CHECK(failure_of(base_query() + "&compact=yes") == "invalid compact: must be 0 or 1");
  CHECK(failure_of(base_query() + "&port=1") == "duplicate parameter port");
  CHECK(failure_of(base_query() + "&info_hash=%zz").find("malformed info_hash") == 0);
}

TEST_CASE("scrape query: any number of info_hash up to a bound", "[tracker_server]") {
  auto none = parse_scrape_query("");
  REQUIRE(none);
  CHECK(none->empty());
  auto two = parse_scrape_query("info_hash=" + encoded(ih) +
                                "&info_hash=" + encoded(std::string(20, 'z')));
  REQUIRE(two);
  CHECK(two->size() == 2);
  CHECK_FALSE(parse_scrape_query("info_hash=abc"));
  std::string many;
  for (std::size_t i = 0; i <= max_scrape_hashes; ++i)
    many += "info_hash=" + encoded(ih) + "&";
  auto too_many = parse_scrape_query(many);
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().find("too many info_hash") == 0);
}

TEST_CASE("listen addresses: IPv4, bracketed IPv6, port 0; names refused", "[tracker_server]") {
  auto a = parse_listen_address("127.0.0.1:6969");
  REQUIRE(a);
  CHECK(a->ip.to_string() == "127.0.0.1");
  CHECK(a->port == 6969);
  auto b = parse_listen_address("[::1]:0");
  REQUIRE(b);
  CHECK(b->ip.is_v6());
  CHECK(b->port == 0);
  CHECK(to_string(b->ip, 7) == "[::1]:7");
  for (auto bad : {"::1:6969", "localhost:1", "1.2.3.4", "1.2.3.4:65536", "[::1]6969", "[::1",
                   "1.2.3.4:", "1.2.3.4:x"})
    CHECK_FALSE(parse_listen_address(bad));
  auto mapped = to_peer_address(boost::asio::ip::make_address("::ffff:10.1.2.3"), 5);
  CHECK_FALSE(mapped.v6);
  CHECK(mapped.to_string() == "10.1.2.3:5");
}

TEST_CASE("tracker config: keys, defaults, and errors naming the key", "[tracker_server]") {
  auto c = parse_tracker_config(R"({"http": "127.0.0.1:0", "udp": "[::1]:0", "interval": 60,
      "numwant_default": 10, "numwant_max": 20, "max_swarms": 5, "max_peers_per_swarm": 6,
      "max_peers": 7, "allow": ["0123456789abcdef0123456789ABCDEF01234567"],
      "allow_torrents": ["x.torrent"], "stats": false})");
  REQUIRE(c);
  CHECK(*c->http == "127.0.0.1:0");
  CHECK(*c->udp == "[::1]:0");
  CHECK(c->swarm.interval == 60s);
  CHECK(c->swarm.min_interval == 30s);
  CHECK(c->swarm.numwant_default == 10);
  CHECK(c->swarm.numwant_max == 20);
  CHECK(c->swarm.max_swarms == 5);
  CHECK(c->swarm.max_peers_per_swarm == 6);
  CHECK(c->swarm.max_peers == 7);
  REQUIRE(c->swarm.allow);
  CHECK(c->swarm.allow->size() == 1);
  CHECK(c->swarm.allow->begin()->hex() == "0123456789abcdef0123456789abcdef01234567");
  CHECK(c->allow_torrents == std::vector<std::string>{"x.torrent"});
  CHECK_FALSE(c->stats);
  CHECK_FALSE(check_tracker_config(*c));

  auto d = parse_tracker_config("{}");
  REQUIRE(d);
  CHECK(d->swarm.interval == 1800s);
  CHECK(d->swarm.min_interval == 900s);
  CHECK_FALSE(d->swarm.allow);
  CHECK(d->stats);
  CHECK(check_tracker_config(*d)->find("no listener") == 0);

  auto error_of = [](const std::string& text) {
    auto r = parse_tracker_config(text);
    return r ? std::string("(accepted)") : r.error();
  };
  CHECK(error_of(R"({"intervall": 5})") == "unknown key 'intervall'");
  CHECK(error_of(R"({"interval": "5"})").find("key 'interval'") == 0);
  CHECK(error_of(R"({"interval": 0})").find("key 'interval'") == 0);
  CHECK(error_of(R"({"interval": 1.5})").find("key 'interval'") == 0);
  CHECK(error_of(R"({"max_peers": -1})").find("key 'max_peers'") == 0);
  CHECK(error_of(R"({"max_swarms": 18446744073709551615})").find("key 'max_swarms'") == 0);
  CHECK(error_of(R"({"stats": 1})").find("key 'stats'") == 0);
  CHECK(error_of(R"({"http": 6969})").find("key 'http'") == 0);
  CHECK(error_of(R"({"allow": ["abc"]})").find("key 'allow'") == 0);
  CHECK(error_of(R"({"allow": "abc"})").find("key 'allow'") == 0);
  CHECK(error_of(R"({"allow_torrents": [1]})").find("key 'allow_torrents'") == 0);
  CHECK(error_of(R"([1])") == "must be a JSON object");
  CHECK(error_of(R"({"a":)").find("not valid JSON") == 0);

  auto e = parse_tracker_config(R"({"udp": "nowhere:1", "interval": 10, "min_interval": 20})");
  REQUIRE(e);
  CHECK(check_tracker_config(*e)->find("udp:") == 0);
  e->udp = "0.0.0.0:1";
  CHECK(check_tracker_config(*e)->find("key 'min_interval'") == 0);
}

TEST_CASE("bencoded answers: compact, dictionary, scrape, failure", "[tracker_server]") {
  announce_reply r;
  r.interval = 60s;
  r.min_interval = 30s;
  r.complete = 1;
  r.incomplete = 2;
  sha1_hash id = sha1_hash::from_bytes(pid);
  r.peers.push_back({*peer_address::parse_ip("1.2.3.4", 0x1a1b), id});
  r.peers.push_back({*peer_address::parse_ip("::1", 80), id});
  const std::string v4_entry("\x01\x02\x03\x04\x1a\x1b", 6);
  const std::string v6_entry = std::string(15, '\0') + "\x01" + std::string("\x00\x50", 2);
  CHECK(bencode_announce(r, true, false) ==
        "d8:completei1e10:incompletei2e8:intervali60e12:min intervali30e5:peers6:" + v4_entry +
            "6:peers618:" + v6_entry + "e");
  auto dict = bencode_announce(r, false, false);
  auto doc = bdecode(dict);
  REQUIRE(doc);
  auto peers = doc->root().find("peers");
  REQUIRE(peers.is_list());
  REQUIRE(peers.size() == 2);
  CHECK(peers.at(0).find("ip").string() == "1.2.3.4");
  CHECK(peers.at(0).find("port").integer() == 0x1a1b);
  CHECK(peers.at(0).find("peer id").string() == pid);
  CHECK(peers.at(1).find("ip").string() == "::1");
  auto no_id = bencode_announce(r, false, true);
  CHECK(no_id.find("peer id") == std::string::npos);

  scrape_entry e;
  e.info_hash = sha1_hash::from_bytes(ih);
  e.complete = 3;
  e.downloaded = 4;
  e.incomplete = 5;
  CHECK(bencode_scrape({e}) ==
        "d5:filesd20:" + ih + "d8:completei3e10:downloadedi4e10:incompletei5eeee");
  CHECK(bencode_failure("missing port") == "d14:failure reason12:missing porte");
}

TEST_CASE("connection ids: valid for the issuing IP address for at least two minutes",
          "[tracker_server]") {
  connection_ids ids(siphash_key{1, 2});
  const auto t = tracker_clock::time_point(1000h);
  const auto client = *peer_address::parse_ip("10.0.0.1", 1234);
  const auto id = ids.issue(client, t);
  CHECK(ids.valid(id, client, t));
  CHECK(ids.valid(id, client, t + 119s));
  CHECK_FALSE(ids.valid(id, client, t + 241s));
  CHECK_FALSE(ids.valid(id, *peer_address::parse_ip("10.0.0.2", 1234), t));
  // Another port of the same host is the same client (libtorrent shares ids between sockets).
  CHECK(ids.valid(id, *peer_address::parse_ip("10.0.0.1", 1235), t));
  CHECK_FALSE(ids.valid(id ^ 1, client, t));
  CHECK_FALSE(connection_ids(siphash_key{3, 4}).valid(id, client, t));
}

}  // namespace server_parsing_test
