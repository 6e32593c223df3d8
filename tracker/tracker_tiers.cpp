#include "tracker/tracker_tiers.hpp"

#include <algorithm>

namespace actorrent {

tracker_tiers::tracker_tiers(std::vector<std::vector<std::string>> tiers, std::mt19937& rng) {
  for (auto& tier : tiers) {
    tier.erase(std::remove(tier.begin(), tier.end(), std::string()), tier.end());
    if (tier.empty()) continue;
    std::shuffle(tier.begin(), tier.end(), rng);
    tiers_.push_back(std::move(tier));
  }
}

std::optional<std::string> tracker_tiers::current() const {
  if (tiers_.empty()) return std::nullopt;
  return tiers_[tier_][index_];
}

void tracker_tiers::succeeded() {
  if (tiers_.empty()) return;
  auto& tier = tiers_[tier_];
  std::rotate(tier.begin(), tier.begin() + static_cast<std::ptrdiff_t>(index_),
              tier.begin() + static_cast<std::ptrdiff_t>(index_) + 1);
  tier_ = 0;
  index_ = 0;
}

bool tracker_tiers::failed() {
  if (tiers_.empty()) return false;
  if (++index_ < tiers_[tier_].size()) return true;
  index_ = 0;
  if (++tier_ < tiers_.size()) return true;
  tier_ = 0;
  return false;
}

}  // namespace actorrent
