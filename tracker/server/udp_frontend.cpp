#include "tracker/server/udp_frontend.hpp"

#include <array>

#include "tracker/server/listen_address.hpp"
#include "tracker/server/udp_requests.hpp"
#include "tracker/udp_tracker_protocol.hpp"

namespace actorrent::server {

namespace net = boost::asio;
using udp_socket = net::ip::udp::socket;

struct udp_frontend::state {
  state(net::io_context& io, swarm_store& s, connection_ids i) : socket(io), store(&s), ids(i) {}
  udp_socket socket;
  swarm_store* store;
  connection_ids ids;
  // One byte more than any request may have, so an oversized datagram is seen as such
  // rather than silently truncated into a valid-looking one.
  std::array<char, udp_tracker::max_request_size + 1> buffer{};
  net::ip::udp::endpoint sender;
  bool stopped = false;
};

namespace {

void receive_next(const std::shared_ptr<udp_frontend::state>& st) {
  st->socket.async_receive_from(
      net::buffer(st->buffer), st->sender,
      [st](const boost::system::error_code& ec, std::size_t n) {
        if (st->stopped || ec == net::error::operation_aborted) return;
        // Other errors belong to one datagram (Linux reports an ICMP unreachable for an
        // earlier answer here): drop it and go on.
        if (!ec) {
          const auto from = to_peer_address(st->sender.address(), st->sender.port());
          auto answer = answer_udp(std::string_view(st->buffer.data(), n), from, *st->store,
                                   st->ids, tracker_clock::now());
          if (answer) {
            boost::system::error_code ignored;
            st->socket.send_to(net::buffer(*answer), st->sender, 0, ignored);
          }
        }
        receive_next(st);
      });
}

}  // namespace

expected<std::unique_ptr<udp_frontend>, std::string> udp_frontend::open(
    net::io_context& io, swarm_store& store, const net::ip::udp::endpoint& at, connection_ids ids) {
  auto st = std::make_shared<state>(io, store, ids);
  boost::system::error_code ec;
  st->socket.open(at.protocol(), ec);
  if (!ec) st->socket.bind(at, ec);
  // Never block the io thread on a full send buffer: the answer is dropped instead.
  if (!ec) st->socket.non_blocking(true, ec);
  if (!ec) {
    // The default receive buffer (~208 KiB) overflowed at ~190 announces in flight in
    // bench/tracker; a larger one absorbs bursts. The kernel caps it at net.core.rmem_max,
    // so a refusal here is not an error.
    boost::system::error_code ignored;
    st->socket.set_option(net::socket_base::receive_buffer_size(4 << 20), ignored);
  }
  if (ec)
    return make_unexpected("udp: cannot listen on " + to_string(at.address(), at.port()) + ": " +
                           ec.message());
  return std::unique_ptr<udp_frontend>(new udp_frontend(std::move(st)));
}

udp_frontend::udp_frontend(std::shared_ptr<state> s) : state_(std::move(s)) {}

udp_frontend::~udp_frontend() {
  stop();
}

net::ip::udp::endpoint udp_frontend::local_endpoint() const {
  boost::system::error_code ec;
  return state_->socket.local_endpoint(ec);
}

void udp_frontend::start() {
  receive_next(state_);
}

void udp_frontend::stop() {
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->socket.close(ignored);
}

}  // namespace actorrent::server
