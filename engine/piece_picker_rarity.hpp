// The rarity index behind the piece picker: how many (non-seed) peers have each piece, and
// the pieces we could start downloading kept ordered by that count, so that "rarest first"
// reads from the front instead of sorting (etorrent's scarcity server sorts on every
// query) or scanning every piece per pick.
//
// The layout is libtorrent's: one vector of member pieces sorted by availability, plus the
// end of each availability bucket. A HAVE moves a piece by one availability, i.e. across one
// bucket boundary, which is one swap with the piece at that boundary: O(1). Inserting or
// erasing a member walks the boundaries above its bucket: O(number of buckets), which is at
// most the number of connected non-seed peers.
//
// Seeds (BEP 6 HAVE ALL, or a full bitfield) are not counted here: they have every piece, so
// they shift all availabilities alike and never change the order. The picker keeps them as
// one counter, which makes a seed joining or leaving O(1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "protocol/bitfield.hpp"

namespace actorrent {

class piece_rarity {
 public:
  explicit piece_rarity(std::uint32_t num_pieces = 0);

  std::uint32_t num_pieces() const { return static_cast<std::uint32_t>(avail_.size()); }
  std::uint32_t availability(std::uint32_t piece) const { return avail_[piece]; }

  // One more / one fewer non-seed peer has `piece`. O(1) whether or not it is a member.
  void increment(std::uint32_t piece);
  void decrement(std::uint32_t piece);

  // Membership: the pieces that may be started (wanted, missing, no block state yet).
  bool contains(std::uint32_t piece) const { return pos_[piece] != npos; }
  void insert(std::uint32_t piece);
  void erase(std::uint32_t piece);
  // Replaces the members at once (counting sort): O(members + buckets).
  void assign(const std::vector<std::uint32_t>& members);

  std::size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }
  const bitfield& members() const { return members_; }

  // Bucket `a` holds the members with availability `a`, as [first, second) into at().
  std::size_t num_buckets() const { return bucket_end_.size(); }
  std::pair<std::size_t, std::size_t> bucket(std::size_t a) const {
    return {a == 0 ? 0 : bucket_end_[a - 1], bucket_end_[a]};
  }
  std::uint32_t at(std::size_t index) const { return order_[index]; }

  // Every structural invariant, for tests: empty when sound, else what is wrong. O(N).
  std::string check() const;

  static constexpr std::uint32_t npos = 0xffffffffu;

 private:
  void swap_positions(std::size_t i, std::size_t j);
  void trim_empty_top();

  std::vector<std::uint32_t> avail_;
  std::vector<std::uint32_t> order_;
  std::vector<std::uint32_t> pos_;
  // Invariant: non-decreasing, never empty, back() == order_.size().
  std::vector<std::size_t> bucket_end_;
  bitfield members_;
};

}  // namespace actorrent
