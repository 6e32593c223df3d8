// The libcurl transport against real servers on 127.0.0.1: a small Boost.Beast server in
// the test process, and `openssl s_server` for HTTPS when it is installed.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "protocol/bencode_value.hpp"
#include "tracker/http_client.hpp"

using namespace actorrent;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct canned_reply {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;
  bool hang = false;  // read the request and never answer
};

canned_reply reply_with(unsigned status, std::string body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
  canned_reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

struct seen_request {
  std::string target;
  std::string user_agent;
  std::string accept_encoding;
};

// One io_context thread; every connection reads one request, answers with what the
// handler says and closes. Stopping the server closes the connections it left hanging.
class test_http_server {
 public:
  using handler = std::function<canned_reply(const std::string& target)>;

  explicit test_http_server(handler h)
      : handler_(std::move(h)),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        port_(acceptor_.local_endpoint().port()) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~test_http_server() {
    ioc_.stop();
    thread_.join();
  }
  test_http_server(const test_http_server&) = delete;
  test_http_server& operator=(const test_http_server&) = delete;

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<seen_request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  struct session : std::enable_shared_from_this<session> {
    session(tcp::socket s, test_http_server* server) : socket(std::move(s)), server(server) {}

    void start() {
      http::async_read(socket, buffer, request,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (!ec) self->answer();
                       });
    }

    void answer() {
      seen_request seen{std::string(request.target()),
                        std::string(request[http::field::user_agent]),
                        std::string(request[http::field::accept_encoding])};
      {
        std::lock_guard<std::mutex> lock(server->mutex_);
        server->seen_.push_back(seen);
      }
      canned_reply reply = server->handler_(seen.target);
      if (reply.hang) {
        server->held_.push_back(shared_from_this());
        return;
      }
      response.version(11);
      response.result(reply.status);
      response.keep_alive(false);
      for (const auto& [name, value] : reply.headers)
        response.set(name, value);
      response.body() = std::move(reply.body);
      if (reply.chunked) {
        response.chunked(true);
      } else {
        response.prepare_payload();
      }
      http::async_write(socket, response,
                        [self = shared_from_this()](beast::error_code, std::size_t) {
                          beast::error_code ignored;
                          self->socket.shutdown(tcp::socket::shutdown_send, ignored);
                        });
    }

    tcp::socket socket;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    test_http_server* server;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<session>(std::move(socket), this)->start();
      accept();
    });
  }

  handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_;
  mutable std::mutex mutex_;
  std::vector<seen_request> seen_;
  std::vector<std::shared_ptr<session>> held_;  // io thread only
  std::thread thread_;
};

// Short limits so that a failing test fails in seconds; no proxy whatever the environment.
http_options test_options() {
  http_options o;
  o.connect_timeout = milliseconds(2000);
  o.total_timeout = milliseconds(5000);
  o.proxy = "";
  return o;
}

double seconds_since(steady_clock::time_point start) {
  return std::chrono::duration<double>(steady_clock::now() - start).count();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string compact_peer(std::array<std::uint8_t, 4> ip, std::uint16_t port) {
  std::string out;
  append_compact(peer_address::v4_address(ip, port), out);
  return out;
}

std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char ch : data) {
    crc ^= static_cast<std::uint8_t>(ch);
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void append_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// A gzip member holding `data` in one stored (uncompressed) deflate block: real gzip
// framing without needing zlib in the test.
std::string gzip_stored(std::string_view data) {
  REQUIRE(data.size() < 65536);
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  out += '\x01';  // final block, stored
  const auto len = static_cast<std::uint16_t>(data.size());
  out += static_cast<char>(len & 0xFF);
  out += static_cast<char>(len >> 8);
  out += static_cast<char>(~len & 0xFF);
  out += static_cast<char>((~len >> 8) & 0xFF);
  out += data;
  append_le32(out, crc32(data));
  append_le32(out, static_cast<std::uint32_t>(data.size()));
  return out;
}

}  // namespace

TEST_CASE("http_announce: a 200 answer is fetched and parsed, the request is as built",
          "[http_tracker]") {
  const auto answer = bencode(bvalue::dict{
      {"interval", 120}, {"complete", 1}, {"peers", compact_peer({127, 0, 0, 9}, 7000)}});
  test_http_server server([&](const std::string&) { return reply_with(200, answer); });

  announce_request r;
  r.info_hash = sha1_hash::from_bytes(std::string("\x00\xff ~%", 5) + std::string(15, 'h'));
  r.peer_id = sha1_hash::from_bytes("-AT0001-000000000000");
  r.port = 6881;
  r.event = announce_event::started;
  const auto result = http_announce(server.url("/announce?passkey=s3cret"), r, test_options());
  REQUIRE(result);
  CHECK(result->interval == std::chrono::seconds(120));
  CHECK(result->complete == 1);
  REQUIRE(result->peers.size() == 1);
  CHECK(result->peers[0].to_string() == "127.0.0.9:7000");

  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].target ==
        "/announce?passkey=s3cret&info_hash=%00%FF%20~%25hhhhhhhhhhhhhhh"
        "&peer_id=-AT0001-000000000000&port=6881&uploaded=0&downloaded=0"
        "&left=0&compact=1&event=started&key=00000000");
  CHECK(seen[0].user_agent == "actorrent/0.1");
  CHECK(contains(seen[0].accept_encoding, "gzip"));
}

