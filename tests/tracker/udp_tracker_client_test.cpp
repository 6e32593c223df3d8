// The asio UDP tracker client against a fake BEP 15 tracker on loopback, inside the test.
// Every wait is bounded in time; retransmission bases are scaled down to milliseconds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "tracker/udp_tracker_client.hpp"
#include "tracker/udp_tracker_protocol.hpp"

// Named: the file shares a unity batch with other tests.
namespace udp_tracker_client_test {

using namespace actorrent;
using namespace actorrent::udp_tracker;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

// Answers connect, announce and scrape like a tracker, with knobs for misbehaving.
class fake_tracker {
 public:
  enum class mode { answer, error, silent };

  fake_tracker(asio::io_context& io, const asio::ip::address& ip) : socket_(io, {ip, 0}) {
    receive();
  }

  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  std::string url(const std::string& path = "/announce") const {
    const auto a = socket_.local_endpoint().address();
    const std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return "udp://" + host + ":" + std::to_string(port()) + path;
  }

  std::atomic<mode> behaviour{mode::answer};  // changed while a server thread runs
  int drop_first = 0;                         // datagrams ignored before answering
  std::vector<peer_address> peers;
  std::string error_text = "torrent not registered";
  // Lets a test corrupt or replace the answer; called with the request's transaction id.
  std::function<void(std::string& reply, std::uint32_t tid)> tamper;
  // Sent before each real answer (spoofing attempts, garbage).
  std::vector<std::string> noise;

  std::atomic<int> received{0};
  std::atomic<int> connects{0};
  std::atomic<int> announces{0};
  std::atomic<int> scrapes{0};
  std::vector<announce_request_packet> announce_log;
  std::vector<std::chrono::steady_clock::time_point> arrival;

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buf_), from_,
                               [this](const boost::system::error_code& ec, std::size_t n) {
                                 if (ec) return;
                                 on_datagram(std::string_view(buf_.data(), n));
                                 receive();
                               });
  }

  void on_datagram(std::string_view d) {
    arrival.push_back(std::chrono::steady_clock::now());
    if (++received <= drop_first || behaviour == mode::silent) return;
    auto req = decode_request(d);
    if (!req) return;
    const auto fam = from_.address().is_v6() ? address_family::v6 : address_family::v4;
    std::string reply;
    std::uint32_t tid = 0;
    if (auto* c = std::get_if<connect_request_packet>(&*req)) {
      ++connects;
      tid = c->transaction_id;
      reply = encode(connect_response_packet{tid, 0xc0ffee00ULL + connects});
    } else if (auto* a = std::get_if<announce_request_packet>(&*req)) {
      ++announces;
      tid = a->transaction_id;
      announce_log.push_back(*a);
      if (a->connection_id != 0xc0ffee00ULL + connects) return;  // unknown id: drop
      if (behaviour == mode::error) {
        reply = encode(error_response_packet{tid, error_text});
      } else {
        announce_response_packet p;
        p.transaction_id = tid;
        p.interval = 1200;
        p.leechers = 7;
        p.seeders = 3;
        p.peers = peers;
        reply = encode(p, fam);
      }
    } else {
      auto& s = std::get<scrape_request_packet>(*req);
      ++scrapes;
      tid = s.transaction_id;
      scrape_response_packet p;
      p.transaction_id = tid;
      for (const sha1_hash& h : s.info_hashes)
        p.entries.push_back(scrape_entry{{}, h.bytes[0], h.bytes[1], h.bytes[2]});
      reply = encode(p);
    }
    if (tamper) tamper(reply, tid);
    boost::system::error_code ignored;
    for (const std::string& n : noise)
      socket_.send_to(asio::buffer(n), from_, 0, ignored);
    socket_.send_to(asio::buffer(reply), from_, 0, ignored);
  }

  udp::socket socket_;
  std::array<char, 4096> buf_{};
  udp::endpoint from_;
};

announce_request sample_request() {
  announce_request r;
  r.info_hash.bytes.fill(0x11);
  r.peer_id.bytes.fill(0x22);
  r.port = 6881;
  r.left = 5;
  r.event = announce_event::started;
  return r;
}

udp_tracker_client_options fast_options(std::chrono::milliseconds base = 10ms,
                                        unsigned retransmits = 8) {
  udp_tracker_client_options o;
  o.session.retransmit_base = base;
  o.session.max_retransmits = retransmits;
  return o;
}

