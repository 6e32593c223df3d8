#include "tracker/server/connection_ids.hpp"

#include <string>

namespace actorrent::server {

connection_ids::connection_ids(siphash_key key, std::chrono::seconds window)
    : key_(key), window_(window.count() > 0 ? window : std::chrono::seconds(1)) {}

std::int64_t connection_ids::window_of(tracker_clock::time_point now) const {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() /
         window_.count();
}

std::uint64_t connection_ids::id_for(const peer_address& client, std::int64_t window) const {
  std::string msg;
  msg.reserve(25);
  msg.push_back(client.v6 ? 6 : 4);
  msg.append(reinterpret_cast<const char*>(client.ip.data()), client.ip.size());
  for (int i = 0; i < 8; ++i)
    msg.push_back(static_cast<char>(static_cast<std::uint64_t>(window) >> (8 * i)));
  return siphash24(key_, msg);
}

std::uint64_t connection_ids::issue(const peer_address& client,
                                    tracker_clock::time_point now) const {
  return id_for(client, window_of(now));
}

bool connection_ids::valid(std::uint64_t id, const peer_address& client,
                           tracker_clock::time_point now) const {
  const auto w = window_of(now);
  return id == id_for(client, w) || id == id_for(client, w - 1);
}

}  // namespace actorrent::server
