// The UDP front end (BEP 15) over a real socket on loopback, and answer_udp() directly for
// the cases that need a controlled clock. Client datagrams are built with the shared codec.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <iostream>
#include <thread>

#include "tests/support/running_tracker.hpp"
#include "tracker/server/tracker_server.hpp"
#include "tracker/server/udp_requests.hpp"
#include "tracker/udp_tracker_protocol.hpp"

using namespace actorrent;
using namespace actorrent::server;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace udp = actorrent::udp_tracker;
using udp_socket = net::ip::udp::socket;

namespace {

// A UDP-only tracker on `at`.
std::unique_ptr<test::running_tracker> start_udp(const std::string& at) {
  tracker_server_options options;
  options.udp = *parse_listen_address(at);
  options.swarm.interval = 60s;
  return test::running_tracker::start(std::move(options));
}

struct client {
  net::io_context io;
  udp_socket socket{io};
  net::ip::udp::endpoint server;

  explicit client(const net::ip::udp::endpoint& to) : server(to) {
    socket.open(to.protocol());
    timeval tv{};
    tv.tv_sec = 2;
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  // The answer, or "" when none came within the receive timeout.
  std::string exchange(const std::string& datagram) {
    socket.send_to(net::buffer(datagram), server);
    return receive();
  }

  std::string receive() {
    std::array<char, 16384> buf;
    net::ip::udp::endpoint from;
    boost::system::error_code ec;
    auto n = socket.receive_from(net::buffer(buf), from, 0, ec);
    return ec ? std::string() : std::string(buf.data(), n);
  }

  std::uint64_t connect(std::uint32_t tid = 7) {
    auto answer = exchange(udp::encode(udp::connect_request_packet{tid}));
    auto r = udp::decode_connect_response(answer);
    REQUIRE(r);
    CHECK(r->transaction_id == tid);
    return r->connection_id;
  }
};

sha1_hash hash_of(char c) {
  return sha1_hash::from_bytes(std::string(20, c));
}

udp::announce_request_packet announce_packet(std::uint64_t cid, char peer, std::uint16_t port,
                                             std::int64_t left = 100) {
  udp::announce_request_packet p;
  p.connection_id = cid;
  p.transaction_id = 1000u + static_cast<std::uint8_t>(peer);
  p.request.info_hash = hash_of('i');
  p.request.peer_id = hash_of(peer);
  p.request.port = port;
  p.request.left = left;
  p.request.event = announce_event::started;
  p.request.numwant = -1;
  return p;
}

}  // namespace

TEST_CASE("udp tracker: connect, announce and scrape over a real socket", "[tracker_server]") {
  auto t = start_udp("127.0.0.1:0");
  REQUIRE(t);
  client c(t->udp_endpoint());
  const auto cid = c.connect();

  auto first = udp::decode_announce_response(
      c.exchange(udp::encode(announce_packet(cid, 'a', 1111))), udp::address_family::v4);
  REQUIRE(first);
  CHECK(first->transaction_id == 1000u + 'a');
  CHECK(first->interval == 60);
  CHECK(first->leechers == 1);
  CHECK(first->peers.empty());

  auto second = udp::decode_announce_response(
      c.exchange(udp::encode(announce_packet(cid, 'b', 2222, 0))), udp::address_family::v4);
  REQUIRE(second);
  CHECK(second->seeders == 1);
  CHECK(second->leechers == 1);
  REQUIRE(second->peers.size() == 1);
  CHECK(second->peers[0].to_string() == "127.0.0.1:1111");

  udp::scrape_request_packet s;
  s.connection_id = cid;
  s.transaction_id = 99;
  s.info_hashes = {hash_of('i'), hash_of('x')};
  auto scraped = udp::decode_scrape_response(c.exchange(udp::encode(s)));
  REQUIRE(scraped);
  CHECK(scraped->transaction_id == 99);
  REQUIRE(scraped->entries.size() == 2);
  CHECK(scraped->entries[0].complete == 1);
  CHECK(scraped->entries[0].incomplete == 1);
  CHECK(scraped->entries[1].complete == 0);
}

TEST_CASE("udp tracker: a wrong connection id is refused with an error", "[tracker_server]") {
  auto t = start_udp("127.0.0.1:0");
  REQUIRE(t);
  client c(t->udp_endpoint());
  const auto cid = c.connect();
  auto answer = c.exchange(udp::encode(announce_packet(cid ^ 0x5555, 'a', 1111)));
  auto err = udp::decode_error_response(answer);
  REQUIRE(err);
  CHECK(err->transaction_id == 1000u + 'a');
  CHECK(err->message == "invalid or expired connection id");

  udp::scrape_request_packet s;
  s.connection_id = 12345;
  s.transaction_id = 5;
  s.info_hashes = {hash_of('i')};
  REQUIRE(udp::decode_error_response(c.exchange(udp::encode(s))));

  // The id belongs to the IP address: another socket of this host may use it (libtorrent
  // does), another address may not.
  client other_port(t->udp_endpoint());
  CHECK(udp::decode_announce_response(
      other_port.exchange(udp::encode(announce_packet(cid, 'a', 1))), udp::address_family::v4));
  client other_ip(t->udp_endpoint());
  boost::system::error_code ec;
  other_ip.socket.bind({net::ip::make_address("127.0.0.2"), 0}, ec);
  if (ec) {
    WARN("part skipped: cannot bind 127.0.0.2: " << ec.message());
    return;
  }
  auto refused =
      udp::decode_error_response(other_ip.exchange(udp::encode(announce_packet(cid, 'b', 1))));
  REQUIRE(refused);
  CHECK(refused->message == "invalid or expired connection id");
}

TEST_CASE("udp tracker: short and malformed datagrams are dropped silently", "[tracker_server]") {
  auto t = start_udp("127.0.0.1:0");
  REQUIRE(t);
  client c(t->udp_endpoint());
  const auto cid = c.connect();
  auto connect = udp::encode(udp::connect_request_packet{1});
  auto announce = udp::encode(announce_packet(cid, 'a', 1111));
  for (const std::string& junk :
       {std::string(), std::string("x"), connect.substr(0, 15), announce.substr(0, 97),
        std::string(3000, '\xff'), std::string(16, '\0')}) {
    c.socket.send_to(net::buffer(junk), c.server);
  }
  // Whatever the junk did, the next real request is the next answer.
  auto answer =
      udp::decode_connect_response(c.exchange(udp::encode(udp::connect_request_packet{42})));
  REQUIRE(answer);
  CHECK(answer->transaction_id == 42);
}

TEST_CASE("udp tracker: over IPv6 the peers are 18-byte entries", "[tracker_server]") {
  auto t = start_udp("[::1]:0");
  if (!t) {
    WARN("skipped: cannot listen on [::1] (no IPv6 loopback here)");
    return;
  }
  client c(t->udp_endpoint());
  const auto cid = c.connect();
  REQUIRE(udp::decode_announce_response(c.exchange(udp::encode(announce_packet(cid, 'a', 1111))),
                                        udp::address_family::v6));
  auto r = udp::decode_announce_response(c.exchange(udp::encode(announce_packet(cid, 'b', 2222))),
                                         udp::address_family::v6);
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].to_string() == "[::1]:1111");
}

