// The session's index of its torrents by info-hash, read by the listener on the asio thread
// when an incoming handshake names one (so it is a locked map, not an actor: the handshake
// must be answered in the callback), and the global connection budget.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "actors/torrent_context.hpp"
#include "engine/peer_key.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

class torrent_registry {
 public:
  explicit torrent_registry(std::size_t max_connections) : max_connections_(max_connections) {}

  void add(std::shared_ptr<const torrent_context> context);
  void remove(const sha1_hash& info_hash);
  std::shared_ptr<const torrent_context> find(const sha1_hash& info_hash) const;
  // The info-hashes of the torrents that are not private (BEP 27): those local discovery
  // may announce.
  std::vector<sha1_hash> public_info_hashes() const;

  // One connection of the global budget (session_settings::max_connections); false when it
  // is spent. Whoever reserved it releases it when the connection's actor is gone.
  bool try_reserve_connection();
  void release_connection();
  std::size_t connections() const { return connections_.load(); }

  // Unique within the session, never reused: a reconnecting peer gets a new key, the
  // picker's charges follow the address through the torrent.
  peer_key next_peer_key() { return ++last_key_; }

 private:
  const std::size_t max_connections_;
  mutable std::mutex mutex_;
  std::map<sha1_hash, std::shared_ptr<const torrent_context>> torrents_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<peer_key> last_key_{0};
};

}  // namespace actorrent
