// The tracker's HTTP listener: Boost.Beast connections on the caller's io_context, each
// request answered by route_request(). Runs entirely on the io_context's thread, as does the
// swarm_store it is given, so neither needs a lock.
//
// Bounds (Principle 5 and 6): at most max_connections open at once — a connection beyond
// that is accepted and closed at once, which frees its kernel resources sooner than leaving
// it in the listen backlog; a request's header (request line included) is at most
// header_limit bytes; a request must arrive complete within request_timeout of the previous
// answer (slow or silent clients are dropped); a request body is refused; a connection serves
// at most max_requests before it is closed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "protocol/expected.hpp"
#include "tracker/server/http_routes.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::server {

struct http_frontend_options {
  http_route_options routes;
  std::size_t max_connections = 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::milliseconds request_timeout{15'000};
  std::chrono::milliseconds write_timeout{15'000};
  std::size_t max_requests = 1000;
};

class http_frontend {
 public:
  // Binds and listens now, so a bad address is reported before anything runs; serving starts
  // with start(). `store` must outlive the io_context's last run.
  static expected<std::unique_ptr<http_frontend>, std::string> open(
      boost::asio::io_context& io, swarm_store& store, const boost::asio::ip::tcp::endpoint& at,
      http_frontend_options options = {});
  ~http_frontend();

  http_frontend(const http_frontend&) = delete;
  http_frontend& operator=(const http_frontend&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void start();
  // Stops accepting; open connections close at their next step. Call on the io thread (or
  // when it is not running).
  void stop();
  std::size_t open_connections() const;

  struct state;  // shared with the connections, which may outlive this object

 private:
  explicit http_frontend(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace actorrent::server
