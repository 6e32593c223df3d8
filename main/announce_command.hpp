// `actorrent announce <tracker-url> ...`: one announce (or scrape) to one tracker, printed:
// for checking a tracker by hand, and for tests against other trackers.
#pragma once

#include <cstdint>
#include <string>

namespace actorrent {

struct announce_command_options {
  std::string url;
  std::string torrent;        // the info-hash comes from this .torrent ...
  std::string info_hash_hex;  // ... or is given as hex; one of the two
  std::uint16_t port = 6881;
  std::string event = "started";
  std::int64_t left = 0;
  std::int32_t numwant = 50;
  bool scrape = false;
  bool json = false;
  int timeout_s = 30;
};

// Prints the tracker's answer; returns the exit status (exit_codes.hpp).
int run_announce(const announce_command_options& o);

}  // namespace actorrent
