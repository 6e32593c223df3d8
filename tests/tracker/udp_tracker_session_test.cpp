#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "tracker/udp_tracker_session.hpp"

// Named: the file shares a unity batch with other tests.
namespace udp_tracker_session_test {

using namespace actorrent;
using namespace actorrent::udp_tracker;
using namespace std::chrono_literals;

namespace {

using time_point = udp_tracker_session::time_point;

// A fake clock: a fixed origin far from time_point's extremes.
const time_point t0 = time_point{} + 1000h;

udp_tracker_url test_url() {
  return *parse_udp_tracker_url("udp://tracker.test:6969/announce");
}

udp_tracker_config fast_config() {
  udp_tracker_config c;
  c.retransmit_base = 10ms;
  return c;
}

announce_request sample_request() {
  announce_request r;
  r.info_hash.bytes.fill(0xaa);
  r.peer_id.bytes.fill(0xbb);
  r.port = 6881;
  r.left = 1000;
  r.event = announce_event::started;
  r.key = 77;
  r.numwant = 50;
  return r;
}

sha1_hash hash_of(std::uint8_t b) {
  sha1_hash h;
  h.bytes.fill(b);
  return h;
}

// The request a datagram carries; fails the test when it is not one.
request_packet parse(const std::optional<std::string>& d) {
  REQUIRE(d);
  auto r = decode_request(*d);
  REQUIRE(r);
  return *r;
}

std::uint32_t connect_tid(const std::optional<std::string>& d) {
  auto r = parse(d);
  REQUIRE(std::holds_alternative<connect_request_packet>(r));
  return std::get<connect_request_packet>(r).transaction_id;
}

announce_request_packet announce_of(const std::optional<std::string>& d) {
  auto r = parse(d);
  REQUIRE(std::holds_alternative<announce_request_packet>(r));
  return std::get<announce_request_packet>(r);
}

std::string announce_answer(std::uint32_t tid, std::vector<peer_address> peers,
                            address_family fam = address_family::v4) {
  announce_response_packet p;
  p.transaction_id = tid;
  p.interval = 900;
  p.leechers = 4;
  p.seeders = 2;
  p.peers = std::move(peers);
  return encode(p, fam);
}

const announce_response& announce_result(const std::optional<udp_tracker_outcome>& r) {
  REQUIRE(r);
  if (!*r) FAIL("unexpected error: " << r->error().message);
  REQUIRE(std::holds_alternative<announce_response>(r->value()));
  return std::get<announce_response>(r->value());
}

const tracker_error& error_of(const std::optional<udp_tracker_outcome>& r) {
  REQUIRE(r);
  REQUIRE_FALSE(*r);
  return r->error();
}

// Runs connect (answered with `id` at `now`) and returns the announce datagram that follows.
announce_request_packet connect(udp_tracker_session& s, std::uint64_t id, time_point now) {
  const std::uint32_t tid = connect_tid(s.next_datagram(now));
  s.on_datagram(encode(connect_response_packet{tid, id}), now);
  REQUIRE(s.next_deadline());
  CHECK(*s.next_deadline() <= now);  // the announce is due at once
  return announce_of(s.next_datagram(now));
}

}  // namespace

TEST_CASE("udp tracker URLs: hosts, IPv6 literals, ports, path and query", "[udp_tracker]") {
  auto a = parse_udp_tracker_url("udp://tracker.example.org:6969/announce?passkey=abc#frag");
  REQUIRE(a);
  CHECK(a->host == "tracker.example.org");
  CHECK(a->port == 6969);
  CHECK(a->url_data == "/announce?passkey=abc");
  CHECK(a->display == "udp://tracker.example.org:6969");

  auto b = parse_udp_tracker_url("UDP://[2001:db8::1]:80");
  REQUIRE(b);
  CHECK(b->host == "2001:db8::1");
  CHECK(b->port == 80);
  CHECK(b->url_data.empty());
  CHECK(b->display == "udp://[2001:db8::1]:80");

  auto c = parse_udp_tracker_url("udp://127.0.0.1:1?x");
  REQUIRE(c);
  CHECK(c->url_data == "?x");

  for (const char* bad :
       {"http://t:1/", "udp://", "udp://host", "udp://host:", "udp://:80", "udp://host:0",
        "udp://host:65536", "udp://host:12a", "udp://host:123456", "udp://[::1:80", "udp://[::1]80",
        "udp://[1.2.3.4]:80", "udp://user@host:80", "udp://ho st:80", "udp://host%00:80"}) {
    INFO(bad);
    auto r = parse_udp_tracker_url(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().what == tracker_error::kind::network);
  }
  auto secret = parse_udp_tracker_url("udp://host:1/" + std::string(2000, 's'));
  REQUIRE_FALSE(secret);
  CHECK(secret.error().message.find("sss") == std::string::npos);  // path not echoed
  CHECK_FALSE(parse_udp_tracker_url("udp://h:1" + std::string(3000, '/')));
}

TEST_CASE("udp session: connect, then announce with the connection id", "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 1);
  CHECK_FALSE(s.busy());
  CHECK_FALSE(s.next_datagram(t0));
  CHECK_FALSE(s.next_deadline());

  REQUIRE(s.start_announce(sample_request(), t0));
  CHECK(s.busy());
  CHECK(*s.next_deadline() <= t0);
  const announce_request_packet a = connect(s, 0x1234567890ULL, t0 + 3ms);
  CHECK(a.connection_id == 0x1234567890ULL);
  CHECK(a.request.info_hash == sample_request().info_hash);
  CHECK(a.request.peer_id == sample_request().peer_id);
  CHECK(a.request.port == 6881);
  CHECK(a.request.left == 1000);
  CHECK(a.request.event == announce_event::started);
  CHECK(a.request.key == 77);
  CHECK(a.request.numwant == 50);
  CHECK(a.url_data == "/announce");  // BEP 41
  CHECK(*s.next_deadline() == t0 + 3ms + 10ms);
  CHECK_FALSE(s.next_datagram(t0 + 4ms));  // nothing more to send until the deadline

  const auto p1 = peer_address::v4_address({10, 0, 0, 1}, 6881);
  const auto p0 = peer_address::v4_address({10, 0, 0, 2}, 0);  // unusable: dropped
  s.on_datagram(announce_answer(a.transaction_id, {p1, p0}), t0 + 5ms);
  CHECK_FALSE(s.busy());
  const auto result = s.take_result();
  const announce_response& r = announce_result(result);
  CHECK(r.interval == 900s);
  CHECK(r.complete == 2);
  CHECK(r.incomplete == 4);
  CHECK(r.peers == std::vector<peer_address>{p1});
  CHECK_FALSE(s.take_result());  // only once
  CHECK(s.stats().sent == 2);
  CHECK(s.stats().connects == 1);
  CHECK(s.stats().retransmits == 0);
  CHECK(s.stats().ignored == 0);
  CHECK_FALSE(s.next_deadline());
}

TEST_CASE("udp session: URLData can be turned off", "[udp_tracker]") {
  udp_tracker_config c = fast_config();
  c.send_url_data = false;
  udp_tracker_session s(test_url(), address_family::v4, c, 1);
  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet a = connect(s, 1, t0);
  CHECK(a.url_data.empty());
}

TEST_CASE("udp session: connection id reused within 60 s, reconnect after", "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 2);
  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet a = connect(s, 111, t0);
  s.on_datagram(announce_answer(a.transaction_id, {}), t0 + 1ms);
  announce_result(s.take_result());
  CHECK(s.has_connection_id(t0 + 59999ms));
  CHECK_FALSE(s.has_connection_id(t0 + 60s));

  // 59.999 s after the id was received: announce straight away with the same id.
  REQUIRE(s.start_announce(sample_request(), t0 + 59999ms));
  const announce_request_packet b = announce_of(s.next_datagram(t0 + 59999ms));
  CHECK(b.connection_id == 111);
  CHECK(b.transaction_id != a.transaction_id);
  s.on_datagram(announce_answer(b.transaction_id, {}), t0 + 60s);
  announce_result(s.take_result());

  // At 60 s the id is spent: connect again, and the new id is used.
  REQUIRE(s.start_announce(sample_request(), t0 + 60s));
  const announce_request_packet c = connect(s, 222, t0 + 60s);
  CHECK(c.connection_id == 222);
  CHECK(s.stats().connects == 2);

  // A scrape reuses the id too.
  s.on_datagram(announce_answer(c.transaction_id, {}), t0 + 61s);
  announce_result(s.take_result());
  REQUIRE(s.start_scrape({hash_of(1)}, t0 + 62s));
  auto sr = parse(s.next_datagram(t0 + 62s));
  REQUIRE(std::holds_alternative<scrape_request_packet>(sr));
  CHECK(std::get<scrape_request_packet>(sr).connection_id == 222);
}

TEST_CASE("udp session: wrong transaction ids, wrong actions and garbage are ignored",
          "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 3);
  s.on_datagram(encode(connect_response_packet{1, 2}), t0);  // idle: ignored
  CHECK(s.stats().ignored == 1);
  REQUIRE(s.start_announce(sample_request(), t0));
  const std::uint32_t tid = connect_tid(s.next_datagram(t0));

  s.on_datagram(encode(connect_response_packet{tid + 1, 99}), t0);
  s.on_datagram(encode(error_response_packet{tid ^ 0x80000000u, "spoofed"}), t0);
  s.on_datagram(announce_answer(tid, {}), t0);  // right tid, wrong action for a connect
  s.on_datagram(encode(scrape_response_packet{tid, {}}), t0);
  s.on_datagram("", t0);
  s.on_datagram("\x00\x00\x00", t0);
  std::string unknown_action = encode(connect_response_packet{tid, 5});
  unknown_action[3] = 9;
  s.on_datagram(unknown_action, t0);
  CHECK(s.busy());
  CHECK_FALSE(s.has_result());
  CHECK(s.stats().ignored == 8);
  CHECK(s.stats().received == 8);

  // The genuine answer still works.
  s.on_datagram(encode(connect_response_packet{tid, 42}), t0 + 1ms);
  const announce_request_packet a = announce_of(s.next_datagram(t0 + 1ms));
  CHECK(a.connection_id == 42);
  // The connect's transaction id is spent once the connect is answered.
  s.on_datagram(announce_answer(tid, {}), t0 + 2ms);
  CHECK(s.busy());
  CHECK(s.stats().ignored == 9);
  s.on_datagram(encode(connect_response_packet{a.transaction_id, 43}), t0 + 2ms);  // action
  CHECK(s.stats().ignored == 10);
  s.on_datagram(announce_answer(a.transaction_id, {}), t0 + 3ms);
  announce_result(s.take_result());
}

TEST_CASE("udp session: retransmission after exactly base*2^n, give up after n = 8",
          "[udp_tracker]") {
  for (auto base : {std::chrono::milliseconds(10), std::chrono::milliseconds(15'000)}) {
    INFO("base " << base.count() << " ms");
    udp_tracker_config c;
    c.retransmit_base = base;
    udp_tracker_session s(test_url(), address_family::v4, c, 4);
    REQUIRE(s.start_announce(sample_request(), t0));
    auto first = s.next_datagram(t0);
    const std::uint32_t tid = connect_tid(first);
    time_point sent_at = t0;
    for (unsigned n = 0; n <= 8; ++n) {
      INFO("n = " << n);
      const time_point due = sent_at + base * (1u << n);
      REQUIRE(s.next_deadline());
      CHECK(*s.next_deadline() == due);
      CHECK_FALSE(s.next_datagram(due - 1ms));
      CHECK(s.busy());
      auto again = s.next_datagram(due);
      if (n == 8) {
        CHECK_FALSE(again);
        break;
      }
      CHECK(again == first);  // same packet, same transaction id
      sent_at = due;
    }
    CHECK_FALSE(s.busy());
    const auto result = s.take_result();
    const tracker_error& e = error_of(result);
    CHECK(e.what == tracker_error::kind::network);
    CHECK(e.message.find("udp://tracker.test:6969") == 0);
    CHECK(e.message.find("timed out") != std::string::npos);
    CHECK(e.message.find("9 attempts") != std::string::npos);
    CHECK(s.stats().sent == 9);
    CHECK(s.stats().retransmits == 8);
    // The whole schedule: base * (2^9 - 1); 7665 s for BEP 15's 15 s.
    CHECK(sent_at + base * 256 == t0 + base * 511);
    (void)tid;
  }
}

TEST_CASE("udp session: a late answer to an earlier copy of a request counts", "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 5);
  REQUIRE(s.start_announce(sample_request(), t0));
  const std::uint32_t tid = connect_tid(s.next_datagram(t0));
  CHECK(connect_tid(s.next_datagram(t0 + 10ms)) == tid);
  CHECK(connect_tid(s.next_datagram(t0 + 30ms)) == tid);
  s.on_datagram(encode(connect_response_packet{tid, 5}), t0 + 31ms);
  const announce_request_packet a = announce_of(s.next_datagram(t0 + 31ms));
  CHECK(a.connection_id == 5);
  // n keeps counting across the connect: the announce waits base * 2^2.
  CHECK(*s.next_deadline() == t0 + 31ms + 40ms);
}

TEST_CASE("udp session: connection id expiring during retransmission means a new connect",
          "[udp_tracker]") {
  // BEP 15 timings: retransmits at +15 s, +45 s, +105 s after the first announce.
  udp_tracker_session s(test_url(), address_family::v4, udp_tracker_config{}, 6);
  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet a = connect(s, 1000, t0);
  CHECK(*s.next_deadline() == t0 + 15s);
  const announce_request_packet a1 = announce_of(s.next_datagram(t0 + 15s));
  CHECK(a1.transaction_id == a.transaction_id);
  CHECK(*s.next_deadline() == t0 + 45s);
  const announce_request_packet a2 = announce_of(s.next_datagram(t0 + 45s));  // id 45 s old
  CHECK(a2.connection_id == 1000);
  CHECK(*s.next_deadline() == t0 + 105s);
  // At 105 s the id is 105 s old: the retransmission is a connect, with a new tid.
  const std::uint32_t tid = connect_tid(s.next_datagram(t0 + 105s));
  CHECK(tid != a.transaction_id);
  CHECK(*s.next_deadline() == t0 + 105s + 120s);
  // A late answer to the stale announce no longer counts.
  s.on_datagram(announce_answer(a.transaction_id, {}), t0 + 106s);
  CHECK(s.busy());
  s.on_datagram(encode(connect_response_packet{tid, 2000}), t0 + 107s);
  const announce_request_packet b = announce_of(s.next_datagram(t0 + 107s));
  CHECK(b.connection_id == 2000);
  CHECK(*s.next_deadline() == t0 + 107s + 120s);  // still n = 3
  s.on_datagram(announce_answer(b.transaction_id, {}), t0 + 108s);
  announce_result(s.take_result());
  CHECK(s.stats().connects == 2);
  CHECK(s.stats().retransmits == 3);
}

TEST_CASE("udp session: a driver that sends late still sends a connect when the id expired",
          "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 7);
  REQUIRE(s.start_announce(sample_request(), t0));
  const std::uint32_t tid = connect_tid(s.next_datagram(t0));
  s.on_datagram(encode(connect_response_packet{tid, 9}), t0);
  connect_tid(s.next_datagram(t0 + 61s));
}

TEST_CASE("udp session: a tracker that answers connects but never announces times out",
          "[udp_tracker]") {
  udp_tracker_config c = fast_config();
  c.connection_id_lifetime = 25ms;  // expires every few retransmissions
  udp_tracker_session s(test_url(), address_family::v4, c, 8);
  REQUIRE(s.start_announce(sample_request(), t0));
  time_point now = t0;
  int steps = 0;
  while (s.busy() && steps++ < 1000) {
    if (auto d = s.next_datagram(now)) {
      auto r = parse(d);
      if (auto* conn = std::get_if<connect_request_packet>(&r))
        s.on_datagram(encode(connect_response_packet{conn->transaction_id, 1}), now);
      continue;
    }
    if (s.busy()) now = std::max(now, *s.next_deadline());
  }
  CHECK(steps < 1000);
  const auto result = s.take_result();
  CHECK(error_of(result).message.find("timed out") != std::string::npos);
  CHECK(s.stats().retransmits == 8);
  CHECK(now - t0 == 10ms * 511);
  CHECK(s.stats().connects >= 2);
}

TEST_CASE("udp session: error action ends with failure_reason and the tracker's text",
          "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 9);
  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet a = connect(s, 7, t0);
  s.on_datagram(encode(error_response_packet{a.transaction_id, "unregistered torrent\n\x01"}),
                t0 + 1ms);
  CHECK_FALSE(s.busy());
  const auto result = s.take_result();
  const tracker_error& e = error_of(result);
  CHECK(e.what == tracker_error::kind::failure_reason);
  CHECK(e.message == "udp://tracker.test:6969: unregistered torrent\\x0a\\x01");
  // The tracker may have lost our id: the next operation connects again.
  CHECK_FALSE(s.has_connection_id(t0 + 2ms));

  // Error answering the connect itself; long text is cut.
  REQUIRE(s.start_announce(sample_request(), t0 + 2ms));
  const std::uint32_t tid = connect_tid(s.next_datagram(t0 + 2ms));
  s.on_datagram(encode(error_response_packet{tid, std::string(5000, 'e')}), t0 + 3ms);
  const auto r2 = s.take_result();
  CHECK(error_of(r2).what == tracker_error::kind::failure_reason);
  CHECK(error_of(r2).message.size() < 300);
}

TEST_CASE("udp session: a malformed answer to our request is a bad_response", "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 10);
  REQUIRE(s.start_announce(sample_request(), t0));
  const std::uint32_t tid = connect_tid(s.next_datagram(t0));
  s.on_datagram(encode(connect_response_packet{tid, 1}).substr(0, 12), t0);
  CHECK(error_of(s.take_result()).what == tracker_error::kind::bad_response);

  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet a = connect(s, 3, t0);
  s.on_datagram(announce_answer(a.transaction_id, {}) + "12345", t0);  // ragged peers
  const auto r = s.take_result();
  CHECK(error_of(r).what == tracker_error::kind::bad_response);
  CHECK(error_of(r).message.find("multiple of 6") != std::string::npos);

  // Only action and id (opentracker, torrent not tracked): a refusal.
  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet empty = announce_of(s.next_datagram(t0));
  s.on_datagram(announce_answer(empty.transaction_id, {}).substr(0, 8), t0);
  CHECK(error_of(s.take_result()).what == tracker_error::kind::failure_reason);
  // Between 8 and 20 bytes: broken.
  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet short_one = announce_of(s.next_datagram(t0));
  s.on_datagram(announce_answer(short_one.transaction_id, {}).substr(0, 12), t0);
  CHECK(error_of(s.take_result()).what == tracker_error::kind::bad_response);

  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet b = announce_of(s.next_datagram(t0));
  announce_response_packet neg;
  neg.transaction_id = b.transaction_id;
  neg.interval = -5;
  neg.seeders = -1;
  s.on_datagram(encode(neg, address_family::v4), t0);
  CHECK(error_of(s.take_result()).message.find("negative interval") != std::string::npos);

  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet c = announce_of(s.next_datagram(t0));
  neg.transaction_id = c.transaction_id;
  neg.interval = 60;
  s.on_datagram(encode(neg, address_family::v4), t0);
  const auto ok = s.take_result();
  CHECK_FALSE(announce_result(ok).complete);  // negative count: unknown
  CHECK(announce_result(ok).incomplete == 0);
}

TEST_CASE("udp session: IPv6 trackers answer with 18-byte peers", "[udp_tracker]") {
  udp_tracker_session s(*parse_udp_tracker_url("udp://[::1]:6969"), address_family::v6,
                        fast_config(), 11);
  REQUIRE(s.start_announce(sample_request(), t0));
  const announce_request_packet a = connect(s, 5, t0);
  CHECK(a.url_data.empty());
  const auto p = *peer_address::parse_ip("2001:db8::9", 51413);
  s.on_datagram(announce_answer(a.transaction_id, {p}, address_family::v6), t0);
  const auto result = s.take_result();
  CHECK(announce_result(result).peers == std::vector<peer_address>{p});
}

TEST_CASE("udp session: scrape maps entries to the requested hashes", "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 12);
  REQUIRE(s.start_scrape({hash_of(1), hash_of(2)}, t0));
  const std::uint32_t tid = connect_tid(s.next_datagram(t0));
  s.on_datagram(encode(connect_response_packet{tid, 77}), t0);
  auto req = parse(s.next_datagram(t0));
  REQUIRE(std::holds_alternative<scrape_request_packet>(req));
  const auto& sp = std::get<scrape_request_packet>(req);
  CHECK(sp.connection_id == 77);
  CHECK(sp.info_hashes == std::vector<sha1_hash>{hash_of(1), hash_of(2)});
  // An announce response with the scrape's tid is the wrong action.
  s.on_datagram(announce_answer(sp.transaction_id, {}), t0);
  CHECK(s.busy());
  s.on_datagram(encode(scrape_response_packet{
                    sp.transaction_id, {scrape_entry{{}, 3, 10, 1}, scrape_entry{{}, 0, 0, 0}}}),
                t0);
  const auto r = s.take_result();
  REQUIRE(r);
  REQUIRE(*r);
  const auto& entries = std::get<std::vector<scrape_entry>>(r->value());
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].info_hash == hash_of(1));
  CHECK(entries[0].complete == 3);
  CHECK(entries[0].downloaded == 10);
  CHECK(entries[0].incomplete == 1);
  CHECK(entries[1].info_hash == hash_of(2));

  // Fewer entries than hashes: bad_response.
  REQUIRE(s.start_scrape({hash_of(1), hash_of(2)}, t0));
  auto req2 = parse(s.next_datagram(t0));
  s.on_datagram(encode(scrape_response_packet{std::get<scrape_request_packet>(req2).transaction_id,
                                              {scrape_entry{}}}),
                t0);
  CHECK(error_of(s.take_result()).what == tracker_error::kind::bad_response);

  // Impossible requests end at once.
  REQUIRE(s.start_scrape({}, t0));
  CHECK_FALSE(s.busy());
  CHECK_FALSE(s.next_datagram(t0));
  CHECK(error_of(s.take_result()).what == tracker_error::kind::network);
  REQUIRE(s.start_scrape(std::vector<sha1_hash>(max_scrape_hashes + 1), t0));
  CHECK(error_of(s.take_result()).message.find("74") != std::string::npos);
}

TEST_CASE("udp session: one operation at a time; cancel", "[udp_tracker]") {
  udp_tracker_session s(test_url(), address_family::v4, fast_config(), 13);
  REQUIRE(s.start_announce(sample_request(), t0));
  CHECK_FALSE(s.start_announce(sample_request(), t0));
  CHECK_FALSE(s.start_scrape({hash_of(1)}, t0));
  const std::uint32_t tid = connect_tid(s.next_datagram(t0));
  s.cancel();
  CHECK_FALSE(s.busy());
  CHECK(error_of(s.take_result()).what == tracker_error::kind::cancelled);
  s.cancel();  // idle: nothing happens
  CHECK_FALSE(s.has_result());
  s.on_datagram(encode(connect_response_packet{tid, 1}), t0);  // too late: ignored
  CHECK(s.stats().ignored == 1);
  CHECK_FALSE(s.has_connection_id(t0));
}

TEST_CASE("udp session: transaction ids differ between sessions and requests", "[udp_tracker]") {
  std::vector<std::uint32_t> seen;
  for (std::uint32_t seed : {0u, 0u, 1u, 2u}) {
    udp_tracker_session s(test_url(), address_family::v4, fast_config(), seed);
    REQUIRE(s.start_announce(sample_request(), t0));
    seen.push_back(connect_tid(s.next_datagram(t0)));
    s.cancel();
    REQUIRE(s.start_announce(sample_request(), t0));
    seen.push_back(connect_tid(s.next_datagram(t0)));
  }
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
}

}  // namespace udp_tracker_session_test
