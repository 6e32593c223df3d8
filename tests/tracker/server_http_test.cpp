// The HTTP front end over real sockets on loopback: a tracker_server on its own io thread,
// a blocking Beast or raw-socket client here. Every socket read has a receive timeout, so a
// server that fails to answer fails the test instead of hanging it.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "protocol/bencode.hpp"
#include "tests/support/running_tracker.hpp"
#include "tracker/server/tracker_server.hpp"

using namespace actorrent;
using namespace actorrent::server;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// An HTTP-only tracker on `at`, with the intervals these tests expect.
std::unique_ptr<test::running_tracker> start_http(const std::string& at,
                                                  tracker_server_options options = {}) {
  options.http = *parse_listen_address(at);
  options.swarm.interval = 60s;
  options.swarm.min_interval = 30s;
  return test::running_tracker::start(std::move(options));
}

void set_receive_timeout(tcp::socket& s, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

tcp::socket connect_to(net::io_context& io, const tcp::endpoint& ep) {
  tcp::socket s(io);
  s.connect(ep);
  set_receive_timeout(s, 5s);
  return s;
}

struct reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  bool keep_alive = false;
};

reply request_on(tcp::socket& s, const std::string& target, http::verb verb = http::verb::get) {
  http::request<http::empty_body> req{verb, target, 11};
  req.set(http::field::host, "tracker");
  http::write(s, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(s, buffer, res);
  return {res.result_int(), res.body(), std::string(res[http::field::content_type]),
          res.keep_alive()};
}

reply get(const tcp::endpoint& ep, const std::string& target) {
  net::io_context io;
  auto s = connect_to(io, ep);
  return request_on(s, target);
}

// Everything the server sends until it closes (or the receive timeout passes).
std::string read_until_closed(tcp::socket& s) {
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  for (int i = 0; i < 1000; ++i) {
    auto n = s.read_some(net::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

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

const std::string info_hash(20, '\xab');

std::string peer_id(int n) {
  std::string id = "-AT0001-000000000000";
  id[19] = static_cast<char>('a' + n);
  return id;
}

std::string announce_target(int peer, std::uint16_t port, const std::string& extra = "",
                            const std::string& hash = info_hash) {
  return "/announce?info_hash=" + encoded(hash) + "&peer_id=" + peer_id(peer) +
         "&port=" + std::to_string(port) + "&uploaded=0&downloaded=0&left=100" + extra;
}

std::string failure_reason(const reply& r) {
  auto doc = bdecode(r.body);
  if (!doc) return "(not bencode)";
  auto f = doc->root().find("failure reason");
  return f.is_string() ? std::string(f.string()) : "(no failure reason)";
}

}  // namespace

TEST_CASE("http tracker: compact and dictionary announces over real sockets", "[tracker_server]") {
  auto t = start_http("127.0.0.1:0");
  REQUIRE(t);
  auto first = get(t->http_endpoint(), announce_target(1, 1111, "&event=started"));
  CHECK(first.status == 200);
  auto doc = bdecode(first.body);
  REQUIRE(doc);
  CHECK(doc->root().find("interval").integer() == 60);
  CHECK(doc->root().find("min interval").integer() == 30);
  CHECK(doc->root().find("incomplete").integer() == 1);
  CHECK(doc->root().find("peers").string().empty());

  auto second = get(t->http_endpoint(), announce_target(2, 2222, "&left=0&compact=1"));
  // left given twice: refused by name.
  CHECK(failure_reason(second) == "duplicate parameter left");
  second = get(t->http_endpoint(), "/announce?info_hash=" + encoded(info_hash) +
                                       "&peer_id=" + peer_id(2) + "&port=2222&left=0");
  auto d2 = bdecode(second.body);
  REQUIRE(d2);
  CHECK(d2->root().find("complete").integer() == 1);
  CHECK(d2->root().find("incomplete").integer() == 1);
  CHECK(d2->root().find("peers").string() == std::string("\x7f\x00\x00\x01\x04\x57", 6));
  CHECK_FALSE(d2->root().find("peers6").valid());

  auto dict = get(t->http_endpoint(), announce_target(3, 3333, "&compact=0"));
  auto d3 = bdecode(dict.body);
  REQUIRE(d3);
  auto peers = d3->root().find("peers");
  REQUIRE(peers.is_list());
  REQUIRE(peers.size() == 2);
  for (auto p : peers) {
    CHECK(p.find("ip").string() == "127.0.0.1");
    const auto port = p.find("port").integer();
    CHECK((port == 1111 || port == 2222));
    CHECK(p.find("peer id").string() == peer_id(port == 1111 ? 1 : 2));
  }

  // From loopback the client's ip parameter is honoured.
  get(t->http_endpoint(), announce_target(4, 4444, "&ip=10.9.8.7"));
  auto r = get(t->http_endpoint(), announce_target(5, 5555, "&compact=0&numwant=10"));
  auto d5 = bdecode(r.body);
  REQUIRE(d5);
  bool found = false;
  for (auto p : d5->root().find("peers"))
    found = found || (p.find("ip").string() == "10.9.8.7" && p.find("port").integer() == 4444);
  CHECK(found);

  // stopped takes the peer out.
  get(t->http_endpoint(), announce_target(1, 1111, "&event=stopped"));
  const auto after_body = get(t->http_endpoint(), announce_target(5, 5555)).body;
  auto after = bdecode(after_body);
  REQUIRE(after);
  CHECK(after->root().find("incomplete").integer() + after->root().find("complete").integer() == 4);
}

TEST_CASE("http tracker: IPv6 announces answer in peers6", "[tracker_server]") {
  auto t = start_http("[::1]:0");
  if (!t) {
    WARN("skipped: cannot listen on [::1] (no IPv6 loopback here)");
    return;
  }
  get(t->http_endpoint(), announce_target(1, 1111));
  get(t->http_endpoint(), announce_target(2, 2222, "&ip=192.0.2.1"));
  auto r = get(t->http_endpoint(), announce_target(3, 3333));
  auto doc = bdecode(r.body);
  REQUIRE(doc);
  std::string v6_peer(15, '\0');
  v6_peer += "\x01\x04\x57";
  CHECK(doc->root().find("peers6").string() == v6_peer);
  CHECK(doc->root().find("peers").string() == std::string("\xc0\x00\x02\x01\x08\xae", 6));
}

TEST_CASE("http tracker: IPv4 clients of an IPv6 socket are IPv4 peers", "[tracker_server]") {
  // A v6 socket bound to the v4-mapped loopback address takes IPv4 connections the way a
  // dual-stack [::] listener does, without listening beyond loopback.
  auto t = start_http("[::ffff:127.0.0.1]:0");
  if (!t) {
    WARN("skipped: cannot bind a v4-mapped IPv6 address here");
    return;
  }
  const tcp::endpoint v4_side(net::ip::make_address("127.0.0.1"), t->http_endpoint().port());
  get(v4_side, announce_target(1, 1111));
  const auto body = get(v4_side, announce_target(2, 2222)).body;
  auto doc = bdecode(body);
  REQUIRE(doc);
  CHECK(doc->root().find("peers").string() == std::string("\x7f\x00\x00\x01\x04\x57", 6));
  CHECK_FALSE(doc->root().find("peers6").valid());
}

TEST_CASE("http tracker: scrape and stats", "[tracker_server]") {
  auto t = start_http("127.0.0.1:0");
  REQUIRE(t);
  const std::string other(20, '\x07');
  get(t->http_endpoint(), announce_target(1, 1111, "", info_hash));
  get(t->http_endpoint(), announce_target(2, 2222, "", other));
  get(t->http_endpoint(), "/announce?info_hash=" + encoded(other) + "&peer_id=" + peer_id(3) +
                              "&port=3&left=0&event=completed");

  auto one = get(t->http_endpoint(), "/scrape?info_hash=" + encoded(other));
  auto doc = bdecode(one.body);
  REQUIRE(doc);
  auto files = doc->root().find("files");
  REQUIRE(files.size() == 1);
  auto e = files.find(other);
  CHECK(e.find("complete").integer() == 1);
  CHECK(e.find("incomplete").integer() == 1);
  CHECK(e.find("downloaded").integer() == 1);

  const auto all_body = get(t->http_endpoint(), "/scrape").body;
  auto all = bdecode(all_body);
  REQUIRE(all);
  CHECK(all->root().find("files").size() == 2);

  auto bad = get(t->http_endpoint(), "/scrape?info_hash=short");
  CHECK(failure_reason(bad) == "invalid info_hash: must be 20 bytes, got 5");

  auto stats = get(t->http_endpoint(), "/stats");
  CHECK(stats.status == 200);
  CHECK(stats.content_type == "application/json");
  auto j = nlohmann::json::parse(stats.body);
  CHECK(j["swarms"] == 2);
  CHECK(j["peers"] == 3);
  CHECK(j["seeders"] == 1);
  CHECK(j["leechers"] == 2);
  CHECK(j["announces"] == 3);
  CHECK(j["scrapes"] == 2);
  CHECK(j.contains("announces_per_second"));
  CHECK(j.contains("scrapes_per_second"));
}

TEST_CASE("http tracker: stats can be turned off", "[tracker_server]") {
  tracker_server_options o;
  o.http_options.routes.stats = false;
  auto t = start_http("127.0.0.1:0", o);
  REQUIRE(t);
  CHECK(get(t->http_endpoint(), "/stats").status == 404);
}

TEST_CASE("http tracker: malformed requests get a failure reason naming the parameter",
          "[tracker_server]") {
  auto t = start_http("127.0.0.1:0");
  REQUIRE(t);
  const std::string hash = encoded(info_hash);
  struct {
    std::string target;
    std::string reason;
  } cases[] = {
      {"/announce?peer_id=" + peer_id(1) + "&port=1", "missing info_hash"},
      {"/announce?info_hash=" + encoded(info_hash.substr(1)) + "&peer_id=" + peer_id(1) + "&port=1",
       "invalid info_hash: must be 20 bytes, got 19"},
      {"/announce?info_hash=" + hash + "&peer_id=" + peer_id(1) + "&port=70000",
       "invalid port: must be an integer 1..65535"},
      {"/announce?info_hash=" + hash + "&peer_id=" + peer_id(1) + "&port=1&left=lots",
       "invalid left: must be a non-negative integer"},
      {"/announce?info_hash=" + hash + "%2", "malformed info_hash: truncated percent escape"},
      {"/announce?" + std::string(9000, 'a'), "request target too long (limit 8192 bytes)"},
  };
  for (const auto& c : cases) {
    auto r = get(t->http_endpoint(), c.target);
    CHECK(r.status == 200);
    CHECK(failure_reason(r) == c.reason);
  }
  CHECK(get(t->http_endpoint(), "/nothing-here").status == 404);
  {
    net::io_context io;
    auto s = connect_to(io, t->http_endpoint());
    CHECK(request_on(s, "/announce", http::verb::post).status == 405);
  }

  // A target beyond the header limit: refused (with a failure reason), and the server goes on.
  {
    net::io_context io;
    auto s = connect_to(io, t->http_endpoint());
    const std::string huge = "GET /announce?" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n";
    boost::system::error_code ec;
    net::write(s, net::buffer(huge), ec);
    const auto answer = read_until_closed(s);
    CHECK(answer.find("failure reason") != std::string::npos);
  }
  CHECK(get(t->http_endpoint(), "/scrape").status == 200);
}

TEST_CASE("http tracker: keep-alive serves several requests on one connection",
          "[tracker_server]") {
  auto t = start_http("127.0.0.1:0");
  REQUIRE(t);
  net::io_context io;
  auto s = connect_to(io, t->http_endpoint());
  for (int i = 0; i < 5; ++i) {
    auto r = request_on(s, announce_target(i, static_cast<std::uint16_t>(1000 + i)));
    CHECK(r.status == 200);
    CHECK(r.keep_alive);
  }
  const auto body = request_on(s, "/scrape").body;
  auto doc = bdecode(body);
  REQUIRE(doc);
  CHECK(doc->root().find("files").find(info_hash).find("incomplete").integer() == 5);
}

TEST_CASE("http tracker: garbage, half-open and surplus connections do not hurt it",
          "[tracker_server]") {
  tracker_server_options o;
  o.http_options.request_timeout = 300ms;
  o.http_options.max_connections = 4;
  auto t = start_http("127.0.0.1:0", o);
  REQUIRE(t);
  net::io_context io;

  {  // Binary garbage: a 400 or a closed connection, never a crash.
    auto s = connect_to(io, t->http_endpoint());
    std::string junk;
    for (int i = 0; i < 3000; ++i)
      junk.push_back(static_cast<char>((i * 7919 + 13) & 0xff));
    boost::system::error_code ec;
    net::write(s, net::buffer(junk), ec);
    const auto answer = read_until_closed(s);
    CHECK((answer.empty() || answer.rfind("HTTP/1.1 400", 0) == 0));
  }
  {  // A request cut off by a half-close.
    auto s = connect_to(io, t->http_endpoint());
    boost::system::error_code ec;
    net::write(s, net::buffer(std::string("GET /announce?info_hash=")), ec);
    s.shutdown(tcp::socket::shutdown_send, ec);
    read_until_closed(s);
  }
  {  // A silent client is dropped after the request timeout.
    auto s = connect_to(io, t->http_endpoint());
    boost::system::error_code ec;
    net::write(s, net::buffer(std::string("GET /ann")), ec);
    const auto start = std::chrono::steady_clock::now();
    read_until_closed(s);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  {  // Beyond max_connections, a connection is closed at once; the others are unharmed.
    std::vector<tcp::socket> held;
    for (int i = 0; i < 4; ++i)
      held.push_back(connect_to(io, t->http_endpoint()));
    auto s = connect_to(io, t->http_endpoint());
    set_receive_timeout(s, 1s);
    const auto start = std::chrono::steady_clock::now();
    CHECK(read_until_closed(s).empty());
    CHECK(std::chrono::steady_clock::now() - start < 250ms);
    CHECK(request_on(held[0], "/scrape").status == 200);
  }
  // Closed connections give their places back (the timeouts release the rest).
  std::this_thread::sleep_for(400ms);
  CHECK(get(t->http_endpoint(), "/scrape").status == 200);
  CHECK(get(t->http_endpoint(), announce_target(1, 1)).status == 200);
}
