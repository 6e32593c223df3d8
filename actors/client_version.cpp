#include "actors/client_version.hpp"

namespace actorrent {

const char* actorrent_version() {
  return ACTORRENT_VERSION;
}

const char* client_name() {
  return "actorrent " ACTORRENT_VERSION;
}

}  // namespace actorrent
