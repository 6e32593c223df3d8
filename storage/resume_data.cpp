#include "storage/resume_data.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "protocol/hex.hpp"
#include "storage/file_layout.hpp"

namespace actorrent {

std::string serialize_resume(const resume_data& data) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : data.files)
    files.push_back({{"size", f.size}, {"mtime_ns", f.mtime_ns}});
  nlohmann::json j{{"version", 1},
                   {"info_hash", data.info_hash.hex()},
                   {"pieces", data.verified.size()},
                   {"verified", to_hex(data.verified.to_wire())},
                   {"files", std::move(files)}};
  return j.dump(1) + "\n";
}

expected<resume_data, std::string> parse_resume(std::string_view json, const metainfo& torrent) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return make_unexpected(std::string("not valid JSON"));
  auto field = [&](const char* key, auto check) { return j.contains(key) && check(j[key]); };
  if (!field("version", [](auto& v) { return v.is_number_integer() && v == 1; }))
    return make_unexpected(std::string("\"version\" missing or not 1"));
  if (!field("info_hash", [](auto& v) { return v.is_string(); }) ||
      j["info_hash"].template get<std::string>() != torrent.info_hash.hex())
    return make_unexpected(std::string("\"info_hash\" does not match the torrent"));
  if (!field("pieces", [](auto& v) { return v.is_number_unsigned(); }) ||
      j["pieces"].template get<std::uint64_t>() != torrent.num_pieces())
    return make_unexpected(std::string("\"pieces\" does not match the torrent's piece count"));
  if (!field("verified", [](auto& v) { return v.is_string(); }))
    return make_unexpected(std::string("\"verified\" missing or not a string"));
  auto wire = from_hex(j["verified"].template get<std::string>());
  if (!wire) return make_unexpected(std::string("\"verified\" is not hex"));
  auto verified = bitfield::from_wire(*wire, torrent.num_pieces());
  if (!verified) return make_unexpected("\"verified\": " + verified.error().message);
  if (!field("files", [](auto& v) { return v.is_array(); }) ||
      j["files"].size() != torrent.files.size())
    return make_unexpected(std::string("\"files\" does not match the torrent's file count"));

  resume_data out;
  out.info_hash = torrent.info_hash;
  out.verified = std::move(*verified);
  for (const auto& f : j["files"]) {
    if (!f.is_object() || !f.contains("size") || !f["size"].is_number_integer() ||
        !f.contains("mtime_ns") || !f["mtime_ns"].is_number_integer())
      return make_unexpected(std::string("\"files\" entry without integer size and mtime_ns"));
    out.files.push_back({f["size"].get<std::int64_t>(), f["mtime_ns"].get<std::int64_t>()});
  }
  return out;
}

namespace {

enum class file_change { same, written_after, changed };

// How a file differs from its state at the save. Growing and a newer mtime are what the
// download's own writes after the save do; anything else was done by someone else.
file_change classify(const file_state& saved, const file_state& now) {
  if (saved == now) return file_change::same;
  if (now.size < 0) return file_change::changed;          // deleted
  if (saved.size < 0) return file_change::written_after;  // created after the save
  if (now.size >= saved.size && now.mtime_ns >= saved.mtime_ns) return file_change::written_after;
  return file_change::changed;
}

}  // namespace

resume_decision evaluate_resume(const expected<resume_data, std::string>& saved,
                                const std::vector<file_state>& current, const metainfo& torrent) {
  resume_decision d;
  if (!saved) {
    d.reason = "resume data unusable: " + saved.error();
    return d;
  }
  if (current.size() != torrent.files.size() || saved->files.size() != current.size()) {
    d.reason = "file count changed";
    return d;
  }
  const file_layout layout(torrent);
  d.verified = saved->verified;
  std::string changed, written_after, beyond_end;
  for (std::size_t i = 0; i < current.size(); ++i) {
    const auto& f = layout.file(i);
    if (f.pad || f.length == 0) continue;  // never on disk, or holds no piece's bytes
    const auto change = classify(saved->files[i], current[i]);
    if (change == file_change::changed && changed.empty()) changed = torrent.files[i].path_string();
    if (change == file_change::written_after && written_after.empty())
      written_after = torrent.files[i].path_string();
    // A claimed piece's bytes must lie in the file as it was saved and as it is now.
    const auto on_disk = std::min(saved->files[i].size, current[i].size);
    const auto pieces = layout.pieces_of_file(i);
    for (auto p = pieces.begin; p < pieces.end; ++p) {
      if (!d.verified.test(p)) continue;
      const auto piece_end =
          static_cast<std::int64_t>(p) * layout.piece_length() + layout.piece_size(p);
      const auto end_in_file = std::min(piece_end, f.offset + f.length) - f.offset;
      if (change == file_change::changed) {
        d.verified.reset(p);
      } else if (end_in_file > on_disk) {
        d.verified.reset(p);
        if (beyond_end.empty())
          beyond_end = "piece " + std::to_string(p) + ", which lies beyond the end of file " +
                       torrent.files[i].path_string();
      }
    }
  }
  if (!changed.empty())
    d.reason = "file " + changed + " changed since the resume data was saved";
  else if (!beyond_end.empty())
    d.reason = "resume data claims " + beyond_end;
  else if (!written_after.empty())
    d.reason = "file " + written_after + " was written after the resume data was saved";
  d.trusted = d.reason.empty();
  return d;
}

}  // namespace actorrent
