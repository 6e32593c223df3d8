#include "tracker/scrape_url.hpp"

#include "protocol/bencode.hpp"
#include "tracker/http_announce.hpp"

namespace actorrent {

namespace {

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

std::int64_t counter(const bencode_node& dict, std::string_view key) {
  const auto n = dict.find(key, bencode_type::integer);
  return n.valid() && n.integer() > 0 ? n.integer() : 0;
}

}  // namespace

std::optional<std::string> scrape_url_from_announce(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const auto scheme = url.substr(0, scheme_end);
  if (!equals_nocase(scheme, "http") && !equals_nocase(scheme, "https")) return std::nullopt;
  // The path starts at the first '/' after the authority; '?' or '#' first means no path.
  const auto path_begin = url.find_first_of("/?#", scheme_end + 3);
  if (path_begin == std::string_view::npos || url[path_begin] != '/') return std::nullopt;
  auto path_end = url.find_first_of("?#", path_begin);
  if (path_end == std::string_view::npos) path_end = url.size();
  // A '/' inside the query (passkey=a/b) must not count as a path separator.
  const auto last_slash = url.rfind('/', path_end - 1);
  const auto segment = url.substr(last_slash + 1, path_end - last_slash - 1);
  constexpr std::string_view announce = "announce";
  if (segment.substr(0, announce.size()) != announce) return std::nullopt;
  std::string out(url.substr(0, last_slash + 1));
  out += "scrape";
  out += url.substr(last_slash + 1 + announce.size());
  return out;
}

std::string build_scrape_url(const std::string& scrape_url, const std::vector<sha1_hash>& hashes) {
  std::string url = scrape_url;
  for (const auto& h : hashes)
    append_query_parameter(url, "info_hash", h.view());
  return url;
}

expected<std::vector<scrape_entry>, tracker_error> parse_scrape_response(
    std::string_view body, const scrape_parse_limits& limits) {
  std::string_view trimmed = body;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' ||
                              trimmed.back() == ' ' || trimmed.back() == '\t'))
    trimmed.remove_suffix(1);
  bdecode_limits bl;
  bl.max_depth = limits.max_depth;
  bl.max_tokens = limits.max_tokens;
  const auto doc = bdecode(trimmed, bl);
  if (!doc) {
    return bad_response("scrape answer is not bencode: " + doc.error().to_string() +
                        " (body starts with '" + printable_tracker_text(body.substr(0, 32), 48) +
                        "')");
  }
  const auto root = doc->root();
  if (!root.is_dict()) return bad_response("scrape answer is not a dictionary at byte 0");
  if (const auto failure = root.find("failure reason"); failure.valid()) {
    if (!failure.is_string())
      return bad_response("'failure reason' is not a string at byte " +
                          std::to_string(failure.offset()));
    return make_unexpected(tracker_error{
        tracker_error::kind::failure_reason,
        "tracker failure: " + printable_tracker_text(failure.string(), limits.max_text)});
  }
  const auto files = root.find("files");
  if (!files.valid()) return bad_response("scrape answer has no 'files' at byte 0");
  if (!files.is_dict())
    return bad_response("'files' is not a dictionary at byte " + std::to_string(files.offset()));

  std::vector<scrape_entry> entries;
  bencode_node key;
  bool is_key = true;
  for (const bencode_node item : files) {
    if (is_key) {
      key = item;
    } else if (key.string().size() == sha1_hash::size && item.is_dict()) {
      if (entries.size() >= limits.max_entries) break;
      scrape_entry e;
      e.info_hash = sha1_hash::from_bytes(key.string());
      e.complete = counter(item, "complete");
      e.downloaded = counter(item, "downloaded");
      e.incomplete = counter(item, "incomplete");
      entries.push_back(e);
    }
    is_key = !is_key;
  }
  return entries;
}

}  // namespace actorrent
