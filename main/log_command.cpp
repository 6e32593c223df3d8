#include "main/log_command.hpp"

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

#include "main/exit_codes.hpp"
#include "main/log_filter.hpp"
#include "main/log_follow.hpp"
#include "main/log_format.hpp"
#include "main/log_records.hpp"
#include "main/log_stats.hpp"
#include "main/log_timeline.hpp"
#include "main/log_tree.hpp"

namespace actorrent {

namespace {

using namespace msglog;

constexpr std::size_t max_warnings = 100;

struct log_cli {
  std::vector<std::string> files;
  filter_options filters;
  bool json = false;
  bool utc = false;
  std::size_t top = 10;
  std::size_t last = 0;
  double idle_exit = 0;
  std::string at;
  bool all = false;
  std::string html;
  std::size_t max_messages = 5000;
  std::string title;
};

// Malformed lines: one warning each (the first `max_warnings`), then a count at the end.
struct warnings {
  std::size_t count = 0;
  void operator()(const std::string& where) {
    if (++count <= max_warnings)
      std::cerr << "actorrent log: warning: " << where << " (line skipped)\n";
  }
  void finish() const {
    if (count > max_warnings)
      std::cerr << "actorrent log: warning: " << count << " malformed lines skipped (the first "
                << max_warnings << " named above)\n";
  }
};

int fail(const std::string& what, const std::string& error, int status) {
  std::cerr << "actorrent log " << what << ": " << error << "\n";
  return status;
}

// Opens the FILE arguments; on error prints it and sets `status`.
std::unique_ptr<record_reader> open_reader(const std::string& what, const log_cli& cli,
                                           std::shared_ptr<warnings> warn, int& status) {
  std::vector<log_source> sources;
  std::string error;
  if (!resolve_sources(cli.files, sources, error)) {
    status = fail(what, error, exit_failure);
    return nullptr;
  }
  return std::make_unique<record_reader>(std::move(sources),
                                         [warn](const std::string& w) { (*warn)(w); });
}

bool make_filter(const std::string& what, const log_cli& cli, record_filter& f, int& status) {
  std::string error;
  if (!f.init(cli.filters, error)) {
    status = fail(what, error, exit_bad_input);
    return false;
  }
  for (const auto& a : cli.filters.actors) {
    auto kind = a.substr(0, a.find('#'));
    if (!kind.empty() && !known_kind(kind))
      std::cerr << "actorrent log " << what << ": warning: '" << kind
                << "' is not an actor kind of docs/message-log.md\n";
  }
  return true;
}

int end_of_read(const std::string& what, const record_reader& reader, const warnings& warn) {
  warn.finish();
  if (!reader.error().empty()) return fail(what, reader.error(), exit_failure);
  return exit_ok;
}

// Streams the records of the FILE arguments that pass the filters to `use`; the exit status.
// `filter` keeps the filters as resolved, `sources` the number of files read.
template <class Use>
int read_matching(const std::string& what, const log_cli& cli, record_filter& filter,
                  std::size_t& sources, Use&& use) {
  int status = exit_ok;
  if (!make_filter(what, cli, filter, status)) return status;
  auto warn = std::make_shared<warnings>();
  auto reader = open_reader(what, cli, warn, status);
  if (!reader) return status;
  record r;
  while (reader->next(r))
    if (filter.matches(r)) use(r);
  sources = reader->source_count();
  return end_of_read(what, *reader, *warn);
}

int run_show(const log_cli& cli) {
  std::ios::sync_with_stdio(false);
  record_filter filter;
  std::size_t sources = 0;
  int status = read_matching("show", cli, filter, sources, [&](const record& r) {
    if (cli.json)
      std::cout << r.raw << '\n';
    else
      std::cout << format_record(r, cli.utc) << '\n';
  });
  std::cout.flush();
  return status;
}

int run_stats(const log_cli& cli) {
  record_filter filter;
  std::size_t sources = 0;
  log_stats stats;
  int status = read_matching("stats", cli, filter, sources, [&](const record& r) { stats.add(r); });
  if (status != exit_ok) return status;
  if (cli.json)
    std::cout << stats.to_json(cli.top).dump(2) << "\n";
  else
    stats.print(std::cout, cli.top, sources);
  return exit_ok;
}

int run_tree(const log_cli& cli) {
  int status = exit_ok;
  std::optional<time_spec> at;
  if (!cli.at.empty()) {
    std::string error;
    at = parse_time_spec(cli.at, error);
    if (!at) return fail("tree", "--at " + error, exit_bad_input);
  }
  auto warn = std::make_shared<warnings>();
  auto reader = open_reader("tree", cli, warn, status);
  if (!reader) return status;
  supervision_tree tree;
  std::optional<std::int64_t> at_t, last_t;
  record r;
  while (reader->next(r)) {
    if (!at_t) at_t = at ? resolve_time(*at, r.t) : INT64_MAX;
    if (r.t > *at_t) continue;  // within a file, times may step back a little: read on
    last_t = std::max(last_t.value_or(r.t), r.t);
    tree.add(r);
  }
  status = end_of_read("tree", *reader, *warn);
  if (status != exit_ok) return status;
  if (cli.json) {
    nlohmann::json j{{"at", at_t && *at_t != INT64_MAX ? nlohmann::json(*at_t)
                                                       : nlohmann::json(last_t.value_or(0))},
                     {"alive", tree.alive()},
                     {"terminated", tree.terminated()},
                     {"restarts", tree.restart_events()},
                     {"roots", tree.to_json(cli.all)}};
    std::cout << j.dump(2) << "\n";
    return exit_ok;
  }
  std::int64_t when = at_t && *at_t != INT64_MAX ? *at_t : last_t.value_or(0);
  std::cout << "supervision tree at " << format_time(when, cli.utc) << ": " << tree.alive()
            << " actors alive, " << tree.terminated() << " terminated"
            << (cli.all ? "" : " (not shown; --all shows them)") << ", " << tree.restart_events()
            << " restarts\n";
  tree.print(std::cout, cli.all, reader->source_count());
  return exit_ok;
}

int run_timeline(const log_cli& cli) {
  record_filter filter;
  std::size_t sources = 0;
  timeline_builder builder(cli.max_messages);
  int status =
      read_matching("timeline", cli, filter, sources, [&](const record& r) { builder.add(r); });
  if (status != exit_ok) return status;
  std::optional<std::int64_t> since, until;
  if (!cli.filters.since.empty()) since = filter.since();
  if (!cli.filters.until.empty()) until = filter.until();
  std::string title = cli.title.empty() ? "actorrent message timeline" : cli.title;
  std::string page = builder.html(title, cli.files, since, until);
  std::ofstream out(cli.html, std::ios::binary | std::ios::trunc);
  out << page;
  out.close();
  if (!out) return fail("timeline", cli.html + ": cannot write", exit_failure);
  if (builder.truncated())
    std::cerr << "actorrent log timeline: warning: drew the first " << builder.messages_kept()
              << " of " << builder.messages_seen()
              << " messages in the window (--max-messages, --since, --until)\n";
  std::cout << "wrote " << cli.html << ": " << builder.messages_kept() << " messages, "
            << builder.lane_count() << " lanes\n";
  return exit_ok;
}

std::atomic<bool> follow_stop{false};

extern "C" void on_follow_signal(int) {
  follow_stop.store(true);
}

int run_follow(const log_cli& cli) {
  int status = exit_ok;
  record_filter filter;
  if (!make_filter("follow", cli, filter, status)) return status;
  follow_options o;
  o.files = cli.files;
  o.last = cli.last;
  o.json = cli.json;
  o.idle_exit_s = cli.idle_exit;
  std::signal(SIGINT, on_follow_signal);
  std::signal(SIGTERM, on_follow_signal);
  return follow(o, filter, std::cout, std::cerr, follow_stop);
}

void add_filters(CLI::App* cmd, log_cli& cli) {
  auto& f = cli.filters;
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

void add_files(CLI::App* cmd, log_cli& cli) {
  cmd->add_option("files", cli.files,
                  "message log files (each with its rotated siblings FILE.1, FILE.2, …)")
      ->required();
}

}  // namespace

void add_log_command(CLI::App& app) {
  auto* log = app.add_subcommand(
      "log", "Read the actor message log (--message-log): show, stats, follow, tree, timeline");
  log->require_subcommand(1);

  auto show = std::make_shared<log_cli>();
  auto* cmd = log->add_subcommand("show", "Print the records, one line each, filtered");
  add_files(cmd, *show);
  add_filters(cmd, *show);
  cmd->add_flag("--json", show->json, "print the raw JSON lines");
  cmd->add_flag("--utc", show->utc, "times in UTC instead of local time");
  cmd->callback([show] { throw command_result{run_show(*show)}; });

  auto stats = std::make_shared<log_cli>();
  cmd = log->add_subcommand(
      "stats", "Message counts and rates by type and actor, top talkers, restarts, terminations");
  add_files(cmd, *stats);
  add_filters(cmd, *stats);
  cmd->add_flag("--json", stats->json, "one JSON object");
  cmd->add_option("--top", stats->top, "actors and pairs listed (default 10; 0: all)");
  cmd->callback([stats] { throw command_result{run_stats(*stats)}; });

  auto follow = std::make_shared<log_cli>();
  cmd = log->add_subcommand("follow", "Print records as they are written, like tail -F");
  cmd->add_option("files", follow->files, "message log files")->required();
  add_filters(cmd, *follow);
  cmd->add_flag("--json", follow->json, "print the raw JSON lines");
  cmd->add_option("-n,--lines", follow->last, "start with the last N matching records");
  cmd->add_option("--idle-exit", follow->idle_exit,
                  "end after SECONDS without a new line (default: never)");
  cmd->callback([follow] { throw command_result{run_follow(*follow)}; });

  auto tree = std::make_shared<log_cli>();
  cmd = log->add_subcommand("tree", "The supervision tree at a time, with restart counts");
  add_files(cmd, *tree);
  cmd->add_option("--at", tree->at, "the time (same forms as --since; default: end of log)");
  cmd->add_flag("--all", tree->all, "also show actors that had terminated");
  cmd->add_flag("--json", tree->json, "nested JSON");
  cmd->add_flag("--utc", tree->utc, "times in UTC instead of local time");
  cmd->callback([tree] { throw command_result{run_tree(*tree)}; });

  auto timeline = std::make_shared<log_cli>();
  cmd = log->add_subcommand("timeline",
                            "A self-contained HTML page: actors as lanes, messages as arrows");
  add_files(cmd, *timeline);
  cmd->add_option("--html", timeline->html, "the page to write")->required();
  add_filters(cmd, *timeline);
  cmd->add_option("--max-messages", timeline->max_messages,
                  "draw at most N messages (default 5000)");
  cmd->add_option("--title", timeline->title, "the page's title");
  cmd->callback([timeline] { throw command_result{run_timeline(*timeline)}; });
}

}  // namespace actorrent
