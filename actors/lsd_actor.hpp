// Local Service Discovery (BEP 14): one actor per session that owns a UDP socket joined to
// the LSD multicast group. On a timer it announces the session's public torrents (which and
// when: engine/lsd_schedule); announces from other clients reach it as lsd_announce_in, and
// each info-hash that names one of our torrents becomes a peers_discovered{source "lsd"} to
// that torrent. Private torrents (BEP 27) are neither announced nor given LSD peers.
//
//   asio thread (socket)  ──lsd_announce_in──▶  LSD actor  ──peers_discovered──▶ torrent
//   LSD actor ──post(send announce)──▶ asio thread
//
// Received datagrams are parsed on the asio thread (protocol/lsd_message); our own
// announces, looped back by the group, are recognised by the session's random cookie. A
// network that floods the group cannot fill the actor's mailbox: at most a few dozen
// announces a second are passed on, the rest counted and dropped. Bad announces are logged
// (debug) with their sender and the reason.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/session_settings.hpp"
#include "actors/torrent_registry.hpp"
#include "protocol/expected.hpp"

namespace actorrent {

// Binds and joins the group at once, so that an unusable group or interface is an error here
// naming it. `listen_port` is the port announced (the session's peer listener).
expected<caf::actor, std::string> spawn_lsd(caf::actor_system& system, boost::asio::io_context& io,
                                            std::shared_ptr<torrent_registry> registry,
                                            const lsd_settings& settings,
                                            std::uint16_t listen_port);

}  // namespace actorrent
