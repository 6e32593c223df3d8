#include "actors/logged_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/mailbox_element.hpp>

#include "actors/message_log.hpp"
#include "actors/peer_exit.hpp"

namespace actorrent {

logged_actor::logged_actor(caf::actor_config& cfg)
    : caf::event_based_actor(cfg), log_(message_log_of(home_system())) {}

logged_actor::~logged_actor() = default;

#ifndef ACTORRENT_NO_MESSAGE_TAP
caf::invoke_message_result logged_actor::consume(caf::mailbox_element& x) {
  if (log_) log_->delivered(id(), x.sender, x.content());
  return caf::event_based_actor::consume(x);
}

bool logged_actor::cleanup(caf::error&& reason, caf::execution_unit* host) {
  if (log_) log_->terminated(id(), exit_reason_text(home_system(), reason));
  return caf::event_based_actor::cleanup(std::move(reason), host);
}
#endif

}  // namespace actorrent
