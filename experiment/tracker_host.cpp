#include "experiment/tracker_host.hpp"

#include <boost/asio/post.hpp>
#include <chrono>

#include "protocol/host_port.hpp"
#include "tracker/server/tracker_server.hpp"

namespace actorrent {

expected<std::unique_ptr<tracker_host>, std::string> tracker_host::start(const std::string& host) {
  auto address = server::parse_listen_address(join_host_port(host, 0));
  if (!address) return make_unexpected("tracker address " + host + ": " + address.error());
  server::tracker_server_options options;
  options.http = *address;
  options.swarm.interval = std::chrono::seconds{30};
  options.swarm.min_interval = std::chrono::seconds{5};
  std::unique_ptr<tracker_host> t(new tracker_host());
  auto srv = server::tracker_server::open(t->io_, std::move(options));
  if (!srv) return make_unexpected("tracker: " + srv.error());
  t->server_ = std::move(*srv);
  auto ep = *t->server_->http_endpoint();
  t->url_ = "http://" + server::to_string(ep.address(), ep.port()) + "/announce";
  t->server_->start();
  t->thread_ = std::thread([io = &t->io_] { io->run(); });
  return t;
}

tracker_host::~tracker_host() {
  if (thread_.joinable()) {
    boost::asio::post(io_, [this] {
      server_->stop();
      io_.stop();
    });
    thread_.join();
  }
}

}  // namespace actorrent
