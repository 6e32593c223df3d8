// The tracker server assembled: one swarm_store, the HTTP and/or UDP front ends over it, and
// the periodic expiry sweep, all on the caller's io_context. The caller runs the io_context
// (on one thread) and decides when to stop; `actorrent tracker` and the tests do both.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "protocol/expected.hpp"
#include "tracker/server/http_frontend.hpp"
#include "tracker/server/listen_address.hpp"
#include "tracker/server/swarm_store.hpp"
#include "tracker/server/udp_frontend.hpp"

namespace actorrent::server {

struct tracker_server_options {
  std::optional<listen_address> http;
  std::optional<listen_address> udp;
  swarm_config swarm;
  http_frontend_options http_options;
  // The sweep runs this often and examines at most this many peers per run: with the
  // defaults a million peers are all looked at every 10 s, far inside 2 × interval.
  std::chrono::milliseconds sweep_period{1000};
  std::size_t sweep_budget = 100'000;
};

class tracker_server {
 public:
  // Binds every listener (an error names the listener and the address); nothing is served
  // before start().
  static expected<std::unique_ptr<tracker_server>, std::string> open(
      boost::asio::io_context& io, tracker_server_options options);
  ~tracker_server();

  std::optional<boost::asio::ip::tcp::endpoint> http_endpoint() const;
  std::optional<boost::asio::ip::udp::endpoint> udp_endpoint() const;

  void start();
  void stop();  // on the io thread, or when it is not running

  swarm_store& store() { return store_; }

 private:
  tracker_server(boost::asio::io_context& io, tracker_server_options options);
  void schedule_sweep();

  tracker_server_options options_;
  swarm_store store_;
  std::unique_ptr<http_frontend> http_;
  std::unique_ptr<udp_frontend> udp_;
  boost::asio::steady_timer sweep_timer_;
  std::shared_ptr<bool> alive_;  // the sweep handler's way to know this object still exists
};

}  // namespace actorrent::server
