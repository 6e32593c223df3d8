#include "protocol/ut_pex.hpp"

#include <cassert>

#include "protocol/bencode_value.hpp"

namespace actorrent {
namespace ut_pex {

std::string encode(const message& m) {
  assert(m.added.size() <= max_added && m.dropped.size() <= max_dropped);
  std::string added, added_f, added6, added6_f, dropped, dropped6;
  for (const auto& p : m.added) {
    append_compact(p.address, p.address.v6 ? added6 : added);
    (p.address.v6 ? added6_f : added_f).push_back(static_cast<char>(p.flags));
  }
  for (const auto& a : m.dropped)
    append_compact(a, a.v6 ? dropped6 : dropped);
  bvalue::dict d;
  auto put = [&d](const char* key, std::string& value) {
    if (!value.empty()) d[key] = std::move(value);
  };
  put("added", added);
  put("added.f", added_f);
  put("added6", added6);
  put("added6.f", added6_f);
  put("dropped", dropped);
  put("dropped6", dropped6);
  return bencode(d);
}

namespace {

unexpected<extension_error> fail(std::string problem, std::size_t offset) {
  return make_unexpected(extension_error{"ut_pex: " + std::move(problem), offset});
}

// One compact list and its optional flags, checked and appended to `out` up to `keep`
// entries in total; the rest counted in `ignored`.
std::optional<extension_error> take_added(bencode_node root, const char* key, const char* flags_key,
                                          bool v6, std::size_t keep, std::vector<pex_peer>& out,
                                          std::size_t& ignored) {
  const bencode_node list = root.find(key);
  const bencode_node flags = root.find(flags_key);
  if (!list.valid()) {
    if (flags.valid() && !(flags.is_string() && flags.string().empty())) {
      return fail(std::string(flags_key) + ": flags without " + key, flags.offset()).error;
    }
    return std::nullopt;
  }
  const std::size_t entry = v6 ? compact_v6_size : compact_v4_size;
  if (!list.is_string()) return fail(std::string(key) + ": not a string", list.offset()).error;
  const std::string_view bytes = list.string();
  if (bytes.size() % entry != 0) {
    return fail(std::string(key) + ": length " + std::to_string(bytes.size()) +
                    " is not a multiple of " + std::to_string(entry),
                list.offset())
        .error;
  }
  const std::size_t count = bytes.size() / entry;
  std::string_view flag_bytes;
  if (flags.valid()) {
    if (!flags.is_string()) {
      return fail(std::string(flags_key) + ": not a string", flags.offset()).error;
    }
    flag_bytes = flags.string();
    if (flag_bytes.size() != count) {
      return fail(std::string(flags_key) + ": " + std::to_string(flag_bytes.size()) +
                      " flag bytes for " + std::to_string(count) + " peers",
                  flags.offset())
          .error;
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    auto peers = v6 ? parse_compact_v6(bytes.substr(i * entry, entry))
                    : parse_compact_v4(bytes.substr(i * entry, entry));
    const peer_address& a = peers->front();  // one whole entry always parses
    if (a.port == 0 || out.size() >= keep) {
      ++ignored;
      continue;
    }
    const auto f = flag_bytes.empty() ? std::uint8_t{0} : static_cast<std::uint8_t>(flag_bytes[i]);
    out.push_back({a, f});
  }
  return std::nullopt;
}

std::optional<extension_error> take_dropped(bencode_node root, const char* key, bool v6,
                                            std::size_t keep, std::vector<peer_address>& out,
                                            std::size_t& ignored) {
  const bencode_node list = root.find(key);
  if (!list.valid()) return std::nullopt;
  if (!list.is_string()) return fail(std::string(key) + ": not a string", list.offset()).error;
  const std::string_view bytes = list.string();
  auto peers = v6 ? parse_compact_v6(bytes) : parse_compact_v4(bytes);
  if (!peers) {
    return fail(std::string(key) + ": length " + std::to_string(bytes.size()) +
                    " is not a multiple of " +
                    std::to_string(v6 ? compact_v6_size : compact_v4_size),
                list.offset())
        .error;
  }
  for (const auto& a : *peers) {
    if (out.size() >= keep) {
      ++ignored;
      continue;
    }
    out.push_back(a);
  }
  return std::nullopt;
}

}  // namespace

expected<decoded, extension_error> decode(std::string_view payload, const decode_limits& limits) {
  if (payload.size() > limits.max_payload) {
    return fail("payload of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                    std::to_string(limits.max_payload),
                limits.max_payload);
  }
  bdecode_limits bl;
  bl.max_depth = 4;     // the dictionary, and room for an unknown key's nesting
  bl.max_tokens = 256;  // six keys of ours and their values, and as many unknown ones
  auto doc = bdecode(payload, bl);
  if (!doc) return make_unexpected(bencode_failure("ut_pex", doc.error()));
  const bencode_node root = doc->root();
  if (!root.is_dict()) return fail("payload is not a dictionary", 0);

  decoded out;
  if (auto e = take_added(root, "added", "added.f", false, limits.keep_added, out.peers.added,
                          out.ignored_added))
    return make_unexpected(*e);
  if (auto e = take_added(root, "added6", "added6.f", true, limits.keep_added, out.peers.added,
                          out.ignored_added))
    return make_unexpected(*e);
  if (auto e = take_dropped(root, "dropped", false, limits.keep_dropped, out.peers.dropped,
                            out.ignored_dropped))
    return make_unexpected(*e);
  if (auto e = take_dropped(root, "dropped6", true, limits.keep_dropped, out.peers.dropped,
                            out.ignored_dropped))
    return make_unexpected(*e);
  return out;
}

}  // namespace ut_pex
}  // namespace actorrent