TEST_CASE("http_announce: tracker failures and malformed answers name the URL, not the passkey",
          "[http_tracker]") {
  test_http_server server([](const std::string& target) {
    if (target.rfind("/fail", 0) == 0)
      return reply_with(200, bencode(bvalue::dict{{"failure reason", "unregistered"}}));
    return reply_with(200, "<html>oops</html>");
  });
  announce_request r;
  auto result = http_announce(server.url("/fail?passkey=s3cret"), r, test_options());
  REQUIRE_FALSE(result);
  CHECK(result.error().what == tracker_error::kind::failure_reason);
  CHECK(result.error().message == server.url("/fail") + ": tracker failure: unregistered");

  result = http_announce(server.url("/html?passkey=s3cret"), r, test_options());
  REQUIRE_FALSE(result);
  CHECK(result.error().what == tracker_error::kind::bad_response);
  CHECK(result.error().message.rfind(server.url("/html") + ": answer is not bencode", 0) == 0);
  CHECK_FALSE(contains(result.error().message, "s3cret"));
}

TEST_CASE("http_get: redirects are followed up to the bound, beyond it they fail",
          "[http_tracker]") {
  // /r/N redirects to /r/N-1; /r/0 answers.
  test_http_server server([](const std::string& target) {
    const int n = std::atoi(target.c_str() + 3);
    if (n == 0) return reply_with(200, "arrived");
    return reply_with(302, "", {{"Location", "/r/" + std::to_string(n - 1)}});
  });
  auto options = test_options();
  options.max_redirects = 5;
  auto reply = http_get(server.url("/r/5"), options);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "arrived");
  CHECK(server.requests().size() == 6);

  reply = http_get(server.url("/r/6"), options);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  CHECK(contains(reply.error().message, "redirect"));
  CHECK(server.requests().size() == 6 + 6);  // the 7th hop is never requested

  options.max_redirects = 0;
  reply = http_get(server.url("/r/1"), options);
  REQUIRE_FALSE(reply);
  CHECK(contains(reply.error().message, "redirect"));
}

TEST_CASE("http_get: a redirect to another protocol is refused", "[http_tracker]") {
  test_http_server server([](const std::string&) {
    return reply_with(302, "", {{"Location", "file:///etc/passwd"}});
  });
  const auto reply = http_get(server.url("/x"), test_options());
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  CHECK_FALSE(contains(reply.error().message, "root:"));
}

TEST_CASE("http_get: a status other than 200 is a network error naming the status",
          "[http_tracker]") {
  test_http_server server([](const std::string& target) {
    if (target.rfind("/gone", 0) == 0) return reply_with(404, "not here");
    return reply_with(503, bencode(bvalue::dict{{"interval", 60}}));
  });
  auto reply = http_get(server.url("/gone?passkey=s3cret"), test_options());
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  CHECK(reply.error().message == server.url("/gone") + ": HTTP status 404");
  reply = http_get(server.url("/busy"), test_options());
  REQUIRE_FALSE(reply);
  CHECK(contains(reply.error().message, "HTTP status 503"));
}

TEST_CASE("http_get: a server that never answers times out within the total timeout",
          "[http_tracker]") {
  test_http_server server([](const std::string&) {
    canned_reply r;
    r.hang = true;
    return r;
  });
  auto options = test_options();
  options.total_timeout = milliseconds(1000);
  const auto start = steady_clock::now();
  const auto reply = http_get(server.url("/slow"), options);
  const double took = seconds_since(start);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  CHECK(contains(reply.error().message, "Timeout"));
  CHECK(took >= 0.9);
  CHECK(took < 2.5);
}

TEST_CASE("http_get: a connect that never completes hits the connect timeout", "[http_tracker]") {
  // A listener with a full accept queue drops further SYNs (Linux), so the connect hangs.
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc);
  acceptor.open(tcp::v4());
  acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  acceptor.listen(0);
  tcp::socket filler(ioc);
  filler.connect(acceptor.local_endpoint());

  auto options = test_options();
  options.connect_timeout = milliseconds(500);
  options.total_timeout = milliseconds(4000);
  const auto start = steady_clock::now();
  const auto reply = http_get(
      "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/", options);
  const double took = seconds_since(start);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  INFO(reply.error().message);
  CHECK(contains(reply.error().message, "onnect"));
  CHECK(took < 2.0);
}

