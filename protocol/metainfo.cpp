#include "protocol/metainfo.hpp"

#include <algorithm>
#include <set>

namespace actorrent {

std::string file_entry::path_string() const {
  std::string out;
  for (const auto& c : path) {
    if (!out.empty()) out += '/';
    out += c;
  }
  return out;
}

std::int64_t metainfo::piece_size(std::uint32_t piece) const {
  if (piece + 1 < num_pieces()) return piece_length;
  return total_length - piece_length * static_cast<std::int64_t>(num_pieces() - 1);
}

sha1_hash metainfo::piece_hash(std::uint32_t piece) const {
  return sha1_hash::from_bytes(std::string_view(piece_hashes).substr(piece * 20u, 20));
}

std::string metainfo_error::to_string() const {
  return message + " at byte " + std::to_string(offset);
}

std::optional<std::string> unsafe_path_component(std::string_view component,
                                                 std::size_t max_length) {
  if (component.empty()) return "empty path component";
  if (component == "." || component == "..")
    return "path component \"" + std::string(component) + "\" is not allowed";
  if (component.find('\0') != std::string_view::npos) return "path component contains a NUL byte";
  if (component.find('/') != std::string_view::npos) return "path component contains '/'";
  if (component.find('\\') != std::string_view::npos) return "path component contains '\\'";
  if (component.size() > max_length)
    return "path component longer than " + std::to_string(max_length) + " bytes";
  return std::nullopt;
}

namespace {

using result = expected<metainfo, metainfo_error>;

metainfo_error error_at(bencode_node node, std::string message) {
  return {std::move(message), node.offset()};
}

class info_parser {
 public:
  explicit info_parser(const metainfo_limits& limits) : limits_(limits) {}

  std::optional<metainfo_error> parse(bencode_node info, metainfo& m) {
    if (!info.is_dict()) return fail(info, "info is not a dictionary");
    m.info_bytes = std::string(info.raw());
    m.info_hash = sha1(info.raw());

    auto name = info.find("name");
    if (!name.is_string())
      return fail(name.valid() ? name : info, "info.name missing or not a string");
    if (auto bad = unsafe_path_component(name.string(), limits_.max_path_component))
      return fail(name, "info.name: " + *bad);
    m.name = std::string(name.string());

    auto piece_length = info.find("piece length");
    if (!piece_length.is_integer())
      return fail(piece_length.valid() ? piece_length : info,
                  "info.piece length missing or not an integer");
    if (piece_length.integer() <= 0 || piece_length.integer() > limits_.max_piece_length)
      return fail(piece_length, "info.piece length " + std::to_string(piece_length.integer()) +
                                    " out of range (1 to " +
                                    std::to_string(limits_.max_piece_length) + ")");
    m.piece_length = piece_length.integer();

    auto pieces = info.find("pieces");
    if (!pieces.is_string())
      return fail(pieces.valid() ? pieces : info, "info.pieces missing or not a string");
    if (pieces.string().size() % 20 != 0)
      return fail(pieces, "info.pieces length " + std::to_string(pieces.string().size()) +
                              " is not a multiple of 20");
    m.piece_hashes = std::string(pieces.string());

    auto length = info.find("length");
    auto files = info.find("files");
    if (length.valid() && files.valid()) return fail(files, "info has both length and files");
    if (length.valid()) {
      if (auto e = parse_single(length, m)) return e;
    } else if (files.valid()) {
      if (auto e = parse_files(files, m)) return e;
    } else {
      return fail(info, "info has neither length nor files");
    }

    if (m.total_length == 0) return fail(info, "torrent holds no data (total length 0)");
    auto expected_pieces = (m.total_length + m.piece_length - 1) / m.piece_length;
    if (expected_pieces != static_cast<std::int64_t>(m.num_pieces()))
      return fail(pieces, "info.pieces has " + std::to_string(m.num_pieces()) +
                              " hashes but total length " + std::to_string(m.total_length) +
                              " needs " + std::to_string(expected_pieces));
    auto priv = info.find("private");
    m.is_private = priv.is_integer() && priv.integer() == 1;
    return std::nullopt;
  }

 private:
  std::optional<metainfo_error> fail(bencode_node node, std::string message) {
    return error_at(node, std::move(message));
  }

  std::optional<metainfo_error> parse_single(bencode_node length, metainfo& m) {
    if (!length.is_integer()) return fail(length, "info.length is not an integer");
    if (length.integer() < 0 || length.integer() > limits_.max_total_length)
      return fail(length, "info.length " + std::to_string(length.integer()) + " out of range");
    file_entry f;
    f.path = {m.name};
    f.length = length.integer();
    m.total_length = f.length;
    m.files.push_back(std::move(f));
    return std::nullopt;
  }

