#include "tracker/announce.hpp"

namespace actorrent {

const char* to_string(announce_event e) {
  switch (e) {
    case announce_event::none:
      return "";
    case announce_event::completed:
      return "completed";
    case announce_event::started:
      return "started";
    case announce_event::stopped:
      return "stopped";
  }
  return "";
}

}  // namespace actorrent
