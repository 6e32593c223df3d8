// Our tracker server on its own io_context thread, for tests that talk to it over real
// loopback sockets. start() prints why and returns nullptr when it cannot listen (e.g. no
// IPv6 on the machine), so a test can skip with the reason.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "tracker/server/tracker_server.hpp"

namespace actorrent::test {

struct running_tracker {
  boost::asio::io_context io;
  std::unique_ptr<server::tracker_server> server;
  std::thread thread;

  static std::unique_ptr<running_tracker> start(server::tracker_server_options options) {
    auto t = std::make_unique<running_tracker>();
    auto s = server::tracker_server::open(t->io, std::move(options));
    if (!s) {
      std::cout << "cannot start the tracker: " << s.error() << "\n";
      return nullptr;
    }
    t->server = std::move(*s);
    t->server->start();
    t->thread = std::thread([io = &t->io] { io->run(); });
    return t;
  }

  // On ephemeral loopback ports (HTTP and UDP), a 60 s interval and a 1 s minimum: what the
  // session tests announce to.
  static std::unique_ptr<running_tracker> start_loopback() {
    server::tracker_server_options o;
    o.http = server::parse_listen_address("127.0.0.1:0").value();
    o.udp = server::parse_listen_address("127.0.0.1:0").value();
    o.swarm.interval = std::chrono::seconds{60};
    o.swarm.min_interval = std::chrono::seconds{1};
    return start(std::move(o));
  }

  ~running_tracker() {
    if (!thread.joinable()) return;
    boost::asio::post(io, [this] {
      server->stop();
      io.stop();
    });
    thread.join();
  }

  boost::asio::ip::tcp::endpoint http_endpoint() const { return *server->http_endpoint(); }
  boost::asio::ip::udp::endpoint udp_endpoint() const { return *server->udp_endpoint(); }
  std::string http_url() const {
    return "http://127.0.0.1:" + std::to_string(http_endpoint().port()) + "/announce";
  }
  std::string udp_url() const {
    return "udp://127.0.0.1:" + std::to_string(udp_endpoint().port()) + "/announce";
  }
};

}  // namespace actorrent::test
