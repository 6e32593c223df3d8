#include "main/run_session.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "actors/client.hpp"
#include "main/exit_codes.hpp"
#include "main/progress_display.hpp"

namespace actorrent {

namespace {

std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  stop_signal.store(signal);
}

// SIGINT / SIGTERM ask for a clean stop; a second one while stopping is left to the default
// action, so that a stuck stop can still be interrupted.
void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

bool finished(const torrent_progress& p) {
  return p.state == torrent_state::complete || p.state == torrent_state::seeding;
}

}  // namespace

int run_session(const session_run& run) {
  install_stop_handlers();
  progress_display_options display_options;
  display_options.mode =
      choose_progress_mode(run.json_progress, run.quiet, isatty(STDOUT_FILENO) != 0);
  display_options.width = terminal_width(STDOUT_FILENO);
  progress_display display(std::cout, display_options);

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
  auto next_update = std::chrono::steady_clock::now();
  // Bounded by the user: a download ends on completion, a seed on a signal.
  while (stop_signal.load() == 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_update) {
      next_update = now + std::chrono::seconds{1};
      auto progress = session.progress();
      display.update(progress, now);
      bool all_done = !progress.empty();
      for (const auto& p : progress) {
        if (p.state == torrent_state::error && run.exit_when_complete) {
          failure = p.name + ": " + p.error;
          break;
        }
        all_done = all_done && finished(p) && p.bytes_left == 0;
      }
      if (!failure.empty()) {
        status = exit_failure;
        break;
      }
      if (run.exit_when_complete && all_done) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  if (int sig = stop_signal.load(); sig != 0)
    display.message("stopping on " + std::string(sig == SIGINT ? "SIGINT" : "SIGTERM"));
  auto stopped = session.stop();
  if (!stopped.resume_saved && !stopped.message.empty())
    display.message("resume data not saved: " + stopped.message);
  display.finish();
  if (!failure.empty()) std::cerr << "actorrent " << run.command << ": " << failure << "\n";
  return status;
}

}  // namespace actorrent
