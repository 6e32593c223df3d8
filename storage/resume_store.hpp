// Saving and loading resume data in the state directory, with the durability rules of
// resume_data.hpp: a save flushes the torrent's files first and records only what was
// flushed; a load trusts the file as is only if every data file is as it was at the save, and
// otherwise rechecks the pieces it cannot vouch for (resume_data.hpp has the rules).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bitfield.hpp"
#include "protocol/expected.hpp"
#include "protocol/metainfo.hpp"
#include "storage/file_io.hpp"
#include "storage/resume_data.hpp"
#include "storage/verify_data.hpp"

namespace actorrent {

// <state_dir>/<info-hash hex>.resume
std::filesystem::path resume_file_path(const std::filesystem::path& state_dir,
                                       const sha1_hash& info_hash);

// Each file's size and mtime now, in torrent order ({-1, 0} for a file that is absent).
std::vector<file_state> current_file_states(const file_layout& layout,
                                            const std::filesystem::path& download_dir);

// `verified` must hold only pieces whose writes returned before this call. The storage is
// flushed first; if the flush fails nothing is saved (the previous resume file stays).
expected<bool, std::string> save_resume(file_storage& storage, const metainfo& torrent,
                                        const bitfield& verified,
                                        const std::filesystem::path& state_dir);

struct startup_state {
  bitfield verified;
  bool rechecked = false;              // some pieces were read and hashed
  std::uint32_t pieces_rechecked = 0;  // how many (the others came from the resume data)
  // When rechecked: why the resume data was not used as is, and what the recheck found
  // ("...; rechecked 12 of 256 pieces, 200 verified in all"), for the log.
  std::string reason;
  std::optional<std::string> failure;  // an I/O error during the recheck
};

// The pieces to start with: those of the resume data when every file is as it was at the
// save; otherwise its pieces that evaluate_resume still trusts plus those a recheck of every
// other piece finds valid. `recheck.known_valid` is set here. Temporary files of a save that
// a kill interrupted are removed.
startup_state load_verified_pieces(const metainfo& torrent,
                                   const std::filesystem::path& download_dir,
                                   const std::filesystem::path& state_dir,
                                   const verify_options& recheck = {});

// When to save during a download: at most once per interval, and only if something changed.
class resume_save_schedule {
 public:
  using clock = std::chrono::steady_clock;
  explicit resume_save_schedule(std::chrono::seconds interval) : interval_(interval) {}

  void changed() { dirty_ = true; }
  bool due(clock::time_point now) const { return dirty_ && now - last_save_ >= interval_; }
  void saved(clock::time_point now) {
    dirty_ = false;
    last_save_ = now;
  }

 private:
  std::chrono::seconds interval_;
  clock::time_point last_save_{};
  bool dirty_ = false;
};

}  // namespace actorrent
