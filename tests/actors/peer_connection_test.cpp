#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "actors/block_pool.hpp"
#include "actors/io_thread.hpp"
#include "actors/peer_connection.hpp"
#include "protocol/handshake.hpp"
#include "protocol/wire_message.hpp"

using namespace actorrent;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto patience = 10s;  // every wait is bounded by this, or less

handshake make_handshake(std::uint8_t info_hash_byte, std::uint8_t peer_id_byte) {
  handshake h;
  h.info_hash.bytes.fill(info_hash_byte);
  h.peer_id.bytes.fill(peer_id_byte);
  h.set_extension_protocol(true);
  h.set_fast_extension(true);
  return h;
}

std::string encoded(const wire::message& m) {
  std::string out;
  wire::encode(m, out);
  return out;
}

std::string encoded(const handshake& h) {
  std::string out;
  encode_handshake(h, out);
  return out;
}

// A block's bytes, distinct per block so that reordering or mixing is seen.
void fill_block(char* p, std::size_t n, std::uint32_t seq) {
  for (std::size_t j = 0; j < n; ++j)
    p[j] = static_cast<char>((seq * 131 + j * 7 + (j >> 8)) & 0xff);
}

bool block_matches(const char* p, std::size_t n, std::uint32_t seq) {
  for (std::size_t j = 0; j < n; ++j) {
    if (p[j] != static_cast<char>((seq * 131 + j * 7 + (j >> 8)) & 0xff)) return false;
  }
  return true;
}

// What one side saw, in order. Messages are kept encoded: their views die with the callback.
struct recorder : std::enable_shared_from_this<recorder> {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<handshake> answer;  // what choose_handshake answers (incoming side)
  std::vector<sha1_hash> asked;
  std::optional<handshake> remote;
  std::vector<std::string> messages;
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::string>> blocks;
  std::optional<std::string> closed;
  std::optional<close_kind> closed_kind;
  int closed_count = 0;
  int drained = 0;
  bool delivered_after_close = false;
  bool auto_grant = true;
  std::size_t ungranted = 0;  // credits held back while auto_grant is off
  std::shared_ptr<peer_connection> connection;

  static std::shared_ptr<recorder> make() { return std::make_shared<recorder>(); }

  peer_connection_callbacks callbacks() {
    auto self = shared_from_this();
    peer_connection_callbacks cb;
    cb.choose_handshake = [self](const sha1_hash& info_hash) {
      std::lock_guard<std::mutex> lock(self->mutex);
      self->asked.push_back(info_hash);
      self->changed.notify_all();
      return self->answer;
    };
    cb.on_handshake = [self](const handshake& h) { self->record([&] { self->remote = h; }); };
    cb.on_message = [self](const wire::message& m, std::size_t credit) {
      self->record([&] { self->messages.push_back(encoded(m)); });
      self->credit(credit);
    };
    cb.on_block = [self](std::uint32_t index, std::uint32_t begin, block_buffer block,
                         std::size_t credit) {
      self->record([&] {
        self->blocks.emplace_back(index, begin, std::string(block.data(), block.size()));
      });
      self->credit(credit);
    };
    cb.on_write_queue_drained = [self] { self->record([&] { ++self->drained; }); };
    cb.on_closed = [self](const close_reason& reason) {
      std::lock_guard<std::mutex> lock(self->mutex);
      ++self->closed_count;
      self->closed = reason.text;
      self->closed_kind = reason.kind;
      self->changed.notify_all();
    };
    return cb;
  }

  template <class F>
  void record(F f) {
    std::lock_guard<std::mutex> lock(mutex);
    if (closed) delivered_after_close = true;
    f();
    changed.notify_all();
  }

  void credit(std::size_t n) {
    std::shared_ptr<peer_connection> c;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!auto_grant || !connection) {
        ungranted += n;
        return;
      }
      c = connection;
    }
    c->grant(n);
  }

  void attach(std::shared_ptr<peer_connection> c) {
    std::size_t owed = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      connection = c;
      if (auto_grant) std::swap(owed, ungranted);
    }
    if (owed > 0) c->grant(owed);
  }

  void grant_held_back() {
    std::shared_ptr<peer_connection> c;
    std::size_t owed = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto_grant = true;
      std::swap(owed, ungranted);
      c = connection;
    }
    if (c && owed > 0) c->grant(owed);
  }

  // The handle is dropped by the test, not by a callback: forget it first.
  void detach() {
    std::lock_guard<std::mutex> lock(mutex);
    connection.reset();
  }

  // Polls too: some predicates look at the connection (queued bytes, stats), which does not
  // notify the recorder.
  template <class Predicate>
  bool wait(Predicate p, std::chrono::milliseconds timeout = patience) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mutex);
    while (!p()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      changed.wait_for(lock, 5ms);
    }
    return true;
  }
  bool wait_closed(std::chrono::milliseconds timeout = patience) {
    return wait([&] { return closed.has_value(); }, timeout);
  }
  std::string closed_reason() {
    std::lock_guard<std::mutex> lock(mutex);
    return closed.value_or("<open>");
  }
  std::optional<close_kind> kind() {
    std::lock_guard<std::mutex> lock(mutex);
    return closed_kind;
  }
};

// The io thread and a listening socket on 127.0.0.1. The thread is stopped before the
// acceptor goes, so no handler runs on a destroyed object.
struct fixture {
  io_thread io;
  tcp::acceptor acceptor{io.context(), tcp::endpoint(asio::ip::address_v4::loopback(), 0)};

