#include "actors/actor_setup.hpp"

#include <caf/timespan.hpp>

#include <chrono>
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
  cfg.add_message_type<reset_piece>("reset_piece");
  cfg.add_message_type<set_disk_writers>("set_disk_writers");
  cfg.add_message_type<flush_storage>("flush_storage");
  cfg.add_message_type<peer_wire_batch>("peer_wire_batch");
  cfg.add_message_type<block_reads>("block_reads");
  cfg.add_message_type<std::vector<peer_wire_in>>("std::vector<peer_wire_in>");
  cfg.add_message_type<credit_returned>("credit_returned");
  cfg.add_message_type<storage_flushed>("storage_flushed");
  cfg.add_message_type<storage_checked>("storage_checked");
  cfg.add_message_type<bandwidth_request>("bandwidth_request");
  cfg.add_message_type<bandwidth_grant>("bandwidth_grant");
  cfg.add_message_type<bandwidth_limits>("bandwidth_limits");
  cfg.add_message_type<serve_queue>("serve_queue");
  cfg.add_message_type<torrent_added>("torrent_added");
  cfg.add_message_type<session_progress>("session_progress");
  cfg.add_message_type<std::vector<torrent_progress>>("std::vector<torrent_progress>");
  cfg.add_message_type<reconnect_peer>("reconnect_peer");
  cfg.add_message_type<save_resume_data>("save_resume_data");
  cfg.add_message_type<resume_saved>("resume_saved");
  cfg.add_message_type<block_request>("block_request");
  cfg.add_message_type<peer_handshake_done>("peer_handshake_done");
  cfg.add_message_type<peer_wire_in>("peer_wire_in");
  cfg.add_message_type<peer_send_drained>("peer_send_drained");
  cfg.add_message_type<peer_transport_closed>("peer_transport_closed");
  cfg.add_message_type<peer_registered>("peer_registered");
  cfg.add_message_type<peer_welcome>("peer_welcome");
  cfg.add_message_type<peer_pieces>("peer_pieces");
  cfg.add_message_type<interest>("interest");
  cfg.add_message_type<pick_request>("pick_request");
  cfg.add_message_type<picked>("picked");
  cfg.add_message_type<peer_choked_us>("peer_choked_us");
  cfg.add_message_type<requests_returned>("requests_returned");
  cfg.add_message_type<cancel_block>("cancel_block");
  cfg.add_message_type<have_verified>("have_verified");
  cfg.add_message_type<peer_ban>("peer_ban");
  cfg.add_message_type<piece_verified>("piece_verified");
  cfg.add_message_type<piece_failed_hash>("piece_failed_hash");
  cfg.add_message_type<peer_joined>("peer_joined");
  cfg.add_message_type<join_answer>("join_answer");
  cfg.add_message_type<torrent_parts>("torrent_parts");
  cfg.add_message_type<get_parts>("get_parts");
  cfg.add_message_type<find_torrent>("find_torrent");
  cfg.add_message_type<pause_downloads>("pause_downloads");
  cfg.add_message_type<restart_stat>("restart_stat");
  cfg.add_message_type<std::vector<restart_stat>>("std::vector<restart_stat>");
  cfg.add_message_type<peer_report>("peer_report");
  cfg.add_message_type<peer_gone>("peer_gone");
  cfg.add_message_type<choker_add>("choker_add");
  cfg.add_message_type<choker_interest>("choker_interest");
  cfg.add_message_type<choker_rates>("choker_rates");
  cfg.add_message_type<choker_seeding>("choker_seeding");
  cfg.add_message_type<set_choke>("set_choke");
  cfg.add_message_type<get_progress>("get_progress");
  cfg.add_message_type<torrent_progress>("torrent_progress");
  cfg.add_message_type<torrent_stop>("torrent_stop");
  cfg.add_message_type<torrent_stopped>("torrent_stopped");
  cfg.add_message_type<std::vector<block_request>>("std::vector<block_request>");
  cfg.add_message_type<piece_write_failed>("piece_write_failed");
}

actorrent_config::actorrent_config() {
  register_message_types(*this);
  auto cores = std::thread::hardware_concurrency();
  set("scheduler.max-threads", static_cast<int>(cores > 0 ? cores : 2));
  // An idle worker spins briefly, then waits on its condition variable, which every
  // enqueue from outside the scheduler (the asio thread, the disk writers) notifies. CAF's
  // default inserts 500 sleeps of 50 µs in between: on a 1 GiB download those were over half
  // of all context switches and cost 10-20 % more CPU (bench/download, docs/design-notes.md).
  set("work-stealing.moderate-poll-attempts", 0);
  set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds{5}});
}

}  // namespace actorrent
