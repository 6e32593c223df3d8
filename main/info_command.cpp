#include "main/info_command.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "main/exit_codes.hpp"
#include "main/format.hpp"
#include "main/load_torrent.hpp"
#include "protocol/magnet.hpp"
#include "protocol/metainfo.hpp"

namespace actorrent {

namespace {

nlohmann::json to_json(const metainfo& m) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : m.files) {
    nlohmann::json jf{{"path", f.path_string()}, {"size", f.length}, {"offset", f.offset}};
    if (f.pad) jf["pad"] = true;
    files.push_back(std::move(jf));
  }
  nlohmann::json j{{"name", m.name},
                   {"info_hash", m.info_hash.hex()},
                   {"total_size", m.total_length},
                   {"piece_length", m.piece_length},
                   {"piece_count", m.num_pieces()},
                   {"private", m.is_private},
                   {"multi_file", m.multi_file},
                   {"files", std::move(files)},
                   {"trackers", m.tracker_tiers},
                   {"web_seeds", m.web_seeds},
                   {"comment", m.comment},
                   {"created_by", m.created_by},
                   {"warnings", m.warnings}};
  j["creation_date"] = m.creation_date ? nlohmann::json(*m.creation_date) : nlohmann::json();
  return j;
}

void print_text(const metainfo& m) {
  std::cout << "name:        " << m.name << "\n"
            << "info-hash:   " << m.info_hash.hex() << "\n"
            << "total size:  " << format_size(m.total_length) << " (" << m.total_length
            << " bytes)\n"
            << "pieces:      " << m.num_pieces() << " x " << format_size(m.piece_length) << "\n"
            << "private:     " << (m.is_private ? "yes" : "no") << "\n";
  if (!m.comment.empty()) std::cout << "comment:     " << m.comment << "\n";
  if (!m.created_by.empty()) std::cout << "created by:  " << m.created_by << "\n";
  if (m.creation_date) std::cout << "created:     " << *m.creation_date << " (unix time)\n";
  std::cout << "trackers:" << (m.tracker_tiers.empty() ? " none" : "") << "\n";
  for (std::size_t t = 0; t < m.tracker_tiers.size(); ++t)
    for (const auto& url : m.tracker_tiers[t])
      std::cout << "  tier " << t + 1 << ": " << url << "\n";
  for (const auto& url : m.web_seeds)
    std::cout << "web seed:    " << url << "\n";
  std::cout << "files (" << m.files.size() << "):\n";
  for (const auto& f : m.files) {
    std::cout << "  " << f.length << "\t" << (m.multi_file ? m.name + "/" : "") << f.path_string()
              << (f.pad ? "  (pad)" : "") << "\n";
  }
  for (const auto& w : m.warnings)
    std::cout << "warning:     " << w << "\n";
}

int run_magnet(const info_command_options& o) {
  auto m = parse_magnet(o.input);
  if (!m) {
    std::cerr << "actorrent info: invalid magnet link: " << m.error().message << "\n";
    return exit_bad_input;
  }
  if (o.json) {
    nlohmann::json peers = nlohmann::json::array();
    for (const auto& p : m->peers)
      peers.push_back(p.to_string());
    nlohmann::json j{
        {"magnet", true},          {"name", m->display_name}, {"info_hash", m->info_hash.hex()},
        {"trackers", m->trackers}, {"peers", peers},          {"select_only", m->select_only}};
    std::cout << j.dump(2) << "\n";
    return exit_ok;
  }
  std::cout << "magnet link (metadata not yet fetched)\n"
            << "name:        " << (m->display_name.empty() ? "(none)" : m->display_name) << "\n"
            << "info-hash:   " << m->info_hash.hex() << "\n";
  for (const auto& t : m->trackers)
    std::cout << "tracker:     " << t << "\n";
  for (const auto& p : m->peers)
    std::cout << "peer:        " << p.to_string() << "\n";
  return exit_ok;
}

}  // namespace

int run_info(const info_command_options& o) {
  if (is_magnet_uri(o.input)) return run_magnet(o);
  auto m = load_torrent(o.input);
  if (!m) {
    std::cerr << "actorrent info: " << m.error() << "\n";
    return exit_bad_input;
  }
  if (o.json)
    std::cout << to_json(*m).dump(2) << "\n";
  else
    print_text(*m);
  return exit_ok;
}

}  // namespace actorrent
