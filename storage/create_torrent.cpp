#include "storage/create_torrent.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "protocol/bencode_value.hpp"
#include "protocol/metainfo.hpp"
#include "storage/file_io.hpp"
#include "storage/piece_hasher.hpp"

namespace actorrent {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> check_components(const std::vector<std::string>& path) {
  for (const auto& c : path)
    if (auto bad = unsafe_path_component(c)) return *bad;
  return std::nullopt;
}

}  // namespace

expected<torrent_source, std::string> scan_torrent_source(const std::string& path) {
  std::error_code ec;
  fs::path source = fs::absolute(fs::path(path), ec).lexically_normal();
  if (ec) return make_unexpected(path + ": " + ec.message());
  if (!source.has_filename()) source = source.parent_path();  // a trailing '/'
  auto status = fs::symlink_status(source, ec);
  if (ec) return make_unexpected(path + ": " + ec.message());

  torrent_source out;
  out.root = source.parent_path().string();
  out.name = source.filename().string();
  if (auto bad = unsafe_path_component(out.name))
    return make_unexpected(path + ": cannot be a torrent name: " + *bad);

  if (fs::is_regular_file(status)) {
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0)
      return make_unexpected(path + ": " + std::strerror(errno));
    out.files.push_back({{out.name}, static_cast<std::int64_t>(st.st_size)});
  } else if (fs::is_directory(status)) {
    out.is_directory = true;
    fs::recursive_directory_iterator it(source, fs::directory_options::none, ec), end;
    if (ec) return make_unexpected(path + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return make_unexpected(it->path().string() + ": " + ec.message());
      auto st = it->symlink_status(ec);
      if (ec) return make_unexpected(it->path().string() + ": " + ec.message());
      if (fs::is_directory(st)) continue;
      auto rel = it->path().lexically_relative(source);
      if (!fs::is_regular_file(st)) {
        out.skipped.push_back(rel.string());
        continue;
      }
      source_file f;
      for (const auto& c : rel)
        f.path.push_back(c.string());
      if (auto bad = check_components(f.path))
        return make_unexpected(it->path().string() + ": cannot be stored in a torrent: " + *bad);
      f.length = static_cast<std::int64_t>(it->file_size(ec));
      if (ec) return make_unexpected(it->path().string() + ": " + ec.message());
      out.files.push_back(std::move(f));
    }
    std::sort(out.files.begin(), out.files.end(),
              [](const source_file& a, const source_file& b) { return a.path < b.path; });
  } else {
    return make_unexpected(path + ": not a regular file or directory");
  }
  for (const auto& f : out.files)
    out.total_length += f.length;
  if (out.files.empty()) return make_unexpected(path + ": no files to put in a torrent");
  if (out.total_length == 0) return make_unexpected(path + ": all files are empty");
  return out;
}

std::int64_t choose_piece_length(std::int64_t total_length) {
  std::int64_t piece = 16 * 1024;
  while (piece < 16 * 1024 * 1024 && (total_length + piece - 1) / piece > 2000)
    piece *= 2;
  return piece;
}

namespace {

// Beyond this a .torrent's piece list grows past 80 MiB: the piece size is too small.
constexpr std::int64_t max_pieces = std::int64_t{1} << 22;

file_layout layout_of(const torrent_source& src, std::int64_t piece_length) {
  if (!src.is_directory)
    return file_layout::single_file(src.name, piece_length, src.files.front().length);
  std::vector<file_spec> specs;
  specs.reserve(src.files.size());
  for (const auto& f : src.files)
    specs.push_back({f.path, f.length, false, false});
  return file_layout::multi_file(src.name, piece_length, std::move(specs));
}

bvalue info_dictionary(const torrent_source& src, std::int64_t piece_length,
                       std::string piece_hashes, bool is_private) {
  bvalue::dict info{
      {"name", src.name}, {"piece length", piece_length}, {"pieces", std::move(piece_hashes)}};
  if (src.is_directory) {
    bvalue::list files;
    for (const auto& f : src.files) {
      // Built in place: moving a temporary map-holding variant trips GCC 12's
      // -Wmaybe-uninitialized false positive.
      auto& entry = files.emplace_back(bvalue::dict{}).as_dict();
      entry["length"] = f.length;
      entry["path"] = bvalue::list(f.path.begin(), f.path.end());
    }
    info["files"] = std::move(files);
  } else {
    info["length"] = src.files.front().length;
  }
  if (is_private) info["private"] = 1;
  return info;
}

}  // namespace

