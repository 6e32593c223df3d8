#include "engine/piece_picker_rarity.hpp"

#include <algorithm>
#include <cassert>
#include <string>

namespace actorrent {

piece_rarity::piece_rarity(std::uint32_t num_pieces)
    : avail_(num_pieces, 0), pos_(num_pieces, npos), bucket_end_(1, 0), members_(num_pieces) {}

void piece_rarity::swap_positions(std::size_t i, std::size_t j) {
  if (i == j) return;
  std::swap(order_[i], order_[j]);
  pos_[order_[i]] = static_cast<std::uint32_t>(i);
  pos_[order_[j]] = static_cast<std::uint32_t>(j);
}

void piece_rarity::trim_empty_top() {
  // Keeps insert/erase proportional to the availabilities that exist now, not the highest
  // one ever seen.
  while (bucket_end_.size() > 1 && bucket_end_[bucket_end_.size() - 2] == order_.size()) {
    bucket_end_.pop_back();
  }
}

void piece_rarity::increment(std::uint32_t piece) {
  const std::uint32_t a = avail_[piece]++;
  if (!contains(piece)) return;
  if (bucket_end_.size() <= a + 1) bucket_end_.push_back(order_.size());
  // The last slot of bucket a becomes the first slot of bucket a + 1.
  swap_positions(pos_[piece], bucket_end_[a] - 1);
  --bucket_end_[a];
}

void piece_rarity::decrement(std::uint32_t piece) {
  assert(avail_[piece] > 0);
  if (avail_[piece] == 0) return;
  const std::uint32_t a = avail_[piece]--;
  if (!contains(piece)) return;
  // The first slot of bucket a becomes the last slot of bucket a - 1.
  swap_positions(pos_[piece], bucket_end_[a - 1]);
  ++bucket_end_[a - 1];
  trim_empty_top();
}

void piece_rarity::insert(std::uint32_t piece) {
  if (contains(piece)) return;
  const std::uint32_t a = avail_[piece];
  while (bucket_end_.size() <= a)
    bucket_end_.push_back(order_.size());
  order_.push_back(piece);
  pos_[piece] = static_cast<std::uint32_t>(order_.size() - 1);
  members_.set(piece);
  // Each bucket above `a` gives its first slot to the piece and takes the slot past its end.
  std::size_t i = order_.size() - 1;
  for (std::size_t b = bucket_end_.size() - 1; b > a; --b) {
    const std::size_t first = bucket_end_[b - 1];
    swap_positions(i, first);
    i = first;
    ++bucket_end_[b];
  }
  ++bucket_end_[a];
}

void piece_rarity::erase(std::uint32_t piece) {
  if (!contains(piece)) return;
  const std::uint32_t a = avail_[piece];
  // The mirror of insert: walk the piece up past every bucket, then drop the last slot.
  std::size_t i = pos_[piece];
  for (std::size_t b = a; b < bucket_end_.size(); ++b) {
    const std::size_t last = bucket_end_[b] - 1;
    swap_positions(i, last);
    i = last;
    --bucket_end_[b];
  }
  assert(i == order_.size() - 1);
  order_.pop_back();
  pos_[piece] = npos;
  members_.reset(piece);
  trim_empty_top();
}

void piece_rarity::assign(const std::vector<std::uint32_t>& members) {
  for (auto p : order_)
    pos_[p] = npos;
  order_.clear();
  members_.reset_all();
  std::uint32_t top = 0;
  for (auto p : members)
    top = std::max(top, avail_[p]);
  std::vector<std::size_t> count(static_cast<std::size_t>(top) + 1, 0);
  for (auto p : members)
    ++count[avail_[p]];
  bucket_end_.assign(count.size(), 0);
  std::size_t end = 0;
  for (std::size_t a = 0; a < count.size(); ++a) {
    end += count[a];
    bucket_end_[a] = end;
  }
  order_.assign(members.size(), 0);
  std::vector<std::size_t> next(count.size(), 0);
  for (std::size_t a = 1; a < count.size(); ++a)
    next[a] = bucket_end_[a - 1];
  for (auto p : members) {
    const std::size_t at = next[avail_[p]]++;
    order_[at] = p;
    pos_[p] = static_cast<std::uint32_t>(at);
    members_.set(p);
  }
  trim_empty_top();
}

std::string piece_rarity::check() const {
  if (bucket_end_.empty()) return "no buckets";
  if (bucket_end_.back() != order_.size()) return "last bucket does not end at the order's end";
  for (std::size_t a = 0; a < bucket_end_.size(); ++a) {
    auto [first, last] = bucket(a);
    if (first > last) return "bucket boundaries decrease at " + std::to_string(a);
    for (std::size_t i = first; i < last; ++i) {
      const auto p = order_[i];
      if (avail_[p] != a) return "piece " + std::to_string(p) + " in the wrong bucket";
      if (pos_[p] != i) return "piece " + std::to_string(p) + " has a stale position";
      if (!members_.test(p)) return "piece " + std::to_string(p) + " missing from members";
    }
  }
  if (members_.count() != order_.size()) return "member bitfield disagrees with the order";
  return {};
}

}  // namespace actorrent