TEST_CASE("udp tracker: connection ids expire and refusals carry the store's reason",
          "[tracker_server]") {
  swarm_config config;
  config.allow = std::set<sha1_hash>{hash_of('z')};
  swarm_store store(config, 1);
  connection_ids ids(siphash_key{9, 9});
  const auto t0 = tracker_clock::time_point(1000h);
  const auto from = *peer_address::parse_ip("127.0.0.1", 5000);

  auto cid = udp::decode_connect_response(
      *answer_udp(udp::encode(udp::connect_request_packet{3}), from, store, ids, t0));
  REQUIRE(cid);
  auto refused = udp::decode_error_response(*answer_udp(
      udp::encode(announce_packet(cid->connection_id, 'a', 1)), from, store, ids, t0 + 60s));
  REQUIRE(refused);
  CHECK(refused->message == "info-hash not allowed");
  auto zero_port = udp::decode_error_response(
      *answer_udp(udp::encode(announce_packet(cid->connection_id, 'a', 0)), from, store, ids, t0));
  REQUIRE(zero_port);
  CHECK(zero_port->message.find("port") != std::string::npos);
  auto stale = udp::decode_error_response(*answer_udp(
      udp::encode(announce_packet(cid->connection_id, 'a', 1)), from, store, ids, t0 + 300s));
  REQUIRE(stale);
  CHECK(stale->message == "invalid or expired connection id");
  CHECK_FALSE(answer_udp("garbage", from, store, ids, t0));
}
