#include "experiment/controller.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "actors/actor_setup.hpp"
#include "actors/error_text.hpp"
#include "experiment/local_node.hpp"
#include "experiment/node_actor.hpp"
#include "experiment/node_messages.hpp"
#include "experiment/process_clock.hpp"
#include "experiment/secret_file.hpp"
#include "experiment/tracker_host.hpp"
#include "main/read_file.hpp"
#include "protocol/host_port.hpp"

namespace actorrent {

namespace {

using steady = std::chrono::steady_clock;
constexpr auto command_timeout = std::chrono::seconds{60};
// Generating and hashing the data: 256 MiB takes a few seconds; a slow disk more.
constexpr auto generate_timeout = std::chrono::seconds{600};

struct node_link {
  const experiment_node* spec = nullptr;
  std::string address;  // HOST:PORT
  caf::actor actor;
  std::string token;
  std::string description;  // the node's own, from node_welcome; names its stats
  std::optional<local_node> process;
  bool lost = false;
  double lost_at = 0;
  std::string lost_reason;
  double cpu_s = 0;
};

struct client_run {
  std::string name;
  std::size_t node = 0;
  const client_group* group = nullptr;
  node_client_stat last;
  bool away = false;  // stopped by churn
  bool lost = false;
  double lost_at = 0;
  std::optional<double> completed_s;
};

enum class event_kind { start, leave, rejoin, faults, limits };

struct event {
  double at = 0;
  event_kind kind = event_kind::start;
  std::size_t client = 0;
  std::size_t index = 0;  // leave: of the churn period; limits: of the limit change
};

template <class Reply, class Message>
expected<Reply, std::string> ask(caf::scoped_actor& self, const caf::actor& to, Message message,
                                 std::chrono::seconds timeout = command_timeout) {
  expected<Reply, std::string> out = make_unexpected(std::string("no answer"));
  self->request(to, timeout, std::move(message))
      .receive([&](Reply& r) { out = std::move(r); },
               [&](caf::error& e) { out = make_unexpected(error_text(self->system(), e)); });
  return out;
}

bool is_loopback_address(const std::string& host_port) {
  return host_port.rfind("127.", 0) == 0 || host_port.rfind("[::1]", 0) == 0 ||
         host_port.rfind("localhost:", 0) == 0;
}

expected<std::string, std::string> read_secret(const experiment_node& n) {
  if (n.secret_file.empty()) return std::string();
  auto secret = read_secret_file(n.secret_file);
  if (!secret) return make_unexpected("node " + n.name + ": secret_file: " + secret.error());
  return secret;
}

// The client's config keys for its node: its limits and (unless turned on later) its faults,
// over the group's own keys.
std::string client_config_json(const client_group& g) {
  nlohmann::json config =
      g.config_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(g.config_json);
  if (g.download_limit || g.upload_limit) {
    config["limits"]["download"] = g.download_limit;
    config["limits"]["upload"] = g.upload_limit;
  }
  if (!g.faults_json.empty() && !g.faults_at_s)
    config["faults"] = nlohmann::json::parse(g.faults_json);
  return config.dump();
}

// The state a sample shows for a client.
std::string sample_state(const client_run& c) {
  if (c.lost) return "lost";
  if (c.last.state == "created") return "waiting";
  if (c.away || c.last.state == "stopped") return "left";
  if (c.last.state == "killed") return "failed";
  return c.last.state;
}

class experiment_run {
 public:
  experiment_run(const experiment_spec& spec, const controller_options& options,
                 caf::actor_system& system)
      : spec_(spec), options_(options), system_(system), self_(system) {}

  expected<controller_outcome, std::string> run() {
    if (auto e = connect_nodes()) return fail(*e);
    if (auto e = prepare()) return fail(*e);
    measure();
    finish();
    return outcome();
  }

 private:
  void say(const std::string& line) {
    if (options_.say) options_.say(line);
  }

  double now_s() const { return std::chrono::duration<double>(steady::now() - t0_).count(); }

  // Stops what was started before an error ended the experiment early.
  expected<controller_outcome, std::string> fail(const std::string& why) {
    finish();
    return make_unexpected(why);
  }

