#include "main/run_session.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include "actors/client.hpp"
#include "actors/log.hpp"
#include "main/exit_codes.hpp"
#include "main/progress_display.hpp"

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
  for (const auto& t : run.torrents) {
    auto added = session.add_torrent(t);
    if (!added) {
      std::cerr << "actorrent " << run.command << ": " << t.torrent->name << ": " << added.error()
                << "\n";
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
    auto now = std::chrono::steady_clock::now();
    auto progress = session.progress();
    bool all_done = !progress.empty();
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