  std::optional<metainfo_error> parse_files(bencode_node files, metainfo& m) {
    if (!files.is_list()) return fail(files, "info.files is not a list");
    if (files.size() == 0) return fail(files, "info.files is empty");
    if (files.size() > limits_.max_files)
      return fail(files,
                  "info.files has more than " + std::to_string(limits_.max_files) + " files");
    m.multi_file = true;
    m.files.reserve(files.size());
    std::size_t index = 0;
    for (auto node : files) {
      std::string where = "info.files[" + std::to_string(index++) + "]";
      if (!node.is_dict()) return fail(node, where + " is not a dictionary");
      file_entry f;
      auto length = node.find("length");
      if (!length.is_integer())
        return fail(length.valid() ? length : node, where + ".length missing or not an integer");
      if (length.integer() < 0 || length.integer() > limits_.max_total_length)
        return fail(length,
                    where + ".length " + std::to_string(length.integer()) + " out of range");
      f.length = length.integer();
      auto attr = node.find("attr");
      if (attr.is_string()) {
        auto a = attr.string();
        f.pad = a.find('p') != std::string_view::npos;
        f.executable = a.find('x') != std::string_view::npos;
        f.hidden = a.find('h') != std::string_view::npos;
      }
      auto path = node.find("path");
      if (!path.is_list())
        return fail(path.valid() ? path : node, where + ".path missing or not a list");
      if (path.size() == 0) return fail(path, where + ".path is empty");
      for (auto component : path) {
        if (!component.is_string())
          return fail(component, where + ".path has a non-string component");
        f.path.emplace_back(component.string());
      }
      std::size_t c = 0;
      for (auto component : path) {
        if (auto bad = unsafe_path_component(f.path[c++], limits_.max_path_component))
          return fail(component, where + ".path (file \"" + printable(f) + "\"): " + *bad);
      }
      f.offset = m.total_length;
      if (f.length > limits_.max_total_length - m.total_length)
        return fail(length,
                    where + ": total length exceeds " + std::to_string(limits_.max_total_length));
      m.total_length += f.length;
      m.files.push_back(std::move(f));
      paths_.push_back(path);
    }
    return check_collisions(m);
  }

  // Two files at one path, or a file where another needs a directory, cannot both be on disk.
  std::optional<metainfo_error> check_collisions(const metainfo& m) {
    std::set<std::string> file_paths;
    std::set<std::string> dir_paths;
    for (std::size_t i = 0; i < m.files.size(); ++i) {
      const auto& f = m.files[i];
      if (f.pad) continue;
      auto full = f.path_string();
      std::string where = "info.files[" + std::to_string(i) + "] (file \"" + full + "\")";
      if (!file_paths.insert(full).second || dir_paths.count(full))
        return fail(paths_[i], where + ": path collides with another file");
      std::string dir;
      for (std::size_t c = 0; c + 1 < f.path.size(); ++c) {
        if (!dir.empty()) dir += '/';
        dir += f.path[c];
        if (file_paths.count(dir)) return fail(paths_[i], where + ": a parent directory is a file");
        dir_paths.insert(dir);
      }
    }
    return std::nullopt;
  }

  // Shows a hostile path readably: non-printable bytes as \xHH.
  static std::string printable(const file_entry& f) {
    std::string out;
    for (unsigned char c : f.path_string()) {
      if (c >= 0x20 && c < 0x7f) {
        out += static_cast<char>(c);
      } else {
        static constexpr char hex[] = "0123456789abcdef";
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  }

  const metainfo_limits& limits_;
  std::vector<bencode_node> paths_;
};

void parse_trackers(bencode_node root, metainfo& m) {
  auto list = root.find("announce-list");
  if (list.is_list()) {
    for (auto tier : list) {
      if (!tier.is_list()) {
        m.warnings.push_back("announce-list entry at byte " + std::to_string(tier.offset()) +
                             " is not a list; ignored");
        continue;
      }
      std::vector<std::string> urls;
      for (auto url : tier) {
        if (url.is_string() && !url.string().empty())
          urls.emplace_back(url.string());
        else
          m.warnings.push_back("announce-list URL at byte " + std::to_string(url.offset()) +
                               " is not a non-empty string; ignored");
      }
      if (!urls.empty()) m.tracker_tiers.push_back(std::move(urls));
    }
  }
  // BEP 12: announce-list, when present and usable, replaces announce.
  auto announce = root.find("announce");
  if (m.tracker_tiers.empty() && announce.is_string() && !announce.string().empty())
    m.tracker_tiers.push_back({std::string(announce.string())});
}

void parse_optional_fields(bencode_node root, metainfo& m) {
  parse_trackers(root, m);
  auto url_list = root.find("url-list");
  if (url_list.is_string() && !url_list.string().empty()) {
    m.web_seeds.emplace_back(url_list.string());
  } else if (url_list.is_list()) {
    for (auto url : url_list)
      if (url.is_string() && !url.string().empty()) m.web_seeds.emplace_back(url.string());
  }
  if (auto comment = root.find("comment"); comment.is_string()) m.comment = comment.string();
  if (auto by = root.find("created by"); by.is_string()) m.created_by = by.string();
  if (auto date = root.find("creation date"); date.is_integer()) m.creation_date = date.integer();
}

void collect_warnings(const bencode_document& doc, metainfo& m) {
  for (const auto& w : doc.warnings())
    m.warnings.push_back(std::string(to_string(w.code)) + " at byte " + std::to_string(w.offset));
}

}  // namespace

result parse_metainfo(std::string_view torrent, const metainfo_limits& limits) {
  auto doc = bdecode(torrent, limits.bencode);
  if (!doc)
    return make_unexpected(metainfo_error{
        "invalid bencode: " + std::string(to_string(doc.error().code)), doc.error().offset});
  auto root = doc->root();
  if (!root.is_dict()) return make_unexpected(error_at(root, "torrent is not a dictionary"));
  auto info = root.find("info");
  if (!info.valid()) return make_unexpected(error_at(root, "torrent has no info dictionary"));
  metainfo m;
  if (auto e = info_parser(limits).parse(info, m)) return make_unexpected(*e);
  parse_optional_fields(root, m);
  collect_warnings(*doc, m);
  return m;
}

result parse_info_dictionary(std::string_view info, const metainfo_limits& limits) {
  auto doc = bdecode(info, limits.bencode);
  if (!doc)
    return make_unexpected(metainfo_error{
        "invalid bencode: " + std::string(to_string(doc.error().code)), doc.error().offset});
  metainfo m;
  if (auto e = info_parser(limits).parse(doc->root(), m)) return make_unexpected(*e);
  collect_warnings(*doc, m);
  return m;
}

}  // namespace actorrent
