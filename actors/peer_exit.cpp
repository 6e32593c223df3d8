#include "actors/peer_exit.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message.hpp>

#include "actors/error_text.hpp"

namespace actorrent {

const char* to_string(peer_exit code) {
  switch (code) {
    case peer_exit::connect_failed:
      return "connect failed";
    case peer_exit::transport_failed:
      return "transport failed";
    case peer_exit::protocol_violation:
      return "protocol violation";
    case peer_exit::banned:
      return "banned";
    case peer_exit::unwanted:
      return "unwanted";
  }
  return "unknown";
}

peer_exit_policy exit_policy(const caf::error& reason) {
  if (!reason || reason == caf::exit_reason::normal) return peer_exit_policy::not_restarted;
  if (reason.category() != peer_exit_category) return peer_exit_policy::restarted;
  switch (static_cast<peer_exit>(reason.code())) {
    case peer_exit::connect_failed:
    case peer_exit::transport_failed:
      return peer_exit_policy::restarted;
    case peer_exit::protocol_violation:
    case peer_exit::banned:
    case peer_exit::unwanted:
      return peer_exit_policy::dropped;
  }
  return peer_exit_policy::restarted;
}

std::string exit_reason_text(caf::actor_system& system, const caf::error& reason) {
  if (!reason) return "normal";
  if (reason.category() == peer_exit_category) {
    std::string text = to_string(static_cast<peer_exit>(reason.code()));
    const auto& ctx = reason.context();
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      text += ": " + ctx.get_as<std::string>(0);
    return text;
  }
  // An error raised with a message (a crash, an injected fault): the message says it best.
  return error_text(system, reason);
}

}  // namespace actorrent
