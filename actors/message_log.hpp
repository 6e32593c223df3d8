// The actor message log (docs/message-log.md): every message delivered to a logged actor, the
// supervision events and the peers' wire summaries, one JSON object per line, written by an
// asynchronous spdlog logger into rotating files. One per client (actor system); actors find
// it through their system's config (logged_actor.hpp), so nothing else has to carry it.
//
// Actors are named by whoever spawns them (name()): kind, torrent, peer address and parent.
// That writes the `spawned` line, and lets every later line name both ends of a message by
// actor id alone.
//
// Thread-safe: called from every scheduler thread at once.
#pragma once

#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/message_log_settings.hpp"
#include "protocol/expected.hpp"

namespace spdlog {
class logger;
namespace details {
class thread_pool;
class periodic_worker;
}  // namespace details
}  // namespace spdlog

namespace actorrent {

// Who an actor is, as the log writes it.
struct actor_label {
  std::string kind;
  std::string torrent;  // info-hash hex, or empty
  std::string peer;     // remote address, or empty
};

class message_log {
 public:
  // Opens (truncates) the file, removing the rotated files of an earlier run; an error names
  // the path.
  static expected<std::shared_ptr<message_log>, std::string> open(message_log_settings settings);
  ~message_log();
  message_log(const message_log&) = delete;
  message_log& operator=(const message_log&) = delete;

  // Names actor `id` (writes its `spawned` line); `parent` 0: a top-level actor.
  void name(caf::actor_id id, actor_label label, caf::actor_id parent);
  // `id` ended (writes `terminated`); its name is kept for messages still in flight.
  void terminated(caf::actor_id id, const std::string& reason);
  // A supervisor replaced `old_id` by `new_id` (already named).
  void restarted(caf::actor_id new_id, caf::actor_id old_id, caf::actor_id parent,
                 std::uint32_t restarts, const std::string& reason);
  // A peer connection's wire event; `fields_json` is an object ("{}" for none).
  void wire(caf::actor_id peer, const char* dir, const char* what, const std::string& fields_json);

  // A message delivered to `receiver` (the tap in logged_actor).
  void delivered(caf::actor_id receiver, const caf::strong_actor_ptr& sender,
                 const caf::type_erased_tuple& content);

  // Writes what is queued to the file (also done once a second, and when the log closes).
  void flush();

 private:
  struct type_policy;
  message_log() = default;
  void write_line(std::string&& line);
  void write_started();
  void append_actor(std::string& out, caf::actor_id id, const actor_label* label) const;
  const actor_label* find(caf::actor_id id) const;  // under mutex_
  // Appends `,"key":` and the actor's object (under mutex_).
  void append_named(std::string& out, const char* key, caf::actor_id id) const;
  type_policy& policy_for(const std::string& type);

  message_log_settings settings_;
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<spdlog::details::periodic_worker> flusher_;

  mutable std::mutex mutex_;
  std::unordered_map<caf::actor_id, actor_label> names_;
  std::unordered_map<std::string, std::unique_ptr<type_policy>> policies_;
};

// The message log of `sys`, if its config has one.
std::shared_ptr<message_log> message_log_of(caf::actor_system& sys);

}  // namespace actorrent
