// HTTP tracker announce (BEP 3, BEP 23 compact peers, BEP 7 IPv6 peers): the request URL
// and the parsing of the tracker's bencoded answer. Pure functions, no I/O; the transport is
// in tracker/http_client.hpp.
//
// The answer comes from a host we do not control, so parsing is bounded: the bencode
// decoder runs with small depth and token limits, the number of peers taken is capped, and
// text the tracker sends (failure reason, warning) is made printable and cut to a bounded
// length before it reaches logs or the UI.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "tracker/announce.hpp"

namespace actorrent {

// RFC 3986 percent-encoding of raw bytes: unreserved characters (A-Z a-z 0-9 - . _ ~)
// are kept, every other byte becomes %XX with upper-case hex.
std::string url_percent_encode(std::string_view raw);

// Appends `key=value` (value percent-encoded) to a URL, with '?' if it has no query yet and
// '&' otherwise. A fragment ('#...') is dropped: it is never sent to the server, and a
// query appended after it would become part of it.
void append_query_parameter(std::string& url, std::string_view key, std::string_view value);

// The announce GET URL: the tracker's URL (which may already carry a query, such as a
// private tracker's passkey) plus info_hash, peer_id, port, uploaded, downloaded, left,
// compact=1, numwant (when >= 0), event (unless none), key (8 hex digits) and trackerid
// (when non-empty).
std::string build_announce_url(const std::string& announce_url, const announce_request& request);

struct announce_parse_limits {
  // Peers taken from one answer (compact, dict and peers6 together); the rest are ignored.
  // A client connects to a few dozen peers at a time; more only costs memory.
  std::size_t max_peers = 2000;
  // `interval` and `min interval` are clamped into this range: a tracker asking for an
  // announce every 0 s or every 68 years is wrong, not a policy. The client's own pacing
  // (announce_schedule) applies its stricter bounds on top.
  std::chrono::seconds shortest_interval{1};
  std::chrono::seconds longest_interval{24 * 60 * 60};
  // A `tracker id` longer than this is ignored: it is echoed back in every later URL.
  std::size_t max_tracker_id = 256;
  // Bytes kept of `failure reason` and `warning message` (after escaping).
  std::size_t max_text = 256;
  // Bencode limits: an announce answer is a flat dict with at most a list of small dicts.
  std::uint32_t max_depth = 8;
  std::uint32_t max_tokens = 100'000;
};

// Parses an announce answer.
//  - `failure reason` → tracker_error::kind::failure_reason with the (escaped) text.
//  - Not bencode, not a dict, no `interval`, or a compact `peers`/`peers6` string whose
//    length is not a multiple of 6/18 → kind::bad_response, naming the byte offset.
//  - Dict-model peers (`peers` as a list of {ip, port}) that are not an IP literal with a
//    port in 1..65535 (host names included) are skipped, not fatal. Compact peers with
//    port 0 are skipped too.
// Messages do not name the tracker; http_announce() prefixes its URL.
expected<announce_response, tracker_error> parse_announce_response(
    std::string_view body, const announce_parse_limits& limits = {});

// Tracker-supplied text made safe for logs, terminals and JSON: valid UTF-8 is kept,
// control characters and invalid bytes become \xNN, and the result is cut (on a character
// boundary, marked with "...") at about `max_bytes`.
std::string printable_tracker_text(std::string_view raw, std::size_t max_bytes);

}  // namespace actorrent
