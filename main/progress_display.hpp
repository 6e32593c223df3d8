// What `download` / `seed` / `run` show while they run: the torrents' torrent_progress,
// handed in about once a second, in one of four modes.
//
//   tty    one line per torrent, redrawn in place (cursor up, clear line): for a terminal.
//   plain  one line per torrent every plain_interval (5 s), plus a torrent's line whenever
//          its state changes: for logs and pipes, where redrawing would be noise.
//   json   --json-progress: every update, one JSON object per torrent per line, flushed, for
//          scripts and the integration tests (keys in progress_json below).
//   quiet  nothing but messages and torrents that fail (enter error, or pause with a reason).
//
// Output goes to an injected stream and time is passed in, so every mode is unit-tested.
// Torrent names come from .torrent files: control characters are replaced before they reach
// a terminal. Single-threaded: the command's timer calls it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "actors/torrent_progress.hpp"

namespace actorrent {

enum class progress_mode : std::uint8_t { tty, plain, json, quiet };

// --json-progress wins over --quiet, which wins over what stdout is.
progress_mode choose_progress_mode(bool json_flag, bool quiet_flag, bool stdout_is_tty);

// The terminal's width in columns, 0 when `fd` is not a terminal.
std::size_t terminal_width(int fd);

struct progress_display_options {
  progress_mode mode = progress_mode::plain;
  std::chrono::steady_clock::duration plain_interval = std::chrono::seconds{5};
  // tty: lines are cut to fit (a wrapped line would break the cursor-up count); 0 = no limit.
  std::size_t width = 0;
};

class progress_display {
 public:
  using clock = std::chrono::steady_clock;

  // `start` is what json's time_s counts from.
  progress_display(std::ostream& out, progress_display_options options,
                   clock::time_point start = clock::now());
  ~progress_display();  // finish()
  progress_display(const progress_display&) = delete;
  progress_display& operator=(const progress_display&) = delete;

  void update(const std::vector<torrent_progress>& torrents, clock::time_point now = clock::now());
  // A line that is not progress (an error, a notice), in every mode: above the tty block,
  // as {"time_s": …, "message": …} in json.
  void message(const std::string& text, clock::time_point now = clock::now());
  // Leaves the tty block on screen with the cursor below it (later output does not overwrite
  // it); in plain mode prints the last state if it was not printed yet.
  void finish();

 private:
  void draw_tty(const std::vector<std::string>& lines);
  void update_plain(const std::vector<torrent_progress>& torrents, clock::time_point now);
  void update_quiet(const std::vector<torrent_progress>& torrents);
  double seconds_since_start(clock::time_point now) const;

  std::ostream& out_;
  progress_display_options options_;
  clock::time_point start_;
  std::vector<std::string> tty_lines_;  // on screen now
  std::optional<clock::time_point> last_full_print_;
  std::vector<std::string> unprinted_;  // plain: the last update's lines, if not all printed
  std::map<std::string, torrent_state> states_;  // by info-hash, for plain and quiet
};

// One object, no newline: {"time_s", then every torrent_progress field under its own name;
// "state" as to_string(state)}. time_s is rounded to milliseconds.
std::string progress_json(const torrent_progress& t, double time_s);

// The tty and plain line: "name  42.3%  downloading  down 1.50 MiB/s  up 300 KiB/s
// peers 12 (3 seeds)  eta 0:04:12", plus "  error: …" when there is one. `width` > 0 cuts
// the name (then the line) to fit.
std::string progress_text(const torrent_progress& t, std::size_t width = 0);

std::string format_eta(std::int64_t seconds);      // "1:02:05"; "-" when negative (unknown)
std::string format_rate(double bytes_per_second);  // "1.50 MiB/s"; 0 for nonsense

}  // namespace actorrent
