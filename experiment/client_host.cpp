#include "experiment/client_host.hpp"

#include <caf/all.hpp>

#include "actors/client.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "experiment/node_messages.hpp"
#include "experiment/process_clock.hpp"

namespace actorrent {

namespace {

constexpr auto min_poll_gap = std::chrono::milliseconds{200};

struct client_host_state {
  std::unique_ptr<client> session;
  std::string info_hash;
  node_client_stat stat;  // the last one sent
  // What the sessions before this one counted.
  std::int64_t base_downloaded = 0;
  std::int64_t base_uploaded = 0;
  std::uint32_t base_restarts = 0;
  std::uint64_t download_limit = 0;
  std::uint64_t upload_limit = 0;
  std::chrono::milliseconds peer_kills{0};
  std::chrono::steady_clock::time_point last_poll;
};

using host_self = caf::stateful_actor<client_host_state>;

caf::error host_error(const client_host_config& cfg, const std::string& what) {
  return caf::make_error(caf::sec::runtime_error, cfg.name + ": " + what);
}

// Reads the running session's progress into the stat (its counts added to the earlier
// sessions') and sends it to the node.
void poll(host_self* self, const client_host_config& cfg) {
  auto& st = self->state;
  if (st.session) {
    auto progress = st.session->progress();
    if (!progress.empty()) {
      const auto& p = progress.front();
      st.stat.state = to_string(p.state);
      st.stat.downloaded = st.base_downloaded + p.downloaded;
      st.stat.uploaded = st.base_uploaded + p.uploaded;
      st.stat.peers = p.peers;
      st.stat.pieces = p.pieces_have;
      st.stat.pieces_total = p.pieces_total;
      st.stat.restarts = st.base_restarts + p.restarts;
      st.stat.error = p.error;
      if (st.stat.completed_unix_ms == 0 && p.pieces_total > 0 && p.pieces_have == p.pieces_total)
        st.stat.completed_unix_ms = unix_ms_now();
    }
  }
  self->send(cfg.node, st.stat);
}

// The session's counts become the base of the next one.
void close_session(host_self* self, const client_host_config& cfg, bool graceful) {
  auto& st = self->state;
  if (!st.session) return;
  poll(self, cfg);
  st.base_downloaded = st.stat.downloaded;
  st.base_uploaded = st.stat.uploaded;
  st.base_restarts = st.stat.restarts;
  if (graceful) {
    auto r = st.session->stop();
    if (!r.resume_saved) log_warn(cfg.name + ": stopping: " + r.message);
  } else {
    st.session->kill();
  }
  st.session.reset();
  st.stat.peers = 0;
  st.stat.state = graceful ? "stopped" : "killed";
  self->send(cfg.node, st.stat);  // no poll follows while there is no session
}

caf::result<node_ack> start(host_self* self, const client_host_config& cfg) {
  auto& st = self->state;
  if (st.session) return node_ack{};
  auto session = client::start(cfg.settings);
  if (!session) {
    st.stat.state = "failed";
    st.stat.error = session.error();
    return host_error(cfg, "cannot start: " + session.error());
  }
  torrent_params params;
  params.torrent = cfg.torrent;
  params.download_dir = cfg.settings.download_dir;
  params.seed = true;
  auto added = (*session)->add_torrent(std::move(params));
  if (!added) {
    st.stat.state = "failed";
    st.stat.error = added.error();
    return host_error(cfg, "cannot add the torrent: " + added.error());
  }
  st.info_hash = *added;
  st.session = std::move(*session);
  if (st.download_limit || st.upload_limit)
    st.session->set_rate_limits(st.download_limit, st.upload_limit);
  if (st.peer_kills.count() > 0) st.session->set_peer_kills(st.info_hash, st.peer_kills);
  st.stat.error.clear();
  poll(self, cfg);
  return node_ack{};
}

}  // namespace

caf::actor spawn_client_host(caf::actor_system& system, client_host_config config) {
  return system.spawn<caf::detached>(
      [](host_self* self, client_host_config cfg) -> caf::behavior {
        self->state.stat.client = cfg.name;
        self->state.stat.state = "created";
        self->state.stat.pieces_total = cfg.torrent->num_pieces();
        self->state.download_limit = cfg.settings.download_limit;
        self->state.upload_limit = cfg.settings.upload_limit;
        return {
            [=](const node_client_control& c) -> caf::result<node_ack> {
              switch (c.command) {
                case node_client_command::start:
                  return start(self, cfg);
                case node_client_command::stop:
                  close_session(self, cfg, true);
                  break;
                case node_client_command::kill:
                  close_session(self, cfg, false);
                  break;
                case node_client_command::remove:
                  close_session(self, cfg, true);
                  self->quit();
                  break;
              }
              return node_ack{};
            },
            [=](const node_set_limits& l) -> node_ack {
              auto& st = self->state;
              st.download_limit = l.download;
              st.upload_limit = l.upload;
              if (st.session) st.session->set_rate_limits(l.download, l.upload);
              return node_ack{};
            },
            [=](const set_peer_kills& k) -> node_ack {
              auto& st = self->state;
              st.peer_kills = std::chrono::milliseconds{k.interval_ms};
              if (st.session) st.session->set_peer_kills(st.info_hash, st.peer_kills);
              return node_ack{};
            },
            [=](host_poll_atom) {
              auto& st = self->state;
              const auto now = std::chrono::steady_clock::now();
              if (!st.session || now - st.last_poll < min_poll_gap) return;
              st.last_poll = now;
              poll(self, cfg);
            },
        };
      },
      // An argument, not a capture: CAF 0.17 dereferences the empty argument tuple of an actor
      // function spawned without one (UBSan).
      std::move(config));
}

}  // namespace actorrent
