#include "storage/file_selection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

namespace actorrent {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

void select_file(const metainfo& t, const file_entry& f, bitfield& wanted) {
  if (f.length == 0 || f.pad) return;
  auto first = static_cast<std::uint32_t>(f.offset / t.piece_length);
  auto last = static_cast<std::uint32_t>((f.offset + f.length - 1) / t.piece_length);
  for (auto p = first; p <= last && p < t.num_pieces(); ++p)
    wanted.set(p);
}

}  // namespace

expected<bitfield, std::string> select_pieces(const metainfo& torrent,
                                              const std::vector<std::string>& only) {
  bitfield wanted(torrent.num_pieces());
  if (only.empty()) {
    wanted.set_all();
    return wanted;
  }
  for (const auto& item : only) {
    if (all_digits(item)) {
      auto index = item.size() > 9 ? torrent.files.size() : std::stoul(item);
      if (index >= torrent.files.size())
        return make_unexpected("--only " + item + ": the torrent has " +
                               std::to_string(torrent.files.size()) + " files (0 to " +
                               std::to_string(torrent.files.size() - 1) + ")");
      select_file(torrent, torrent.files[index], wanted);
      continue;
    }
    bool matched = false;
    for (const auto& f : torrent.files) {
      if (f.pad) continue;
      if (fnmatch(item.c_str(), f.path_string().c_str(), FNM_PATHNAME) == 0) {
        matched = true;
        select_file(torrent, f, wanted);
      }
    }
    if (!matched) return make_unexpected("--only " + item + ": no file of the torrent matches");
  }
  return wanted;
}

}  // namespace actorrent
