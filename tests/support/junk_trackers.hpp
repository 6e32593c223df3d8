// Trackers that are down or answer garbage, on loopback, for tests of the client's error
// paths: real sockets, each server on its own io_context thread, recording when requests
// arrive (so a test can measure the client's backoff from the server's side).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace actorrent::test {

using arrival_clock = std::chrono::steady_clock;

// A loopback port with nothing listening (bound, then closed): connecting to it is refused
// at once, over TCP by a reset and over UDP by an ICMP port unreachable.
inline std::uint16_t closed_tcp_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

inline std::uint16_t closed_udp_port() {
  boost::asio::io_context io;
  boost::asio::ip::udp::socket s(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return s.local_endpoint().port();
}

// Base of the two servers: the thread, the arrival log, an orderly stop.
class junk_server {
 public:
  junk_server() = default;
  junk_server(const junk_server&) = delete;
  junk_server& operator=(const junk_server&) = delete;

  std::vector<arrival_clock::time_point> arrivals() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return arrivals_;
  }

 protected:
  void run() {
    thread_ = std::thread([this] { io_.run(); });
  }
  // Derived destructors call this first: handlers must not run on a half-destroyed object.
  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] { io_.stop(); });
    thread_.join();
  }
  void arrived() {
    std::lock_guard<std::mutex> lock(mutex_);
    arrivals_.push_back(arrival_clock::now());
  }

  boost::asio::io_context io_;

 private:
  mutable std::mutex mutex_;
  std::vector<arrival_clock::time_point> arrivals_;
  std::thread thread_;
};

// Answers every HTTP request with "200 OK" and `body`, then closes the connection.
class junk_http_tracker : public junk_server {
 public:
  explicit junk_http_tracker(std::string body)
      : body_(std::move(body)), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    run();
  }
  ~junk_http_tracker() { stop(); }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/announce";
  }

 private:
  struct connection {
    explicit connection(boost::asio::io_context& io) : socket(io) {}
    boost::asio::ip::tcp::socket socket;
    boost::asio::streambuf request;
    std::string reply;
  };

  void accept() {
    auto c = std::make_shared<connection>(io_);
    acceptor_.async_accept(c->socket, [this, c](const boost::system::error_code& ec) {
      if (ec) return;
      boost::asio::async_read_until(
          c->socket, c->request, "\r\n\r\n",
          [this, c](const boost::system::error_code& read_error, std::size_t) {
            if (read_error) return;
            arrived();
            c->reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                       std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
            boost::asio::async_write(c->socket, boost::asio::buffer(c->reply),
                                     [c](const boost::system::error_code&, std::size_t) {
                                       boost::system::error_code ignored;
                                       c->socket.shutdown(
                                           boost::asio::ip::tcp::socket::shutdown_send, ignored);
                                     });
          });
      accept();
    });
  }

  std::string body_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

// Answers every datagram with the request's action and transaction id (so that the client
// takes it for the answer) followed by five bytes of junk: too short for any BEP 15 answer.
class junk_udp_tracker : public junk_server {
 public:
  junk_udp_tracker() : socket_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    receive();
    run();
  }
  ~junk_udp_tracker() { stop(); }

  std::string url() const {
    return "udp://127.0.0.1:" + std::to_string(socket_.local_endpoint().port()) + "/announce";
  }

 private:
  void receive() {
    socket_.async_receive_from(boost::asio::buffer(buffer_), from_,
                               [this](const boost::system::error_code& ec, std::size_t n) {
                                 if (ec) return;
                                 arrived();
                                 // Requests carry action and transaction id at bytes 8..15.
                                 if (n >= 16) {
                                   reply_.assign(buffer_.data() + 8, 8);
                                   reply_ += "junk!";
                                   boost::system::error_code ignored;
                                   socket_.send_to(boost::asio::buffer(reply_), from_, 0, ignored);
                                 }
                                 receive();
                               });
  }

  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint from_;
  std::array<char, 2048> buffer_{};
  std::string reply_;
};

}  // namespace actorrent::test
