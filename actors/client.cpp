#include "actors/client.hpp"

#include <caf/all.hpp>

#include <cstdlib>
#include <random>

#include "actors/block_pool.hpp"
#include "actors/dht_actor.hpp"
#include "actors/disk_threads.hpp"
#include "actors/error_text.hpp"
#include "actors/listener.hpp"
#include "actors/log.hpp"
#include "actors/lsd_actor.hpp"
#include "actors/message_log.hpp"
#include "actors/messages.hpp"
#include "actors/rate_limiter_actor.hpp"
#include "actors/session_actor.hpp"
#include "actors/torrent_registry.hpp"
#include "storage/open_file_cache.hpp"

namespace actorrent {

namespace {

constexpr auto request_timeout = std::chrono::seconds{10};
constexpr auto stop_timeout = std::chrono::seconds{45};

}  // namespace

sha1_hash make_peer_id() {
  static constexpr char prefix[] = "-AR0100-";
  static constexpr char alphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::random_device rd;
  std::uniform_int_distribution<int> pick(0, sizeof(alphabet) - 2);
  sha1_hash id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i)
    id.bytes[i] = static_cast<std::uint8_t>(i < 8 ? prefix[i] : alphabet[pick(rd)]);
  return id;
}

std::filesystem::path default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "actorrent";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local" / "state" / "actorrent";
  return std::filesystem::temp_directory_path() / "actorrent-state";
}

expected<std::unique_ptr<client>, std::string> client::start(session_settings settings) {
  std::unique_ptr<client> c(new client());
  if (settings.state_dir.empty()) settings.state_dir = default_state_dir();
  if (!settings.message_log.file.empty()) {
    auto log = message_log::open(settings.message_log);
    if (!log) {
      c->stopped_ = true;
      return make_unexpected(log.error());
    }
    c->config_.message_log = *log;
  }
  c->system_ = std::make_unique<caf::actor_system>(c->config_);
  c->peer_id_ = make_peer_id();
  c->pool_ = block_pool::create();
  settings.connection.pool = c->pool_;
  c->disk_ = disk_threads::create(*c->system_, disk_thread_count(settings.disk_threads));
  // As many data checks at once as cores (at most 4), each hashing on every core: the memory
  // of checks is bounded (cores x cores piece-sized buffers), and many small torrents are not
  // checked strictly one after the other.
  c->checker_ = disk_threads::create(*c->system_, disk_thread_count(0));
  c->file_cache_ = std::make_shared<open_file_cache>();
  c->registry_ = std::make_shared<torrent_registry>(settings.max_connections);
  auto listener =
      spawn_listener(*c->system_, c->io_.context(), c->registry_, settings.listen_address,
                     settings.listen_port, settings.connection);
  if (!listener) {
    c->stopped_ = true;
    return make_unexpected(listener.error());
  }
  c->listen_port_ = listener->port;
  if (settings.dht.enabled) {
    dht_actor_config dc;
    dc.settings = settings.dht;
    dc.io = &c->io_.context();
    dc.address = settings.listen_address;
    dc.port = settings.dht.port.value_or(c->listen_port_);
    dc.state_dir = settings.state_dir;
    auto dht = spawn_dht(*c->system_, dc);
    // The listen port's number was only a convention: taken on UDP, any port does.
    if (!dht && !settings.dht.port) {
      log_warn(dht.error() + "; the DHT takes any free port instead");
      dc.port = 0;
      dht = spawn_dht(*c->system_, dc);
    }
    if (!dht) {
      c->stopped_ = true;
      caf::anon_send_exit(listener->actor, caf::exit_reason::user_shutdown);
      return make_unexpected(dht.error());
    }
    c->dht_ = dht->actor;
    c->dht_port_ = dht->port;
  }
  c->settings_ = std::make_shared<const session_settings>(std::move(settings));
  session_actor_config sc;
  sc.settings = c->settings_;
  sc.peer_id = c->peer_id_;
  sc.listen_port = c->listen_port_;
  sc.io = &c->io_.context();
  sc.pool = c->pool_;
  sc.disk = c->disk_;
  sc.file_cache = c->file_cache_;
  sc.checker = c->checker_;
  sc.registry = c->registry_;
  sc.state_dir = c->settings_->state_dir;
  sc.listener = listener->actor;
  sc.dht = c->dht_;
  sc.dht_port = c->dht_port_;
  caf::actor lsd_actor;
  if (c->settings_->lsd.enabled) {
    // Without it the session still works (trackers, PEX, the DHT find peers): a warning.
    auto lsd =
        spawn_lsd(*c->system_, c->io_.context(), c->registry_, c->settings_->lsd, c->listen_port_);
    if (lsd)
      lsd_actor = sc.lsd = *lsd;
    else
      log_warn(lsd.error() + "; local service discovery is off");
  }
  auto sc_rate_limiter =
      spawn_rate_limiter(*c->system_, c->settings_->download_limit, c->settings_->upload_limit);
  sc.rate_limiter = sc_rate_limiter;
  c->limits_in_force_->set(c->settings_->download_limit, c->settings_->upload_limit);
  sc.session_limits = c->limits_in_force_;
  c->rate_limiter_ = sc_rate_limiter;
  c->listener_ = listener->actor;
  c->lsd_ = lsd_actor;
  c->session_ = spawn_session(*c->system_, std::move(sc));
  if (auto& log = c->config_.message_log) {
    log->name(c->session_.id(), {"session", {}, {}}, 0);
    log->name(listener->actor.id(), {"listener", {}, {}}, c->session_.id());
    log->name(sc_rate_limiter.id(), {"rate_limiter", {}, {}}, c->session_.id());
    if (lsd_actor) log->name(lsd_actor.id(), {"lsd", {}, {}}, c->session_.id());
    if (c->dht_) log->name(c->dht_.id(), {"dht", {}, {}}, 0);
    for (const auto* threads : {c->disk_.get(), c->checker_.get()})
      for (const auto& t : threads->actors())
        log->name(t.id(), {"disk_thread", {}, {}}, 0);
  }
  return c;
}

