#include "actors/lsd_actor.hpp"

#include <caf/all.hpp>

#include <array>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <random>

#include "actors/log.hpp"
#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"
#include "engine/lsd_schedule.hpp"
#include "protocol/hex.hpp"
#include "protocol/lsd_message.hpp"

namespace actorrent {

namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using std::chrono::seconds;

// Announces passed on to the actor per second, at most: a LAN has a handful of clients,
// each announcing once a minute at most (BEP 14).
constexpr int max_announces_per_second = 50;

std::string random_cookie() {
  std::random_device rd;
  std::array<std::uint8_t, 8> bytes{};
  for (auto& b : bytes)
    b = static_cast<std::uint8_t>(rd());
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The socket and its receive loop, on the asio thread. It holds the actor weakly: the actor
// owns it, not the other way round.
struct lsd_socket : std::enable_shared_from_this<lsd_socket> {
  lsd_socket(asio::io_context& io, udp::endpoint group_endpoint, std::string own_cookie)
      : socket(io), group(std::move(group_endpoint)), cookie(std::move(own_cookie)) {}

  udp::socket socket;
  udp::endpoint group;
  std::string cookie;
  caf::actor_addr owner;
  udp::endpoint from;
  std::array<char, 8 * 1024 + 1> buffer{};  // one byte more than an announce may have
  std::chrono::steady_clock::time_point window_start;
  int in_window = 0;
  std::uint64_t dropped = 0;
  std::uint64_t bad = 0;

  void receive() {
    socket.async_receive_from(
        asio::buffer(buffer), from,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec == asio::error::operation_aborted || !self->socket.is_open()) return;
          if (!ec) self->on_datagram(n);
          self->receive();
        });
  }

  void on_datagram(std::size_t n) {
    auto announce = decode_lsd_announce(std::string_view(buffer.data(), n));
    const auto source = from.address().to_string();
    if (!announce) {
      ++bad;
      if (log_enabled(log_level::debug))
        log_line(log_level::debug, "lsd: bad announce from " + source + ": " +
                                       announce.error().message + " (" + std::to_string(bad) +
                                       " so far)");
      return;
    }
    if (announce->cookie == cookie) return;  // our own, looped back by the group
    auto now = std::chrono::steady_clock::now();
    if (now - window_start >= seconds{1}) {
      window_start = now;
      in_window = 0;
    }
    if (++in_window > max_announces_per_second) {
      ++dropped;
      return;
    }
    auto peer = peer_address::parse_ip(source, announce->port);
    auto actor = caf::actor_cast<caf::actor>(owner);
    if (!peer || !actor) return;
    caf::anon_send(actor, lsd_announce_in{*peer, std::move(announce->info_hashes)});
  }

  void send(std::shared_ptr<const std::string> datagram) {
    socket.async_send_to(asio::buffer(*datagram), group,
                         [datagram](boost::system::error_code ec, std::size_t) {
                           if (ec && log_enabled(log_level::info))
                             log_line(log_level::info, "lsd: announce not sent: " + ec.message());
                         });
  }
};

struct lsd_state {
  static inline const char* name = "lsd";
  std::shared_ptr<lsd_socket> socket;
  lsd_schedule schedule;
  std::string host;  // the Host header: "group:port"

  ~lsd_state() {
    if (!socket) return;
    // The socket belongs to the asio thread; close it there.
    auto& io = static_cast<asio::io_context&>(socket->socket.get_executor().context());
    asio::post(io, [socket = std::move(socket)] {
      boost::system::error_code ec;
      socket->socket.close(ec);
    });
  }
};

using lsd_self = caf::stateful_actor<lsd_state, logged_actor>;

void announce_due(lsd_self* self, const torrent_registry& registry, std::uint16_t listen_port) {
  auto& st = self->state;
  st.schedule.sync(registry.public_info_hashes());
  auto hashes = st.schedule.due(engine_clock::now(), lsd_max_hashes(st.host, st.socket->cookie));
  if (hashes.empty()) return;
  auto datagram = std::make_shared<const std::string>(encode_lsd_announce(
      lsd_announce{listen_port, std::move(hashes), st.socket->cookie}, st.host));
  asio::post(st.socket->socket.get_executor(),
             [socket = st.socket, datagram] { socket->send(datagram); });
}

caf::behavior lsd_behavior(lsd_self* self, std::shared_ptr<lsd_socket> socket,
                           std::shared_ptr<torrent_registry> registry, lsd_settings settings,
                           std::uint16_t listen_port) {
  auto& st = self->state;
  st.socket = std::move(socket);
  st.host = settings.group + ":" + std::to_string(settings.port);
  lsd_schedule_config sc;
  sc.reannounce = settings.interval;
  st.schedule = lsd_schedule(sc);
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        announce_due(self, *registry, listen_port);
        self->delayed_send(self, seconds{1}, tick_atom::value);
      },
      [=](const lsd_announce_in& a) {
        for (const auto& hash : a.info_hashes) {
          auto ctx = registry->find(hash);
          if (!ctx || ctx->torrent->is_private) continue;
          if (log_enabled(log_level::debug))
            log_line(log_level::debug,
                     "lsd: " + a.peer.to_string() + " takes part in " + ctx->torrent->name);
          self->send(ctx->torrent_actor, peers_discovered{hash, {a.peer}, "lsd"});
        }
      },
  };
}

}  // namespace

expected<caf::actor, std::string> spawn_lsd(caf::actor_system& system, asio::io_context& io,
                                            std::shared_ptr<torrent_registry> registry,
                                            const lsd_settings& settings,
                                            std::uint16_t listen_port) {
  boost::system::error_code ec;
  auto group = asio::ip::make_address(settings.group, ec);
  if (ec || !group.is_v4() || !group.is_multicast())
    return make_unexpected("lsd.group '" + settings.group + "' is not an IPv4 multicast address");
  auto interface_address = asio::ip::make_address(settings.interface_address, ec);
  if (ec || !interface_address.is_v4())
    return make_unexpected("lsd.interface '" + settings.interface_address +
                           "' is not an IPv4 address");
  auto socket =
      std::make_shared<lsd_socket>(io, udp::endpoint{group, settings.port}, random_cookie());
  auto& s = socket->socket;
  const auto where = settings.group + ":" + std::to_string(settings.port);
  s.open(udp::v4(), ec);
  // Other clients on this host listen on the same group and port.
  if (!ec) s.set_option(udp::socket::reuse_address(true), ec);
  if (!ec) s.bind(udp::endpoint{asio::ip::address_v4::any(), settings.port}, ec);
  if (ec)
    return make_unexpected("lsd: cannot bind port " + std::to_string(settings.port) + ": " +
                           ec.message());
  s.set_option(asio::ip::multicast::join_group(group.to_v4(), interface_address.to_v4()), ec);
  if (ec)
    return make_unexpected("lsd: cannot join " + where + " on " + settings.interface_address +
                           ": " + ec.message());
  // Clients on this very host hear our announces through the loopback of the group.
  s.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (!ec && !interface_address.is_unspecified())
    s.set_option(asio::ip::multicast::outbound_interface(interface_address.to_v4()), ec);
  if (ec)
    return make_unexpected("lsd: cannot send to " + where + " from " + settings.interface_address +
                           ": " + ec.message());
  auto actor = system.spawn(lsd_behavior, socket, std::move(registry), settings, listen_port);
  socket->owner = actor.address();
  asio::post(io, [socket] { socket->receive(); });
  return actor;
}

}  // namespace actorrent
