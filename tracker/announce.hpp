// What a client tells a tracker and what it answers, independent of the transport (HTTP,
// BEP 3 / BEP 23 / BEP 7; UDP, BEP 15). Both our tracker clients and our tracker server
// speak in these types.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

// Numbered as in BEP 15's announce packet.
enum class announce_event : std::uint8_t { none = 0, completed = 1, started = 2, stopped = 3 };

const char* to_string(announce_event e);  // "", "completed", "started", "stopped"

struct announce_request {
  sha1_hash info_hash;
  sha1_hash peer_id;
  std::uint16_t port = 0;
  std::int64_t uploaded = 0;
  std::int64_t downloaded = 0;
  std::int64_t left = 0;
  announce_event event = announce_event::none;
  std::uint32_t key = 0;      // lets the tracker recognise us across IP changes
  std::int32_t numwant = -1;  // -1: the tracker's default
  std::string tracker_id;     // echoed back if a previous response set one
};

struct announce_response {
  std::chrono::seconds interval{1800};
  std::optional<std::chrono::seconds> min_interval;
  std::optional<std::int64_t> complete;    // seeders
  std::optional<std::int64_t> incomplete;  // leechers
  std::vector<peer_address> peers;         // IPv4 and IPv6 together
  std::string warning;
  std::string tracker_id;
};

struct scrape_entry {
  sha1_hash info_hash;
  std::int64_t complete = 0;
  std::int64_t downloaded = 0;
  std::int64_t incomplete = 0;
};

struct tracker_error {
  enum class kind : std::uint8_t {
    failure_reason,  // the tracker answered with a failure: do not retry soon
    bad_response,    // malformed answer
    network,         // unreachable, refused, timed out, TLS or HTTP error
    cancelled,
  };

  kind what = kind::network;
  std::string message;  // names the tracker URL and the problem
};

// The error for a malformed tracker answer (the message names what and where).
inline unexpected<tracker_error> bad_response(std::string message) {
  return make_unexpected(tracker_error{tracker_error::kind::bad_response, std::move(message)});
}

}  // namespace actorrent
