#include "tracker/server/tracker_server.hpp"

namespace actorrent::server {

namespace net = boost::asio;

tracker_server::tracker_server(net::io_context& io, tracker_server_options options)
    : options_(std::move(options)),
      store_(options_.swarm),
      sweep_timer_(io),
      alive_(std::make_shared<bool>(true)) {}

expected<std::unique_ptr<tracker_server>, std::string> tracker_server::open(
    net::io_context& io, tracker_server_options options) {
  std::unique_ptr<tracker_server> s(new tracker_server(io, std::move(options)));
  const auto& o = s->options_;
  if (o.http) {
    auto h = http_frontend::open(io, s->store_, {o.http->ip, o.http->port}, o.http_options);
    if (!h) return make_unexpected(h.error());
    s->http_ = std::move(*h);
  }
  if (o.udp) {
    auto u = udp_frontend::open(io, s->store_, {o.udp->ip, o.udp->port});
    if (!u) return make_unexpected(u.error());
    s->udp_ = std::move(*u);
  }
  return s;
}

tracker_server::~tracker_server() {
  *alive_ = false;
  stop();
}

std::optional<net::ip::tcp::endpoint> tracker_server::http_endpoint() const {
  if (!http_) return std::nullopt;
  return http_->local_endpoint();
}

std::optional<net::ip::udp::endpoint> tracker_server::udp_endpoint() const {
  if (!udp_) return std::nullopt;
  return udp_->local_endpoint();
}

void tracker_server::start() {
  if (http_) http_->start();
  if (udp_) udp_->start();
  schedule_sweep();
}

void tracker_server::stop() {
  if (http_) http_->stop();
  if (udp_) udp_->stop();
  sweep_timer_.cancel();
}

void tracker_server::schedule_sweep() {
  sweep_timer_.expires_after(options_.sweep_period);
  sweep_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    store_.expire(tracker_clock::now(), options_.sweep_budget);
    schedule_sweep();
  });
}

}  // namespace actorrent::server
