#include "storage/resume_store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "storage/atomic_file.hpp"

namespace actorrent {

namespace fs = std::filesystem;

fs::path resume_file_path(const fs::path& state_dir, const sha1_hash& info_hash) {
  return state_dir / (info_hash.hex() + ".resume");
}

std::vector<file_state> current_file_states(const file_layout& layout,
                                            const fs::path& download_dir) {
  std::vector<file_state> states;
  states.reserve(layout.num_files());
  for (std::size_t i = 0; i < layout.num_files(); ++i) {
    file_state s;
    struct stat st {};
    if (!layout.file(i).pad && ::lstat(layout.file_path(i, download_dir).c_str(), &st) == 0 &&
        S_ISREG(st.st_mode)) {
      s.size = st.st_size;
      s.mtime_ns =
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    }
    states.push_back(s);
  }
  return states;
}

expected<bool, std::string> save_resume(file_storage& storage, const metainfo& torrent,
                                        const bitfield& verified, const fs::path& state_dir) {
  if (auto flushed = storage.flush(); !flushed)
    return make_unexpected("resume data not saved: " + flushed.error().to_string());
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  if (ec) return make_unexpected(state_dir.string() + ": " + ec.message());
  resume_data data;
  data.info_hash = torrent.info_hash;
  data.verified = verified;
  // Taken after the flush: these are the states of files holding at least `verified`.
  data.files = current_file_states(storage.layout(), storage.root());
  return write_file_atomically(resume_file_path(state_dir, torrent.info_hash).string(),
                               serialize_resume(data));
}

namespace {

// A process killed while it saved leaves write_file_atomically's temporary file behind.
void remove_stale_temporaries(const fs::path& state_dir, const fs::path& resume_file) {
  const auto prefix = resume_file.filename().string() + ".tmp-";
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(state_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind(prefix, 0) == 0) stale.push_back(it->path());
  for (const auto& p : stale)
    fs::remove(p, ec);
}

}  // namespace

startup_state load_verified_pieces(const metainfo& torrent, const fs::path& download_dir,
                                   const fs::path& state_dir, const verify_options& recheck) {
  startup_state out;
  auto path = resume_file_path(state_dir, torrent.info_hash);
  remove_stale_temporaries(state_dir, path);
  expected<resume_data, std::string> saved = make_unexpected(std::string("no resume file"));
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::string json;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      char chunk[65536];
      std::size_t n;
      // A resume file is a few KiB per thousand pieces; 64 MiB is far beyond any real one.
      while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0 &&
             json.size() < (std::size_t{64} << 20))
        json.append(chunk, n);
      std::fclose(f);
      saved = parse_resume(json, torrent);
    } else {
      saved = make_unexpected(path.string() + ": " + std::strerror(errno));
    }
  }
  auto decision =
      evaluate_resume(saved, current_file_states(file_layout(torrent), download_dir), torrent);
  if (decision.trusted) {
    out.verified = std::move(decision.verified);
    return out;
  }
  out.rechecked = true;
  out.reason = decision.reason;
  // The pieces the resume data still vouches for are not read again: after a kill between
  // two saves, only what was written since the last save is hashed.
  verify_options options = recheck;
  const bool partial = decision.verified.size() == torrent.num_pieces();
  options.known_valid = partial ? &decision.verified : nullptr;
  out.pieces_rechecked =
      torrent.num_pieces() - static_cast<std::uint32_t>(partial ? decision.verified.count() : 0);
  auto result = verify_data(torrent, download_dir, options);
  out.verified = std::move(result.valid);
  out.failure = result.failure;
  out.reason += "; rechecked " + std::to_string(out.pieces_rechecked) + " of " +
                std::to_string(torrent.num_pieces()) + " pieces, " +
                std::to_string(out.verified.count()) + " verified in all";
  return out;
}

}  // namespace actorrent
