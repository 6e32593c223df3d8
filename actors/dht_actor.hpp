// The DHT actor (BEP 5): our node in the mainline DHT. It owns one UDP socket (dht_socket.hpp,
// on the session's asio thread) and the node's state — the routing table, the token
// secrets, the peers announced to us — all pure classes of engine/ it feeds with what
// arrives and with the time.
//
//   - answers ping, find_node, get_peers and announce_peer (engine/dht_query_handler);
//   - joins the DHT through the configured bootstrap nodes when it knows nobody, pings
//     questionable nodes, refreshes buckets nobody touched for 15 minutes;
//   - for each tracked info-hash (dht_track, from a torrent or a metadata fetch) runs a
//     get_peers lookup on engine/dht_search_schedule's schedule, sends the peers found to the
//     subscribers (peers_discovered, source "dht"), then announces the subscriber's port to
//     the closest nodes that gave a token; at most `max_lookups` lookups run at once. Peers
//     announced to us for a tracked info-hash are passed on at once, and our own store counts
//     as one more answer to our lookups (we may be among the closest nodes ourselves);
//   - picks a BEP 42 node id once three nodes (distinct IPs) agree on a public external address (on
//     loopback and private networks BEP 42 exempts the address, and the id stays random);
//   - saves the routing table (our id and the nodes) atomically to the state directory every
//     5 minutes and on dht_stop, and starts from it.
// Hostile datagrams (not KRPC, oversized, wrong types, answers to nothing we asked, answers
// from another address than the one asked) are counted (dht_stats) and logged with the
// sender's address, at most 20 lines a minute; malformed queries get BEP 5's error 203.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <string>

#include "actors/session_settings.hpp"
#include "protocol/expected.hpp"

namespace actorrent {

struct dht_actor_config {
  dht_settings settings;
  boost::asio::io_context* io = nullptr;
  std::string address = "0.0.0.0";  // bound (the listen address)
  std::uint16_t port = 0;           // 0: any free port
  std::filesystem::path state_dir;  // where settings.state_file goes
};

struct dht_handle {
  caf::actor actor;
  std::uint16_t port = 0;  // the bound UDP port
};

// Binds at once: a port in use is an error here, naming it.
expected<dht_handle, std::string> spawn_dht(caf::actor_system& system, dht_actor_config config);

}  // namespace actorrent
