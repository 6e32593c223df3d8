// TEMP until merge
#pragma once
#include "actors/disk_threads.hpp"
#include "actors/field_name.hpp"
#include "actors/message_types.hpp"
namespace actorrent {
// ---- local-only messages: what the message log writes ----
// They carry pooled buffers and never cross nodes, so CAF never serializes them (no
// `inspect`); `describe` is what the log prints: every field, a buffer by its size.

template <class Inspector>
void describe(Inspector& f, received_block& x) {
  f(field("index"), x.index, field("begin"), x.begin, field("data"), x.data, field("credit"),
    x.credit);
}

template <class Inspector>
void describe(Inspector& f, block_write& x) {
  f(field("peer"), x.peer, field("piece"), x.piece, field("offset"), x.offset, field("data"),
    x.data, field("credit"), x.credit, field("ack_to"), x.ack_to);
}

template <class Inspector>
void describe(Inspector& f, block_read_result& x) {
  f(field("piece"), x.piece, field("offset"), x.offset, field("data"), x.data, field("ok"), x.ok,
    field("error"), x.error);
}

template <class Inspector>
void describe(Inspector& f, blocks_read& x) {
  f(field("results"), x.results);
}

template <class Inspector>
void describe(Inspector& f, peer_blocks_in& x) {
  f(field("blocks"), x.blocks, field("credit"), x.credit);
}

template <class Inspector>
void describe(Inspector& f, arrived_block& x) {
  f(field("block"), x.block, field("data"), x.data, field("credit"), x.credit);
}

template <class Inspector>
void describe(Inspector& f, blocks_arrived& x) {
  f(field("peer"), x.peer, field("blocks"), x.blocks, field("ack_to"), x.ack_to);
}

template <class Inspector>
void describe(Inspector& f, block_writes& x) {
  f(field("peer"), x.peer, field("blocks"), x.blocks, field("ack_to"), x.ack_to);
}

template <class Inspector>
void describe(Inspector& f, add_torrent& x) {
  std::string name = x.params.torrent ? x.params.torrent->name : std::string();
  std::string hash = x.params.torrent ? x.params.torrent->info_hash.hex() : std::string();
  std::string dir = x.params.download_dir.string();
  f(field("name"), name, field("info_hash"), hash, field("download_dir"), dir, field("peers"),
    x.params.peers, field("seed"), x.params.seed);
}
template <class Inspector>
void describe(Inspector& f, disk_job& x) {
  f(field("owner"), x.owner);
}
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
