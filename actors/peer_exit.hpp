// Why a peer actor ended, as CAF exit reasons the torrent's supervision reads: a normal
// exit (the remote closed, or the connection is no longer useful) is never restarted; a
// failed connect or a broken transport is restarted with backoff; a protocol violation or a
// ban drops the address. Anything else (an exception, a kill) is a crash: restarted.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include <cstdint>
#include <string>

namespace actorrent {

enum class peer_exit : std::uint8_t {
  connect_failed = 1,  // no connection or no handshake: try again later
  transport_failed,    // the connection broke after the handshake
  protocol_violation,  // the peer broke the protocol: do not reconnect
  banned,              // sent data that failed the hash: do not reconnect
  unwanted,            // wrong torrent, ourselves, or refused by a limit: do not reconnect
};

inline constexpr caf::atom_value peer_exit_category = caf::atom("peer");

inline caf::error make_peer_exit(peer_exit code, std::string reason) {
  return caf::error{static_cast<std::uint8_t>(code), peer_exit_category,
                    caf::make_message(std::move(reason))};
}

const char* to_string(peer_exit code);

// Whether the supervisor should reconnect after this exit reason.
enum class peer_exit_policy { not_restarted, restarted, dropped };
peer_exit_policy exit_policy(const caf::error& reason);

// The human reason carried by a peer exit ("connect to ... refused"), or CAF's rendering.
std::string exit_reason_text(caf::actor_system& system, const caf::error& reason);

}  // namespace actorrent
