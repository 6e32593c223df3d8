#include <catch2/catch.hpp>

#include <string>

#include "tracker/udp_tracker_protocol.hpp"

// Named: the file shares a unity batch with other tests.
namespace udp_tracker_protocol_test {

using namespace actorrent;
using namespace actorrent::udp_tracker;

namespace {

sha1_hash filled(std::uint8_t first) {
  sha1_hash h;
  for (std::size_t i = 0; i < h.bytes.size(); ++i)
    h.bytes[i] = static_cast<std::uint8_t>(first + i);
  return h;
}

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v)
    s.push_back(static_cast<char>(b));
  return s;
}

announce_request_packet sample_announce() {
  announce_request_packet p;
  p.connection_id = 0x0102030405060708ULL;
  p.transaction_id = 0xdeadbeef;
  p.request.info_hash = filled(0x10);
  p.request.peer_id = filled(0x40);
  p.request.downloaded = 0x1122334455667788LL;
  p.request.left = 7;
  p.request.uploaded = 1;
  p.request.event = announce_event::started;
  p.request.key = 0xcafebabe;
  p.request.numwant = -1;
  p.request.port = 6881;
  return p;
}

template <class T>
decode_errc code_of(const T& result) {
  REQUIRE_FALSE(result);
  return result.error().code;
}

}  // namespace

TEST_CASE("udp connect request and response: exact bytes and round trip", "[udp_tracker]") {
  const std::string req = encode(connect_request_packet{0x01020304});
  CHECK(req == bytes({0x00, 0x00, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80, 0, 0, 0, 0, 1, 2, 3, 4}));
  auto dreq = decode_connect_request(req);
  REQUIRE(dreq);
  CHECK(dreq->transaction_id == 0x01020304);

  const std::string resp = encode(connect_response_packet{0xa0b0c0d0, 0x1122334455667788ULL});
  CHECK(resp == bytes({0, 0, 0, 0, 0xa0, 0xb0, 0xc0, 0xd0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                       0x88}));
  auto dresp = decode_connect_response(resp);
  REQUIRE(dresp);
  CHECK(dresp->transaction_id == 0xa0b0c0d0);
  CHECK(dresp->connection_id == 0x1122334455667788ULL);

  // Dispatchers pick the same packets.
  auto any_req = decode_request(req);
  REQUIRE(any_req);
  CHECK(std::holds_alternative<connect_request_packet>(*any_req));
  auto any_resp = decode_response(resp, address_family::v4);
  REQUIRE(any_resp);
  CHECK(std::get<connect_response_packet>(*any_resp).connection_id == 0x1122334455667788ULL);
}

TEST_CASE("udp connect request: malformed datagrams are rejected", "[udp_tracker]") {
  const std::string req = encode(connect_request_packet{7});
  CHECK(code_of(decode_connect_request(req.substr(0, 15))) == decode_errc::too_short);
  CHECK(code_of(decode_connect_request("")) == decode_errc::too_short);
  std::string wrong_magic = req;
  wrong_magic[7] = 0x7f;
  CHECK(code_of(decode_connect_request(wrong_magic)) == decode_errc::wrong_protocol_id);
  CHECK(code_of(decode_request(wrong_magic)) == decode_errc::wrong_protocol_id);
  std::string wrong_action = req;
  wrong_action[11] = 1;
  CHECK(code_of(decode_connect_request(wrong_action)) == decode_errc::wrong_action);
  CHECK(code_of(decode_connect_request(std::string(max_request_size + 1, '\0'))) ==
        decode_errc::too_long);
  // BEP 15 only asks for "at least 16 bytes".
  CHECK(decode_connect_request(req + "xx"));

  const std::string resp = encode(connect_response_packet{1, 2});
  CHECK(code_of(decode_connect_response(resp.substr(0, 15))) == decode_errc::too_short);
  std::string wrong = resp;
  wrong[3] = 1;
  CHECK(code_of(decode_connect_response(wrong)) == decode_errc::wrong_action);
  CHECK(code_of(decode_connect_response(resp + std::string(max_response_size, 'x'))) ==
        decode_errc::too_long);
}