  std::optional<std::string> connect_nodes() {
    for (const auto& n : spec_.nodes) {
      node_link link;
      link.spec = &n;
      std::string address = n.address;
      if (options_.local) {
        const auto dir = options_.work_dir / "nodes" / n.name;
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        auto started = start_local_node(options_.actorrent_exe, n.host, dir,
                                        options_.work_dir / "nodes" / (n.name + ".log"),
                                        std::chrono::seconds{30});
        if (!started) return "node " + n.name + ": " + started.error();
        address = started->address;
        link.process = std::move(*started);
      }
      link.address = address;
      nodes_.push_back(std::move(link));
      auto& l = nodes_.back();
      auto hp = split_host_port(address);
      if (!hp) return "node " + n.name + ": address: " + hp.error();
      auto actor = n.tls ? caf::openssl::remote_actor<caf::actor>(system_, hp->host, hp->port)
                         : system_.middleman().remote_actor(hp->host, hp->port);
      if (!actor)
        return "node " + n.name + " at " + address +
               ": cannot connect: " + error_text(system_, actor.error());
      l.actor = *actor;
      auto secret = read_secret(n);
      if (!secret) return secret.error();
      char host[256] = {};
      gethostname(host, sizeof host - 1);
      auto welcome = ask<node_welcome>(
          self_, l.actor,
          node_hello{*secret, std::string(host) + " pid " + std::to_string(getpid())});
      if (!welcome) return "node " + n.name + " at " + address + ": " + welcome.error();
      l.token = welcome->token;
      l.description = welcome->node;
      self_->monitor(l.actor);
      say("node " + n.name + ": " + welcome->node);
    }
    return std::nullopt;
  }

