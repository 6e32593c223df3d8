// Every message type, with the name CAF registers it under: the one list that
// register_message_types() (actor_setup.cpp) registers and tests/actors/message_fields_test.cpp
// checks (every field named, for the message log). A type missing here fails silently in CAF
// 0.17 when it crosses nodes, so a new message in messages.hpp gets a line here.
#pragma once

#include "actors/disk_threads.hpp"
#include "actors/messages.hpp"

namespace actorrent {

template <class T>
struct message_type_tag {
  using type = T;
};

// Calls f(message_type_tag<T>{}, "name") for each registered message type T.
template <class F>
void for_each_message_type(F&& f) {
  f(message_type_tag<sha1_hash>{}, "sha1_hash");
  f(message_type_tag<peer_address>{}, "peer_address");
  f(message_type_tag<std::vector<peer_address>>{}, "std::vector<peer_address>");
  f(message_type_tag<tracker_stats>{}, "tracker_stats");
  f(message_type_tag<tracker_completed>{}, "tracker_completed");
  f(message_type_tag<tracker_want_peers>{}, "tracker_want_peers");
  f(message_type_tag<tracker_stop>{}, "tracker_stop");
  f(message_type_tag<tracker_stopped>{}, "tracker_stopped");
  f(message_type_tag<peers_discovered>{}, "peers_discovered");
  f(message_type_tag<tracker_status>{}, "tracker_status");
  f(message_type_tag<announce_outcome>{}, "announce_outcome");
  f(message_type_tag<block_written>{}, "block_written");
  f(message_type_tag<block_read>{}, "block_read");
  f(message_type_tag<piece_checked>{}, "piece_checked");
  f(message_type_tag<disk_failure>{}, "disk_failure");
  f(message_type_tag<reset_piece>{}, "reset_piece");
  f(message_type_tag<set_disk_writers>{}, "set_disk_writers");
  f(message_type_tag<flush_storage>{}, "flush_storage");
  f(message_type_tag<peer_wire_batch>{}, "peer_wire_batch");
  f(message_type_tag<block_reads>{}, "block_reads");
  f(message_type_tag<std::vector<peer_wire_in>>{}, "std::vector<peer_wire_in>");
  f(message_type_tag<credit_returned>{}, "credit_returned");
  f(message_type_tag<storage_flushed>{}, "storage_flushed");
  f(message_type_tag<storage_checked>{}, "storage_checked");
  f(message_type_tag<bandwidth_request>{}, "bandwidth_request");
  f(message_type_tag<bandwidth_grant>{}, "bandwidth_grant");
  f(message_type_tag<bandwidth_limits>{}, "bandwidth_limits");
  f(message_type_tag<serve_queue>{}, "serve_queue");
  f(message_type_tag<torrent_added>{}, "torrent_added");
  f(message_type_tag<session_progress>{}, "session_progress");
  f(message_type_tag<std::vector<torrent_progress>>{}, "std::vector<torrent_progress>");
  f(message_type_tag<reconnect_peer>{}, "reconnect_peer");
  f(message_type_tag<save_resume_data>{}, "save_resume_data");
  f(message_type_tag<resume_saved>{}, "resume_saved");
  f(message_type_tag<block_request>{}, "block_request");
  f(message_type_tag<peer_handshake_done>{}, "peer_handshake_done");
  f(message_type_tag<peer_wire_in>{}, "peer_wire_in");
  f(message_type_tag<peer_send_drained>{}, "peer_send_drained");
  f(message_type_tag<peer_transport_closed>{}, "peer_transport_closed");
  f(message_type_tag<peer_registered>{}, "peer_registered");
  f(message_type_tag<peer_welcome>{}, "peer_welcome");
  f(message_type_tag<peer_pieces>{}, "peer_pieces");
  f(message_type_tag<interest>{}, "interest");
  f(message_type_tag<pick_request>{}, "pick_request");
  f(message_type_tag<picked>{}, "picked");
  f(message_type_tag<peer_choked_us>{}, "peer_choked_us");
  f(message_type_tag<requests_returned>{}, "requests_returned");
  f(message_type_tag<cancel_block>{}, "cancel_block");
  f(message_type_tag<have_verified>{}, "have_verified");
  f(message_type_tag<peer_ban>{}, "peer_ban");
  f(message_type_tag<piece_verified>{}, "piece_verified");
  f(message_type_tag<piece_failed_hash>{}, "piece_failed_hash");
  f(message_type_tag<peer_joined>{}, "peer_joined");
  f(message_type_tag<join_answer>{}, "join_answer");
  f(message_type_tag<torrent_parts>{}, "torrent_parts");
  f(message_type_tag<get_parts>{}, "get_parts");
  f(message_type_tag<set_peer_kills>{}, "set_peer_kills");
  f(message_type_tag<find_torrent>{}, "find_torrent");
  f(message_type_tag<pause_downloads>{}, "pause_downloads");
  f(message_type_tag<restart_stat>{}, "restart_stat");
  f(message_type_tag<std::vector<restart_stat>>{}, "std::vector<restart_stat>");
  f(message_type_tag<peer_report>{}, "peer_report");
  f(message_type_tag<peer_gone>{}, "peer_gone");
  f(message_type_tag<peer_identified>{}, "peer_identified");
  f(message_type_tag<peer_duplicate>{}, "peer_duplicate");
  f(message_type_tag<pex_peers_request>{}, "pex_peers_request");
  f(message_type_tag<pex_peers>{}, "pex_peers");
  f(message_type_tag<lsd_announce_in>{}, "lsd_announce_in");
  f(message_type_tag<choker_add>{}, "choker_add");
  f(message_type_tag<choker_interest>{}, "choker_interest");
  f(message_type_tag<choker_rates>{}, "choker_rates");
  f(message_type_tag<choker_seeding>{}, "choker_seeding");
  f(message_type_tag<set_choke>{}, "set_choke");
  f(message_type_tag<get_progress>{}, "get_progress");
  f(message_type_tag<torrent_progress>{}, "torrent_progress");
  f(message_type_tag<torrent_stop>{}, "torrent_stop");
  f(message_type_tag<torrent_stopped>{}, "torrent_stopped");
  f(message_type_tag<std::vector<block_request>>{}, "std::vector<block_request>");
  f(message_type_tag<piece_write_failed>{}, "piece_write_failed");
  f(message_type_tag<metadata_peer_ready>{}, "metadata_peer_ready");
  f(message_type_tag<metadata_ask>{}, "metadata_ask");
  f(message_type_tag<metadata_piece_in>{}, "metadata_piece_in");
  f(message_type_tag<metadata_reject_in>{}, "metadata_reject_in");
  f(message_type_tag<dht_track>{}, "dht_track");
  f(message_type_tag<dht_datagram>{}, "dht_datagram");
  f(message_type_tag<dht_node_seen>{}, "dht_node_seen");
  f(message_type_tag<dht_stop>{}, "dht_stop");
  f(message_type_tag<dht_stopped>{}, "dht_stopped");
  f(message_type_tag<get_dht_stats>{}, "get_dht_stats");
  f(message_type_tag<dht_stats>{}, "dht_stats");
}

// Calls f(message_type_tag<T>{}, "name") for each local-only message type T: never
// serialized (they carry pooled buffers or functions), so not registered with CAF; the
// message log prints them through their describe() overloads.
template <class F>
void for_each_local_message_type(F&& f) {
  f(message_type_tag<block_write>{}, "block_write");
  f(message_type_tag<block_read_result>{}, "block_read_result");
  f(message_type_tag<blocks_read>{}, "blocks_read");
  f(message_type_tag<add_torrent>{}, "add_torrent");
  f(message_type_tag<peer_blocks_in>{}, "peer_blocks_in");
  f(message_type_tag<blocks_arrived>{}, "blocks_arrived");
  f(message_type_tag<block_writes>{}, "block_writes");
  f(message_type_tag<disk_job>{}, "disk_job");
}

}  // namespace actorrent