TEST_CASE("http_get: connection refused is a network error", "[http_tracker]") {
  std::uint16_t port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  const auto reply = http_get("http://127.0.0.1:" + std::to_string(port) + "/", test_options());
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  CHECK(contains(reply.error().message, "127.0.0.1"));
}

TEST_CASE("http_get: a body over the limit aborts the transfer", "[http_tracker]") {
  const std::string big(2 * 1024 * 1024, 'x');
  test_http_server server([&](const std::string& target) {
    canned_reply r = reply_with(200, big);
    r.chunked = target == "/chunked";  // no Content-Length: only the write callback can stop it
    return r;
  });
  for (const char* path : {"/sized", "/chunked"}) {
    INFO(path);
    const auto reply = http_get(server.url(path), test_options());
    REQUIRE_FALSE(reply);
    CHECK(reply.error().what == tracker_error::kind::bad_response);
    CHECK(contains(reply.error().message, "exceeds 1048576 bytes"));
  }
  auto options = test_options();
  options.max_body_size = big.size();
  const auto reply = http_get(server.url("/chunked"), options);
  REQUIRE(reply);
  CHECK(reply->body.size() == big.size());
}

TEST_CASE("http_get: gzip-encoded answers are decoded", "[http_tracker]") {
  const auto answer = bencode(bvalue::dict{{"interval", 77}});
  test_http_server server([&](const std::string&) {
    return reply_with(200, gzip_stored(answer), {{"Content-Encoding", "gzip"}});
  });
  const auto result = http_announce(server.url("/announce"), announce_request{}, test_options());
  REQUIRE(result);
  CHECK(result->interval == std::chrono::seconds(77));
}

TEST_CASE("http_get: cancellation stops a pending request promptly", "[http_tracker]") {
  test_http_server server([](const std::string&) {
    canned_reply r;
    r.hang = true;
    return r;
  });
  std::atomic<bool> cancel{false};
  auto options = test_options();
  options.total_timeout = milliseconds(10'000);
  options.cancel = &cancel;

  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(300));
    cancel = true;
  });
  const auto start = steady_clock::now();
  const auto reply = http_get(server.url("/wait"), options);
  const double took = seconds_since(start);
  canceller.join();
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::cancelled);
  CHECK(took < 1.5);

  // Already cancelled: no request at all.
  const auto before = server.requests().size();
  const auto again = http_get(server.url("/wait"), options);
  REQUIRE_FALSE(again);
  CHECK(again.error().what == tracker_error::kind::cancelled);
  CHECK(server.requests().size() == before);
}

TEST_CASE("http_scrape: one request for several torrents, only requested hashes returned",
          "[http_tracker]") {
  const auto a = sha1_hash::from_bytes(std::string(20, 'a'));
  const auto b = sha1_hash::from_bytes(std::string(20, 'b'));
  const auto answer = bencode(
      bvalue::dict{{"files", bvalue::dict{{std::string(20, 'a'), bvalue::dict{{"complete", 2}}},
                                          {std::string(20, 'b'), bvalue::dict{{"incomplete", 3}}},
                                          {std::string(20, 'z'), bvalue::dict{{"complete", 9}}}}}});
  test_http_server server([&](const std::string&) { return reply_with(200, answer); });
  const auto scrape = scrape_url_from_announce(server.url("/announce.php?passkey=1"));
  REQUIRE(scrape);
  const auto result = http_scrape(*scrape, {a, b}, test_options());
  REQUIRE(result);
  REQUIRE(result->size() == 2);
  CHECK((*result)[0].info_hash == a);
  CHECK((*result)[0].complete == 2);
  CHECK((*result)[1].incomplete == 3);
  CHECK(server.requests().at(0).target ==
        "/scrape.php?passkey=1&info_hash=" + std::string(20, 'a') +
            "&info_hash=" + std::string(20, 'b'));
}

TEST_CASE("redacted_url drops user info, query and fragment", "[http_tracker]") {
  CHECK(redacted_url("http://u:p@t.example:80/a/announce?passkey=1#x") ==
        "http://t.example:80/a/announce");
  CHECK(redacted_url("https://t.example") == "https://t.example");
  CHECK(redacted_url("http://t/x@y") == "http://t/x@y");
}

