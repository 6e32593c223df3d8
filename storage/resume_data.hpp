// Resume data: what a restarted client may trust without rechecking.
//
// One JSON file per torrent in the state directory (`<state_dir>/<info-hash>.resume`),
// holding the info-hash, the verified-pieces bitfield and each file's size and mtime as
// they stood when it was saved. The rules (DESIGN.md, principle 7):
// - it is saved only after the data it claims was flushed to the files (fdatasync), and
//   replaced atomically, so it never claims a piece whose bytes are not on disk;
// - at start it is trusted only if it parses, belongs to this torrent, and every file's
//   size and mtime still match; otherwise the existing data is rechecked. Partial
//   (unverified) pieces are never recorded, so never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bitfield.hpp"
#include "protocol/expected.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

struct file_state {
  std::int64_t size = -1;  // -1: the file does not exist
  std::int64_t mtime_ns = 0;
  friend bool operator==(const file_state& a, const file_state& b) {
    return a.size == b.size && a.mtime_ns == b.mtime_ns;
  }
};

struct resume_data {
  sha1_hash info_hash;
  bitfield verified;
  std::vector<file_state> files;  // one per file of the torrent, pad files included
};

std::string serialize_resume(const resume_data& data);

// Checks the JSON against the torrent: the info-hash, the piece count, the file count.
expected<resume_data, std::string> parse_resume(std::string_view json, const metainfo& torrent);

struct resume_decision {
  bool trusted = false;  // the bitfield can be used as is
  bitfield verified;     // the pieces to treat as verified (empty unless trusted)
  std::string reason;    // why it was not trusted (for the log)
};

// `saved` is the parsed resume file (or the reason it could not be read); `current` the
// files' states now, in torrent order.
resume_decision evaluate_resume(const expected<resume_data, std::string>& saved,
                                const std::vector<file_state>& current, const metainfo& torrent);

}  // namespace actorrent