TEST_CASE("udp announce request: 98 bytes at BEP 15's offsets, round trip", "[udp_tracker]") {
  const announce_request_packet p = sample_announce();
  const std::string d = encode(p);
  REQUIRE(d.size() == announce_request_size);
  CHECK(d.substr(0, 8) == bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  CHECK(d.substr(8, 4) == bytes({0, 0, 0, 1}));
  CHECK(d.substr(12, 4) == bytes({0xde, 0xad, 0xbe, 0xef}));
  CHECK(d.substr(16, 20) == std::string(p.request.info_hash.view()));
  CHECK(d.substr(36, 20) == std::string(p.request.peer_id.view()));
  CHECK(d.substr(56, 8) == bytes({0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}));
  CHECK(d.substr(64, 8) == bytes({0, 0, 0, 0, 0, 0, 0, 7}));
  CHECK(d.substr(72, 8) == bytes({0, 0, 0, 0, 0, 0, 0, 1}));
  CHECK(d.substr(80, 4) == bytes({0, 0, 0, 2}));  // started
  CHECK(d.substr(84, 4) == bytes({0, 0, 0, 0}));  // IP: the sender's
  CHECK(d.substr(88, 4) == bytes({0xca, 0xfe, 0xba, 0xbe}));
  CHECK(d.substr(92, 4) == bytes({0xff, 0xff, 0xff, 0xff}));  // num_want -1
  CHECK(d.substr(96, 2) == bytes({0x1a, 0xe1}));

  auto back = decode_announce_request(d);
  REQUIRE(back);
  CHECK(back->connection_id == p.connection_id);
  CHECK(back->transaction_id == p.transaction_id);
  CHECK(back->request.info_hash == p.request.info_hash);
  CHECK(back->request.peer_id == p.request.peer_id);
  CHECK(back->request.downloaded == p.request.downloaded);
  CHECK(back->request.left == p.request.left);
  CHECK(back->request.uploaded == p.request.uploaded);
  CHECK(back->request.event == announce_event::started);
  CHECK(back->ip == 0);
  CHECK(back->request.key == p.request.key);
  CHECK(back->request.numwant == -1);
  CHECK(back->request.port == 6881);
  CHECK(back->url_data.empty());

  auto any = decode_request(d);
  REQUIRE(any);
  CHECK(std::get<announce_request_packet>(*any).request.key == p.request.key);

  for (auto ev : {announce_event::none, announce_event::completed, announce_event::stopped}) {
    announce_request_packet q = p;
    q.request.event = ev;
    auto r = decode_announce_request(encode(q));
    REQUIRE(r);
    CHECK(r->request.event == ev);
  }
}

TEST_CASE("udp announce request: BEP 41 URLData round trip and tolerated trailing bytes",
          "[udp_tracker]") {
  announce_request_packet p = sample_announce();
  p.url_data = "/announce?passkey=" + std::string(300, 'k');  // needs two options
  const std::string d = encode(p);
  CHECK(d.size() == announce_request_size + 2 + 255 + 2 + (p.url_data.size() - 255));
  CHECK(d[98] == 2);
  CHECK(static_cast<unsigned char>(d[99]) == 255);
  auto back = decode_announce_request(d);
  REQUIRE(back);
  CHECK(back->url_data == p.url_data);

  const std::string fixed = encode(sample_announce());
  // NOP, URLData "/a", EndOfOptions, then garbage that must not be read as options.
  auto nop = decode_announce_request(fixed + bytes({1, 2, 2, '/', 'a', 0, 2, 5, 'x'}));
  REQUIRE(nop);
  CHECK(nop->url_data == "/a");
  // Unknown option type, truncated option, missing length: request kept, options dropped.
  auto unknown = decode_announce_request(fixed + bytes({9, 2, 'x', 'y'}));
  REQUIRE(unknown);
  CHECK(unknown->url_data.empty());
  auto truncated = decode_announce_request(fixed + bytes({2, 10, 'x'}));
  REQUIRE(truncated);
  CHECK(truncated->url_data.empty());
  auto no_len = decode_announce_request(fixed + bytes({2}));
  REQUIRE(no_len);
  CHECK(no_len->url_data.empty());

  // url_data beyond max_url_data_size is cut on encode.
  announce_request_packet big = sample_announce();
  big.url_data = std::string(max_url_data_size + 500, 'u');
  const std::string bd = encode(big);
  CHECK(bd.size() <= max_request_size);
  auto bb = decode_announce_request(bd);
  REQUIRE(bb);
  CHECK(bb->url_data.size() == max_url_data_size);
}

TEST_CASE("udp announce request: malformed datagrams are rejected", "[udp_tracker]") {
  const std::string d = encode(sample_announce());
  CHECK(code_of(decode_announce_request(d.substr(0, 97))) == decode_errc::too_short);
  CHECK(code_of(decode_request(d.substr(0, 97))) == decode_errc::too_short);
  CHECK(code_of(decode_announce_request(d.substr(0, 16))) == decode_errc::too_short);
  std::string wrong = d;
  wrong[11] = 2;
  CHECK(code_of(decode_announce_request(wrong)) == decode_errc::wrong_action);
  std::string bad_event = d;
  bad_event[83] = 4;
  auto be = decode_announce_request(bad_event);
  CHECK(code_of(be) == decode_errc::bad_event);
  CHECK(be.error().message.find("4") != std::string::npos);
  CHECK(code_of(decode_announce_request(d + std::string(max_request_size, '\0'))) ==
        decode_errc::too_long);
  std::string unknown_action = d;
  unknown_action[11] = 9;
  CHECK(code_of(decode_request(unknown_action)) == decode_errc::wrong_action);
}

TEST_CASE("udp announce response: IPv4 and IPv6 peers round trip", "[udp_tracker]") {
  announce_response_packet p;
  p.transaction_id = 0x01020304;
  p.interval = 1800;
  p.leechers = 3;
  p.seeders = 5;
  const auto a = peer_address::v4_address({10, 0, 0, 1}, 6881);
  const auto b = peer_address::v4_address({192, 168, 1, 2}, 51413);
  const auto c = *peer_address::parse_ip("2001:db8::1", 6881);
  const auto e = *peer_address::parse_ip("::1", 1);
  p.peers = {a, c, b, e};

  const std::string v4 = encode(p, address_family::v4);
  CHECK(v4.size() == announce_response_header_size + 2 * compact_v4_size);
  CHECK(v4.substr(0, 20) ==
        bytes({0, 0, 0, 1, 1, 2, 3, 4, 0, 0, 0x07, 0x08, 0, 0, 0, 3, 0, 0, 0, 5}));
  CHECK(v4.substr(20, 6) == bytes({10, 0, 0, 1, 0x1a, 0xe1}));
  auto d4 = decode_announce_response(v4, address_family::v4);
  REQUIRE(d4);
  CHECK(d4->transaction_id == p.transaction_id);
  CHECK(d4->interval == 1800);
  CHECK(d4->leechers == 3);
  CHECK(d4->seeders == 5);
  CHECK(d4->peers == std::vector<peer_address>{a, b});

  const std::string v6 = encode(p, address_family::v6);
  CHECK(v6.size() == announce_response_header_size + 2 * compact_v6_size);
  auto d6 = decode_announce_response(v6, address_family::v6);
  REQUIRE(d6);
  CHECK(d6->peers == std::vector<peer_address>{c, e});
  auto any6 = decode_response(v6, address_family::v6);
  REQUIRE(any6);
  CHECK(std::get<announce_response_packet>(*any6).peers.size() == 2);

  // 36 bytes of peers read as IPv4 are six (wrong) peers: the family is the caller's to know.
  auto misread = decode_announce_response(v6, address_family::v4);
  REQUIRE(misread);
  CHECK(misread->peers.size() == 6);

  announce_response_packet empty;
  empty.interval = -1;  // passed through; the session judges it
  auto de = decode_announce_response(encode(empty, address_family::v4), address_family::v4);
  REQUIRE(de);
  CHECK(de->peers.empty());
  CHECK(de->interval == -1);
}

TEST_CASE("udp announce response: malformed datagrams are rejected, encode is bounded",
          "[udp_tracker]") {
  announce_response_packet p;
  p.peers = {peer_address::v4_address({1, 2, 3, 4}, 5)};
  const std::string d = encode(p, address_family::v4);
  CHECK(code_of(decode_announce_response(d.substr(0, 19), address_family::v4)) ==
        decode_errc::too_short);
  CHECK(code_of(decode_announce_response(d + "x", address_family::v4)) == decode_errc::ragged);
  CHECK(code_of(decode_announce_response(d, address_family::v6)) == decode_errc::ragged);
  CHECK(code_of(decode_response(d + "x", address_family::v4)) == decode_errc::ragged);
  std::string wrong = d;
  wrong[3] = 2;
  CHECK(code_of(decode_announce_response(wrong, address_family::v4)) == decode_errc::wrong_action);
  std::string huge = d + std::string(max_response_size, '\0');
  CHECK(code_of(decode_announce_response(huge, address_family::v4)) == decode_errc::too_long);
  CHECK(code_of(decode_response(huge, address_family::v4)) == decode_errc::too_long);

  // A server asked for too many peers still produces a datagram its clients accept.
  for (auto fam : {address_family::v4, address_family::v6}) {
    announce_response_packet many;
    for (std::size_t i = 0; i < 3000; ++i) {
      peer_address peer = peer_address::v4_address(
          {10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1}, 80);
      peer.v6 = fam == address_family::v6;
      many.peers.push_back(peer);
    }
    const std::string m = encode(many, fam);
    CHECK(m.size() <= max_response_size);
    auto dm = decode_announce_response(m, fam);
    REQUIRE(dm);
    CHECK(dm->peers.size() == max_announce_peers(fam));
  }
}

TEST_CASE("udp scrape request and response: round trip", "[udp_tracker]") {
  scrape_request_packet req;
  req.connection_id = 42;
  req.transaction_id = 9;
  req.info_hashes = {filled(1), filled(100)};
  const std::string d = encode(req);
  CHECK(d.size() == scrape_request_header_size + 40);
  CHECK(d.substr(8, 4) == bytes({0, 0, 0, 2}));
  auto back = decode_scrape_request(d);
  REQUIRE(back);
  CHECK(back->connection_id == 42);
  CHECK(back->transaction_id == 9);
  CHECK(back->info_hashes == req.info_hashes);
  auto any = decode_request(d);
  REQUIRE(any);
  CHECK(std::get<scrape_request_packet>(*any).info_hashes.size() == 2);

  scrape_response_packet resp;
  resp.transaction_id = 9;
  resp.entries = {scrape_entry{{}, 5, 100, 3}, scrape_entry{{}, 0, 0, 0}};
  const std::string r = encode(resp);
  CHECK(r.size() == scrape_response_header_size + 24);
  CHECK(r.substr(8, 12) == bytes({0, 0, 0, 5, 0, 0, 0, 100, 0, 0, 0, 3}));
  auto rb = decode_scrape_response(r);
  REQUIRE(rb);
  CHECK(rb->transaction_id == 9);
  REQUIRE(rb->entries.size() == 2);
  CHECK(rb->entries[0].complete == 5);
  CHECK(rb->entries[0].downloaded == 100);
  CHECK(rb->entries[0].incomplete == 3);
  auto any_r = decode_response(r, address_family::v4);
  REQUIRE(any_r);
  CHECK(std::get<scrape_response_packet>(*any_r).entries.size() == 2);

  // Counts beyond the wire's int32 are clamped, not wrapped.
  scrape_response_packet big;
  big.entries = {scrape_entry{{}, std::int64_t{1} << 40, -5, 7}};
  auto bb = decode_scrape_response(encode(big));
  REQUIRE(bb);
  CHECK(bb->entries[0].complete == 0x7fffffff);
  CHECK(bb->entries[0].downloaded == 0);
  CHECK(bb->entries[0].incomplete == 7);

  // The largest scrape request is within a request's bounds and round-trips.
  scrape_request_packet full;
  for (std::size_t i = 0; i < max_scrape_hashes + 10; ++i)
    full.info_hashes.push_back(filled(static_cast<std::uint8_t>(i)));
  const std::string fd = encode(full);
  CHECK(fd.size() == scrape_request_header_size + 20 * max_scrape_hashes);
  auto fb = decode_scrape_request(fd);
  REQUIRE(fb);
  CHECK(fb->info_hashes.size() == max_scrape_hashes);
}

TEST_CASE("udp scrape: malformed datagrams are rejected", "[udp_tracker]") {
  scrape_request_packet req;
  req.info_hashes = {filled(1)};
  const std::string d = encode(req);
  CHECK(code_of(decode_scrape_request(d.substr(0, 15))) == decode_errc::too_short);
  CHECK(code_of(decode_scrape_request(d.substr(0, 16))) == decode_errc::no_hashes);
  CHECK(code_of(decode_scrape_request(d + "x")) == decode_errc::ragged);
  std::string too_many = d.substr(0, 16) + std::string(20 * (max_scrape_hashes + 1), 'h');
  CHECK(code_of(decode_scrape_request(too_many)) == decode_errc::too_many_hashes);
  std::string wrong = d;
  wrong[11] = 1;
  CHECK(code_of(decode_scrape_request(wrong)) == decode_errc::wrong_action);
  CHECK(code_of(decode_scrape_request(d.substr(0, 16) + std::string(max_request_size, 'h'))) ==
        decode_errc::too_long);

  const std::string r = encode(scrape_response_packet{1, {scrape_entry{}}});
  CHECK(code_of(decode_scrape_response(r.substr(0, 7))) == decode_errc::too_short);
  CHECK(code_of(decode_scrape_response(r.substr(0, 19))) == decode_errc::ragged);
  CHECK(decode_scrape_response(r.substr(0, 8)));  // zero entries is well-formed
  std::string wrong_r = r;
  wrong_r[3] = 1;
  CHECK(code_of(decode_scrape_response(wrong_r)) == decode_errc::wrong_action);
}

TEST_CASE("udp error response: round trip and bounds", "[udp_tracker]") {
  const std::string d = encode(error_response_packet{0x55667788, "torrent not registered"});
  CHECK(d.substr(0, 8) == bytes({0, 0, 0, 3, 0x55, 0x66, 0x77, 0x88}));
  CHECK(d.substr(8) == "torrent not registered");
  auto back = decode_error_response(d);
  REQUIRE(back);
  CHECK(back->transaction_id == 0x55667788);
  CHECK(back->message == "torrent not registered");
  auto any = decode_response(d, address_family::v6);
  REQUIRE(any);
  CHECK(std::get<error_response_packet>(*any).message == "torrent not registered");

  auto empty = decode_error_response(d.substr(0, 8));
  REQUIRE(empty);
  CHECK(empty->message.empty());
  CHECK(code_of(decode_error_response(d.substr(0, 7))) == decode_errc::too_short);
  CHECK(code_of(decode_error_response(encode(connect_response_packet{}))) ==
        decode_errc::wrong_action);
  CHECK(code_of(decode_error_response(d + std::string(max_response_size, 'm'))) ==
        decode_errc::too_long);
  CHECK(encode(error_response_packet{1, std::string(max_response_size * 2, 'm')}).size() ==
        max_response_size);
}

TEST_CASE("udp responses: header peek and unknown actions", "[udp_tracker]") {
  auto h = peek_response_header(bytes({0, 0, 0, 7, 1, 2, 3, 4}));
  REQUIRE(h);
  CHECK(h->action == 7);
  CHECK(h->transaction_id == 0x01020304);
  CHECK(code_of(peek_response_header(bytes({0, 0, 0, 1, 1, 2, 3}))) == decode_errc::too_short);
  CHECK(code_of(decode_response(bytes({0, 0, 0, 7, 1, 2, 3, 4}), address_family::v4)) ==
        decode_errc::wrong_action);
  CHECK(code_of(decode_response("", address_family::v4)) == decode_errc::too_short);
}

TEST_CASE("udp codec: every truncation and single-byte corruption is handled", "[udp_tracker]") {
  // Not a proof, but every prefix and every flipped byte of each packet must decode to a
  // value or an error: never a crash or a sanitizer report.
  announce_request_packet ar = sample_announce();
  ar.url_data = "/announce";
  announce_response_packet aresp;
  aresp.peers = {peer_address::v4_address({1, 2, 3, 4}, 5)};
  const std::vector<std::string> requests = {
      encode(connect_request_packet{1}), encode(ar),
      encode(scrape_request_packet{1, 2, {filled(3), filled(4)}})};
  const std::vector<std::string> responses = {
      encode(connect_response_packet{1, 2}), encode(aresp, address_family::v4),
      encode(scrape_response_packet{1, {scrape_entry{}}}), encode(error_response_packet{1, "x"})};
  std::size_t decoded = 0;
  for (const std::string& d : requests) {
    for (std::size_t n = 0; n <= d.size(); ++n)
      decoded += decode_request(d.substr(0, n)).has_value();
    for (std::size_t i = 0; i < d.size(); ++i) {
      std::string c = d;
      c[i] = static_cast<char>(c[i] ^ 0xff);
      decoded += decode_request(c).has_value();
    }
  }
  for (const std::string& d : responses) {
    for (auto fam : {address_family::v4, address_family::v6}) {
      for (std::size_t n = 0; n <= d.size(); ++n)
        decoded += decode_response(d.substr(0, n), fam).has_value();
      for (std::size_t i = 0; i < d.size(); ++i) {
        std::string c = d;
        c[i] = static_cast<char>(c[i] ^ 0xff);
        decoded += decode_response(c, fam).has_value();
      }
    }
  }
  CHECK(decoded > 0);
}

}  // namespace udp_tracker_protocol_test