  ~fixture() { io.stop(); }

  tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }

  // The next incoming connection, waited for at most `patience`.
  tcp::socket accept_socket() {
    auto promise = std::make_shared<std::promise<tcp::socket>>();
    auto result = promise->get_future();
    asio::post(io.context(), [this, promise] {
      acceptor.async_accept([promise](const boost::system::error_code& ec, tcp::socket s) {
        if (ec) {
          promise->set_exception(std::make_exception_ptr(boost::system::system_error(ec)));
        } else {
          promise->set_value(std::move(s));
        }
      });
    });
    REQUIRE(result.wait_for(patience) == std::future_status::ready);
    return result.get();
  }
};

// Plain blocking POSIX sockets for the hostile side: every wait is a poll with a timeout.
struct raw_socket {
  int fd = -1;

  raw_socket() = default;
  explicit raw_socket(int f) : fd(f) {}
  raw_socket(raw_socket&& o) noexcept : fd(o.fd) { o.fd = -1; }
  raw_socket& operator=(raw_socket&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~raw_socket() {
    if (fd >= 0) ::close(fd);
  }

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  static raw_socket connect_to(std::uint16_t port) {
    raw_socket s(::socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(s.fd >= 0);
    sockaddr_in a = loopback(port);
    REQUIRE(::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return s;
  }

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Up to n bytes, fewer on EOF, error or timeout.
  std::string recv_exactly(std::size_t n, std::chrono::milliseconds timeout = patience) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
  }

  // True when the other side closes (EOF or reset) within the timeout; data is discarded.
  bool wait_closed(std::chrono::milliseconds timeout = patience) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      if (::recv(fd, buf, sizeof buf, 0) <= 0) return true;
    }
  }
};

struct raw_listener {
  raw_socket socket;
  std::uint16_t port = 0;

  explicit raw_listener(int backlog = 4) : socket(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(socket.fd >= 0);
    sockaddr_in a = raw_socket::loopback(0);
    REQUIRE(::bind(socket.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(socket.fd, backlog) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(socket.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }

  tcp::endpoint endpoint() const { return {asio::ip::address_v4::loopback(), port}; }

  raw_socket accept() {
    pollfd p{socket.fd, POLLIN, 0};
    REQUIRE(::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(patience).count())) == 1);
    raw_socket s(::accept(socket.fd, nullptr, nullptr));
    REQUIRE(s.fd >= 0);
    return s;
  }
};

const handshake hs_a = make_handshake(0x11, 0xA1);
const handshake hs_b = make_handshake(0x11, 0xB2);

struct connected_pair {
  std::shared_ptr<recorder> ra = recorder::make();  // outgoing side
  std::shared_ptr<recorder> rb = recorder::make();  // incoming side
  std::shared_ptr<peer_connection> a;
  std::shared_ptr<peer_connection> b;

  connected_pair(fixture& fx, peer_connection_options oa = {}, peer_connection_options ob = {}) {
    rb->answer = hs_b;
    a = peer_connection::connect(fx.io.context(), fx.endpoint(), hs_a, ra->callbacks(), oa);
    ra->attach(a);
    b = peer_connection::accept(fx.accept_socket(), rb->callbacks(), ob);
    rb->attach(b);
  }
  ~connected_pair() {
    ra->detach();
    rb->detach();
  }
  bool handshaken() {
    return ra->wait([&] { return ra->remote.has_value(); }) &&
           rb->wait([&] { return rb->remote.has_value(); });
  }
};

}  // namespace

TEST_CASE("peer connection: handshake both ways, connect to accept", "[peer_connection]") {
  fixture fx;
  connected_pair p(fx);
  REQUIRE(p.handshaken());
  CHECK(*p.ra->remote == hs_b);  // reserved bits and peer id as sent
  CHECK(*p.rb->remote == hs_a);
  REQUIRE(p.rb->asked.size() == 1);
  CHECK(p.rb->asked[0] == hs_a.info_hash);
  CHECK(p.a->remote_endpoint() == fx.endpoint());
  CHECK(p.b->remote_endpoint().address() == asio::ip::address_v4::loopback());
  CHECK_FALSE(p.a->closed());
  CHECK(p.ra->closed_count == 0);
  // The handshakes are the protocol bytes so far.
  CHECK(p.ra->wait([&] { return p.a->stats().protocol_sent == handshake_size; }));
  CHECK(p.a->stats().protocol_received == handshake_size);
  CHECK(p.a->stats().payload_received == 0);
}

TEST_CASE("peer connection: an incoming info-hash we do not serve is rejected",
          "[peer_connection]") {
  fixture fx;
  auto ra = recorder::make();
  auto rb = recorder::make();  // answer stays nullopt: no such torrent
  auto a = peer_connection::connect(fx.io.context(), fx.endpoint(), hs_a, ra->callbacks());
  auto b = peer_connection::accept(fx.accept_socket(), rb->callbacks());
  REQUIRE(rb->wait_closed());
  CHECK_THAT(rb->closed_reason(),
             Catch::Contains("no torrent") && Catch::Contains(hs_a.info_hash.hex()));
  CHECK(rb->kind() == close_kind::unwanted);
  REQUIRE(ra->wait_closed());
  CHECK_THAT(ra->closed_reason(), Catch::Contains("during the handshake"));
  CHECK(ra->kind() == close_kind::remote);
  CHECK_FALSE(ra->remote);
  CHECK_FALSE(rb->remote);
}

