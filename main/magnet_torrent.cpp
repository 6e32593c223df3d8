#include "main/magnet_torrent.hpp"

#include "protocol/bencode_value.hpp"

namespace actorrent {

expected<metainfo, std::string> metainfo_from_magnet(const magnet_link& magnet,
                                                     std::string_view info) {
  auto m = parse_info_dictionary(info);
  if (!m) return make_unexpected(magnet.info_hash.hex() + ": metadata: " + m.error().message);
  if (m->info_hash != magnet.info_hash)
    return make_unexpected(magnet.info_hash.hex() + ": metadata hashes to " + m->info_hash.hex());
  for (const auto& url : magnet.trackers)
    m->tracker_tiers.push_back({url});
  return std::move(*m);
}

std::string torrent_file_bytes(const metainfo& m) {
  bvalue::dict root;
  if (!m.tracker_tiers.empty() && !m.tracker_tiers.front().empty())
    root["announce"] = m.tracker_tiers.front().front();
  if (m.tracker_tiers.size() > 1 || (!m.tracker_tiers.empty() && m.tracker_tiers[0].size() > 1)) {
    bvalue::list tiers;
    for (const auto& tier : m.tracker_tiers) {
      bvalue::list urls;
      for (const auto& url : tier)
        urls.emplace_back(url);
      tiers.emplace_back(std::move(urls));
    }
    root["announce-list"] = std::move(tiers);
  }
  std::string out;
  bencode_append(out, bvalue(std::move(root)));
  out.pop_back();  // the dictionary's 'e': "info" sorts after both keys above
  out += "4:info";
  out += m.info_bytes;
  out += 'e';
  return out;
}

magnet_selection magnet_file_selection(const magnet_link& magnet, const metainfo& m) {
  magnet_selection out;
  for (auto index : magnet.select_only) {
    if (index < m.files.size())
      out.only.push_back(std::to_string(index));
    else
      out.ignored.push_back(index);
  }
  return out;
}

}  // namespace actorrent
