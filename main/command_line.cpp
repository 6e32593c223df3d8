#include "main/command_line.hpp"

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "main/announce_command.hpp"
#include "main/create_command.hpp"
#include "main/exit_codes.hpp"
#include "main/experiment_command.hpp"
#include "main/info_command.hpp"
#include "main/log_command.hpp"
#include "main/node_command.hpp"
#include "main/session_commands.hpp"
#include "main/split_command.hpp"
#include "main/tracker_command.hpp"
#include "main/verify_command.hpp"

namespace actorrent {

namespace {

// Thrown from a subcommand's callback: CLI11 runs the command inside parse(), and this ends
// the parse and the program with the command's status.
struct command_result {
  int status;
};

void add_info_command(CLI::App& app) {
  auto opts = std::make_shared<info_command_options>();
  auto* cmd = app.add_subcommand("info", "Show what a .torrent file or magnet link describes");
  cmd->add_option("torrent", opts->input, "a .torrent file or a magnet: URI")->required();
  cmd->add_flag("--json", opts->json, "machine-readable output (info_hash in lowercase hex)");
  cmd->callback([opts] { throw command_result{run_info(*opts)}; });
}

void add_announce_command(CLI::App& app) {
  auto opts = std::make_shared<announce_command_options>();
  auto* cmd =
      app.add_subcommand("announce", "Announce to (or scrape) one tracker and print the answer");
  cmd->add_option("tracker", opts->url, "tracker URL: http://, https:// or udp://")->required();
  auto* t = cmd->add_option("--torrent", opts->torrent, "take the info-hash from this .torrent");
  auto* h = cmd->add_option("--info-hash", opts->info_hash_hex, "the info-hash, 40 hex characters");
  t->excludes(h);
  cmd->add_option("--port", opts->port, "the port to announce (default 6881)");
  cmd->add_option("--event", opts->event, "started (default), stopped, completed or none");
  cmd->add_option("--left", opts->left, "bytes left to download (0: a seeder)");
  cmd->add_option("--numwant", opts->numwant, "how many peers to ask for");
  cmd->add_option("--timeout", opts->timeout_s, "seconds before giving up (default 30)");
  cmd->add_flag("--scrape", opts->scrape, "scrape instead of announcing");
  cmd->add_flag("--json", opts->json, "machine-readable output");
  cmd->callback([opts] { throw command_result{run_announce(*opts)}; });
}

void add_create_command(CLI::App& app) {
  auto opts = std::make_shared<create_command_options>();
  auto* cmd = app.add_subcommand("create", "Make a .torrent from a file or a directory");
  cmd->add_option("path", opts->options.path, "the file or directory to share")->required();
  cmd->add_option("-o,--output", opts->output, "where to write the .torrent")->required();
  cmd->add_option("-t,--tracker", opts->trackers,
                  "tracker announce URL; repeat for more tiers, commas for one tier");
  cmd->add_option("--piece-size", opts->piece_size,
                  "piece size in bytes (or 256K, 4M); default: 1,000-2,000 pieces");
  cmd->add_flag("--private", opts->options.is_private, "set the private flag (BEP 27)");
  cmd->add_option("--comment", opts->options.comment, "a comment stored in the torrent");
  cmd->add_option("--web-seed", opts->options.web_seeds, "web seed URL (BEP 19), repeatable");
  cmd->add_option("--threads", opts->options.threads, "hashing threads (default: one per core)");
  cmd->callback([opts] { throw command_result{run_create(*opts)}; });
}

void add_verify_command(CLI::App& app) {
  auto opts = std::make_shared<verify_command_options>();
  auto* cmd = app.add_subcommand("verify", "Recheck downloaded data against a .torrent");
  cmd->add_option("torrent", opts->torrent, "the .torrent file")->required();
  cmd->add_option("--dir", opts->dir, "the download directory holding the data")->required();
  cmd->add_option("--threads", opts->threads, "hashing threads (default: one per core)");
  cmd->callback([opts] { throw command_result{run_verify(*opts)}; });
}

void add_split_command(CLI::App& app) {
  auto opts = std::make_shared<split_command_options>();
  auto* cmd =
      app.add_subcommand("split", "Write K partial copies of complete data (for test swarms)");
  cmd->add_option("torrent", opts->torrent, "the .torrent file")->required();
  cmd->add_option("--dir", opts->dir, "the directory holding the complete data")->required();
  cmd->add_option("--parts", opts->parts, "how many partial copies (2 to the piece count)")
      ->required();
  cmd->add_option("-o,--output", opts->out, "where to write part-1 ... part-K")->required();
  cmd->callback([opts] { throw command_result{run_split(*opts)}; });
}

void add_tracker_command(CLI::App& app) {
  auto opts = std::make_shared<tracker_command_options>();
  auto* cmd = app.add_subcommand("tracker", "Run a BitTorrent tracker (HTTP and UDP, BEP 15)");
  cmd->add_option("-c,--config", opts->config_path, "tracker.json (see the documentation)");
  cmd->add_option("--http", opts->http,
                  "HTTP listener, HOST:PORT (e.g. 0.0.0.0:6969, [::]:6969; port 0: any)");
  cmd->add_option("--udp", opts->udp, "UDP listener (BEP 15), HOST:PORT");
  cmd->callback([opts] { throw command_result{run_tracker(*opts)}; });
}

void add_experiment_commands(CLI::App& app) {
  auto node = std::make_shared<node_command_options>();
  auto* cmd = app.add_subcommand(
      "node", "Run a node that experiment controllers drive (client sessions, a tracker)");
  cmd->add_option("--listen", node->listen, "HOST:PORT to publish the node on (port 0: any)")
      ->required();
  cmd->add_option("--tls-cert", node->tls_cert, "the node's certificate (PEM): TLS for control");
  cmd->add_option("--tls-key", node->tls_key, "the node's private key (PEM)");
  cmd->add_option("--tls-ca", node->tls_ca, "the CA that controllers' certificates must chain to");
  cmd->add_option("--secret-file", node->secret_file,
                  "a file with the shared secret controllers must present");
  cmd->add_option("--dir", node->dir,
                  "where the node keeps its clients' data (default: a new "
                  "directory in the temporary directory)");
  cmd->add_option("--log-level", node->log_level, "trace, debug, info (default), warn, error, off");
  cmd->callback([node] { throw command_result{run_node(*node)}; });

  auto exp = std::make_shared<experiment_command_options>();
  cmd = app.add_subcommand("experiment", "Run a swarm experiment from a spec over nodes");
  cmd->add_option("spec", exp->spec, "the experiment's spec (JSON; README, Experiments)")
      ->required();
  cmd->add_flag("--local", exp->local, "start the spec's nodes as local processes");
  cmd->add_option("-o,--output", exp->output, "results directory (default: results/NAME-UTCTIME)");
  cmd->callback([exp] { throw command_result{run_experiment_command(*exp)}; });
}

void add_session_flags(CLI::App* cmd, session_flags& f) {
  cmd->add_option("-c,--config", f.config_file, "JSON config file (see README, Configuration)");
  cmd->add_option("--listen-port", f.listen_port, "port for incoming peers (0: any free port)");
  cmd->add_option("--state-dir", f.state_dir, "where resume data is kept");
  cmd->add_option("--download-limit", f.download_limit, "bytes per second, 0 = unlimited");
  cmd->add_option("--upload-limit", f.upload_limit, "bytes per second, 0 = unlimited");
  cmd->add_option("--log-level", f.log_level, "trace, debug, info, warn (default), error, off");
  cmd->add_option("--message-log", f.message_log,
                  "record every message between actors in FILE (JSON lines; `actorrent log`)");
  cmd->add_option("--dht-bootstrap", f.dht_bootstrap,
                  "join the DHT through this node, HOST:PORT (repeatable; replaces dht.bootstrap)");
  cmd->add_option("--dht-port", f.dht_port, "the DHT's UDP port (default: the listen port)");
  cmd->add_flag("--no-dht", f.no_dht, "no DHT: peers from trackers, x.pe and --peer only");
  cmd->add_flag("-q,--quiet", f.quiet, "no progress output");
  cmd->add_flag("--json-progress", f.json_progress, "one JSON object per torrent per second");
}

void add_session_commands(CLI::App& app) {
  {
    auto sf = std::make_shared<session_flags>();
    auto tf = std::make_shared<torrent_flags>();
    auto* cmd = app.add_subcommand(
        "download", "download a torrent; exits 0 once every piece is verified and written");
    cmd->add_option("torrent", tf->source, ".torrent file")->required();
    cmd->add_option("-o,--output", tf->dir, "download directory")->required();
    cmd->add_option("--peer", tf->peers, "connect to HOST:PORT directly (repeatable)");
    cmd->add_option("--only", tf->only, "download only these files: indexes or globs");
    cmd->add_flag("--seed", tf->seed, "keep seeding once complete, until SIGINT/SIGTERM");
    cmd->add_flag("--sequential", tf->sequential, "download pieces in order");
    add_session_flags(cmd, *sf);
    cmd->callback([sf, tf] { throw command_result{run_download(*sf, *tf)}; });
  }
  {
    auto sf = std::make_shared<session_flags>();
    auto tf = std::make_shared<torrent_flags>();
    auto* cmd = app.add_subcommand("seed", "seed a torrent's data until SIGINT/SIGTERM");
    cmd->add_option("torrent", tf->source, ".torrent file")->required();
    cmd->add_option("-d,--dir", tf->dir, "directory holding the data")->required();
    cmd->add_option("--peer", tf->peers, "connect to HOST:PORT directly (repeatable)");
    add_session_flags(cmd, *sf);
    cmd->callback([sf, tf] { throw command_result{run_seed(*sf, *tf)}; });
  }
  {
    auto sf = std::make_shared<session_flags>();
    auto* cmd = app.add_subcommand("run", "run a session with every torrent of a config file");
    add_session_flags(cmd, *sf);
    cmd->callback([sf] { throw command_result{run_config_command(*sf)}; });
  }
}

void add_log_filters(CLI::App* cmd, log_command_options& opts) {
  auto& f = opts.filters;
  cmd->add_option("--actor", f.actors,
                  "KIND or KIND#ID: the sender or receiver (an event's actor); repeatable (OR)");
  cmd->add_option("--type", f.types,
                  "message type (a wire line's `what`, or an event: spawned, terminated, "
                  "restarted, wire); repeatable (OR)");
  cmd->add_option("--torrent", f.torrents, "info-hash hex prefix; repeatable (OR)");
  cmd->add_option("--peer", f.peers, "part of a peer address; repeatable (OR)");
  cmd->add_option("--since", f.since,
                  "from this time: 2026-11-21T14:03:07.5 (local; Z for UTC), 14:03:07, "
                  "µs since the epoch, or +SECONDS after the first record");
  cmd->add_option("--until", f.until, "up to this time (same forms as --since)");
  cmd->add_option("--grep", f.greps, "regular expression over the raw line; repeatable (OR)");
}

void add_log_files(CLI::App* cmd, log_command_options& opts) {
  cmd->add_option("files", opts.files,
                  "message log files (each with its rotated siblings FILE.1, FILE.2, …)")
      ->required();
}

void add_log_command(CLI::App& app) {
  auto* log = app.add_subcommand(
      "log", "Read the actor message log (--message-log): show, stats, follow, tree, timeline");
  log->require_subcommand(1);

  auto show = std::make_shared<log_command_options>();
  auto* cmd = log->add_subcommand("show", "Print the records, one line each, filtered");
  add_log_files(cmd, *show);
  add_log_filters(cmd, *show);
  cmd->add_flag("--json", show->json, "print the raw JSON lines");
  cmd->add_flag("--utc", show->utc, "times in UTC instead of local time");
  cmd->callback([show] { throw command_result{run_log_show(*show)}; });

  auto stats = std::make_shared<log_command_options>();
  cmd = log->add_subcommand(
      "stats", "Message counts and rates by type and actor, top talkers, restarts, terminations");
  add_log_files(cmd, *stats);
  add_log_filters(cmd, *stats);
  cmd->add_flag("--json", stats->json, "one JSON object");
  cmd->add_option("--top", stats->top, "actors and pairs listed (default 10; 0: all)");
  cmd->callback([stats] { throw command_result{run_log_stats(*stats)}; });

  auto follow = std::make_shared<log_command_options>();
  cmd = log->add_subcommand("follow", "Print records as they are written, like tail -F");
  cmd->add_option("files", follow->files, "message log files")->required();
  add_log_filters(cmd, *follow);
  cmd->add_flag("--json", follow->json, "print the raw JSON lines");
  cmd->add_option("-n,--lines", follow->last, "start with the last N matching records");
  cmd->add_option("--idle-exit", follow->idle_exit,
                  "end after SECONDS without a new line (default: never)");
  cmd->callback([follow] { throw command_result{run_log_follow(*follow)}; });

  auto tree = std::make_shared<log_command_options>();
  cmd = log->add_subcommand("tree", "The supervision tree at a time, with restart counts");
  add_log_files(cmd, *tree);
  cmd->add_option("--at", tree->at, "the time (same forms as --since; default: end of log)");
  cmd->add_flag("--all", tree->all, "also show actors that had terminated");
  cmd->add_flag("--json", tree->json, "nested JSON");
  cmd->add_flag("--utc", tree->utc, "times in UTC instead of local time");
  cmd->callback([tree] { throw command_result{run_log_tree(*tree)}; });

  auto timeline = std::make_shared<log_command_options>();
  cmd = log->add_subcommand("timeline",
                            "A self-contained HTML page: actors as lanes, messages as arrows");
  add_log_files(cmd, *timeline);
  cmd->add_option("--html", timeline->html, "the page to write")->required();
  add_log_filters(cmd, *timeline);
  cmd->add_option("--max-messages", timeline->max_messages,
                  "draw at most N messages (default 5000)");
  cmd->add_option("--title", timeline->title, "the page's title");
  cmd->callback([timeline] { throw command_result{run_log_timeline(*timeline)}; });
}

}  // namespace

int run_command_line(int argc, char** argv, const char* version) {
  CLI::App app{"actorrent: a BitTorrent client and tracker built on the actor model"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("actorrent ") + version);
  // The order of the subcommands in --help.
  add_info_command(app);
  add_announce_command(app);
  add_create_command(app);
  add_verify_command(app);
  add_split_command(app);
  add_tracker_command(app);
  add_session_commands(app);
  add_log_command(app);
  add_experiment_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const command_result& r) {
    return r.status;
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    return status == 0 ? 0 : exit_bad_input;
  }
  return exit_ok;
}

}  // namespace actorrent
