// A client session as one object, for the command line (and tests): it owns the actor
// system, the asio thread, the block pool, the disk threads, the listener and the session
// actor, and turns
// their typed messages into plain blocking calls. Destroying it stops the session cleanly.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/actor_setup.hpp"
#include "actors/io_thread.hpp"
#include "actors/limits_in_force.hpp"
#include "actors/metadata_fetcher.hpp"
#include "actors/session_settings.hpp"
#include "actors/torrent_progress.hpp"
#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"

namespace actorrent {

class torrent_registry;
class block_pool;
class disk_threads;
class open_file_cache;

// "-AR0100-" and twelve random characters (the Azureus-style convention clients log).
sha1_hash make_peer_id();

// Where resume data goes when settings.state_dir is empty: $XDG_STATE_HOME/actorrent, else
// ~/.local/state/actorrent (never inside the download directory, which holds only the data).
std::filesystem::path default_state_dir();

struct stop_result {
  bool resume_saved = true;
  std::string message;  // what went wrong, one line per torrent
};

class client {
 public:
  // Binds the listen port; an error names the address.
  static expected<std::unique_ptr<client>, std::string> start(session_settings settings);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // The torrent's info-hash (hex), or why it was refused.
  expected<std::string, std::string> add_torrent(torrent_params params);
  std::vector<torrent_progress> progress();
  // The actor of a torrent by info-hash (hex); null when there is none (or it ended).
  caf::actor torrent_actor(const std::string& info_hash);
  // Starts fetching a magnet link's info dictionary from its peers and trackers
  // (metadata_fetcher.hpp); `done` is called once, on an actor's thread, with the verified
  // bytes or why there are none. An exit sent to the returned actor gives up.
  caf::actor fetch_metadata(magnet_link magnet,
                            std::function<void(expected<fetched_metadata, std::string>)> done);
  // Stops every torrent (announce "stopped", save resume data) and the session. Idempotent.
  stop_result stop();
  // Ends the session at once, as a crash would: no "stopped" announce, no resume data saved
  // (what is on disk stays; the next start checks it). For experiments. Idempotent.
  void kill();

  // The session's limits in bytes per second (0: unlimited), changed while it runs.
  void set_rate_limits(std::uint64_t download, std::uint64_t upload);
  // Fault injection in a running torrent: one of its peer actors killed every `interval`
  // (0: never again).
  void set_peer_kills(const std::string& info_hash, std::chrono::milliseconds interval);

  std::uint16_t listen_port() const { return listen_port_; }
  // The DHT node's UDP port; 0 when the DHT is off.
  std::uint16_t dht_port() const { return dht_port_; }
  caf::actor dht() const { return dht_; }
  const sha1_hash& peer_id() const { return peer_id_; }
  caf::actor_system& system() { return *system_; }

 private:
  client() = default;

  actorrent_config config_;
  std::unique_ptr<caf::actor_system> system_;
  // Declared after the system, so destroyed before it: once every actor is done, stopping
  // the asio thread and destroying its pending handlers releases what they still hold (a
  // connection's callbacks hold its actor), which the system's shutdown waits for.
  io_thread io_;
  std::shared_ptr<const session_settings> settings_;
  std::shared_ptr<torrent_registry> registry_;
  std::shared_ptr<block_pool> pool_;
  // Shared by every torrent: the threads of blocking disk work, the open file descriptors.
  std::shared_ptr<disk_threads> disk_;
  std::shared_ptr<disk_threads> checker_;  // runs the torrents' data checks, a few at a time
  std::shared_ptr<open_file_cache> file_cache_;
  caf::actor session_;
  caf::actor rate_limiter_;
  std::shared_ptr<limits_in_force> limits_in_force_ = std::make_shared<limits_in_force>();
  caf::actor listener_;
  caf::actor lsd_;  // null when local service discovery is off
  std::uint16_t listen_port_ = 0;
  caf::actor dht_;  // null when the DHT is off
  std::uint16_t dht_port_ = 0;
  sha1_hash peer_id_;
  bool stopped_ = false;
};

}  // namespace actorrent
