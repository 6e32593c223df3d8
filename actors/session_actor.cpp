#include "actors/session_actor.hpp"

#include <caf/all.hpp>

#include <map>

#include "actors/error_text.hpp"
#include "actors/logged_actor.hpp"
#include "actors/message_log.hpp"
#include "actors/messages.hpp"
#include "actors/torrent_actor.hpp"
#include "storage/file_selection.hpp"

namespace actorrent {

namespace {

// How long a progress query waits for one torrent (a busy torrent answers late, not never).
constexpr auto progress_timeout = std::chrono::seconds{5};
constexpr auto stop_timeout = std::chrono::seconds{40};

struct torrent_slot {
  caf::actor actor;  // null once it ended
  torrent_progress last;
};

struct session_state {
  static inline const char* name = "session";
  std::map<std::string, torrent_slot> torrents;  // by info-hash hex, in a stable order
  bool stopping = false;
  std::uint64_t last_torrent_id = 0;
};

using session_self = caf::stateful_actor<session_state, logged_actor>;

torrent_added add(session_self* self, const session_actor_config& cfg, torrent_params params) {
  auto& st = self->state;
  if (!params.torrent) return {false, {}, "no torrent"};
  auto hex = params.torrent->info_hash.hex();
  if (st.torrents.count(hex)) return {false, hex, "the torrent " + hex + " is already added"};
  auto wanted = select_pieces(*params.torrent, params.only);
  if (!wanted) return {false, hex, wanted.error()};
  if (params.download_dir.empty()) params.download_dir = cfg.settings->download_dir;
  torrent_actor_config tc;
  tc.params = std::move(params);
  tc.settings = cfg.settings;
  tc.peer_id = cfg.peer_id;
  tc.listen_port = cfg.listen_port;
  tc.io = cfg.io;
  tc.pool = cfg.pool;
  tc.disk = cfg.disk;
  tc.file_cache = cfg.file_cache;
  tc.checker = cfg.checker;
  tc.registry = cfg.registry;
  tc.state_dir = cfg.state_dir;
  tc.wanted = std::move(*wanted);
  tc.rate_limiter = cfg.rate_limiter;
  tc.session_limits = cfg.session_limits;
  tc.dht = cfg.dht;
  tc.dht_port = cfg.dht_port;
  tc.torrent_id = ++st.last_torrent_id;
  torrent_slot slot;
  slot.last.name = tc.params.torrent->name;
  slot.last.info_hash = hex;
  slot.last.pieces_total = tc.params.torrent->num_pieces();
  slot.actor = spawn_torrent(self->system(), std::move(tc));
  self->monitor(slot.actor);
  if (const auto& log = self->log()) log->name(slot.actor.id(), {"torrent", hex, {}}, self->id());
  st.torrents.emplace(hex, std::move(slot));
  return {true, hex, {}};
}

void gather_progress(session_self* self, caf::response_promise promise) {
  auto& st = self->state;
  auto rp = std::make_shared<caf::response_promise>(std::move(promise));
  auto pending = std::make_shared<std::size_t>(0);
  auto done = [=] {
    if (--*pending > 0) return;
    session_progress out;
    for (auto& [hex, slot] : self->state.torrents)
      out.torrents.push_back(slot.last);
    rp->deliver(std::move(out));
  };
  *pending = 1;
  for (auto& [hex, slot] : st.torrents) {
    if (!slot.actor) continue;
    ++*pending;
    auto key = hex;
    self->request(slot.actor, progress_timeout, get_progress{})
        .then(
            [=](torrent_progress& p) {
              auto it = self->state.torrents.find(key);
              if (it != self->state.torrents.end()) it->second.last = std::move(p);
              done();
            },
            [=](caf::error&) { done(); });
  }
  done();
}

caf::behavior session_behavior(session_self* self, session_actor_config cfg) {
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto& [hex, slot] : self->state.torrents) {
      if (!slot.actor || slot.actor.address() != dm.source) continue;
      slot.actor = nullptr;
      if (dm.reason && dm.reason != caf::exit_reason::normal && !self->state.stopping) {
        slot.last.state = torrent_state::error;
        slot.last.error = "the torrent failed: " + error_text(self->system(), dm.reason);
      }
    }
  });
  return {
      [=](add_torrent& a) -> torrent_added { return add(self, cfg, std::move(a.params)); },
      [=](const find_torrent& f) -> caf::actor {
        auto it = self->state.torrents.find(f.info_hash);
        return it == self->state.torrents.end() ? caf::actor{} : it->second.actor;
      },
      [=](get_progress) -> caf::result<session_progress> {
        auto rp = self->make_response_promise();
        gather_progress(self, rp);
        return caf::delegated<session_progress>{};
      },
      [=](torrent_stop) -> caf::result<torrent_stopped> {
        auto& st = self->state;
        st.stopping = true;
        auto rp = std::make_shared<caf::response_promise>(self->make_response_promise());
        auto pending = std::make_shared<std::size_t>(1);
        auto result = std::make_shared<torrent_stopped>(torrent_stopped{true, {}});
        auto finish = [=] {
          if (--*pending > 0) return;
          if (cfg.listener) self->send_exit(cfg.listener, caf::exit_reason::user_shutdown);
          if (cfg.rate_limiter) self->send_exit(cfg.rate_limiter, caf::exit_reason::user_shutdown);
          if (cfg.lsd) self->send_exit(cfg.lsd, caf::exit_reason::user_shutdown);
          rp->deliver(*result);
          self->quit();
        };
        for (auto& [hex, slot] : st.torrents) {
          if (!slot.actor) continue;
          ++*pending;
          auto name = slot.last.name;
          self->request(slot.actor, stop_timeout, torrent_stop{})
              .then(
                  [=](const torrent_stopped& s) {
                    if (!s.resume_saved) {
                      result->resume_saved = false;
                      if (!s.message.empty()) result->message += name + ": " + s.message + "\n";
                    }
                    finish();
                  },
                  [=](caf::error& e) {
                    result->resume_saved = false;
                    result->message += name + ": " + error_text(self->system(), e) + "\n";
                    finish();
                  });
        }
        finish();
        return caf::delegated<torrent_stopped>{};
      },
  };
}

}  // namespace

caf::actor spawn_session(caf::actor_system& system, session_actor_config config) {
  return system.spawn(session_behavior, std::move(config));
}

}  // namespace actorrent
