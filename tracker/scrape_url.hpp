// HTTP tracker scrape (BEP 48): where a tracker's scrape URL is, the request for several
// torrents at once, and the parsing of the answer. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "tracker/announce.hpp"

namespace actorrent {

// The scrape URL of an HTTP(S) announce URL, by the convention BEP 48 describes: when the
// last path segment starts with "announce", that word becomes "scrape" and everything else
// (the rest of the segment, the query with a passkey) stays:
//   http://t/announce               → http://t/scrape
//   http://t/x/announce.php?passkey=1 → http://t/x/scrape.php?passkey=1
// Otherwise the tracker is taken not to support scrape: nullopt (also for non-HTTP URLs;
// UDP trackers scrape on their announce address, BEP 15).
std::optional<std::string> scrape_url_from_announce(std::string_view announce_url);

// The scrape GET URL: one info_hash parameter per torrent (raw bytes, percent-encoded),
// appended with '?' or '&' as the URL requires.
std::string build_scrape_url(const std::string& scrape_url, const std::vector<sha1_hash>& hashes);

struct scrape_parse_limits {
  // Entries taken from `files`; a tracker that answers with its whole database (some do
  // when the info_hash parameter is missing or ignored) is cut here.
  std::size_t max_entries = 2000;
  std::size_t max_text = 256;  // bytes kept of `failure reason`
  std::uint32_t max_depth = 8;
  std::uint32_t max_tokens = 100'000;
};

// Parses a scrape answer: `files` maps 20-byte info-hashes to {complete, downloaded,
// incomplete}. Keys of another length and non-dict values are skipped; missing or negative
// counters read as 0. `failure reason` → kind::failure_reason; not bencode, not a dict or no
// `files` dict → kind::bad_response naming the byte offset.
expected<std::vector<scrape_entry>, tracker_error> parse_scrape_response(
    std::string_view body, const scrape_parse_limits& limits = {});

}  // namespace actorrent