// Runs `io` until `done` or the time limit; false on the time limit.
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end)
    io.run_one_for(20ms);
  return done();
}

using announce_result = std::optional<expected<announce_response, tracker_error>>;

std::optional<asio::ip::address> ipv6_loopback() {
  boost::system::error_code ec;
  asio::io_context io;
  udp::socket s(io);
  s.open(udp::v6(), ec);
  if (!ec) s.bind({asio::ip::address_v6::loopback(), 0}, ec);
  if (ec) return std::nullopt;
  return asio::ip::address(asio::ip::address_v6::loopback());
}

const auto loopback4 = asio::ip::address(asio::ip::address_v4::loopback());

// A loopback port with nothing listening (bound, then closed).
std::uint16_t unused_port() {
  asio::io_context io;
  udp::socket s(io, {loopback4, 0});
  return s.local_endpoint().port();
}

}  // namespace

TEST_CASE("udp client: connect and announce against a loopback tracker (IPv4)", "[udp_tracker]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  const auto p1 = peer_address::v4_address({10, 1, 2, 3}, 6881);
  const auto p2 = peer_address::v4_address({192, 168, 0, 9}, 51413);
  tracker.peers = {p1, p2};
  udp_tracker_client client(io, fast_options());

  announce_result got;
  client.announce(tracker.url("/announce?passkey=s3cret"), sample_request(),
                  [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  REQUIRE(*got);
  CHECK((*got)->peers == std::vector<peer_address>{p1, p2});
  CHECK((*got)->interval == 1200s);
  CHECK((*got)->complete == 3);
  CHECK((*got)->incomplete == 7);
  CHECK(tracker.connects == 1);
  CHECK(tracker.announces == 1);
  REQUIRE(tracker.announce_log.size() == 1);
  const announce_request_packet& seen = tracker.announce_log[0];
  CHECK(seen.request.info_hash == sample_request().info_hash);
  CHECK(seen.request.port == 6881);
  CHECK(seen.request.event == announce_event::started);
  CHECK(seen.url_data == "/announce?passkey=s3cret");

  // Within the connection id's minute, the next announce skips the connect.
  announce_result again;
  client.announce(tracker.url("/announce?passkey=s3cret"), sample_request(),
                  [&](auto r) { again = std::move(r); });
  REQUIRE(run_until(io, [&] { return again.has_value(); }));
  REQUIRE(*again);
  CHECK(tracker.connects == 1);
  CHECK(tracker.announces == 2);
}

TEST_CASE("udp client: IPv6 tracker answers with 18-byte peers", "[udp_tracker]") {
  const auto v6 = ipv6_loopback();
  if (!v6) {
    WARN("skipped: no IPv6 loopback (::1) on this machine");
    return;
  }
  asio::io_context io;
  fake_tracker tracker(io, *v6);
  const auto p = *peer_address::parse_ip("2001:db8::42", 6881);
  tracker.peers = {p, peer_address::v4_address({1, 2, 3, 4}, 5)};  // v4 one not sent over v6
  udp_tracker_client client(io, fast_options());
  announce_result got;
  client.announce(tracker.url(), sample_request(), [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  if (!*got) FAIL(got->error().message);
  CHECK((*got)->peers == std::vector<peer_address>{p});
}

TEST_CASE("udp client: host names are resolved", "[udp_tracker]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  tracker.peers = {peer_address::v4_address({10, 0, 0, 1}, 1)};
  udp_tracker_client client(io, fast_options());
  announce_result got;
  client.announce("udp://localhost:" + std::to_string(tracker.port()), sample_request(),
                  [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  if (!*got) FAIL(got->error().message);
  CHECK((*got)->peers.size() == 1);

  announce_result bad;
  client.announce("udp://no-such-host.invalid:6969", sample_request(),
                  [&](auto r) { bad = std::move(r); });
  REQUIRE(run_until(
      io, [&] { return bad.has_value(); }, 30s));
  REQUIRE_FALSE(*bad);
  CHECK(bad->error().what == tracker_error::kind::network);
  CHECK(bad->error().message.find("resolve") != std::string::npos);
}

TEST_CASE("udp client: dropped datagrams are retransmitted on the base*2^n schedule",
          "[udp_tracker]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  tracker.drop_first = 3;  // the connect is lost three times
  tracker.peers = {peer_address::v4_address({10, 0, 0, 1}, 1)};
  udp_tracker_client client(io, fast_options(20ms));
  announce_result got;
  const auto start = std::chrono::steady_clock::now();
  client.announce(tracker.url(), sample_request(), [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  if (!*got) FAIL(got->error().message);
  CHECK(tracker.received == 5);  // 4 connects, 1 announce
  CHECK(tracker.connects == 1);
  REQUIRE(tracker.arrival.size() == 5);
  // Copies of the connect leave 20, 40 and 80 ms apart. Arrival is stamped when the fake
  // tracker gets to run, a little after the send, so only the distance from the start is an
  // exact lower bound; the gaps get a little slack.
  CHECK(tracker.arrival[1] - start >= 20ms);
  CHECK(tracker.arrival[2] - start >= 60ms);
  CHECK(tracker.arrival[3] - start >= 140ms);
  CHECK(tracker.arrival[2] - tracker.arrival[1] >= 30ms);
  CHECK(tracker.arrival[3] - tracker.arrival[2] >= 70ms);
  // ...and not absurdly later: the next copy is not sent at the one after's time.
  CHECK(tracker.arrival[3] - start < 20ms + 40ms + 80ms + 160ms);
}

TEST_CASE("udp client: the tracker's error action is a failure_reason", "[udp_tracker]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  tracker.behaviour = fake_tracker::mode::error;
  udp_tracker_client client(io, fast_options());
  announce_result got;
  client.announce(tracker.url(), sample_request(), [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  REQUIRE_FALSE(*got);
  CHECK(got->error().what == tracker_error::kind::failure_reason);
  CHECK(got->error().message ==
        "udp://127.0.0.1:" + std::to_string(tracker.port()) + ": torrent not registered");
}

TEST_CASE("udp client: a tracker that never answers times out", "[udp_tracker]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  tracker.behaviour = fake_tracker::mode::silent;
  udp_tracker_client client(io, fast_options(5ms, 3));
  announce_result got;
  const auto start = std::chrono::steady_clock::now();
  client.announce(tracker.url(), sample_request(), [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(*got);
  CHECK(got->error().what == tracker_error::kind::network);
  CHECK(got->error().message.find("timed out") != std::string::npos);
  CHECK(tracker.received == 4);  // n = 0..3
  CHECK(took >= 5ms * 15);       // 5 + 10 + 20 + 40
}

TEST_CASE("udp client: nothing listening is refused quickly", "[udp_tracker]") {
  asio::io_context io;
  udp_tracker_client client(io, fast_options(200ms, 2));
  announce_result got;
  const auto start = std::chrono::steady_clock::now();
  client.announce("udp://127.0.0.1:" + std::to_string(unused_port()), sample_request(),
                  [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  REQUIRE_FALSE(*got);
  CHECK(got->error().what == tracker_error::kind::network);
  // Where ICMP port unreachable reaches the socket, the answer comes long before the
  // 1.4 s retransmission schedule; elsewhere it is the timeout.
  const bool refused = got->error().message.find("refused") != std::string::npos;
  if (refused)
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  else
    WARN("no ICMP port unreachable on loopback here: " << got->error().message);
}

TEST_CASE("udp client: spoofed and hostile datagrams do not disturb the exchange",
          "[udp_tracker]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  tracker.peers = {peer_address::v4_address({10, 0, 0, 1}, 1)};
  tracker.noise = {"", "x", std::string(20000, '\0'), encode(connect_response_packet{1, 1}),
                   encode(error_response_packet{2, "spoofed"})};
  udp_tracker_client client(io, fast_options());
  announce_result got;
  client.announce(tracker.url(), sample_request(), [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  if (!*got) FAIL(got->error().message);
  CHECK((*got)->peers.size() == 1);

  // An oversized answer carrying our transaction id is a bad_response, not a crash.
  tracker.noise.clear();
  tracker.tamper = [](std::string& reply, std::uint32_t) {
    if (reply.size() > 16) reply += std::string(max_response_size * 2, '\0');
  };
  announce_result big;
  client.announce(tracker.url(), sample_request(), [&](auto r) { big = std::move(r); });
  REQUIRE(run_until(io, [&] { return big.has_value(); }));
  REQUIRE_FALSE(*big);
  CHECK(big->error().what == tracker_error::kind::bad_response);
  CHECK(big->error().message.find("more than the limit") != std::string::npos);
}

TEST_CASE("udp client: scrape, queued operations in order, several trackers at once",
          "[udp_tracker]") {
  asio::io_context io;
  fake_tracker a(io, loopback4);
  fake_tracker b(io, loopback4);
  udp_tracker_client client(io, fast_options());

  sha1_hash h1, h2;
  h1.bytes = {{5, 6, 7}};
  h2.bytes = {{1, 0, 2}};
  std::optional<expected<std::vector<scrape_entry>, tracker_error>> scraped;
  std::vector<int> order;
  client.scrape(a.url(), {h1, h2}, [&](auto r) {
    scraped = std::move(r);
    order.push_back(0);
  });
  for (int i = 1; i <= 3; ++i)
    client.announce(a.url(), sample_request(), [&order, i](auto r) {
      CHECK(r);
      order.push_back(i);
    });
  announce_result other;
  client.announce(b.url(), sample_request(), [&](auto r) { other = std::move(r); });
  REQUIRE(run_until(io, [&] { return order.size() == 4 && other.has_value(); }));
  CHECK(order == std::vector<int>{0, 1, 2, 3});
  REQUIRE(scraped);
  REQUIRE(*scraped);
  REQUIRE((*scraped)->size() == 2);
  CHECK((**scraped)[0].info_hash == h1);
  CHECK((**scraped)[0].complete == 5);
  CHECK((**scraped)[0].downloaded == 6);
  CHECK((**scraped)[0].incomplete == 7);
  CHECK((**scraped)[1].info_hash == h2);
  CHECK((**scraped)[1].incomplete == 2);
  CHECK(a.connects == 1);  // one connection id for all four
  CHECK(a.scrapes == 1);
  CHECK(a.announces == 3);
  CHECK(other->has_value());
}

TEST_CASE("udp client: bounded queue, bad URLs, cancel", "[udp_tracker]") {
  asio::io_context io;
  fake_tracker silent(io, loopback4);
  silent.behaviour = fake_tracker::mode::silent;
  udp_tracker_client_options o = fast_options(1000ms);
  o.max_queued_per_tracker = 2;
  udp_tracker_client client(io, o);

  std::vector<tracker_error> errors;
  auto record = [&](auto r) {
    REQUIRE_FALSE(r);
    errors.push_back(r.error());
  };
  client.announce("http://example.org/announce", sample_request(), record);
  client.scrape(silent.url(), {}, record);  // no hashes: fails at once
  REQUIRE(run_until(io, [&] { return errors.size() == 2; }));
  CHECK(errors[0].message.find("udp://") != std::string::npos);
  CHECK(errors[1].message.find("info-hashes") != std::string::npos);

  client.announce(silent.url(), sample_request(), record);
  client.announce(silent.url(), sample_request(), record);
  client.announce(silent.url(), sample_request(), record);  // third: queue full
  REQUIRE(run_until(io, [&] { return errors.size() == 3; }));
  CHECK(errors[2].message.find("queued") != std::string::npos);
  REQUIRE(run_until(io, [&] { return silent.received >= 1; }));

  client.cancel();
  REQUIRE(run_until(io, [&] { return errors.size() == 5; }));
  CHECK(errors[3].what == tracker_error::kind::cancelled);
  CHECK(errors[4].what == tracker_error::kind::cancelled);

  // The client still works after a cancel.
  fake_tracker good(io, loopback4);
  announce_result got;
  client.announce(good.url(), sample_request(), [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(io, [&] { return got.has_value(); }));
  CHECK(*got);
}

TEST_CASE("udp client: destroying the client drops its callbacks", "[udp_tracker]") {
  asio::io_context io;
  fake_tracker silent(io, loopback4);
  silent.behaviour = fake_tracker::mode::silent;
  bool called = false;
  {
    udp_tracker_client client(io, fast_options(5ms));
    client.announce(silent.url(), sample_request(), [&](auto) { called = true; });
    run_until(io, [&] { return silent.received >= 1; });
  }
  // Everything the client had pending finishes; the silent tracker stays.
  io.run_for(100ms);
  CHECK_FALSE(called);
  CHECK(silent.received <= 2);
}

TEST_CASE("udp client: a callback may destroy the client", "[udp_tracker]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  auto client = std::make_unique<udp_tracker_client>(io, fast_options());
  bool called = false;
  client->announce(tracker.url(), sample_request(), [&](auto r) {
    CHECK(r);
    called = true;
    client.reset();
  });
  REQUIRE(run_until(io, [&] { return called; }));
  CHECK_FALSE(client);
  io.run_for(50ms);
}

TEST_CASE("udp client: blocking wrappers with their own io_context", "[udp_tracker]") {
  // The fake tracker needs its own thread: the wrapper blocks this one.
  asio::io_context server_io;
  auto guard = asio::make_work_guard(server_io);
  fake_tracker tracker(server_io, loopback4);
  tracker.peers = {peer_address::v4_address({10, 9, 8, 7}, 6881)};
  std::thread server([&] { server_io.run_for(30s); });

  udp_tracker_blocking_options o;
  o.client = fast_options();
  auto r = udp_announce(tracker.url(), sample_request(), o);
  if (!r) FAIL(r.error().message);
  CHECK(r->peers == tracker.peers);

  sha1_hash h;
  h.bytes = {{3, 2, 1}};
  auto s = udp_scrape(tracker.url(), {h}, o);
  REQUIRE(s);
  REQUIRE(s->size() == 1);
  CHECK((*s)[0].complete == 3);

  tracker.behaviour = fake_tracker::mode::silent;
  o.total_timeout = 150ms;  // far less than the 10 ms * 511 schedule
  const auto start = std::chrono::steady_clock::now();
  auto t = udp_announce(tracker.url(), sample_request(), o);
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  REQUIRE_FALSE(t);
  CHECK(t.error().what == tracker_error::kind::network);
  CHECK(t.error().message.find("timed out after 150 ms") != std::string::npos);

  std::atomic<bool> stop{false};
  o.total_timeout.reset();
  o.cancel = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop = true;
  });
  auto c = udp_announce(tracker.url(), sample_request(), o);
  stopper.join();
  REQUIRE_FALSE(c);
  CHECK(c.error().what == tracker_error::kind::cancelled);

  CHECK_FALSE(udp_announce("udp://bad url", sample_request(), o));

  guard.reset();
  server_io.stop();
  server.join();
}

namespace {

// A free loopback port for `Socket` (bound, then released).
template <class Socket, class Endpoint>
std::uint16_t free_port() {
  asio::io_context io;
  Socket s(io, Endpoint(loopback4, 0));
  return s.local_endpoint().port();
}

// A process we start and end by its id.
struct child_process {
  pid_t pid = -1;
  ~child_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
};

}  // namespace

TEST_CASE("udp client: interoperates with opentracker", "[udp_tracker]") {
  const char* binary = "/usr/bin/opentracker";
  if (::access(binary, X_OK) != 0) {
    WARN("skipped: " << binary << " is not installed (Debian package opentracker)");
    return;
  }
  const std::uint16_t udp_port = free_port<udp::socket, udp::endpoint>();
  const std::uint16_t tcp_port = free_port<asio::ip::tcp::acceptor, asio::ip::tcp::endpoint>();
  const std::string up = std::to_string(udp_port);
  const std::string tp = std::to_string(tcp_port);
  // Debian's opentracker only tracks whitelisted torrents; it chroots into -d first, so the
  // whitelist is named from inside that directory.
  char dir_template[] = "/tmp/actorrent-opentracker-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  ::chmod(dir.c_str(), 0755);  // opentracker reads it after dropping to user nobody
  const std::string whitelist = dir + "/whitelist";
  {
    std::FILE* f = std::fopen(whitelist.c_str(), "w");
    REQUIRE(f);
    std::fprintf(f, "%s\n", sample_request().info_hash.hex().c_str());
    std::fclose(f);
  }
  struct cleanup {
    std::string dir, file;
    ~cleanup() {
      std::remove(file.c_str());
      ::rmdir(dir.c_str());
    }
  } remove_later{dir, whitelist};
  std::vector<std::string> args = {binary, "-i", "127.0.0.1", "-P", up,          "-p",
                                   tp,     "-d", dir,         "-w", "/whitelist"};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  child_process tracker;
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  const int rc = ::posix_spawn(&tracker.pid, binary, &quiet, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&quiet);
  REQUIRE(rc == 0);

  const std::string url = "udp://127.0.0.1:" + up + "/announce";
  udp_tracker_blocking_options o;
  o.client = fast_options(50ms, 2);
  announce_request seeder = sample_request();
  seeder.peer_id.bytes.fill(0xa1);
  seeder.port = 1111;
  seeder.left = 0;
  seeder.event = announce_event::completed;
  // opentracker needs a moment to bind its port: retry, bounded.
  std::optional<expected<announce_response, tracker_error>> first;
  for (int attempt = 0; attempt < 30; ++attempt) {
    first = udp_announce(url, seeder, o);
    if (*first) break;
    std::this_thread::sleep_for(100ms);
  }
  if (!*first) {
    WARN("skipped: opentracker did not answer: " << first->error().message);
    return;
  }

  announce_request leecher = sample_request();
  leecher.peer_id.bytes.fill(0xb2);
  leecher.port = 2222;
  leecher.left = 100;
  auto second = udp_announce(url, leecher, o);
  if (!second) FAIL(second.error().message);
  CHECK(second->interval.count() > 0);
  CHECK(second->complete == 1);
  CHECK(second->incomplete == 1);
  // opentracker includes the requester itself; the seeder must be there.
  const auto seeder_address = peer_address::v4_address({127, 0, 0, 1}, 1111);
  CHECK(std::find(second->peers.begin(), second->peers.end(), seeder_address) !=
        second->peers.end());

  auto scraped = udp_scrape(url, {sample_request().info_hash, sha1_hash{}}, o);
  if (!scraped) FAIL(scraped.error().message);
  REQUIRE(scraped->size() == 2);
  CHECK((*scraped)[0].complete == 1);
  CHECK((*scraped)[0].incomplete == 1);
  CHECK((*scraped)[1].complete == 0);

  // A torrent it does not track gets opentracker's 8-byte answer: a refusal, not garbage.
  announce_request unknown = leecher;
  unknown.info_hash.bytes.fill(0x99);
  auto refused = udp_announce(url, unknown, o);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().what == tracker_error::kind::failure_reason);
}

TEST_CASE("udp client: fault injection loses answers (retransmission, timeout) or halves them",
          "[udp_tracker][faults]") {
  asio::io_context io;
  fake_tracker tracker(io, loopback4);
  tracker.peers = {peer_address::v4_address({10, 1, 2, 3}, 6881),
                   peer_address::v4_address({10, 1, 2, 4}, 6881)};
  udp_tracker_client client(io, fast_options(20ms, 2));

  // Dropped: the connect goes through; every answer to the announce is lost, so the session
  // retransmits it (the tracker sees each copy) and gives up after its schedule.
  announce_result lost;
  client.announce(
      tracker.url(), sample_request(), [&](auto r) { lost = std::move(r); }, response_fault::drop);
  REQUIRE(run_until(io, [&] { return lost.has_value(); }));
  REQUIRE_FALSE(*lost);
  CHECK(lost->error().what == tracker_error::kind::network);
  CHECK(lost->error().message.find("no answer after 3 attempts") != std::string::npos);
  CHECK(tracker.connects == 1);
  CHECK(tracker.announces == 3);

  // Garbled: the answer halved (16 of its 32 bytes) reaches the real decoder.
  announce_result half;
  client.announce(
      tracker.url(), sample_request(), [&](auto r) { half = std::move(r); },
      response_fault::corrupt);
  REQUIRE(run_until(io, [&] { return half.has_value(); }));
  REQUIRE_FALSE(*half);
  CHECK(half->error().what == tracker_error::kind::bad_response);
  CHECK(half->error().message == "udp://127.0.0.1:" + std::to_string(tracker.port()) +
                                     ": announce response needs at least 20 bytes, got 16 bytes");

  // Off: the same tracker answers in full.
  announce_result fine;
  client.announce(tracker.url(), sample_request(), [&](auto r) { fine = std::move(r); });
  REQUIRE(run_until(io, [&] { return fine.has_value(); }));
  REQUIRE(*fine);
  CHECK((*fine)->peers == tracker.peers);
}

}  // namespace udp_tracker_client_test