TEST_CASE("peer connection: a peer answering another info-hash is dropped", "[peer_connection]") {
  fixture fx;
  raw_listener peer;
  auto ra = recorder::make();
  auto a = peer_connection::connect(fx.io.context(), peer.endpoint(), hs_a, ra->callbacks());
  raw_socket s = peer.accept();
  CHECK(s.recv_exactly(handshake_size) == encoded(hs_a));
  REQUIRE(s.send_all(encoded(make_handshake(0x22, 0xB2))));
  REQUIRE(ra->wait_closed());
  CHECK_THAT(ra->closed_reason(), Catch::Contains("wrong info-hash"));
  CHECK(ra->kind() == close_kind::unwanted);
  CHECK_FALSE(ra->remote);
  CHECK(s.wait_closed());
}

TEST_CASE("peer connection: a connection to ourselves is dropped", "[peer_connection]") {
  fixture fx;
  SECTION("outgoing: the peer answers with our own peer id") {
    raw_listener peer;
    auto ra = recorder::make();
    auto a = peer_connection::connect(fx.io.context(), peer.endpoint(), hs_a, ra->callbacks());
    raw_socket s = peer.accept();
    const std::string ours = s.recv_exactly(handshake_size);
    REQUIRE(s.send_all(ours));  // exactly what connecting to our own listener looks like
    REQUIRE(ra->wait_closed());
    CHECK_THAT(ra->closed_reason(), Catch::Contains("ourselves"));
    CHECK(ra->kind() == close_kind::unwanted);
    CHECK_FALSE(ra->remote);
  }
  SECTION("both ends of one session") {
    auto ra = recorder::make();
    auto rb = recorder::make();
    rb->answer = hs_a;  // the listener belongs to the same session: same peer id
    auto a = peer_connection::connect(fx.io.context(), fx.endpoint(), hs_a, ra->callbacks());
    auto b = peer_connection::accept(fx.accept_socket(), rb->callbacks());
    REQUIRE(rb->wait_closed());
    CHECK_THAT(rb->closed_reason(), Catch::Contains("ourselves"));
    REQUIRE(ra->wait_closed());
    // The acceptor answers before it sees the peer id, so the connector sees it too, unless
    // the close overtook the answer.
    CHECK_THAT(ra->closed_reason(), Catch::Contains("ourselves") || Catch::Contains("closed") ||
                                        Catch::Contains("reset"));
    CHECK_FALSE(ra->remote);
    CHECK_FALSE(rb->remote);
  }
}