  std::size_t node_index(const std::string& name) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].spec->name == name) return i;
    return 0;  // the spec parser checked every name
  }

  std::optional<std::string> prepare() {
    // The tracker.
    switch (spec_.tracker.where) {
      case experiment_tracker::placement::url:
        announce_url_ = spec_.tracker.url;
        break;
      case experiment_tracker::placement::controller: {
        for (const auto& l : nodes_)
          if (!is_loopback_address(l.address))
            return "tracker: \"controller\" serves on 127.0.0.1, which node " + l.spec->name +
                   " (" + l.address + ") cannot reach: place the tracker on a node";
        auto t = tracker_host::start("127.0.0.1");
        if (!t) return t.error();
        tracker_ = std::move(*t);
        announce_url_ = tracker_->announce_url();
        break;
      }
      case experiment_tracker::placement::node: {
        auto& l = nodes_[node_index(spec_.tracker.node)];
        auto t = ask<node_tracker>(self_, l.actor, node_start_tracker{l.token});
        if (!t) return "node " + l.spec->name + ": tracker: " + t.error();
        announce_url_ = t->announce_url;
        break;
      }
    }
    say("tracker: " + announce_url_);
    // The torrent.
    const auto& t = spec_.torrent;
    if (t.generated()) {
      const client_group* first_seeder = nullptr;
      for (const auto& g : spec_.groups)
        if (g.role == client_role::seeder && !first_seeder) first_seeder = &g;
      auto& l = nodes_[node_index(first_seeder->node)];
      say("generating " + std::to_string(t.generate_bytes) + " bytes on node " + l.spec->name);
      auto made = ask<node_torrent>(self_, l.actor,
                                    node_generate_torrent{l.token, t.name, t.generate_bytes,
                                                          t.piece_size, t.seed, announce_url_},
                                    generate_timeout);
      if (!made) return "node " + l.spec->name + ": generating the torrent: " + made.error();
      torrent_bytes_ = made->torrent;
    } else {
      auto bytes = read_file(t.file.string(), std::size_t{64} << 20);
      if (!bytes) return "torrent: " + bytes.error();
      torrent_bytes_ = *bytes;
    }
    auto parsed = parse_metainfo(torrent_bytes_);
    if (!parsed) return "torrent: " + parsed.error().to_string();
    torrent_ = std::move(*parsed);
    // The clients: NODE/ROLE-N, numbered per node and role over the groups.
    std::map<std::string, std::uint32_t> numbers;
    for (const auto& g : spec_.groups) {
      for (std::uint32_t i = 0; i < g.count; ++i) {
        client_run c;
        c.node = node_index(g.node);
        c.group = &g;
        c.name = g.node + "/" + to_string(g.role) + "-" +
                 std::to_string(++numbers[g.node + to_string(g.role)]);
        c.last.client = c.name;
        c.last.state = "created";
        auto& l = nodes_[c.node];
        node_spawn_client s;
        s.token = l.token;
        s.client = c.name;
        s.config_json = client_config_json(g);
        s.torrent = torrent_bytes_;
        s.seeder = g.role == client_role::seeder;
        s.generate = t.generated();
        s.generate_seed = t.seed;
        if (!t.generated()) {
          s.data_dir = t.data_dir.string();
          s.announce_url = announce_url_;
        }
        auto ok = ask<node_ack>(self_, l.actor, std::move(s), generate_timeout);
        if (!ok) return "node " + l.spec->name + ": " + ok.error();
        clients_.push_back(std::move(c));
      }
    }
    for (auto& l : nodes_) {
      auto ok = ask<node_ack>(self_, l.actor, node_subscribe{l.token, caf::actor{self_}});
      if (!ok) return "node " + l.spec->name + ": " + ok.error();
    }
    // The schedule.
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      const auto& g = *clients_[i].group;
      events_.push_back({g.start_delay_s, event_kind::start, i});
      for (std::size_t j = 0; j < g.churn.size(); ++j) {
        events_.push_back({g.churn[j].leave_s, event_kind::leave, i, j});
        if (g.churn[j].rejoin_s) events_.push_back({*g.churn[j].rejoin_s, event_kind::rejoin, i});
      }
      if (g.faults_at_s) events_.push_back({*g.faults_at_s, event_kind::faults, i});
      for (std::size_t j = 0; j < g.limit_changes.size(); ++j)
        events_.push_back({g.limit_changes[j].at_s, event_kind::limits, i, j});
    }
    std::stable_sort(events_.begin(), events_.end(),
                     [](const event& a, const event& b) { return a.at < b.at; });
    say(std::to_string(clients_.size()) + " clients on " + std::to_string(nodes_.size()) +
        " nodes; " + torrent_.name + ", " + std::to_string(torrent_.total_length) + " bytes");
    return std::nullopt;
  }

  void command(client_run& c, node_client_command what) {
    auto& l = nodes_[c.node];
    if (l.lost) return;
    auto ok = ask<node_ack>(self_, l.actor, node_client_control{l.token, c.name, what});
    if (!ok) failures_.push_back(c.name + ": " + ok.error());
  }

  void run_event(const event& e) {
    auto& c = clients_[e.client];
    if (c.lost) return;
    switch (e.kind) {
      case event_kind::start:
        say(format_time(now_s()) + " " + c.name + " starts");
        command(c, node_client_command::start);
        break;
      case event_kind::leave: {
        const bool crash = c.group->churn[e.index].crash;
        say(format_time(now_s()) + " " + c.name + (crash ? " crashes" : " leaves"));
        c.away = true;
        command(c, crash ? node_client_command::kill : node_client_command::stop);
        break;
      }
      case event_kind::rejoin:
        say(format_time(now_s()) + " " + c.name + " rejoins");
        c.away = false;
        command(c, node_client_command::start);
        break;
      case event_kind::faults: {
        say(format_time(now_s()) + " " + c.name + ": faults on");
        auto& l = nodes_[c.node];
        if (l.lost) break;
        auto ok =
            ask<node_ack>(self_, l.actor, node_set_faults{l.token, c.name, c.group->faults_json});
        if (!ok) failures_.push_back(c.name + ": faults: " + ok.error());
        break;
      }
      case event_kind::limits: {
        // The change's limits over those in force before it.
        const auto& g = *c.group;
        auto down = g.download_limit, up = g.upload_limit;
        for (std::size_t j = 0; j <= e.index; ++j) {
          down = g.limit_changes[j].download_limit.value_or(down);
          up = g.limit_changes[j].upload_limit.value_or(up);
        }
        say(format_time(now_s()) + " " + c.name + ": limits " + kib_s_text(down) + " down, " +
            kib_s_text(up) + " up");
        auto& l = nodes_[c.node];
        if (l.lost) break;
        auto ok = ask<node_ack>(self_, l.actor, node_set_limits{l.token, c.name, down, up});
        if (!ok) failures_.push_back(c.name + ": limits: " + ok.error());
        break;
      }
    }
  }

  static std::string kib_s_text(std::uint64_t bytes_per_s) {
    return bytes_per_s ? std::to_string(bytes_per_s / 1024) + " KiB/s" : std::string("unlimited");
  }

  static std::string format_time(double t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%7.1f s", t);
    return buf;
  }

  void on_stats(const node_stats& s) {
    for (const auto& stat : s.clients) {
      auto it = std::find_if(clients_.begin(), clients_.end(),
                             [&](const client_run& c) { return c.name == stat.client; });
      if (it == clients_.end() || it->lost) continue;
      it->last = stat;
      if (!it->completed_s && stat.completed_unix_ms > 0 &&
          it->group->role == client_role::leecher) {
        it->completed_s =
            std::max(0.0, static_cast<double>(stat.completed_unix_ms - t0_unix_ms_) / 1000.0);
        say(format_time(now_s()) + " " + it->name + " complete at " +
            format_time(*it->completed_s));
      }
    }
    for (auto& l : nodes_)
      if (l.description == s.node) l.cpu_s = s.cpu_s;
  }

  void on_down(const caf::down_msg& dm) {
    for (auto& l : nodes_) {
      if (l.lost || l.actor.address() != dm.source) continue;
      l.lost = true;
      l.lost_at = now_s();
      l.lost_reason = "connection to the node lost (" + error_text(system_, dm.reason) + ")";
      say(format_time(l.lost_at) + " node " + l.spec->name + " lost: " + l.lost_reason);
      for (auto& c : clients_)
        if (nodes_[c.node].spec == l.spec) {
          c.lost = true;
          c.lost_at = l.lost_at;
        }
    }
  }

  bool all_done() const {
    bool any_node = false;
    for (const auto& l : nodes_)
      any_node = any_node || !l.lost;
    if (!any_node) return true;
    for (const auto& c : clients_)
      if (c.group->role == client_role::leecher && c.group->must_finish && !c.lost &&
          !c.completed_s)
        return false;
    return true;
  }

  void sample(double t) {
    for (const auto& c : clients_) {
      client_sample s;
      s.t_s = t;
      s.client = c.name;
      s.node = nodes_[c.node].spec->name;
      s.role = c.group->role;
      s.state = sample_state(c);
      s.bytes_down = c.last.downloaded;
      s.bytes_up = c.last.uploaded;
      s.peers = c.lost ? 0 : c.last.peers;
      s.pieces = c.last.pieces;
      s.pieces_total = c.last.pieces_total ? c.last.pieces_total : torrent_.num_pieces();
      s.restarts = c.last.restarts;
      samples_.push_back(std::move(s));
    }
  }

  void receive_until(steady::time_point until) {
    for (;;) {
      const auto left = until - steady::now();
      if (left <= steady::duration::zero()) return;
      bool timed_out = false;
      self_->receive([&](const node_stats& s) { on_stats(s); },
                     [&](const caf::down_msg& dm) { on_down(dm); },
                     caf::after(std::chrono::duration_cast<std::chrono::milliseconds>(left) +
                                std::chrono::milliseconds{1}) >>
                         [&] { timed_out = true; });
      if (timed_out) return;
    }
  }

  void measure() {
    t0_ = steady::now();
    t0_unix_ms_ = unix_ms_now();
    started_at_ = utc_now_text("%Y-%m-%dT%H:%M:%SZ");
    std::size_t next_event = 0;
    double next_sample = 0;
    for (;;) {
      const double t = now_s();
      while (next_event < events_.size() && events_[next_event].at <= t)
        run_event(events_[next_event++]);
      if (t >= next_sample) {
        sample(std::floor(t));
        next_sample = std::floor(t) + 1;
        if (all_done()) break;
        if (t >= spec_.duration_s) {
          timed_out_ = true;
          break;
        }
      }
      double wake = next_sample;
      if (next_event < events_.size()) wake = std::min(wake, events_[next_event].at);
      receive_until(
          t0_ + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(wake)));
    }
    duration_s_ = now_s();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    // The last word of every node still there, then the clients removed.
    for (auto& l : nodes_) {
      if (l.lost || !l.actor || l.token.empty()) continue;
      auto s = ask<node_stats>(self_, l.actor, node_get_stats{l.token});
      if (s) {
        on_stats(*s);
        l.cpu_s = s->cpu_s;
      }
    }
    // The last second's rows show the end: what the summary reports, so the two agree.
    if (!samples_.empty()) {
      const double last = samples_.back().t_s;
      while (!samples_.empty() && samples_.back().t_s == last)
        samples_.pop_back();
      sample(last);
    }
    for (auto& c : clients_) {
      auto& l = nodes_[c.node];
      if (l.lost || c.last.state == "failed") continue;
      auto ok = ask<node_ack>(self_, l.actor,
                              node_client_control{l.token, c.name, node_client_command::remove});
      if (!ok) failures_.push_back(c.name + ": removing it: " + ok.error());
    }
    for (auto& l : nodes_) {
      if (!l.process) continue;
      if (!l.lost && l.actor && !l.token.empty())
        ask<node_ack>(self_, l.actor, node_shutdown{l.token}, std::chrono::seconds{10});
      // Our proxy of the node actor keeps it referenced on the node, whose actor system
      // waits for it before the process can end: let go of it.
      if (l.actor) self_->demonitor(l.actor);
      l.actor = nullptr;
      if (auto cpu = wait_local_node(*l.process, std::chrono::seconds{30})) l.cpu_s = *cpu;
    }
    tracker_.reset();
  }

  controller_outcome outcome() {
    controller_outcome out;
    auto& r = out.results;
    r.name = spec_.name;
    r.torrent_name = torrent_.name;
    r.info_hash = torrent_.info_hash.hex();
    r.torrent_bytes = static_cast<std::uint64_t>(torrent_.total_length);
    r.torrent_pieces = torrent_.num_pieces();
    r.started_at = started_at_;
    r.duration_s = duration_s_;
    r.timed_out = timed_out_;
    r.samples = std::move(samples_);
    for (const auto& c : clients_) {
      client_outcome o;
      o.client = c.name;
      o.node = nodes_[c.node].spec->name;
      o.role = c.group->role;
      o.must_finish = c.group->role == client_role::leecher && c.group->must_finish;
      o.completed_s = c.completed_s;
      o.downloaded = c.last.downloaded;
      o.uploaded = c.last.uploaded;
      o.restarts = c.last.restarts;
      o.lost = c.lost;
      o.lost_at_s = c.lost_at;
      o.final_state = sample_state(c);
      o.error = c.last.error;
      if (c.last.state == "failed") r.failures.push_back(c.name + ": failed: " + c.last.error);
      r.clients.push_back(std::move(o));
    }
    for (const auto& l : nodes_) {
      if (l.lost) r.lost_nodes.push_back({l.spec->name, l.lost_at, l.lost_reason});
      out.node_cpu_s.emplace_back(l.spec->name, l.cpu_s);
    }
    for (auto& f : failures_)
      r.failures.push_back(f);
    out.controller_cpu_s = process_cpu_seconds();
    return out;
  }

  const experiment_spec& spec_;
  const controller_options& options_;
  caf::actor_system& system_;
  caf::scoped_actor self_;
  std::vector<node_link> nodes_;
  std::vector<client_run> clients_;
  std::vector<event> events_;
  std::unique_ptr<tracker_host> tracker_;
  std::string announce_url_;
  std::string torrent_bytes_;
  metainfo torrent_;
  steady::time_point t0_;
  std::int64_t t0_unix_ms_ = 0;
  std::string started_at_;
  std::vector<client_sample> samples_;
  std::vector<std::string> failures_;
  double duration_s_ = 0;
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace

expected<controller_outcome, std::string> run_experiment(const experiment_spec& spec,
                                                         const controller_options& options) {
  actorrent_config cfg;
  register_node_message_types(cfg);
  cfg.load<caf::io::middleman>();
  const experiment_node_tls* tls = nullptr;
  for (const auto& n : spec.nodes) {
    if (!n.tls) continue;
    if (tls && (tls->ca != n.tls->ca || tls->cert != n.tls->cert || tls->key != n.tls->key))
      return make_unexpected("nodes[" + n.name +
                             "].tls: one controller has one TLS identity; give every node the same "
                             "ca, cert and key");
    tls = &*n.tls;
  }
  if (tls) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_cafile = tls->ca.string();
    cfg.openssl_certificate = tls->cert.string();
    cfg.openssl_key = tls->key.string();
  }
  caf::actor_system system{cfg};
  experiment_run run(spec, options, system);
  return run.run();
}

}  // namespace actorrent