client::~client() {
  if (!stopped_ && session_) stop();
  if (disk_) disk_->stop();  // start() may have failed before the session
  if (checker_) checker_->stop();
  if (system_) system_->await_all_actors_done();
}

expected<std::string, std::string> client::add_torrent(torrent_params params) {
  caf::scoped_actor self{*system_};
  expected<std::string, std::string> out =
      make_unexpected(std::string("the session did not answer"));
  self->request(session_, request_timeout, actorrent::add_torrent{std::move(params)})
      .receive(
          [&](const torrent_added& a) {
            if (a.ok)
              out = a.info_hash;
            else
              out = make_unexpected(a.error);
          },
          [&](caf::error& e) { out = make_unexpected(error_text(*system_, e)); });
  return out;
}

std::vector<torrent_progress> client::progress() {
  caf::scoped_actor self{*system_};
  std::vector<torrent_progress> out;
  self->request(session_, request_timeout, get_progress{})
      .receive([&](session_progress& p) { out = std::move(p.torrents); }, [&](caf::error&) {});
  return out;
}

caf::actor client::torrent_actor(const std::string& info_hash) {
  caf::scoped_actor self{*system_};
  caf::actor out;
  self->request(session_, request_timeout, find_torrent{info_hash})
      .receive([&](caf::actor& a) { out = std::move(a); }, [&](caf::error&) {});
  return out;
}

caf::actor client::fetch_metadata(
    magnet_link magnet, std::function<void(expected<fetched_metadata, std::string>)> done) {
  metadata_fetch_config fc;
  const auto hash = magnet.info_hash.hex();
  fc.magnet = std::move(magnet);
  fc.peer_id = peer_id_;
  fc.listen_port = listen_port_;
  fc.io = &io_.context();
  fc.connection = settings_->connection;
  fc.numwant = settings_->numwant;
  fc.max_connections = settings_->max_connections_per_torrent;
  fc.dht = dht_;
  fc.done = std::move(done);
  auto fetcher = spawn_metadata_fetcher(*system_, std::move(fc));
  if (auto& log = config_.message_log) log->name(fetcher.id(), {"metadata_fetcher", hash, {}}, 0);
  return fetcher;
}

stop_result client::stop() {
  stop_result out;
  if (stopped_) return out;
  stopped_ = true;
  caf::scoped_actor self{*system_};
  self->request(session_, stop_timeout, torrent_stop{})
      .receive(
          [&](const torrent_stopped& s) {
            out.resume_saved = s.resume_saved;
            out.message = s.message;
          },
          [&](caf::error& e) {
            out.resume_saved = false;
            out.message = "stopping the session: " + error_text(*system_, e);
            self->send_exit(session_, caf::exit_reason::kill);
          });
  // After the torrents, so that none is left tracked; the table is saved for the next start.
  if (dht_)
    self->request(dht_, request_timeout, dht_stop{})
        .receive([&](const dht_stopped&) {},
                 [&](caf::error&) { self->send_exit(dht_, caf::exit_reason::kill); });
  // Every torrent has saved its resume data through the disk threads (or given up): they
  // have nothing left to do, nor have the checking threads (checks still queued are dropped).
  disk_->stop();
  checker_->stop();
  return out;
}

void client::kill() {
  if (stopped_) return;
  // A torrent takes its parts and peers with it; the session only monitors its torrents.
  for (const auto& p : progress())
    if (auto t = torrent_actor(p.info_hash)) caf::anon_send_exit(t, caf::exit_reason::kill);
  stopped_ = true;
  for (const auto& a : {session_, listener_, rate_limiter_, lsd_, dht_})
    if (a) caf::anon_send_exit(a, caf::exit_reason::kill);
  disk_->stop();
  checker_->stop();
}

void client::set_rate_limits(std::uint64_t download, std::uint64_t upload) {
  caf::anon_send(rate_limiter_, bandwidth_limits{0, download, upload});
  limits_in_force_->set(download, upload);
}

void client::set_peer_kills(const std::string& info_hash, std::chrono::milliseconds interval) {
  if (auto t = torrent_actor(info_hash))
    caf::anon_send(t, actorrent::set_peer_kills{interval.count()});
}

}  // namespace actorrent
