// v1 .torrent files (BEP 3), with announce-list tiers (BEP 12), the private flag (BEP 27),
// web seeds (BEP 19) and pad files (BEP 47).
//
// Everything in a .torrent is untrusted: the parser checks every field's type and range,
// the consistency of pieces with the total length, and sanitises every file path so that
// no file can resolve outside the download directory. Errors name the field (and the file
// where one is concerned) and the byte offset in the .torrent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bencode.hpp"
#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

struct file_entry {
  // Sanitised relative path components; for a multi-file torrent the torrent's name is
  // not included (the storage layer puts files under DIR/<name>/).
  std::vector<std::string> path;
  std::int64_t length = 0;
  std::int64_t offset = 0;  // position of the file's first byte in the torrent's data
  bool pad = false;         // BEP 47: zeros that are never written to disk
  bool executable = false;
  bool hidden = false;

  std::string path_string() const;  // components joined with '/'
};

struct metainfo {
  sha1_hash info_hash;     // SHA-1 of the exact bytes of the info dictionary
  std::string info_bytes;  // those bytes, served to peers for BEP 9 metadata exchange
  std::string name;
  std::int64_t piece_length = 0;
  std::int64_t total_length = 0;
  std::string piece_hashes;  // 20 bytes per piece, concatenated
  bool multi_file = false;
  std::vector<file_entry> files;

  std::vector<std::vector<std::string>> tracker_tiers;  // announce-list, else [[announce]]
  std::vector<std::string> web_seeds;                   // url-list
  bool is_private = false;
  std::string comment;
  std::string created_by;
  std::optional<std::int64_t> creation_date;
  std::vector<std::string> warnings;  // tolerated oddities (unsorted keys, bad tracker entries)

  std::uint32_t num_pieces() const { return static_cast<std::uint32_t>(piece_hashes.size() / 20); }
  std::int64_t piece_size(std::uint32_t piece) const;  // the last piece may be shorter
  sha1_hash piece_hash(std::uint32_t piece) const;
};

struct metainfo_error {
  std::string message;  // names the field, and the file where one is concerned
  std::size_t offset;   // byte offset in the .torrent (or in the info dictionary)
  std::string to_string() const;
};

struct metainfo_limits {
  bdecode_limits bencode;
  std::int64_t max_piece_length = std::int64_t{256} << 20;
  std::int64_t max_total_length = std::int64_t{1} << 50;  // 1 PiB
  std::size_t max_files = 1'000'000;
  std::size_t max_path_component = 255;  // NAME_MAX
};

// Parses a whole .torrent file.
expected<metainfo, metainfo_error> parse_metainfo(std::string_view torrent,
                                                  const metainfo_limits& limits = {});

// Parses a bare info dictionary, as fetched from peers for a magnet link (BEP 9).
expected<metainfo, metainfo_error> parse_info_dictionary(std::string_view info,
                                                         const metainfo_limits& limits = {});

// The path-component rule the parser applies, exposed for `create` and for tests: an error
// message when `component` is not a safe single path component, nullopt when it is.
std::optional<std::string> unsafe_path_component(std::string_view component,
                                                 std::size_t max_length = 255);

}  // namespace actorrent
