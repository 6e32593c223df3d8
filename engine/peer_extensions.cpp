#include "engine/peer_extensions.hpp"

#include <utility>

namespace actorrent {

peer_extensions::peer_extensions(peer_extensions_options options) : options_(std::move(options)) {
  if (!options_.metadata.empty())
    serves_.assign(metadata_piece_count(static_cast<std::int64_t>(options_.metadata.size())), 0);
}

std::string peer_extensions::our_handshake(const peer_address& remote) const {
  extension_handshake h;
  h.m = our_extension_map(options_.pex);
  h.v = options_.client;
  if (options_.listen_port != 0) h.p = options_.listen_port;
  h.reqq = options_.reqq;
  if (!options_.metadata.empty())
    h.metadata_size = static_cast<std::int64_t>(options_.metadata.size());
  peer_address you = remote;
  you.port = 0;
  h.yourip = you;
  return encode(h);
}

std::optional<peer_extensions::outgoing> peer_extensions::to_peer(extension e,
                                                                  std::string payload) const {
  auto id = remote_ids_.id_for(e);
  if (!id) return std::nullopt;
  return outgoing{*id, std::move(payload)};
}

peer_extensions::incoming peer_extensions::on_message(std::uint8_t id, std::string_view payload) {
  if (id == 0) return on_handshake(payload);
  auto e = extension_from_local_id(id);
  if (!e) return {};  // BEP 10: an id we never assigned is ignored
  switch (*e) {
    case extension::ut_metadata:
      return on_metadata(payload);
    case extension::ut_pex: {
      incoming in;
      if (!options_.pex) return in;  // not offered: whatever it says is ignored
      auto decoded = ut_pex::decode(payload);
      if (!decoded)
        in.fault = "bad ut_pex message: " + decoded.error().to_string();
      else
        in.pex = std::move(decoded->peers);
      return in;
    }
  }
  return {};
}

peer_extensions::incoming peer_extensions::on_handshake(std::string_view payload) {
  incoming in;
  extension_handshake_limits limits;
  limits.max_metadata_size = options_.max_metadata_size;
  auto h = decode_extension_handshake(payload, limits);
  if (!h) {
    in.fault = "bad extension handshake: " + h.error().to_string();
    return in;
  }
  remote_ids_.apply(h->m);
  handshake_received_ = true;
  in.handshake = std::move(*h);
  return in;
}

peer_extensions::incoming peer_extensions::on_metadata(std::string_view payload) {
  incoming in;
  ut_metadata::decode_limits limits;
  limits.max_metadata_size = options_.max_metadata_size;
  auto m = ut_metadata::decode(payload, limits);
  if (!m) {
    in.fault = "bad ut_metadata message: " + m.error().to_string();
    return in;
  }
  if (auto* r = std::get_if<ut_metadata::request>(&*m)) {
    // A peer that has not enabled ut_metadata cannot be answered (we have no id for it).
    if (!remote_ids_.supports(extension::ut_metadata)) return in;
    std::optional<std::string_view> piece;
    if (r->piece < serves_.size() && serves_[r->piece] < options_.max_serves_per_piece)
      piece = metadata_piece(options_.metadata, r->piece);
    std::string reply;
    if (piece) {
      ++serves_[r->piece];
      ++served_total_;
      reply = ut_metadata::encode(
          ut_metadata::data{r->piece, static_cast<std::int64_t>(options_.metadata.size()), *piece});
    } else {
      reply = ut_metadata::encode(ut_metadata::reject{r->piece});
    }
    in.replies.push_back(*to_peer(extension::ut_metadata, std::move(reply)));
    return in;
  }
  if (std::holds_alternative<ut_metadata::unknown>(*m)) return in;  // BEP 9: ignored
  in.metadata = std::move(*m);
  return in;
}

}  // namespace actorrent
