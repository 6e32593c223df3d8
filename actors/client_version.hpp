// The version this build says it is: in the message log's first line and in the BEP 10
// handshake's `v`. Defined in one file so that a version bump rebuilds one file.
#pragma once

namespace actorrent {

const char* actorrent_version();  // "0.1.0"
const char* client_name();        // "actorrent 0.1.0"

}  // namespace actorrent
