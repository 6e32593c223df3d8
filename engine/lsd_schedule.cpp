#include "engine/lsd_schedule.hpp"

#include <algorithm>
#include <set>

namespace actorrent {

void lsd_schedule::sync(const std::vector<sha1_hash>& active) {
  std::set<sha1_hash> keep(active.begin(), active.end());
  for (auto it = last_.begin(); it != last_.end();)
    it = keep.count(it->first) ? std::next(it) : last_.erase(it);
  for (const auto& h : keep)
    last_.emplace(h, entry{});
}

bool lsd_schedule::is_due(const entry& e, engine_clock::time_point now) const {
  if (!e.last) return true;
  return now - *e.last >= (e.announced == 1 ? config_.min_gap : config_.reannounce);
}

std::vector<sha1_hash> lsd_schedule::due(engine_clock::time_point now, std::size_t max_hashes) {
  if (last_sent_ && now - *last_sent_ < config_.min_gap) return {};
  std::vector<std::pair<std::optional<engine_clock::time_point>, sha1_hash>> ready;
  for (const auto& [hash, e] : last_)
    if (is_due(e, now)) ready.emplace_back(e.last, hash);
  // nullopt sorts first: never announced, then the oldest announce.
  std::sort(ready.begin(), ready.end());
  if (ready.size() > max_hashes) ready.resize(max_hashes);
  std::vector<sha1_hash> out;
  out.reserve(ready.size());
  for (const auto& [last, hash] : ready) {
    auto& e = last_[hash];
    e.last = now;
    ++e.announced;
    out.push_back(hash);
  }
  if (!out.empty()) last_sent_ = now;
  return out;
}

}  // namespace actorrent
