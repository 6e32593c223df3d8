#include "main/run_session.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include <caf/send.hpp>

#include <algorithm>
#include <future>

#include "actors/client.hpp"
#include "actors/log.hpp"
#include "main/exit_codes.hpp"
#include "main/load_torrent.hpp"
#include "main/magnet_torrent.hpp"
#include "main/progress_display.hpp"
#include "storage/atomic_file.hpp"

namespace actorrent {

namespace {

// SIGINT / SIGTERM ask for a clean stop. They are blocked before any thread starts (threads
// inherit the mask), so none lands in a CAF or asio thread in the middle of a blocking call,
// and the main loop takes them with sigtimedwait. Once stopping, they are unblocked again
// with their default action: a second one ends a stuck stop.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void block_stop_signals() {
  auto set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// The signal received within `wait`, or 0.
int wait_for_stop_signal(std::chrono::milliseconds wait) {
  auto set = stop_signals();
  // tv_nsec must stay below a second (else EINVAL at once: a busy loop).
  timespec timeout{static_cast<time_t>(wait.count() / 1000),
                   static_cast<long>(wait.count() % 1000) * 1'000'000L};
  int sig = sigtimedwait(&set, nullptr, &timeout);
  return sig > 0 ? sig : 0;
}

void unblock_stop_signals() {
  auto set = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

bool finished(const torrent_progress& p) {
  return p.state == torrent_state::complete || p.state == torrent_state::seeding;
}

// A magnet whose metadata is being fetched: its torrent is added once the fetch delivers.
struct pending_magnet {
  std::size_t index = 0;  // in the run's torrents
  caf::actor fetcher;
  std::future<expected<fetched_metadata, std::string>> result;
};

// A magnet's `so` (BEP 53) selects its files when the user did not (--only wins).
void apply_magnet_selection(torrent_params& t, const magnet_link& magnet,
                            progress_display& display) {
  if (!t.only.empty() || magnet.select_only.empty()) return;
  auto s = magnet_file_selection(magnet, *t.torrent);
  if (!s.ignored.empty()) {
    std::string list;
    for (auto i : s.ignored)
      list += (list.empty() ? "" : ", ") + std::to_string(i);
    display.message("so=: no file " + list + " in " + t.torrent->name + " (" +
                    std::to_string(t.torrent->files.size()) + " files); ignored");
  }
  if (s.only.empty()) return;  // nothing left that exists: every file, as without so=
  t.only = std::move(s.only);
}

std::string magnet_label(const magnet_link& magnet) {
  return magnet.display_name.empty() ? magnet.info_hash.hex() : magnet.display_name;
}

void add_peer_once(torrent_params& t, const peer_address& p) {
  if (std::find(t.peers.begin(), t.peers.end(), p) == t.peers.end()) t.peers.push_back(p);
}

std::filesystem::path kept_torrent_file(const std::filesystem::path& state_dir,
                                        const magnet_link& magnet) {
  return state_dir / (magnet.info_hash.hex() + ".torrent");
}

// Turns `t` into an ordinary torrent made of the magnet and its info dictionary.
void become_torrent(torrent_params& t, metainfo m, progress_display& display) {
  t.torrent = std::make_shared<const metainfo>(std::move(m));
  apply_magnet_selection(t, *t.magnet, display);
  t.magnet.reset();
}

// A magnet fetched before: the .torrent kept in the state directory serves (its info-hash
// checked, the link's trackers added). The link's own peers join `t` either way.
bool resolve_from_kept_file(torrent_params& t, const std::filesystem::path& state_dir,
                            progress_display& display) {
  const auto& magnet = *t.magnet;
  for (const auto& p : magnet.peers)
    if (auto a = peer_address::parse_ip(p.host, p.port)) add_peer_once(t, *a);
  const auto file = kept_torrent_file(state_dir, magnet);
  if (!std::filesystem::exists(file)) return false;
  auto kept = load_torrent(file.string());
  if (!kept || kept->info_hash != magnet.info_hash) return false;
  auto m = metainfo_from_magnet(magnet, kept->info_bytes);
  if (!m) return false;
  become_torrent(t, std::move(*m), display);
  return true;
}

// Starts fetching the info dictionary of `t.magnet` (BEP 9); the wait is the run's.
pending_magnet start_fetch(client& session, const torrent_params& t, std::size_t index,
                           progress_display& display) {
  const auto& magnet = *t.magnet;
  display.message("fetching the metadata of " + magnet_label(magnet) + " (BEP 9) from " +
                  std::to_string(magnet.peers.size()) + " peer(s) and " +
                  std::to_string(magnet.trackers.size()) + " tracker(s)" +
                  (session.dht() ? " and the DHT" : ""));
  auto promise = std::make_shared<std::promise<expected<fetched_metadata, std::string>>>();
  pending_magnet out;
  out.index = index;
  out.result = promise->get_future();
  out.fetcher = session.fetch_metadata(
      magnet, [promise](auto result) { promise->set_value(std::move(result)); });
  return out;
}

// The fetched info dictionary, kept as STATE_DIR/<info-hash>.torrent, makes `t` an ordinary
// torrent whose peers include every one the fetch learnt of. Returns what went wrong, or "".
std::string finish_fetch(expected<fetched_metadata, std::string> fetched, torrent_params& t,
                         const std::filesystem::path& state_dir, progress_display& display) {
  const auto& magnet = *t.magnet;
  if (!fetched) return magnet_label(magnet) + ": " + fetched.error();
  auto m = metainfo_from_magnet(magnet, fetched->info);
  if (!m) return m.error();
  const auto file = kept_torrent_file(state_dir, magnet);
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (auto saved = write_file_atomically(file.string(), torrent_file_bytes(*m)); !saved)
    display.message("the .torrent was not kept: " + saved.error());
  else
    display.message("metadata verified: " + m->name + ", kept as " + file.string());
  for (const auto& p : fetched->peers)
    add_peer_once(t, p);
  become_torrent(t, std::move(*m), display);
  return {};
}

}  // namespace

std::chrono::milliseconds progress_poll_interval(bool exit_when_complete) {
  // A download is asked often, so that it ends when it completes, not at the next display.
  // Anything else only feeds the display, drawn once a second: each question costs one
  // request per torrent (and a pending timeout each in CAF's clock), which at 20 a second
  // was most of an idle 200-torrent session's CPU (bench/scale).
  return exit_when_complete ? std::chrono::milliseconds{50} : std::chrono::milliseconds{1000};
}

int run_session(const session_run& run) {
  block_stop_signals();
  progress_display_options display_options;
  display_options.mode =
      choose_progress_mode(run.json_progress, run.quiet, isatty(STDOUT_FILENO) != 0);
  display_options.width = terminal_width(STDOUT_FILENO);
  progress_display display(std::cout, display_options);

  auto level = parse_log_level(run.settings.log_level);
  if (!level) {
    std::cerr << "actorrent " << run.command << ": logging.level: " << level.error() << "\n";
    return exit_bad_input;
  }
  if (auto logged = configure_log(*level, run.settings.log_file.string()); !logged) {
    std::cerr << "actorrent " << run.command << ": " << logged.error() << "\n";
    return exit_bad_input;
  }
  auto started = client::start(run.settings);
  if (!started) {
    std::cerr << "actorrent " << run.command << ": " << started.error() << "\n";
    return exit_failure;
  }
  auto& session = **started;
  auto torrents = run.torrents;
  const auto state_dir =
      run.settings.state_dir.empty() ? default_state_dir() : run.settings.state_dir;
  // Magnets are fetched side by side, while the other torrents run: each is added when its
  // metadata arrives.
  std::vector<pending_magnet> fetches;
  for (std::size_t i = 0; i < torrents.size(); ++i) {
    auto& t = torrents[i];
    if (t.magnet && !t.torrent && !resolve_from_kept_file(t, state_dir, display))
      fetches.push_back(start_fetch(session, t, i, display));
  }
  // What went wrong adding `t`, or "".
  auto add = [&](const torrent_params& t) -> std::string {
    auto added = session.add_torrent(t);
    return added ? std::string() : t.torrent->name + ": " + added.error();
  };
  auto end_fetches = [&] {
    for (auto& f : fetches)
      caf::anon_send_exit(f.fetcher, caf::exit_reason::user_shutdown);
    fetches.clear();
  };
  for (const auto& t : torrents) {
    if (!t.torrent) continue;
    if (auto problem = add(t); !problem.empty()) {
      std::cerr << "actorrent " << run.command << ": " << problem << "\n";
      end_fetches();
      session.stop();
      return exit_bad_input;
    }
  }

  int status = exit_ok;
  std::string failure;
  auto next_display = std::chrono::steady_clock::now();
  int stop_signal = 0;
  const auto poll = progress_poll_interval(run.exit_when_complete);
  // Bounded by the user: a download ends on completion, a seed on a signal.
  while ((stop_signal = wait_for_stop_signal(poll)) == 0) {
    for (auto it = fetches.begin(); failure.empty() && it != fetches.end();) {
      if (it->result.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
        ++it;
        continue;
      }
      auto& t = torrents[it->index];
      failure = finish_fetch(it->result.get(), t, state_dir, display);
      if (failure.empty()) failure = add(t);
      it = fetches.erase(it);
    }
    auto now = std::chrono::steady_clock::now();
    auto progress = session.progress();
    bool all_done = !progress.empty() && fetches.empty();
    for (const auto& p : progress) {
      if (p.state == torrent_state::error && run.exit_when_complete) {
        failure = p.name + ": " + p.error;
        break;
      }
      all_done = all_done && finished(p) && p.bytes_left == 0;
    }
    bool ending = !failure.empty() || (run.exit_when_complete && all_done);
    if (now >= next_display || ending) {
      next_display = now + std::chrono::seconds{1};
      display.update(progress, now);
    }
    if (!failure.empty()) {
      status = exit_failure;
      break;
    }
    if (ending) break;
  }
  unblock_stop_signals();
  end_fetches();
  if (stop_signal != 0) {
    display.message("stopping on " + std::string(stop_signal == SIGINT ? "SIGINT" : "SIGTERM"));
    // A download cut short is not a success (scripts must not take it for one); seeding until
    // told to stop is.
    if (run.exit_when_complete) status = 128 + stop_signal;
  }
  auto stopped = session.stop();
  if (!stopped.resume_saved && !stopped.message.empty())
    display.message("resume data not saved: " + stopped.message);
  display.finish();
  if (!failure.empty()) std::cerr << "actorrent " << run.command << ": " << failure << "\n";
  return status;
}

}  // namespace actorrent
