#include "actors/torrent_registry.hpp"

namespace actorrent {

void torrent_registry::add(std::shared_ptr<const torrent_context> context) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto hash = context->ours.info_hash;
  torrents_[hash] = std::move(context);
}

void torrent_registry::remove(const sha1_hash& info_hash) {
  std::lock_guard<std::mutex> lock(mutex_);
  torrents_.erase(info_hash);
}

std::shared_ptr<const torrent_context> torrent_registry::find(const sha1_hash& info_hash) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = torrents_.find(info_hash);
  return it == torrents_.end() ? nullptr : it->second;
}

std::vector<sha1_hash> torrent_registry::public_info_hashes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<sha1_hash> out;
  for (const auto& [hash, context] : torrents_)
    if (!context->torrent->is_private) out.push_back(hash);
  return out;
}

bool torrent_registry::try_reserve_connection() {
  auto n = connections_.load();
  while (n < max_connections_)
    if (connections_.compare_exchange_weak(n, n + 1)) return true;
  return false;
}

void torrent_registry::release_connection() {
  --connections_;
}

}  // namespace actorrent
