#include "actors/metadata_peer.hpp"

#include <caf/all.hpp>

#include <boost/asio/ip/address.hpp>
#include <optional>

#include "actors/client_version.hpp"
#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"
#include "actors/peer_actor.hpp"
#include "actors/peer_exit.hpp"
#include "engine/peer_extensions.hpp"
#include "protocol/wire_message.hpp"

namespace actorrent {

namespace {

struct metadata_peer_state {
  static inline const char* name = "metadata_peer";
  std::shared_ptr<peer_connection> conn;
  std::optional<peer_extensions> extensions;
  bool handshake_done = false;
  bool ready_sent = false;
};

using metadata_peer_self = caf::stateful_actor<metadata_peer_state, logged_actor>;

void end(metadata_peer_self* self, peer_exit code, std::string reason) {
  if (auto& c = self->state.conn) c->close(reason);
  self->state.conn.reset();
  self->quit(make_peer_exit(code, std::move(reason)));
}

void send_wire(metadata_peer_self* self, const wire::message& m) {
  if (self->state.conn) self->state.conn->send(m);
}

// Returns false when the connection was ended.
bool on_extended(metadata_peer_self* self, const metadata_peer_config& cfg, std::uint8_t id,
                 std::string_view payload) {
  auto& st = self->state;
  if (!st.extensions) return true;
  auto in = st.extensions->on_message(id, payload);
  if (in.fault) {
    end(self, peer_exit::protocol_violation, *in.fault);
    return false;
  }
  for (const auto& r : in.replies)
    send_wire(self, wire::extended{r.id, r.payload});
  if (in.handshake && !st.ready_sent) {
    st.ready_sent = true;
    const bool serves = st.extensions->remote_ids().supports(extension::ut_metadata);
    self->send(cfg.fetcher,
               metadata_peer_ready{cfg.key, serves ? in.handshake->metadata_size.value_or(0) : 0});
  }
  if (in.metadata) {
    if (auto* d = std::get_if<ut_metadata::data>(&*in.metadata))
      self->send(cfg.fetcher,
                 metadata_piece_in{cfg.key, d->piece, d->total_size, std::string(d->bytes)});
    else if (auto* r = std::get_if<ut_metadata::reject>(&*in.metadata))
      self->send(cfg.fetcher, metadata_reject_in{cfg.key, r->piece});
  }
  return true;
}

caf::behavior metadata_peer(metadata_peer_self* self, metadata_peer_config cfg) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(cfg.address.ip_string(), ec);
  if (ec) {
    end(self, peer_exit::unwanted, "bad address " + cfg.address.to_string());
    return {};
  }
  auto handle = caf::actor_cast<caf::actor>(self);
  self->state.conn =
      peer_connection::connect(*cfg.io, {ip, cfg.address.port}, cfg.ours,
                               forwarding_callbacks([handle] { return handle; }), cfg.connection);
  return {
      [=](const peer_handshake_done& h) {
        auto& st = self->state;
        st.handshake_done = true;
        if (!h.extension_protocol)
          return end(self, peer_exit::unwanted,
                     "does not speak the extension protocol (BEP 10): it cannot send metadata");
        if (h.fast_extension && cfg.ours.supports_fast_extension())
          send_wire(self, wire::have_none{});
        peer_extensions_options o;
        o.client = client_name();
        o.listen_port = cfg.listen_port;
        o.pex = false;
        st.extensions.emplace(std::move(o));
        send_wire(self, wire::extended{0, st.extensions->our_handshake(cfg.address)});
      },
      [=](peer_wire_batch& batch) {
        for (auto& m : batch.messages)
          if (m.id == static_cast<std::uint8_t>(wire::message_id::extended) &&
              !on_extended(self, cfg, static_cast<std::uint8_t>(m.a), m.bytes))
            return;
        if (self->state.conn) self->state.conn->grant(batch.credit);
      },
      [=](peer_blocks_in& b) {  // never requested; the credit must still come back
        if (self->state.conn) self->state.conn->grant(b.credit);
      },
      [=](const peer_send_drained&) {},
      [=](const peer_transport_closed& c) {
        self->state.conn.reset();
        if (c.kind == close_kind::violation)
          return end(self, peer_exit::protocol_violation, c.reason);
        end(self,
            self->state.handshake_done ? peer_exit::transport_failed : peer_exit::connect_failed,
            c.reason);
      },
      [=](const metadata_ask& a) {
        auto& st = self->state;
        if (!st.extensions) return;
        if (auto out = st.extensions->to_peer(extension::ut_metadata,
                                              ut_metadata::encode(ut_metadata::request{a.piece})))
          send_wire(self, wire::extended{out->id, out->payload});
      },
  };
}

}  // namespace

caf::actor spawn_metadata_peer(caf::actor_system& system, metadata_peer_config config) {
  return system.spawn(metadata_peer, std::move(config));
}

}  // namespace actorrent
