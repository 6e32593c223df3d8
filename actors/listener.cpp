#include "actors/listener.hpp"

#include <caf/all.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <mutex>

#include "actors/log.hpp"
#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"
#include "actors/peer_actor.hpp"

namespace actorrent {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Shared by an accepted connection's callbacks until a peer actor takes it over.
struct pending_connection {
  std::mutex mutex;
  std::shared_ptr<peer_connection> connection;
  caf::actor actor;
};

peer_address to_peer_address(const tcp::endpoint& e) {
  auto parsed = peer_address::parse_ip(e.address().to_string(), e.port());
  return parsed ? *parsed : peer_address{};
}

struct acceptor_loop : std::enable_shared_from_this<acceptor_loop> {
  acceptor_loop(caf::actor_system& sys, asio::io_context& io, std::shared_ptr<torrent_registry> reg,
                peer_connection_options opts)
      : system(sys), acceptor(io), registry(std::move(reg)), options(std::move(opts)) {}

  caf::actor_system& system;
  tcp::acceptor acceptor;
  std::shared_ptr<torrent_registry> registry;
  peer_connection_options options;

  void start() {
    acceptor.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
          if (!ec) self->adopt(std::move(socket));
          self->start();
        });
  }

  void adopt(tcp::socket socket) {
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    auto pending = std::make_shared<pending_connection>();
    auto callbacks = forwarding_callbacks([pending] {
      std::lock_guard<std::mutex> lock(pending->mutex);
      return pending->actor;
    });
    auto address = to_peer_address(remote);
    callbacks.choose_handshake = [pending, registry = registry, &sys = system,
                                  address](const sha1_hash& info_hash) -> std::optional<handshake> {
      auto context = registry->find(info_hash);
      if (!context || !registry->try_reserve_connection()) return std::nullopt;
      std::lock_guard<std::mutex> lock(pending->mutex);
      pending->actor = spawn_incoming_peer(sys, context, registry->next_peer_key(), address,
                                           std::move(pending->connection));
      return context->ours;
    };
    // Until a torrent's peer actor takes the connection (its info-hash is in), an end is the
    // listener's to tell: a hostile or broken peer is cut off here with nobody else to log it.
    callbacks.on_closed = [pending, address,
                           forward = std::move(callbacks.on_closed)](const close_reason& why) {
      bool adopted = false;
      {
        std::lock_guard<std::mutex> lock(pending->mutex);
        adopted = static_cast<bool>(pending->actor);
      }
      if (adopted) return forward(why);
      const bool notable = why.kind != close_kind::local && why.kind != close_kind::remote;
      const log_level level = notable ? log_level::info : log_level::debug;
      if (log_enabled(level))
        log_line(level, "incoming peer " + address.to_string() + ": " + to_string(why.kind) + ": " +
                            why.text + " (cut off before its handshake was done)");
    };
    auto connection = peer_connection::accept(std::move(socket), std::move(callbacks), options);
    std::lock_guard<std::mutex> lock(pending->mutex);
    pending->connection = std::move(connection);
  }
};

struct listener_state {
  static inline const char* name = "listener";
  std::shared_ptr<acceptor_loop> loop;
  ~listener_state() {
    if (!loop) return;
    // The acceptor belongs to the asio thread; close it there.
    auto& io = static_cast<asio::io_context&>(loop->acceptor.get_executor().context());
    asio::post(io, [loop = std::move(loop)] {
      boost::system::error_code ec;
      loop->acceptor.close(ec);
    });
  }
};

caf::behavior listener_behavior(caf::stateful_actor<listener_state, logged_actor>* self,
                                std::shared_ptr<acceptor_loop> loop) {
  self->state.loop = std::move(loop);
  return {
      [](tick_atom) {},  // nothing to do but own the acceptor
  };
}

}  // namespace

expected<listener_handle, std::string> spawn_listener(
    caf::actor_system& system, asio::io_context& io, std::shared_ptr<torrent_registry> registry,
    const std::string& address, std::uint16_t port, peer_connection_options options) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return make_unexpected("listen address '" + address + "' is not an IP address");
  auto loop = std::make_shared<acceptor_loop>(system, io, std::move(registry), std::move(options));
  tcp::endpoint endpoint{ip, port};
  loop->acceptor.open(endpoint.protocol(), ec);
  if (!ec) loop->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) loop->acceptor.bind(endpoint, ec);
  if (!ec) loop->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_unexpected("cannot listen on " + address + " port " + std::to_string(port) + ": " +
                           ec.message());
  listener_handle out;
  out.port = loop->acceptor.local_endpoint().port();
  // The accept loop starts on the asio thread, which owns the acceptor from now on.
  asio::post(io, [loop] { loop->start(); });
  out.actor = system.spawn(listener_behavior, std::move(loop));
  return out;
}

}  // namespace actorrent
