#include "protocol/extension_handshake.hpp"

#include <limits>

#include "protocol/bencode_value.hpp"

namespace actorrent {

std::string encode(const extension_handshake& h) {
  bvalue::dict d;
  bvalue::dict m;
  for (const auto& [name, id] : h.m)
    m[name] = static_cast<std::int64_t>(id);
  d["m"] = std::move(m);
  if (h.v) d["v"] = *h.v;
  if (h.p) d["p"] = static_cast<std::int64_t>(*h.p);
  if (h.reqq) d["reqq"] = static_cast<std::int64_t>(*h.reqq);
  if (h.metadata_size) d["metadata_size"] = *h.metadata_size;
  if (h.yourip) {
    d["yourip"] =
        std::string(reinterpret_cast<const char*>(h.yourip->ip.data()), h.yourip->v6 ? 16 : 4);
  }
  return bencode(d);
}

namespace {

unexpected<extension_error> fail(std::string problem, std::size_t offset) {
  return make_unexpected(extension_error{"extension handshake: " + std::move(problem), offset});
}

// An integer value in [lo, hi], or an error naming the key.
expected<std::int64_t, extension_error> integer_in(bencode_node node, std::string_view key,
                                                   std::int64_t lo, std::int64_t hi) {
  if (!node.is_integer()) return fail(std::string(key) + ": not an integer", node.offset());
  const std::int64_t value = node.integer();
  if (value < lo || value > hi) {
    return fail(std::string(key) + ": " + std::to_string(value) + " is outside [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]",
                node.offset());
  }
  return value;
}

// Names in error messages come from the peer: shown only when short and printable.
std::string shown(std::string_view name) {
  for (char c : name) {
    if (c < 0x20 || c >= 0x7f) return "(an unprintable name)";
  }
  return name.size() <= 64 ? std::string(name) : std::string(name.substr(0, 64)) + "...";
}

std::optional<extension_error> decode_m(bencode_node node, const extension_handshake_limits& limits,
                                        extension_map& out) {
  if (!node.is_dict()) return fail("m: not a dictionary", node.offset()).error;
  if (node.size() > limits.max_m_entries) {
    return fail("m: " + std::to_string(node.size()) + " entries exceed the limit of " +
                    std::to_string(limits.max_m_entries),
                node.offset())
        .error;
  }
  std::array<const std::string*, 256> owner{};  // which name holds each non-zero id
  for (auto it = node.begin(), end = node.end(); it != end; ++it) {
    const bencode_node key = *it;
    ++it;
    const bencode_node value = *it;
    const std::string_view name = key.string();
    if (name.empty()) return fail("m: empty extension name", key.offset()).error;
    if (name.size() > limits.max_name_length) {
      return fail("m: extension name of " + std::to_string(name.size()) +
                      " bytes exceeds the limit of " + std::to_string(limits.max_name_length),
                  key.offset())
          .error;
    }
    auto id = integer_in(value, "m: " + shown(name), 0, 255);
    if (!id) return id.error();
    auto [slot, inserted] = out.emplace(std::string(name), static_cast<std::uint8_t>(*id));
    (void)inserted;  // bdecode already rejected duplicate keys
    if (*id == 0) continue;
    // Two extensions on one id: every message sent with it would be read as the other's.
    if (const std::string* other = owner[static_cast<std::size_t>(*id)]) {
      return fail("m: " + shown(name) + ": id " + std::to_string(*id) + " is already " +
                      shown(*other) + "'s",
                  value.offset())
          .error;
    }
    owner[static_cast<std::size_t>(*id)] = &slot->first;
  }
  return std::nullopt;
}

}  // namespace

expected<extension_handshake, extension_error> decode_extension_handshake(
    std::string_view payload, const extension_handshake_limits& limits) {
  if (payload.size() > limits.max_payload) {
    return fail("payload of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                    std::to_string(limits.max_payload),
                limits.max_payload);
  }
  bdecode_limits bl;
  bl.max_depth = 8;  // the dictionary, `m`, and room for the nesting of keys we ignore
  // Enough for max_m_entries names and ids plus plenty of ignored keys; bounds the token
  // array whatever max_payload is set to.
  bl.max_tokens = static_cast<std::uint32_t>(2 * limits.max_m_entries + 512);
  auto doc = bdecode(payload, bl);
  if (!doc) return make_unexpected(bencode_failure("extension handshake", doc.error()));
  const bencode_node root = doc->root();
  if (!root.is_dict()) return fail("payload is not a dictionary", 0);

  extension_handshake h;
  if (auto m = root.find("m"); m.valid()) {
    if (auto error = decode_m(m, limits, h.m)) return make_unexpected(*error);
  }
  if (auto v = root.find("v"); v.valid()) {
    if (!v.is_string()) return fail("v: not a string", v.offset());
    if (v.string().size() > limits.max_client_length) {
      return fail("v: " + std::to_string(v.string().size()) + " bytes exceed the limit of " +
                      std::to_string(limits.max_client_length),
                  v.offset());
    }
    h.v = std::string(v.string());
  }
  if (auto p = root.find("p"); p.valid()) {
    auto port = integer_in(p, "p", 1, 65535);
    if (!port) return make_unexpected(port.error());
    h.p = static_cast<std::uint16_t>(*port);
  }
  if (auto reqq = root.find("reqq"); reqq.valid()) {
    auto value = integer_in(reqq, "reqq", 1, std::numeric_limits<std::int32_t>::max());
    if (!value) return make_unexpected(value.error());
    h.reqq = static_cast<std::uint32_t>(*value);
  }
  if (auto size = root.find("metadata_size"); size.valid()) {
    auto value = integer_in(size, "metadata_size", 1, limits.max_metadata_size);
    if (!value) return make_unexpected(value.error());
    h.metadata_size = *value;
  }
  if (auto ip = root.find("yourip"); ip.valid()) {
    if (!ip.is_string()) return fail("yourip: not a string", ip.offset());
    const std::string_view raw = ip.string();
    if (raw.size() != 4 && raw.size() != 16) {
      return fail("yourip: " + std::to_string(raw.size()) + " bytes, expected 4 or 16",
                  ip.offset());
    }
    peer_address a;
    a.v6 = raw.size() == 16;
    for (std::size_t i = 0; i < raw.size(); ++i)
      a.ip[i] = static_cast<std::uint8_t>(raw[i]);
    h.yourip = a;
  }
  return h;
}

}  // namespace actorrent
