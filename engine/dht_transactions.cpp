#include "engine/dht_transactions.hpp"

namespace actorrent {

dht_transactions::dht_transactions(dht_transactions_config config, std::uint16_t first_id)
    : config_(config), next_(first_id) {}

std::optional<std::string> dht_transactions::open(dht_pending_query query, time_point now) {
  if (!has_room()) return std::nullopt;
  // 65536 ids and at most max_pending in use: a free one is always found within that many.
  for (std::size_t tries = 0; tries <= 0xffff; ++tries) {
    const std::uint16_t id = next_++;
    std::string tid{static_cast<char>(id >> 8), static_cast<char>(id & 0xff)};
    if (pending_.count(tid)) continue;
    query.sent = now;
    pending_.emplace(tid, std::move(query));
    return tid;
  }
  return std::nullopt;
}

std::optional<dht_pending_query> dht_transactions::close(std::string_view tid,
                                                         const peer_address& from) {
  auto it = pending_.find(std::string(tid));
  if (it == pending_.end() || it->second.address != from) return std::nullopt;
  auto out = std::move(it->second);
  pending_.erase(it);
  return out;
}

std::vector<dht_pending_query> dht_transactions::expire(time_point now) {
  std::vector<dht_pending_query> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second.sent >= config_.timeout) {
      out.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

}  // namespace actorrent
