#include "protocol/extension_ids.hpp"

namespace actorrent {

std::string_view extension_name(extension e) {
  switch (e) {
    case extension::ut_metadata:
      return "ut_metadata";
    case extension::ut_pex:
      return "ut_pex";
  }
  return "unknown";
}

std::optional<extension> extension_from_local_id(std::uint8_t id) {
  for (auto e : all_extensions) {
    if (local_id(e) == id) return e;
  }
  return std::nullopt;
}

extension_map our_extension_map(bool pex_enabled) {
  extension_map m;
  for (auto e : all_extensions) {
    if (e == extension::ut_pex && !pex_enabled) continue;
    m.emplace(std::string(extension_name(e)), local_id(e));
  }
  return m;
}

void peer_extension_ids::apply(const extension_map& m) {
  for (auto e : all_extensions) {
    auto it = m.find(extension_name(e));
    if (it != m.end()) ids_[local_id(e)] = it->second;
  }
}

std::optional<std::uint8_t> peer_extension_ids::id_for(extension e) const {
  const std::uint8_t id = ids_[local_id(e)];
  if (id == 0) return std::nullopt;
  return id;
}

}  // namespace actorrent
