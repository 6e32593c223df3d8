#include "engine/pex_state.hpp"

#include <algorithm>

namespace actorrent {

pex_state::pex_state(bool private_torrent, peer_address remote, const pex_config& config)
    : enabled_(pex_allowed(private_torrent)), remote_(remote), config_(config) {
  config_.max_added = std::min(config_.max_added, ut_pex::max_added);
  config_.max_dropped = std::min(config_.max_dropped, ut_pex::max_dropped);
}

std::optional<ut_pex::message> pex_state::next_message(const std::vector<ut_pex::pex_peer>& current,
                                                       engine_clock::time_point now) {
  if (!enabled_) return std::nullopt;
  if (last_sent_ && now - *last_sent_ < config_.send_interval) return std::nullopt;

  // Ordered and deduplicated, so that what is sent first is deterministic and the set
  // difference below is a merge.
  std::vector<ut_pex::pex_peer> now_peers;
  now_peers.reserve(current.size());
  for (const auto& p : current) {
    if (p.address != remote_) now_peers.push_back(p);
  }
  std::stable_sort(now_peers.begin(), now_peers.end(),
                   [](const auto& a, const auto& b) { return a.address < b.address; });
  now_peers.erase(std::unique(now_peers.begin(), now_peers.end(),
                              [](const auto& a, const auto& b) { return a.address == b.address; }),
                  now_peers.end());

  ut_pex::message m;
  auto told = told_.begin();
  for (const auto& p : now_peers) {
    while (told != told_.end() && *told < p.address) {
      if (m.dropped.size() < config_.max_dropped) m.dropped.push_back(*told);
      ++told;
    }
    if (told != told_.end() && *told == p.address) {
      ++told;
    } else if (m.added.size() < config_.max_added) {
      m.added.push_back(p);
    }
  }
  for (; told != told_.end() && m.dropped.size() < config_.max_dropped; ++told)
    m.dropped.push_back(*told);

  if (m.empty()) return std::nullopt;
  for (const auto& p : m.added)
    told_.insert(p.address);
  for (const auto& a : m.dropped)
    told_.erase(a);
  last_sent_ = now;
  return m;
}

bool pex_state::accept_incoming(engine_clock::time_point now) {
  if (!enabled_) return false;
  if (last_received_ && now - *last_received_ < config_.min_receive_interval) return false;
  last_received_ = now;
  return true;
}

}  // namespace actorrent
