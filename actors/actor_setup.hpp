// The actor system's configuration: every message type registered (both processes of a
// remote connection must do this before the system starts), and the scheduler sized to the
// cores (CAF 0.17 defaults to max(cores, 4), whose idle workers poll: see CAF-NOTES.md).
#pragma once

#include <caf/actor_system_config.hpp>

#include <memory>

namespace actorrent {

void register_message_types(caf::actor_system_config& cfg);

class message_log;

class actorrent_config : public caf::actor_system_config {
 public:
  actorrent_config();
  // Set before the actor system starts; every logged actor of the system records into it.
  std::shared_ptr<actorrent::message_log> message_log;
};

}  // namespace actorrent
