// Peer exchange (BEP 11) for one connection: which peers we have told the other end about,
// what to tell it next, and when we may.
//
// The decision half of PEX (DESIGN.md, principle 1): no CAF, no I/O, time passed in. The
// peer actor keeps one per connection whose handshake enabled ut_pex. On a timer it asks
// next_message with the torrent's current list of peers worth sharing (connected, with
// their listen addresses); the answer is the difference from what this connection was told
// before: peers added since, peers dropped since, at most 50 of each (BEP 11), the rest
// left for later messages. Rules:
//   * at most one message per `send_interval` (a minute: BEP 11), and none that is empty
//     (uTorrent has been seen to disconnect on empty PEX messages);
//   * never the connection's own peer back to it;
//   * incoming messages arriving sooner than `min_receive_interval` after the previous one
//     are to be ignored (BEP 11 allows dropping such peers; a little slack is kept, since
//     timers jitter);
//   * none of it for a private torrent (BEP 27): no message is produced and none accepted.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <vector>

#include "engine/engine_clock.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/ut_pex.hpp"

namespace actorrent {

// The per-torrent rule: PEX runs unless the torrent is private (BEP 27: a private torrent's
// peers come from its tracker only). The same answer decides whether ut_pex is offered in
// the extension handshake (our_extension_map).
constexpr bool pex_allowed(bool private_torrent) {
  return !private_torrent;
}

struct pex_config {
  engine_clock::duration send_interval = std::chrono::seconds(60);
  engine_clock::duration min_receive_interval = std::chrono::seconds(45);
  std::size_t max_added = ut_pex::max_added;      // per message, at most 50
  std::size_t max_dropped = ut_pex::max_dropped;  // per message, at most 50
};

class pex_state {
 public:
  // `remote`: the connection's peer (its listen address where known), never sent to it.
  pex_state(bool private_torrent, peer_address remote, const pex_config& config = {});

  bool enabled() const { return enabled_; }
  // Once the extension handshake gives the peer's listen port (`p`), its listen address is
  // the one other peers would list: exclude that one from now on.
  void set_remote(const peer_address& remote) { remote_ = remote; }

  // The message to send now, given the peers the torrent would share now; nullopt when PEX
  // is off, the last message was less than send_interval ago, or nothing changed. What is
  // returned is recorded as told (the caller sends it). Duplicates in `current` count once;
  // a peer listed twice with different flags keeps the first flags.
  std::optional<ut_pex::message> next_message(const std::vector<ut_pex::pex_peer>& current,
                                              engine_clock::time_point now);

  // Whether a ut_pex message received at `now` should be used: false when PEX is off or it
  // came sooner than min_receive_interval after the last one used.
  bool accept_incoming(engine_clock::time_point now);

  const std::set<peer_address>& told() const { return told_; }  // as the other end knows them

 private:
  bool enabled_;
  peer_address remote_;
  pex_config config_;
  std::set<peer_address> told_;
  std::optional<engine_clock::time_point> last_sent_;
  std::optional<engine_clock::time_point> last_received_;
};

}  // namespace actorrent