expected<created_torrent, std::string> create_torrent(const create_options& options) {
  auto src = scan_torrent_source(options.path);
  if (!src) return make_unexpected(src.error());
  std::int64_t piece_length =
      options.piece_length > 0 ? options.piece_length : choose_piece_length(src->total_length);
  if ((src->total_length + piece_length - 1) / piece_length > max_pieces)
    return make_unexpected(options.path + ": piece size " + std::to_string(piece_length) +
                           " gives more than " + std::to_string(max_pieces) +
                           " pieces; choose a larger --piece-size");

  file_storage storage(layout_of(*src, piece_length), src->root);
  const auto& layout = storage.layout();
  piece_hash_job job;
  job.num_pieces = layout.num_pieces();
  job.piece_size = [&](std::uint32_t p) { return static_cast<std::size_t>(layout.piece_size(p)); };
  job.read = [&](std::uint32_t p, char* buffer) {
    auto r = storage.read(p, 0, layout.piece_size(p), buffer);
    if (r) return piece_read_result{};
    // The scan saw every byte; missing data now means a file shrank while it was hashed.
    return piece_read_result{piece_read_status::failed, r.error().to_string()};
  };
  job.threads = options.threads;
  if (options.progress)
    job.progress = [&](std::uint32_t done) {
      options.progress(done, layout.num_pieces(), piece_length);
    };
  auto hashed = hash_pieces(job);
  if (hashed.failure) return make_unexpected(*hashed.failure);
  std::string piece_hashes;
  piece_hashes.reserve(hashed.hashes.size() * 20);
  for (const auto& h : hashed.hashes)
    piece_hashes += h->view();

  bvalue::dict root{
      {"info", info_dictionary(*src, piece_length, std::move(piece_hashes), options.is_private)}};
  if (!options.tracker_tiers.empty() && !options.tracker_tiers.front().empty())
    root["announce"] = options.tracker_tiers.front().front();
  std::size_t urls = 0;
  for (const auto& tier : options.tracker_tiers)
    urls += tier.size();
  if (urls > 1) {
    bvalue::list tiers;
    for (const auto& tier : options.tracker_tiers)
      tiers.emplace_back(bvalue::list{}).as_list().assign(tier.begin(), tier.end());
    root["announce-list"] = std::move(tiers);
  }
  if (!options.comment.empty()) root["comment"] = options.comment;
  if (!options.created_by.empty()) root["created by"] = options.created_by;
  if (options.include_creation_date)
    root["creation date"] = static_cast<std::int64_t>(std::time(nullptr));
  if (options.web_seeds.size() == 1) root["url-list"] = options.web_seeds.front();
  if (options.web_seeds.size() > 1)
    root["url-list"] = bvalue::list(options.web_seeds.begin(), options.web_seeds.end());

  created_torrent out;
  out.bytes = bencode(bvalue(std::move(root)));
  // Our own parser is the last check: what we write, we (and so any strict client) can read.
  auto parsed = parse_metainfo(out.bytes);
  if (!parsed)
    return make_unexpected("internal error: created torrent does not parse: " +
                           parsed.error().to_string());
  out.info_hash_hex = parsed->info_hash.hex();
  out.num_pieces = parsed->num_pieces();
  out.piece_length = piece_length;
  out.total_length = src->total_length;
  out.skipped = src->skipped;
  return out;
}

}  // namespace actorrent
