// The choker: one per torrent, the actor shell around engine/choker. Every rechoke interval
// it recomputes who gets an upload slot and sends set_choke to the peers that change; it
// also rechokes at once when an interested peer arrives while a slot is free, so that a
// downloader does not wait up to ten seconds for its first unchoke.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "engine/choker.hpp"

namespace actorrent {

caf::actor spawn_choker(caf::actor_system& system, choker_config config, bool seeding);

}  // namespace actorrent
