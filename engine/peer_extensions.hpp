// The BEP 10 extension protocol on one connection: the handshake we send, the one we receive,
// and the ut_metadata requests we answer (BEP 9) — the decision half of the peer actor's
// extension messages (DESIGN.md, principle 1): no CAF, no I/O.
//
//   peer actor                      peer_extensions
//   ── both set BEP 10's bit ──►    our_handshake(remote)        → extended 0 payload
//   ── extended N, payload ────►    on_message(N, payload)       → replies to send,
//                                                                  what arrived, or a fault
//
// Extended message ids are the receiver's (BEP 10): an incoming message carries one of our
// ids (extension_ids.hpp), a reply goes out with the id the peer asked for in its handshake.
// Messages with ids we never assigned are ignored, as BEP 10 asks. A malformed handshake or
// ut_metadata message is a fault naming what was wrong; the caller ends the connection.
//
// Serving metadata: each piece of our info dictionary is sent at most `max_serves_per_piece`
// times per connection (a 20-byte request costs us 16 KiB: without a bound a peer could make
// us send the same piece forever); further requests, requests out of range and requests
// while we have no metadata (a magnet still fetching it) are rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/extension_handshake.hpp"
#include "protocol/extension_ids.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/ut_metadata.hpp"
#include "protocol/ut_pex.hpp"

namespace actorrent {

struct peer_extensions_options {
  std::string client;             // `v`, e.g. "actorrent 0.1.0"
  std::uint16_t listen_port = 0;  // `p`; 0: not sent
  std::uint32_t reqq = 250;       // requests we queue per peer
  // Our info dictionary (served through ut_metadata and announced as metadata_size); empty
  // while a magnet download has not got it yet.
  std::string_view metadata;
  bool pex = true;  // offer ut_pex (never for a private torrent, BEP 27)
  std::uint32_t max_serves_per_piece = 2;
  std::int64_t max_metadata_size = default_max_metadata_size;
};

class peer_extensions {
 public:
  struct outgoing {
    std::uint8_t id;  // the peer's id for the message
    std::string payload;
  };
  // What one incoming extended message amounted to. At most one of the optionals is set.
  struct incoming {
    std::vector<outgoing> replies;
    std::optional<extension_handshake> handshake;  // the peer's (ids already applied)
    // Data and rejects of a metadata fetch (requests are answered here, not passed on).
    // `data.bytes` points into the payload given to on_message.
    std::optional<ut_metadata::message> metadata;
    std::optional<ut_pex::message> pex;
    std::optional<std::string> fault;  // "bad extension handshake: …", "bad ut_metadata …"
  };

  explicit peer_extensions(peer_extensions_options options);

  // The payload of extended message 0 to send first; `remote` becomes `yourip`.
  std::string our_handshake(const peer_address& remote) const;
  incoming on_message(std::uint8_t id, std::string_view payload);

  // Encodes `m` for the peer, or nullopt when it has not enabled `e`.
  std::optional<outgoing> to_peer(extension e, std::string payload) const;

  const peer_extension_ids& remote_ids() const { return remote_ids_; }
  bool handshake_received() const { return handshake_received_; }
  std::uint64_t metadata_pieces_served() const { return served_total_; }

 private:
  incoming on_handshake(std::string_view payload);
  incoming on_metadata(std::string_view payload);

  peer_extensions_options options_;
  peer_extension_ids remote_ids_;
  bool handshake_received_ = false;
  std::vector<std::uint32_t> serves_;  // by metadata piece
  std::uint64_t served_total_ = 0;
};

}  // namespace actorrent
