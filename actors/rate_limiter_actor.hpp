// The rate limiter: one per session, the actor shell around engine/rate_limiter (token
// buckets, global and per torrent, one set per direction). Peers ask it for bandwidth before
// they request blocks (download) or send them (upload); it answers at once when the buckets
// hold enough, and otherwise queues the request, first come first served, and answers when
// the tokens have accrued. Peers ask in chunks of a few blocks, and only while a limit
// applies to them, so an unlimited session never sends it a message.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>

namespace actorrent {

caf::actor spawn_rate_limiter(caf::actor_system& system, std::uint64_t download_limit,
                              std::uint64_t upload_limit);

}  // namespace actorrent
