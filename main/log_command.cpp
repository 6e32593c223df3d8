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

using namespace msglog;

namespace {

constexpr std::size_t max_warnings = 100;

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
std::unique_ptr<record_reader> open_reader(const std::string& what, const log_command_options& opts,
                                           std::shared_ptr<warnings> warn, int& status) {
  std::vector<log_source> sources;
  std::string error;
  if (!resolve_sources(opts.files, sources, error)) {
    status = fail(what, error, exit_failure);
    return nullptr;
  }
  return std::make_unique<record_reader>(std::move(sources),
                                         [warn](const std::string& w) { (*warn)(w); });
}

bool make_filter(const std::string& what, const log_command_options& opts, record_filter& f,
                 int& status) {
  std::string error;
  if (!f.init(opts.filters, error)) {
    status = fail(what, error, exit_bad_input);
    return false;
  }
  for (const auto& a : opts.filters.actors) {
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
int read_matching(const std::string& what, const log_command_options& opts, record_filter& filter,
                  std::size_t& sources, Use&& use) {
  int status = exit_ok;
  if (!make_filter(what, opts, filter, status)) return status;
  auto warn = std::make_shared<warnings>();
  auto reader = open_reader(what, opts, warn, status);
  if (!reader) return status;
  record r;
  while (reader->next(r))
    if (filter.matches(r)) use(r);
  sources = reader->source_count();
  return end_of_read(what, *reader, *warn);
}

std::atomic<bool> follow_stop{false};

extern "C" void on_follow_signal(int) {
  follow_stop.store(true);
}

}  // namespace

int run_log_show(const log_command_options& opts) {
  std::ios::sync_with_stdio(false);
  record_filter filter;
  std::size_t sources = 0;
  int status = read_matching("show", opts, filter, sources, [&](const record& r) {
    if (opts.json)
      std::cout << r.raw << '\n';
    else
      std::cout << format_record(r, opts.utc) << '\n';
  });
  std::cout.flush();
  return status;
}

int run_log_stats(const log_command_options& opts) {
  record_filter filter;
  std::size_t sources = 0;
  log_stats stats;
  int status =
      read_matching("stats", opts, filter, sources, [&](const record& r) { stats.add(r); });
  if (status != exit_ok) return status;
  if (opts.json)
    std::cout << stats.to_json(opts.top).dump(2) << "\n";
  else
    stats.print(std::cout, opts.top, sources);
  return exit_ok;
}

int run_log_tree(const log_command_options& opts) {
  int status = exit_ok;
  std::optional<time_spec> at;
  if (!opts.at.empty()) {
    std::string error;
    at = parse_time_spec(opts.at, error);
    if (!at) return fail("tree", "--at " + error, exit_bad_input);
  }
  auto warn = std::make_shared<warnings>();
  auto reader = open_reader("tree", opts, warn, status);
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
  if (opts.json) {
    nlohmann::json j{{"at", at_t && *at_t != INT64_MAX ? nlohmann::json(*at_t)
                                                       : nlohmann::json(last_t.value_or(0))},
                     {"alive", tree.alive()},
                     {"terminated", tree.terminated()},
                     {"restarts", tree.restart_events()},
                     {"roots", tree.to_json(opts.all)}};
    std::cout << j.dump(2) << "\n";
    return exit_ok;
  }
  std::int64_t when = at_t && *at_t != INT64_MAX ? *at_t : last_t.value_or(0);
  std::cout << "supervision tree at " << format_time(when, opts.utc) << ": " << tree.alive()
            << " actors alive, " << tree.terminated() << " terminated"
            << (opts.all ? "" : " (not shown; --all shows them)") << ", " << tree.restart_events()
            << " restarts\n";
  tree.print(std::cout, opts.all, reader->source_count());
  return exit_ok;
}

int run_log_timeline(const log_command_options& opts) {
  record_filter filter;
  std::size_t sources = 0;
  timeline_builder builder(opts.max_messages);
  int status =
      read_matching("timeline", opts, filter, sources, [&](const record& r) { builder.add(r); });
  if (status != exit_ok) return status;
  std::optional<std::int64_t> since, until;
  if (!opts.filters.since.empty()) since = filter.since();
  if (!opts.filters.until.empty()) until = filter.until();
  std::string title = opts.title.empty() ? "actorrent message timeline" : opts.title;
  std::string page = builder.html(title, opts.files, since, until);
  std::ofstream out(opts.html, std::ios::binary | std::ios::trunc);
  out << page;
  out.close();
  if (!out) return fail("timeline", opts.html + ": cannot write", exit_failure);
  if (builder.truncated())
    std::cerr << "actorrent log timeline: warning: drew the first " << builder.messages_kept()
              << " of " << builder.messages_seen()
              << " messages in the window (--max-messages, --since, --until)\n";
  std::cout << "wrote " << opts.html << ": " << builder.messages_kept() << " messages, "
            << builder.lane_count() << " lanes\n";
  return exit_ok;
}

int run_log_follow(const log_command_options& opts) {
  int status = exit_ok;
  record_filter filter;
  if (!make_filter("follow", opts, filter, status)) return status;
  follow_options o;
  o.files = opts.files;
  o.last = opts.last;
  o.json = opts.json;
  o.idle_exit_s = opts.idle_exit;
  std::signal(SIGINT, on_follow_signal);
  std::signal(SIGTERM, on_follow_signal);
  return follow(o, filter, std::cout, std::cerr, follow_stop);
}

}  // namespace actorrent