namespace {

// `openssl s_server -WWW` serving files from a temporary directory over TLS with a fresh
// self-signed certificate for 127.0.0.1. Skips (with a message) when openssl is missing.
class openssl_server {
 public:
  openssl_server() {
    if (std::system("command -v openssl > /dev/null 2>&1") != 0) {
      skip_reason_ = "openssl is not installed";
      return;
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("actorrent_https_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string d = dir_.string();
    const std::string make_cert =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
        d + "/key.pem' -out '" + d + "/cert.pem' > /dev/null 2>&1";
    if (std::system(make_cert.c_str()) != 0) {
      skip_reason_ = "openssl req could not make a certificate";
      return;
    }
    std::ofstream(dir_ / "hello.txt") << "hello over tls\n";

    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDERR_FILENO);
      ::close(out[0]);
      if (::chdir(d.c_str()) != 0) ::_exit(127);
      ::execlp("openssl", "openssl", "s_server", "-cert", "cert.pem", "-key", "key.pem", "-accept",
               "127.0.0.1:0", "-WWW", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
    port_ = read_port();
    if (port_ == 0) skip_reason_ = "openssl s_server did not report its port";
  }
  ~openssl_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  openssl_server(const openssl_server&) = delete;
  openssl_server& operator=(const openssl_server&) = delete;

  const std::string& skip_reason() const { return skip_reason_; }
  std::string ca_file() const { return (dir_ / "cert.pem").string(); }
  std::string url(const std::string& host, const std::string& path) const {
    return "https://" + host + ":" + std::to_string(port_) + path;
  }

 private:
  // s_server prints "ACCEPT 127.0.0.1:<port>" once it listens; wait at most 5 s for it.
  std::uint16_t read_port() {
    std::string text;
    const auto deadline = steady_clock::now() + std::chrono::seconds(5);
    const auto complete = [&] {
      const auto at = text.find("ACCEPT");
      return at != std::string::npos && text.find('\n', at) != std::string::npos;
    };
    while (steady_clock::now() < deadline && !complete()) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      const auto n = ::read(out_, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    const auto colon = text.find("127.0.0.1:");
    if (colon == std::string::npos) return 0;
    return static_cast<std::uint16_t>(std::atoi(text.c_str() + colon + 10));
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::uint16_t port_ = 0;
  std::string skip_reason_;
};

}  // namespace

TEST_CASE("http_get over TLS: certificates are verified, a CA file makes a test server trusted",
          "[http_tracker]") {
  openssl_server server;
  if (!server.skip_reason().empty()) {
    WARN("skipped: " << server.skip_reason());
    return;
  }
  auto options = test_options();
  auto reply = http_get(server.url("127.0.0.1", "/hello.txt"), options);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  INFO(reply.error().message);
  CHECK(contains(reply.error().message, "certificate"));

  options.ca_file = server.ca_file();
  reply = http_get(server.url("127.0.0.1", "/hello.txt"), options);
  REQUIRE(reply);
  CHECK(reply->body == "hello over tls\n");

  // Trusted issuer, wrong name: the certificate is for 127.0.0.1 only.
  options.connect_timeout = milliseconds(1000);
  reply = http_get(server.url("localhost", "/hello.txt"), options);
  REQUIRE_FALSE(reply);
  CHECK(reply.error().what == tracker_error::kind::network);
  CAPTURE(reply.error().message);
  CHECK(contains(reply.error().message, "subject name"));
}

TEST_CASE("http_get: fault injection loses the answer (libcurl's timeout) or halves its body",
          "[http_tracker][faults]") {
  const auto answer =
      bencode(bvalue::dict{{"interval", 120}, {"peers", compact_peer({127, 0, 0, 9}, 7000)}});
  test_http_server server([&](const std::string&) { return reply_with(200, answer); });
  auto options = test_options();
  options.total_timeout = milliseconds(400);

  // Dropped: the server answered, nobody read it, and the transfer timed out like a lost one.
  options.fault = response_fault::drop;
  const auto start = steady_clock::now();
  const auto lost = http_get(server.url("/announce?passkey=s3cret"), options);
  const double took = seconds_since(start);
  REQUIRE_FALSE(lost);
  CHECK(lost.error().what == tracker_error::kind::network);
  CHECK(contains(lost.error().message, server.url("/announce") + ": Timeout was reached"));
  CHECK_FALSE(contains(lost.error().message, "s3cret"));
  CHECK(took >= 0.35);
  CHECK(took < 3.0);
  CHECK(server.requests().size() == 1);

  // Garbled: the first half of the real body, which the real parser rejects.
  options.fault = response_fault::corrupt;
  const auto half = http_get(server.url("/announce"), options);
  REQUIRE(half);
  CHECK(half->body == answer.substr(0, answer.size() / 2));
  const auto parsed = http_announce(server.url("/announce"), announce_request{}, options);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().what == tracker_error::kind::bad_response);
  CHECK(contains(parsed.error().message, server.url("/announce") + ": answer is not bencode"));

  // Off again: the same server's answer is fine.
  options.fault = response_fault::none;
  const auto fine = http_announce(server.url("/announce"), announce_request{}, options);
  REQUIRE(fine);
  CHECK(fine->peers.size() == 1);
}
