// Which tracker to announce to next, per BEP 12 (announce-list): each tier is shuffled once;
// trackers are tried in order within a tier, then the next tier; a tracker that answers
// moves to the front of its tier, and the next announce starts again from the first tier.
#pragma once

#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace actorrent {

class tracker_tiers {
 public:
  // Empty tiers and empty URLs are dropped.
  tracker_tiers(std::vector<std::vector<std::string>> tiers, std::mt19937& rng);

  bool empty() const { return tiers_.empty(); }
  // The tracker to try now; nullopt when there are no trackers.
  std::optional<std::string> current() const;
  // The current tracker answered: it moves to the front of its tier and the next announce
  // starts from the first tier again.
  void succeeded();
  // The current tracker failed: try the next one. Returns false when every tracker of every
  // tier has now failed in this round (the caller backs off; the next try starts over).
  bool failed();

  const std::vector<std::vector<std::string>>& tiers() const { return tiers_; }

 private:
  std::vector<std::vector<std::string>> tiers_;
  std::size_t tier_ = 0;
  std::size_t index_ = 0;
};

}  // namespace actorrent
