// The piece manager: one per torrent, the actor shell around the piece picker (engine/).
// Peers tell it what the remote has and ask it which blocks to request; received blocks
// pass through it on their way to the disk writer, so that it can drop duplicates and cancel
// endgame twins; the disk writer's verdict on each piece comes back here, and it broadcasts
// HAVE to every peer, charges and bans senders of bad data, and tells the torrent. A piece
// the disk writer could not write is downloaded again without charging anyone.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

#include "engine/piece_picker.hpp"
#include "protocol/bitfield.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

struct piece_manager_config {
  std::shared_ptr<const metainfo> torrent;
  bitfield have;    // verified at start
  bitfield wanted;  // pieces to download (every piece when empty)
  piece_picker_config picker;
  caf::actor torrent_actor;  // receives piece_verified, piece_failed_hash, disk_failure
};

// The disk writers are set with a set_disk_writers message right after spawning (they refer to each
// other); blocks arriving before that are dropped, and their credit returned.
caf::actor spawn_piece_manager(caf::actor_system& system, piece_manager_config config);

}  // namespace actorrent
