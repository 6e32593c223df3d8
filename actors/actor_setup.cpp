#include "actors/actor_setup.hpp"

#include <thread>

#include "actors/messages.hpp"

namespace actorrent {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<sha1_hash>("sha1_hash");
  cfg.add_message_type<peer_address>("peer_address");
  cfg.add_message_type<std::vector<peer_address>>("std::vector<peer_address>");
  cfg.add_message_type<tracker_stats>("tracker_stats");
  cfg.add_message_type<tracker_completed>("tracker_completed");
  cfg.add_message_type<tracker_want_peers>("tracker_want_peers");
  cfg.add_message_type<tracker_stop>("tracker_stop");
  cfg.add_message_type<tracker_stopped>("tracker_stopped");
  cfg.add_message_type<peers_discovered>("peers_discovered");
  cfg.add_message_type<tracker_status>("tracker_status");
  cfg.add_message_type<announce_outcome>("announce_outcome");
  cfg.add_message_type<block_written>("block_written");
  cfg.add_message_type<block_read>("block_read");
  cfg.add_message_type<piece_checked>("piece_checked");
  cfg.add_message_type<disk_failure>("disk_failure");
}

actorrent_config::actorrent_config() {
  register_message_types(*this);
  auto cores = std::thread::hardware_concurrency();
  set("scheduler.max-threads", static_cast<int>(cores > 0 ? cores : 2));
}

}  // namespace actorrent
