// The message-log tap: the base of every actorrent actor (caf::stateful_actor<State,
// logged_actor>). It records each message delivered to the actor, and its end with the exit
// reason, in its system's message log (message_log.hpp) when there is one. Without one, the
// cost is one test of a null pointer per message.
//
// CAF 0.17's own hook for this (actor_profiler) is compiled out of Debian's libcaf; consume()
// is virtual and sees every mailbox element, responses and system messages included.
// Configuring with -DACTORRENT_MESSAGE_TAP=OFF builds without the override, for the
// benchmark that measures what the tap costs when the log is off.
#pragma once

#include <caf/event_based_actor.hpp>

#include <memory>

namespace actorrent {

class message_log;

class logged_actor : public caf::event_based_actor {
 public:
  explicit logged_actor(caf::actor_config& cfg);
  ~logged_actor() override;

#ifndef ACTORRENT_NO_MESSAGE_TAP
  caf::invoke_message_result consume(caf::mailbox_element& x) override;
  bool cleanup(caf::error&& reason, caf::execution_unit* host) override;
#endif

  // The log, if this actor's system has one (for supervisors that write events).
  const std::shared_ptr<message_log>& log() const {
    return log_;
  }

 private:
  std::shared_ptr<message_log> log_;
};

}  // namespace actorrent