TEST_CASE("peer connection: garbage instead of a handshake closes with a reason",
          "[peer_connection]") {
  fixture fx;
  SECTION("incoming: an HTTP request") {
    raw_socket s = raw_socket::connect_to(fx.endpoint().port());
    REQUIRE(s.send_all("GET /announce HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto rb = recorder::make();
    rb->answer = hs_b;
    auto b = peer_connection::accept(fx.accept_socket(), rb->callbacks());
    REQUIRE(rb->wait_closed());
    CHECK_THAT(rb->closed_reason(), Catch::StartsWith("bad handshake"));
    CHECK(rb->kind() == close_kind::violation);
    CHECK(rb->asked.empty());
    CHECK(s.wait_closed());
  }
  SECTION("outgoing: a wrong protocol string") {
    raw_listener peer;
    auto ra = recorder::make();
    auto a = peer_connection::connect(fx.io.context(), peer.endpoint(), hs_a, ra->callbacks());
    raw_socket s = peer.accept();
    std::string bad = encoded(hs_b);
    bad[5] = 'X';
    REQUIRE(s.send_all(bad));
    REQUIRE(ra->wait_closed());
    CHECK_THAT(ra->closed_reason(),
               Catch::StartsWith("bad handshake") && Catch::Contains("stream byte 5"));
  }
  SECTION("incoming: silence until the handshake timeout") {
    raw_socket s = raw_socket::connect_to(fx.endpoint().port());
    auto rb = recorder::make();
    rb->answer = hs_b;
    peer_connection_options o;
    o.handshake_timeout = 200ms;
    auto b = peer_connection::accept(fx.accept_socket(), rb->callbacks(), o);
    REQUIRE(rb->wait_closed());
    CHECK(rb->closed_reason() == "handshake timed out after 200 ms");
    CHECK(rb->kind() == close_kind::failed);
  }
  SECTION("outgoing: the connect does not complete") {
    // Linux drops SYNs to a full accept queue; backlog 0 holds one connection.
    raw_listener full(0);
    raw_socket filler = raw_socket::connect_to(full.port);
    auto ra = recorder::make();
    peer_connection_options o;
    o.connect_timeout = 200ms;
    auto a = peer_connection::connect(fx.io.context(), full.endpoint(), hs_a, ra->callbacks(), o);
    REQUIRE(ra->wait_closed());
    CHECK(ra->closed_reason() ==
          "connect to 127.0.0.1:" + std::to_string(full.port) + " timed out after 200 ms");
    CHECK(ra->kind() == close_kind::failed);
  }
  SECTION("outgoing: nobody listens") {
    std::uint16_t port;
    {
      raw_listener gone;
      port = gone.port;
    }
    auto ra = recorder::make();
    auto a = peer_connection::connect(fx.io.context(),
                                      tcp::endpoint(asio::ip::address_v4::loopback(), port), hs_a,
                                      ra->callbacks());
    REQUIRE(ra->wait_closed());
    CHECK_THAT(ra->closed_reason(),
               Catch::StartsWith("connect to 127.0.0.1:") && Catch::Contains("failed"));
  }
}

TEST_CASE("peer connection: every message kind crosses a real connection", "[peer_connection]") {
  fixture fx;
  connected_pair p(fx);
  REQUIRE(p.handshaken());

  const std::string bits = "\xff\x0f\x80";
  const std::string ext = "d1:md6:ut_pexi1eee";
  const std::string body = "abc";
  const std::vector<wire::message> all = {
      wire::choke{},
      wire::unchoke{},
      wire::interested{},
      wire::not_interested{},
      wire::have{7},
      wire::bitfield{bits},
      wire::request{1, 16384, 16384},
      wire::cancel{1, 16384, 16384},
      wire::dht_port{6881},
      wire::suggest_piece{3},
      wire::have_all{},
      wire::have_none{},
      wire::reject_request{2, 0, 16384},
      wire::allowed_fast{9},
      wire::extended{0, ext},
      wire::unknown{42, body},
  };
  for (const auto& m : all) {
    REQUIRE(p.a->send(m));
    REQUIRE(p.a->send_keep_alive());  // never delivered; only feeds the idle timer
  }
  // A piece sent as a message arrives as a block, as does one sent with send_block.
  const std::string small_block = "sixteen bytes!!!";
  REQUIRE(p.a->send(wire::piece{5, 32, small_block}));
  auto pool = block_pool::create();
  block_buffer block = pool->acquire();
  fill_block(block.data(), 16384, 5);
  block.resize(16384);
  REQUIRE(p.a->send_block(5, 16384, block));
  REQUIRE(p.b->send(wire::have{1}));  // and the other way

  REQUIRE(
      p.rb->wait([&] { return p.rb->messages.size() == all.size() && p.rb->blocks.size() == 2; }));
  for (std::size_t i = 0; i < all.size(); ++i) {
    INFO("message " << wire::to_string(all[i]));
    CHECK(p.rb->messages[i] == encoded(all[i]));
  }
  CHECK(p.rb->blocks[0] == std::make_tuple(5u, 32u, small_block));
  CHECK(std::get<0>(p.rb->blocks[1]) == 5);
  CHECK(std::get<1>(p.rb->blocks[1]) == 16384);
  CHECK(std::get<2>(p.rb->blocks[1]) == std::string(block.data(), block.size()));
  REQUIRE(p.ra->wait([&] { return p.ra->messages.size() == 1; }));
  CHECK(p.ra->messages[0] == encoded(wire::have{1}));

  // Payload is block bytes; everything else (headers, keep-alives, handshake) is protocol.
  REQUIRE(p.ra->wait([&] { return p.a->queued_bytes() == 0; }));
  const auto sent = p.a->stats();
  CHECK(sent.payload_sent == small_block.size() + 16384);
  REQUIRE(p.rb->wait([&] { return p.b->stats().protocol_received == sent.protocol_sent; }));
  CHECK(p.b->stats().payload_received == sent.payload_sent);
  CHECK(p.rb->closed_count == 0);
}

TEST_CASE("peer connection: 1000 blocks arrive intact and in order through a small credit",
          "[peer_connection]") {
  fixture fx;
  constexpr std::uint32_t count = 1000;
  constexpr std::size_t block_size = 16384;
  const std::size_t per_block = block_size + peer_connection::delivery_overhead;
  const std::size_t budget_blocks = 4;

  auto rx_pool = block_pool::create();
  peer_connection_options rx;
  rx.pool = rx_pool;
  rx.receive_credit = budget_blocks * per_block;
  rx.read_buffer_size = 64 * 1024;
  peer_connection_options tx;
  tx.send_low_water = 128 * 1024;

  // The receiver keeps each block until a slow consumer thread (the "disk writer") has
  // checked it, released it and granted its credit back.
  struct inbox_t {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::tuple<std::uint32_t, std::uint32_t, block_buffer, std::size_t>> queue;
    std::size_t outstanding = 0;
    std::size_t max_outstanding = 0;
  };
  auto inbox = std::make_shared<inbox_t>();
  auto rb = recorder::make();
  rb->answer = hs_b;
  auto cb = rb->callbacks();
  cb.on_block = [inbox](std::uint32_t index, std::uint32_t begin, block_buffer b,
                        std::size_t credit) {
    std::lock_guard<std::mutex> lock(inbox->mutex);
    inbox->queue.emplace_back(index, begin, std::move(b), credit);
    inbox->max_outstanding = std::max(inbox->max_outstanding, ++inbox->outstanding);
    inbox->changed.notify_all();
  };
  auto ra = recorder::make();
  auto a = peer_connection::connect(fx.io.context(), fx.endpoint(), hs_a, ra->callbacks(), tx);
  ra->attach(a);
  auto b = peer_connection::accept(fx.accept_socket(), cb, rx);
  rb->attach(b);
  REQUIRE(ra->wait([&] { return ra->remote.has_value(); }));

  // Filled beforehand, so that the sender outruns the slow receiver and its queue builds up.
  auto tx_pool = block_pool::create();
  std::vector<block_buffer> outgoing(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    outgoing[i] = tx_pool->acquire();
    fill_block(outgoing[i].data(), block_size, i);
    outgoing[i].resize(block_size);
  }
  std::atomic<bool> sender_ok{true};
  std::thread sender([&] {
    for (std::uint32_t i = 0; i < count && sender_ok; ++i) {
      // The documented pattern: at the low-water mark, stop producing until the queue has
      // drained below it. `seen` is read first, so a notification cannot slip between.
      int seen;
      {
        std::lock_guard<std::mutex> lock(ra->mutex);
        seen = ra->drained;
      }
      if (a->queued_bytes() >= tx.send_low_water && !ra->wait([&] { return ra->drained > seen; })) {
        sender_ok = false;
      }
      if (!a->send_block(i / 16, (i % 16) * block_size, std::move(outgoing[i]))) sender_ok = false;
    }
  });

  std::uint32_t received = 0;
  bool in_order = true;
  bool intact = true;
  for (; received < count; ++received) {
    std::tuple<std::uint32_t, std::uint32_t, block_buffer, std::size_t> item;
    {
      std::unique_lock<std::mutex> lock(inbox->mutex);
      if (!inbox->changed.wait_for(lock, patience, [&] { return !inbox->queue.empty(); })) break;
      item = std::move(inbox->queue.front());
      inbox->queue.pop_front();
    }
    auto& [index, begin, block, credit] = item;
    in_order = in_order && index == received / 16 && begin == (received % 16) * block_size;
    intact =
        intact && block.size() == block_size && block_matches(block.data(), block_size, received);
    if (received % 8 == 0) std::this_thread::sleep_for(1ms);  // slower than the network
    block = block_buffer();
    {
      std::lock_guard<std::mutex> lock(inbox->mutex);
      --inbox->outstanding;
    }
    b->grant(credit);
  }
  sender.join();
  CHECK(sender_ok);
  CHECK(received == count);
  CHECK(in_order);
  CHECK(intact);
  // Bounded by the budget, plus the one delivery that may cross it.
  CHECK(inbox->max_outstanding <= budget_blocks + 1);
  CHECK(inbox->max_outstanding >= budget_blocks);  // and the budget was reached
  CHECK(b->stats().read_pauses > 0);
  CHECK(rx_pool->statistics().allocated <= budget_blocks + 2);
  CHECK(ra->drained > 0);
  CHECK(b->stats().payload_received == std::uint64_t{count} * block_size);
  CHECK(rb->closed_count == 0);
  rb->detach();
  ra->detach();
}

TEST_CASE("peer connection: reading pauses at the credit, and paused time is not idle time",
          "[peer_connection]") {
  fixture fx;
  peer_connection_options rx;
  rx.receive_credit = 1;  // every block pauses reading until it is granted
  rx.idle_timeout = 200ms;
  peer_connection_options tx;
  tx.keep_alive_interval = 0ms;  // silence after the blocks
  connected_pair p(fx, tx, rx);
  {
    std::lock_guard<std::mutex> lock(p.rb->mutex);
    p.rb->auto_grant = false;
  }
  REQUIRE(p.handshaken());
  auto pool = block_pool::create();
  for (std::uint32_t i = 0; i < 10; ++i) {
    block_buffer block = pool->acquire();
    fill_block(block.data(), 16384, i);
    block.resize(16384);
    REQUIRE(p.a->send_block(0, i * 16384, block));
  }
  REQUIRE(p.rb->wait([&] { return p.rb->blocks.size() == 1; }));
  // Three idle timeouts pass while paused: no close, no second block.
  CHECK_FALSE(p.rb->wait([&] { return p.rb->blocks.size() > 1 || p.rb->closed; }, 600ms));
  p.rb->grant_held_back();  // from now on every block is granted at once
  REQUIRE(p.rb->wait([&] { return p.rb->blocks.size() == 10; }));
  for (std::uint32_t i = 0; i < 10; ++i)
    CHECK(block_matches(std::get<2>(p.rb->blocks[i]).data(), 16384, i));
  // Now really silent: the idle timeout ends it.
  REQUIRE(p.rb->wait_closed());
  CHECK(p.rb->closed_reason() == "nothing received from the peer for 200 ms");
  CHECK(p.rb->kind() == close_kind::failed);
  REQUIRE(p.ra->wait_closed());
  CHECK(p.ra->closed_reason() == "the peer closed the connection");
  CHECK(p.ra->kind() == close_kind::remote);
}

TEST_CASE("peer connection: a flood of small messages is bounded by the credit too",
          "[peer_connection]") {
  fixture fx;
  const std::size_t have_credit = 4 + 5 + peer_connection::delivery_overhead;  // one have
  peer_connection_options rx;
  rx.receive_credit = 10 * have_credit;
  connected_pair p(fx, {}, rx);
  {
    std::lock_guard<std::mutex> lock(p.rb->mutex);
    p.rb->auto_grant = false;
  }
  REQUIRE(p.handshaken());
  for (std::uint32_t i = 0; i < 1000; ++i)
    REQUIRE(p.a->send(wire::have{i}));
  REQUIRE(p.rb->wait([&] { return p.rb->messages.size() >= 10; }));
  CHECK_FALSE(p.rb->wait([&] { return p.rb->messages.size() > 10; }, 200ms));
  {
    std::lock_guard<std::mutex> lock(p.rb->mutex);
    CHECK(p.rb->ungranted == 10 * have_credit);
  }
  p.rb->grant_held_back();
  REQUIRE(p.rb->wait([&] { return p.rb->messages.size() == 1000; }));
  CHECK(p.rb->messages[999] == encoded(wire::have{999}));
}

TEST_CASE("peer connection: no callback runs once the handle's destructor has returned",
          "[peer_connection]") {
  fixture fx;
  struct watch_t {
    std::atomic<bool> owner_gone{false};
    std::atomic<int> late_calls{0};
    std::atomic<int> calls{0};
    void called() {
      ++calls;
      std::this_thread::sleep_for(20us);  // widen the window in which the destructor may come
      if (owner_gone) ++late_calls;
    }
  };
  auto watch = std::make_shared<watch_t>();
  auto rb = recorder::make();
  rb->answer = hs_b;
  auto cb = rb->callbacks();
  cb.on_message = [watch, rb](const wire::message&, std::size_t credit) {
    watch->called();
    rb->credit(credit);
  };
  cb.on_block = [watch, rb](std::uint32_t, std::uint32_t, block_buffer, std::size_t credit) {
    watch->called();
    rb->credit(credit);
  };
  cb.on_closed = [watch](const close_reason&) { watch->called(); };
  auto ra = recorder::make();
  auto a = peer_connection::connect(fx.io.context(), fx.endpoint(), hs_a, ra->callbacks());
  ra->attach(a);
  auto b = peer_connection::accept(fx.accept_socket(), cb);
  rb->attach(b);
  REQUIRE(ra->wait([&] { return ra->remote.has_value(); }));
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    auto pool = block_pool::create();
    block_buffer block = pool->acquire();
    block.resize(1000);
    std::memset(block.data(), 3, block.size());
    for (std::uint32_t i = 0; !stop; ++i) {
      if (a->queued_bytes() > 256 * 1024) {
        std::this_thread::sleep_for(100us);
        continue;
      }
      if (!a->send(wire::have{i}) || !a->send_block(i, 0, block)) break;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (watch->calls < 200 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  CHECK(watch->calls >= 200);
  rb->detach();
  b.reset();  // from this thread, while the io thread is delivering
  watch->owner_gone = true;
  REQUIRE(ra->wait_closed());
  stop = true;
  sender.join();
  std::this_thread::sleep_for(50ms);
  CHECK(watch->late_calls == 0);
  ra->detach();
}

TEST_CASE("peer connection: keep-alives hold an idle connection open", "[peer_connection]") {
  fixture fx;
  peer_connection_options oa;
  oa.keep_alive_interval = 50ms;
  peer_connection_options ob;
  ob.idle_timeout = 300ms;
  ob.keep_alive_interval = 50ms;
  connected_pair p(fx, oa, ob);
  REQUIRE(p.handshaken());
  CHECK_FALSE(p.rb->wait_closed(1s));
  CHECK(p.b->stats().protocol_received >= handshake_size + 4 * 5);
  CHECK(p.rb->messages.empty());  // keep-alives are not delivered
}

// A slowloris: bytes keep coming, a whole message never does. Counting bytes as life would hold
// the connection (and its buffers) for as long as the peer likes.
TEST_CASE("peer connection: a frame trickled in a byte at a time is cut off as a slow peer",
          "[peer_connection]") {
  fixture fx;
  raw_socket s = raw_socket::connect_to(fx.endpoint().port());
  REQUIRE(s.send_all(encoded(hs_a)));
  auto rb = recorder::make();
  rb->answer = hs_b;
  peer_connection_options o;
  o.idle_timeout = 300ms;
  o.keep_alive_interval = 0ms;
  auto b = peer_connection::accept(fx.accept_socket(), rb->callbacks(), o);
  rb->attach(b);
  CHECK(s.recv_exactly(handshake_size) == encoded(hs_b));
  REQUIRE(rb->wait([&] { return rb->remote.has_value(); }));
  REQUIRE(s.send_all(encoded(wire::have{7})));  // stream bytes 68..76
  const std::string piece = encoded(wire::piece{0, 0, std::string(100, 'x')});
  const auto start = std::chrono::steady_clock::now();
  // One byte every 50 ms: more often than the timeout, never a whole message (3 s at most).
  for (std::size_t i = 0; i < 60 && !rb->wait_closed(50ms); ++i)
    REQUIRE(s.send_all(piece.substr(i, 1)));
  REQUIRE(rb->wait_closed());
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_THAT(rb->closed_reason(),
             Catch::StartsWith("slow peer: no whole message for over 300 ms, only ") &&
                 Catch::EndsWith(" bytes of a frame trickled in (stream byte 77)"));
  CHECK(rb->kind() == close_kind::violation);
  CHECK(took >= 300ms);
  CHECK(took < 2s);  // the timeout and half of it again, with slack for a loaded machine
  CHECK(rb->messages.size() == 1);
  CHECK(s.wait_closed());
  rb->detach();
}

TEST_CASE("peer connection: silence in the middle of a frame is a failure, not a violation",
          "[peer_connection]") {
  fixture fx;
  raw_socket s = raw_socket::connect_to(fx.endpoint().port());
  REQUIRE(s.send_all(encoded(hs_a)));
  auto rb = recorder::make();
  rb->answer = hs_b;
  peer_connection_options o;
  o.idle_timeout = 1s;
  o.keep_alive_interval = 0ms;
  auto b = peer_connection::accept(fx.accept_socket(), rb->callbacks(), o);
  rb->attach(b);
  CHECK(s.recv_exactly(handshake_size) == encoded(hs_b));
  REQUIRE(rb->wait([&] { return rb->remote.has_value(); }));
  // A whole message, a block's first bytes, then the link is dead.
  REQUIRE(s.send_all(encoded(wire::have{7})));
  std::this_thread::sleep_for(200ms);
  const std::string piece = encoded(wire::piece{0, 0, std::string(100, 'x')});
  REQUIRE(s.send_all(piece.substr(0, 40)));
  REQUIRE(rb->wait_closed());
  CHECK_THAT(rb->closed_reason(),
             Catch::StartsWith("nothing received from the peer for ") &&
                 Catch::EndsWith(", in the middle of a frame (40 bytes of it received)"));
  CHECK(rb->kind() == close_kind::failed);
  rb->detach();
}

TEST_CASE("peer connection: hostile frames close with the framer's or decoder's reason",
          "[peer_connection]") {
  fixture fx;
  raw_socket s = raw_socket::connect_to(fx.endpoint().port());
  REQUIRE(s.send_all(encoded(hs_a)));
  auto rb = recorder::make();
  rb->answer = hs_b;
  auto b = peer_connection::accept(fx.accept_socket(), rb->callbacks());
  rb->attach(b);
  CHECK(s.recv_exactly(handshake_size) == encoded(hs_b));
  REQUIRE(rb->wait([&] { return rb->remote.has_value(); }));

  SECTION("an oversized length prefix") {
    REQUIRE(s.send_all(encoded(wire::have{1}) + std::string("\xff\xff\xff\xff\x07", 5)));
    REQUIRE(rb->wait_closed());
    CHECK(rb->closed_reason() ==
          "framing error: frame length 4294967295 exceeds the maximum of 1048576 bytes "
          "(stream byte 77)");
    CHECK(rb->kind() == close_kind::violation);
    CHECK(rb->messages.size() == 1);  // what came before it was delivered
  }
  SECTION("a length prefix of 2^31") {
    REQUIRE(s.send_all(std::string("\x80\x00\x00\x00", 4)));
    REQUIRE(rb->wait_closed());
    CHECK(rb->closed_reason() ==
          "framing error: frame length 2147483648 exceeds the maximum of 1048576 bytes "
          "(stream byte 68)");
    CHECK(rb->kind() == close_kind::violation);
  }
  SECTION("a length that does not fit the message") {
    REQUIRE(s.send_all(std::string("\x00\x00\x00\x03\x04\x00\x00", 7)));  // a 2-byte have
    REQUIRE(rb->wait_closed());
    CHECK_THAT(rb->closed_reason(),
               Catch::StartsWith("bad message:") && Catch::EndsWith("(stream byte 68)"));
    CHECK(rb->kind() == close_kind::violation);
  }
  SECTION("a block larger than the pool's blocks") {
    std::string big = encoded(wire::piece{0, 0, std::string(20000, 'x')});
    REQUIRE(s.send_all(big));
    REQUIRE(rb->wait_closed());
    CHECK_THAT(rb->closed_reason(), Catch::Contains("more than the block size of 16384"));
    CHECK(rb->kind() == close_kind::violation);
    CHECK(rb->blocks.empty());
  }
  SECTION("the peer closes in the middle of a frame") {
    std::string piece = encoded(wire::piece{0, 0, std::string(16384, 'x')});
    REQUIRE(s.send_all(std::string_view(piece).substr(0, 1000)));
    ::shutdown(s.fd, SHUT_WR);
    REQUIRE(rb->wait_closed());
    CHECK(rb->closed_reason() ==
          "the peer closed the connection in the middle of a frame (1000 bytes of it received)");
    CHECK(rb->kind() == close_kind::remote);
  }
  CHECK(rb->closed_count == 1);
  CHECK_FALSE(rb->delivered_after_close);
  rb->detach();
}

TEST_CASE("peer connection: close() from another thread during traffic", "[peer_connection]") {
  fixture fx;
  connected_pair p(fx);
  REQUIRE(p.handshaken());
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    auto pool = block_pool::create();
    block_buffer block = pool->acquire();
    fill_block(block.data(), 16384, 1);
    block.resize(16384);
    for (std::uint32_t i = 0; !stop; ++i) {
      if (p.a->queued_bytes() > 512 * 1024) {
        std::this_thread::sleep_for(100us);
        continue;
      }
      if (!p.a->send_block(i, 0, block) || !p.a->send(wire::have{i})) break;
    }
  });
  REQUIRE(p.rb->wait([&] { return p.rb->blocks.size() >= 100; }));
  std::thread closer([&] { p.b->close("closed by the test"); });
  closer.join();
  CHECK(p.b->closed());
  REQUIRE(p.rb->wait_closed());
  REQUIRE(p.ra->wait_closed());
  stop = true;
  sender.join();
  CHECK(p.rb->closed_reason() == "closed by the test");
  CHECK(p.rb->kind() == close_kind::local);
  CHECK_THAT(p.ra->closed_reason(), Catch::Contains("peer"));
  CHECK(p.ra->kind() == close_kind::remote);
  // Later calls are harmless.
  p.b->close();
  CHECK_FALSE(p.a->send(wire::have{1}));
  std::this_thread::sleep_for(50ms);
  CHECK(p.rb->closed_count == 1);
  CHECK(p.ra->closed_count == 1);
  CHECK_FALSE(p.rb->delivered_after_close);
  CHECK_FALSE(p.ra->delivered_after_close);
}

TEST_CASE("peer connection: the last handle dropped inside a callback", "[peer_connection]") {
  fixture fx;
  // The owner keeps the handle only here; the callback under test resets it.
  struct owner_t {
    std::mutex mutex;
    std::shared_ptr<peer_connection> handle;
    std::atomic<int> calls_after_drop{0};
    std::atomic<bool> dropped{false};
    void drop() {
      std::shared_ptr<peer_connection> h;
      {
        std::lock_guard<std::mutex> lock(mutex);
        h = std::move(handle);
      }
      dropped = true;
      h.reset();  // the last reference: the connection's destructor runs right here
    }
    void touched() {
      if (dropped) ++calls_after_drop;
    }
  };
  auto owner = std::make_shared<owner_t>();
  peer_connection_callbacks cb;
  cb.choose_handshake = [owner](const sha1_hash&) -> std::optional<handshake> { return hs_b; };
  std::string where;

  SECTION("in on_handshake") {
    where = "handshake";
  }
  SECTION("in on_message") {
    where = "message";
  }
  SECTION("in on_block") {
    where = "block";
  }
  SECTION("in on_closed") {
    where = "closed";
  }

  cb.on_handshake = [owner, where](const handshake&) {
    owner->touched();
    if (where == "handshake") owner->drop();
  };
  cb.on_message = [owner, where](const wire::message&, std::size_t) {
    owner->touched();
    if (where == "message") owner->drop();
  };
  cb.on_block = [owner, where](std::uint32_t, std::uint32_t, block_buffer, std::size_t) {
    owner->touched();
    if (where == "block") owner->drop();
  };
  cb.on_closed = [owner, where](const close_reason&) {
    owner->touched();
    if (where == "closed") owner->drop();
  };

  auto ra = recorder::make();
  auto a = peer_connection::connect(fx.io.context(), fx.endpoint(), hs_a, ra->callbacks());
  ra->attach(a);
  {
    tcp::socket socket = fx.accept_socket();
    // Held across accept(): a callback that drops the handle waits until there is one.
    std::lock_guard<std::mutex> lock(owner->mutex);
    owner->handle = peer_connection::accept(std::move(socket), cb);
  }
  INFO("dropped in on_" << where);
  REQUIRE(ra->wait([&] { return ra->remote.has_value(); }));
  auto pool = block_pool::create();
  block_buffer block = pool->acquire();
  block.resize(100);
  std::memset(block.data(), 'z', 100);
  for (int i = 0; i < 20; ++i) {
    a->send(wire::have{static_cast<std::uint32_t>(i)});
    a->send_block(0, 0, block);
  }
  if (where == "closed") a->close();
  REQUIRE(ra->wait_closed());
  if (where != "closed") CHECK(ra->closed_reason() == "the peer closed the connection");
  std::this_thread::sleep_for(50ms);
  CHECK(owner->dropped);
  CHECK(owner->calls_after_drop == 0);
  ra->detach();
}

TEST_CASE("peer connection: a throwing callback closes only its connection", "[peer_connection]") {
  fixture fx;
  connected_pair p(fx);
  REQUIRE(p.handshaken());
  // A second pair on the same io thread must not notice.
  connected_pair q(fx);
  REQUIRE(q.handshaken());
  auto rc = recorder::make();
  auto cb = rc->callbacks();
  cb.on_message = [](const wire::message&, std::size_t) { throw std::runtime_error("boom"); };
  auto c = peer_connection::connect(fx.io.context(), fx.endpoint(), hs_a, cb);
  rc->attach(c);
  auto rd = recorder::make();
  rd->answer = hs_b;
  auto d = peer_connection::accept(fx.accept_socket(), rd->callbacks());
  rd->attach(d);
  REQUIRE(rd->wait([&] { return rd->remote.has_value(); }));
  d->send(wire::have{1});
  REQUIRE(rc->wait_closed());
  CHECK(rc->closed_reason() == "a callback threw: boom");
  q.a->send(wire::have{2});
  REQUIRE(q.rb->wait([&] { return q.rb->messages.size() == 1; }));
  CHECK(q.rb->closed_count == 0);
  rc->detach();
  rd->detach();
}

TEST_CASE("peer connection: a sender that ignores the queue is cut off at the limit",
          "[peer_connection]") {
  fixture fx;
  peer_connection_options tx;
  tx.send_queue_limit = 64 * 1024;
  tx.socket_send_buffer = 16 * 1024;
  peer_connection_options rx;
  rx.receive_credit = 1;  // and never granted: the receiver stops reading at once
  rx.socket_receive_buffer = 16 * 1024;
  connected_pair p(fx, tx, rx);
  {
    std::lock_guard<std::mutex> lock(p.rb->mutex);
    p.rb->auto_grant = false;
  }
  REQUIRE(p.handshaken());
  auto pool = block_pool::create();
  block_buffer block = pool->acquire();
  block.resize(16384);
  std::memset(block.data(), 1, block.size());
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) {  // 16 MiB: far beyond the socket buffers and the limit
    if (!p.a->send_block(0, 0, block)) break;
    ++accepted;
  }
  CHECK(accepted < 1000);
  CHECK(p.a->queued_bytes() <= tx.send_queue_limit);
  REQUIRE(p.ra->wait_closed());
  CHECK_THAT(p.ra->closed_reason(), Catch::StartsWith("send queue limit of 65536 bytes exceeded"));
  CHECK(p.a->closed());
  CHECK_FALSE(p.a->send(wire::have{1}));
}
