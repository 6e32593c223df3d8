#include "engine/request_guard.hpp"

#include <algorithm>

namespace actorrent {

namespace {
// Far above any real client's pipeline (see the header), and a few times our own queue.
constexpr std::size_t min_flood_limit = 4096;
// Requests that may cross our choke on the wire: a round trip's worth at high rates.
constexpr std::size_t min_choked_limit = 1000;
}  // namespace

request_guard::request_guard(std::size_t max_queued)
    : max_queued_(std::max<std::size_t>(max_queued, 1)),
      flood_limit_(std::max(min_flood_limit, 4 * max_queued_)),
      choked_limit_(std::max(min_choked_limit, max_queued_)) {}

request_guard::verdict request_guard::on_request(bool choking, bool have_piece,
                                                 std::size_t queued) {
  if (choking) {
    if (++while_choked_ > choked_limit_) {
      flooded_while_choked_ = true;
      return verdict::flood;
    }
    return verdict::refuse;
  }
  if (have_piece && queued < max_queued_) return verdict::queue;
  if (++refused_in_a_row_ > flood_limit_) {
    flooded_while_choked_ = false;
    return verdict::flood;
  }
  return verdict::refuse;
}

void request_guard::on_block_sent() {
  refused_in_a_row_ = 0;
}

void request_guard::on_choke_changed() {
  refused_in_a_row_ = 0;
  while_choked_ = 0;
}

std::string request_guard::flood_reason() const {
  if (flooded_while_choked_) {
    return "request flood: " + std::to_string(while_choked_) +
           " requests while choked (more than " + std::to_string(choked_limit_) + ")";
  }
  return "request flood: " + std::to_string(refused_in_a_row_) +
         " requests refused in a row, beyond the " + std::to_string(max_queued_) +
         " queued, with no block sent in between (more than " + std::to_string(flood_limit_) + ")";
}

}  // namespace actorrent
