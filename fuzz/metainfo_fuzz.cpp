// Fuzzes parse_metainfo and parse_info_dictionary on the same bytes. Every accepted torrent
// has every field touched and its invariants checked: file lengths add up to the total, the
// offsets are contiguous, the piece count matches the total length, every path component is
// safe, and the info dictionary alone parses to the same torrent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "protocol/metainfo.hpp"
#include "protocol/sha1.hpp"

using namespace actorrent;

namespace {

void check_component(std::string_view c, const metainfo_limits& limits) {
  FUZZ_CHECK(!c.empty());
  FUZZ_CHECK(c != "." && c != "..");
  FUZZ_CHECK(c.find('/') == std::string_view::npos);
  FUZZ_CHECK(c.find('\\') == std::string_view::npos);
  FUZZ_CHECK(c.find('\0') == std::string_view::npos);
  FUZZ_CHECK(c.size() <= limits.max_path_component);
  FUZZ_CHECK(!unsafe_path_component(c, limits.max_path_component).has_value());
}

void check_piece(const metainfo& m, std::uint32_t piece) {
  const auto size = m.piece_size(piece);
  FUZZ_CHECK(size > 0 && size <= m.piece_length);
  const auto hash = m.piece_hash(piece);
  FUZZ_CHECK(hash.view() == std::string_view(m.piece_hashes).substr(piece * std::size_t{20}, 20));
}

void check_metainfo(std::string_view input, const metainfo& m, const metainfo_limits& limits) {
  // The info dictionary is a verbatim slice of the input, and the info-hash is its SHA-1.
  FUZZ_CHECK(!m.info_bytes.empty());
  FUZZ_CHECK(input.find(m.info_bytes) != std::string_view::npos);
  FUZZ_CHECK(m.info_hash == sha1(m.info_bytes));
  (void)m.info_hash.hex();

  check_component(m.name, limits);
  FUZZ_CHECK(m.piece_length > 0 && m.piece_length <= limits.max_piece_length);
  FUZZ_CHECK(m.total_length > 0 && m.total_length <= limits.max_total_length);
  FUZZ_CHECK(m.piece_hashes.size() % 20 == 0);

  // ceil(total / piece_length), computed without overflow.
  const std::int64_t pieces =
      m.total_length / m.piece_length + (m.total_length % m.piece_length != 0 ? 1 : 0);
  FUZZ_CHECK(pieces == static_cast<std::int64_t>(m.num_pieces()));
  const std::uint32_t n = m.num_pieces();
  FUZZ_CHECK(n > 0);
  for (std::uint32_t piece : {0u, 1u, n / 2, n - 2, n - 1}) {
    if (piece < n) check_piece(m, piece);
  }
  FUZZ_CHECK(m.piece_length * static_cast<std::int64_t>(n - 1) + m.piece_size(n - 1) ==
             m.total_length);

  FUZZ_CHECK(!m.files.empty());
  FUZZ_CHECK(m.files.size() <= limits.max_files);
  std::int64_t data = 0;
  std::int64_t padding = 0;
  std::int64_t offset = 0;
  for (const auto& f : m.files) {
    FUZZ_CHECK(f.length >= 0);
    FUZZ_CHECK(f.offset == offset);
    offset += f.length;
    (f.pad ? padding : data) += f.length;
    FUZZ_CHECK(!f.path.empty());
    for (const auto& c : f.path)
      check_component(c, limits);
    const auto joined = f.path_string();
    FUZZ_CHECK(joined.size() >= f.path.size());
  }
  FUZZ_CHECK(data + padding == m.total_length);
  if (!m.multi_file) {
    FUZZ_CHECK(m.files.size() == 1);
    FUZZ_CHECK(m.files[0].path.size() == 1 && m.files[0].path[0] == m.name);
    FUZZ_CHECK(!m.files[0].pad);
  }

  for (const auto& tier : m.tracker_tiers) {
    FUZZ_CHECK(!tier.empty());
    for (const auto& url : tier)
      FUZZ_CHECK(!url.empty());
  }
  for (const auto& url : m.web_seeds)
    FUZZ_CHECK(!url.empty());
  std::size_t text = m.comment.size() + m.created_by.size();
  for (const auto& w : m.warnings)
    text += w.size();
  (void)text;
  if (m.creation_date) (void)*m.creation_date;
}

bool same_info(const metainfo& a, const metainfo& b) {
  if (a.info_hash != b.info_hash || a.info_bytes != b.info_bytes || a.name != b.name ||
      a.piece_length != b.piece_length || a.total_length != b.total_length ||
      a.piece_hashes != b.piece_hashes || a.multi_file != b.multi_file ||
      a.is_private != b.is_private || a.files.size() != b.files.size())
    return false;
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    const auto& x = a.files[i];
    const auto& y = b.files[i];
    if (x.path != y.path || x.length != y.length || x.offset != y.offset || x.pad != y.pad ||
        x.executable != y.executable || x.hidden != y.hidden)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const metainfo_limits limits;

  auto torrent = parse_metainfo(input, limits);
  if (torrent) {
    check_metainfo(input, *torrent, limits);
    // The info dictionary on its own (as fetched over BEP 9) is the same torrent.
    auto info = parse_info_dictionary(torrent->info_bytes, limits);
    FUZZ_CHECK(info.has_value());
    FUZZ_CHECK(same_info(*torrent, *info));
  } else {
    FUZZ_CHECK(torrent.error().offset <= size);
    FUZZ_CHECK(!torrent.error().to_string().empty());
  }

  auto info = parse_info_dictionary(input, limits);
  if (info) {
    check_metainfo(input, *info, limits);
    FUZZ_CHECK(info->info_bytes == input);
    FUZZ_CHECK(info->tracker_tiers.empty() && info->web_seeds.empty());
  } else {
    FUZZ_CHECK(info.error().offset <= size);
    FUZZ_CHECK(!info.error().to_string().empty());
  }
  return 0;
}
