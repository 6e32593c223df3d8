#include "actors/dht_socket.hpp"

#include <caf/all.hpp>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>

#include "actors/messages.hpp"

namespace actorrent {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

peer_address to_peer_address(const udp::endpoint& e) {
  peer_address p;
  auto a = e.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return peer_address::v4_address({b[0], b[1], b[2], b[3]}, e.port());
  }
  const auto b = a.to_v6().to_bytes();
  std::copy(b.begin(), b.end(), p.ip.begin());
  p.v6 = true;
  p.port = e.port();
  return p;
}

udp::endpoint to_endpoint(const peer_address& p) {
  if (!p.v6) return {asio::ip::address_v4({p.ip[0], p.ip[1], p.ip[2], p.ip[3]}), p.port};
  asio::ip::address_v6::bytes_type b;
  std::copy(p.ip.begin(), p.ip.end(), b.begin());
  return {asio::ip::address_v6(b), p.port};
}

}  // namespace

struct dht_socket::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, dht_socket_options o)
      : socket(io), resolver(io), options(o), rx(o.max_datagram + 1) {}

  udp::socket socket;
  udp::resolver resolver;
  dht_socket_options options;
  std::vector<char> rx;
  udp::endpoint sender;
  caf::actor owner;
  std::atomic<bool> closed{false};
  std::atomic<std::size_t> queued{0};
  std::atomic<std::size_t> sends{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> send_failures{0};

  void receive() {
    socket.async_receive_from(
        asio::buffer(rx), sender,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          self->received(ec, n);
        });
  }

  void received(boost::system::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || !socket.is_open()) return;
    // Other errors on an unconnected UDP socket are ICMP reports about earlier sends (port
    // unreachable): nothing to do but read on.
    if (!ec) {
      if (queued.load() >= options.max_queued) {
        ++dropped;
      } else {
        ++queued;
        caf::anon_send(owner, dht_datagram{to_peer_address(sender), std::string(rx.data(), n)});
      }
    }
    receive();
  }

  void send_now(const peer_address& to, const std::string& bytes) {
    --sends;
    if (!socket.is_open()) return;
    boost::system::error_code ec;
    socket.send_to(asio::buffer(bytes), to_endpoint(to), 0, ec);
    if (ec) ++send_failures;
  }
};

expected<std::shared_ptr<dht_socket>, std::string> dht_socket::open(asio::io_context& io,
                                                                    const std::string& address,
                                                                    std::uint16_t port,
                                                                    dht_socket_options options) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return make_unexpected("DHT address '" + address + "' is not an IP address");
  auto i = std::make_shared<impl>(io, options);
  udp::endpoint endpoint{ip, port};
  i->socket.open(endpoint.protocol(), ec);
  if (!ec) i->socket.bind(endpoint, ec);
  if (!ec) i->socket.non_blocking(true, ec);
  if (ec)
    return make_unexpected("cannot open the DHT's UDP port " + std::to_string(port) + " on " +
                           address + ": " + ec.message());
  const auto bound = i->socket.local_endpoint(ec).port();
  return std::shared_ptr<dht_socket>(new dht_socket(std::move(i), bound));
}

dht_socket::~dht_socket() {
  close();
}

void dht_socket::start(caf::actor owner) {
  impl_->owner = std::move(owner);
  asio::post(impl_->socket.get_executor(), [i = impl_] {
    if (i->socket.is_open()) i->receive();
  });
}

void dht_socket::send(const peer_address& to, std::string bytes) {
  if (impl_->sends.load() >= impl_->options.max_sends) {
    ++impl_->send_failures;
    return;
  }
  ++impl_->sends;
  asio::post(impl_->socket.get_executor(),
             [i = impl_, to, bytes = std::move(bytes)] { i->send_now(to, bytes); });
}

void dht_socket::consumed() {
  if (impl_->queued.load() > 0) --impl_->queued;
}

void dht_socket::close() {
  // Posted once: the first close may come while the io_context is sure to be alive (the
  // actor's dht_stop), the later ones (its cleanup, this destructor) after it is gone.
  if (impl_->closed.exchange(true)) return;
  // The owner's handle goes with the socket: a read completing later has nobody to tell.
  asio::post(impl_->socket.get_executor(), [i = impl_] {
    boost::system::error_code ec;
    i->socket.close(ec);
    i->resolver.cancel();
    i->owner = nullptr;
  });
}

void dht_socket::resolve(std::string host, std::uint16_t port, std::size_t max,
                         std::function<void(std::vector<peer_address>)> done) {
  asio::post(impl_->socket.get_executor(), [i = impl_, host = std::move(host), port, max,
                                            done = std::move(done)]() mutable {
    i->resolver.async_resolve(udp::v4(), host, std::to_string(port), udp::resolver::numeric_service,
                              [max, done = std::move(done)](boost::system::error_code ec,
                                                            udp::resolver::results_type results) {
                                std::vector<peer_address> out;
                                if (!ec)
                                  for (const auto& r : results) {
                                    if (out.size() >= max) break;
                                    out.push_back(to_peer_address(r.endpoint()));
                                  }
                                done(std::move(out));
                              });
  });
}

std::uint64_t dht_socket::dropped() const {
  return impl_->dropped.load();
}

std::uint64_t dht_socket::send_failures() const {
  return impl_->send_failures.load();
}

}  // namespace actorrent
