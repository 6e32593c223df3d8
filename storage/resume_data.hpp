// Resume data: what a restarted client may trust without rechecking.
//
// One JSON file per torrent in the state directory (`<state_dir>/<info-hash>.resume`),
// holding the info-hash, the verified-pieces bitfield and each file's size and mtime as
// they stood when it was saved. The rules (DESIGN.md, principle 7):
// - it is saved only after the data it claims was flushed to the files (fdatasync), and
//   replaced atomically, so it never claims a piece whose bytes are not on disk;
// - at start it is used only if it parses and belongs to this torrent. If every file's size
//   and mtime still match, its pieces are trusted as they are and nothing is read.
// - A file that only grew or got a newer mtime was written after the save: what a process
//   killed between two saves leaves behind (resume data is saved at most every 30 s).
//   Files grow and never shrink under a download, and a verified piece is never written
//   again, so the pieces the file claimed are still on disk: they stay trusted, and only the
//   pieces not in the resume data are rechecked (libtorrent does the same). A piece that was
//   half-written at the kill is among those, fails its hash and is downloaded again.
// - A file that shrank, vanished or has an older mtime was changed by something else (or
//   restored from a copy): none of its claimed pieces is trusted; they are rechecked too.
// Partial (unverified) pieces are never recorded, so never trusted.
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
  // Every file is as it was at the save: `verified` is the whole truth, nothing to recheck.
  bool trusted = false;
  // The pieces to treat as verified without reading them. Unless `trusted`, every other
  // piece must be rechecked. Empty (size 0) when the resume data is unusable.
  bitfield verified;
  std::string reason;  // why not `trusted` (for the log)
};

// `saved` is the parsed resume file (or the reason it could not be read); `current` the
// files' states now, in torrent order.
resume_decision evaluate_resume(const expected<resume_data, std::string>& saved,
                                const std::vector<file_state>& current, const metainfo& torrent);

}  // namespace actorrent
