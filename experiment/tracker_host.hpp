// Our tracker server on a thread of its own, for an experiment: on a node or in the
// controller. HTTP only, on HOST and a free port; announces every 30 s (a client that churns
// back or lost its peers asks again soon, as a swarm under test needs).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>

#include "protocol/expected.hpp"

namespace actorrent {

namespace server {
class tracker_server;
}

class tracker_host {
 public:
  static expected<std::unique_ptr<tracker_host>, std::string> start(const std::string& host);
  ~tracker_host();  // stops the server and joins its thread
  tracker_host(const tracker_host&) = delete;
  tracker_host& operator=(const tracker_host&) = delete;

  const std::string& announce_url() const { return url_; }

 private:
  tracker_host() = default;

  boost::asio::io_context io_;
  std::unique_ptr<server::tracker_server> server_;
  std::thread thread_;
  std::string url_;
};

}  // namespace actorrent
