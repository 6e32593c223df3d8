#include "main/progress_display.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

#include "main/format.hpp"

namespace actorrent {

namespace {

// The length of the valid UTF-8 sequence at the front of `s`, 0 when it is not one. C1
// controls (U+0080..U+009F) count as invalid: some terminals obey them.
std::size_t utf8_sequence(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2;
    if (lead == 0xc2) lo = 0xa0;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    if (lead == 0xe0) lo = 0xa0;  // overlong
    if (lead == 0xed) hi = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    if (lead == 0xf0) lo = 0x90;  // overlong
    if (lead == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  return n;
}

// Text from a .torrent or a peer, made safe for a terminal: control characters and bytes
// that are not UTF-8 become '?', so a name cannot move the cursor or change colours.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t n = utf8_sequence(s);
    const unsigned char c = static_cast<unsigned char>(s[0]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7f))) {
      out += '?';
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    }
  }
  return out;
}

// Columns of printable() text, taking each code point as one column (wide CJK characters
// take two, so a line of them may still wrap on a narrow terminal).
std::size_t columns(std::string_view s) {
  std::size_t cols = 0;
  for (char ch : s)
    if ((static_cast<unsigned char>(ch) & 0xc0) != 0x80) ++cols;
  return cols;
}

std::string cut(std::string_view s, std::size_t cols) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (seen++ == cols) return std::string(s.substr(0, i));
  }
  return std::string(s);
}

std::string percent(const torrent_progress& t) {
  double p = 0;
  if (t.bytes_total > 0) {
    const std::int64_t done = std::max<std::int64_t>(0, t.bytes_total - t.bytes_left);
    p = std::floor(static_cast<double>(done) * 1000.0 / static_cast<double>(t.bytes_total)) / 10;
    // Never 100.0% while a byte is missing, whatever the rounding of huge sizes.
    if (done < t.bytes_total) p = std::min(p, 99.9);
  } else if (t.state == torrent_state::seeding || t.state == torrent_state::complete) {
    p = 100;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", p);
  return buf;
}

std::string key_of(const torrent_progress& t, std::size_t index) {
  return t.info_hash.empty() ? t.name + "#" + std::to_string(index) : t.info_hash;
}

// Seconds to the millisecond: enough for a once-a-second display, and short lines.
double to_ms(double seconds) {
  return std::round(seconds * 1000) / 1000;
}

bool failed(const torrent_progress& t) {
  return t.state == torrent_state::error || (t.state == torrent_state::paused && !t.error.empty());
}

}  // namespace

progress_mode choose_progress_mode(bool json_flag, bool quiet_flag, bool stdout_is_tty) {
  if (json_flag) return progress_mode::json;
  if (quiet_flag) return progress_mode::quiet;
  return stdout_is_tty ? progress_mode::tty : progress_mode::plain;
}

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (::isatty(fd) != 1 || ::ioctl(fd, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

std::string format_eta(std::int64_t seconds) {
  if (seconds < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02d:%02d", static_cast<long long>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60));
  return buf;
}

std::string format_rate(double bytes_per_second) {
  // Also false for NaN.
  if (!(bytes_per_second > 0)) return "0 B/s";
  const double capped = std::min(bytes_per_second, 9e18);
  return format_size(static_cast<std::int64_t>(capped)) + "/s";
}

std::string progress_text(const torrent_progress& t, std::size_t width) {
  std::string name = printable(t.name.empty() ? t.info_hash : t.name);
  std::string tail = "  " + percent(t) + "  " + to_string(t.state) + "  down " +
                     format_rate(t.download_rate) + "  up " + format_rate(t.upload_rate) +
                     "  peers " + std::to_string(t.peers) + " (" + std::to_string(t.seeds) +
                     " seeds)  eta " + format_eta(t.eta_s);
  if (!t.error.empty()) tail += "  error: " + printable(t.error);
  if (width == 0 || columns(name) + columns(tail) <= width) return name + tail;
  // The name gives way first: the numbers are what the line is for.
  constexpr std::size_t min_name = 8;
  if (columns(tail) + min_name <= width)
    return cut(name, width - columns(tail) - 1) + "\xe2\x80\xa6" + tail;  // "…"
  return cut(name + tail, width);
}

std::string progress_json(const torrent_progress& t, double time_s) {
  nlohmann::ordered_json j;
  j["time_s"] = to_ms(time_s);
  j["name"] = t.name;
  j["info_hash"] = t.info_hash;
  j["state"] = to_string(t.state);
  j["pieces_total"] = t.pieces_total;
  j["pieces_have"] = t.pieces_have;
  j["pieces_wanted"] = t.pieces_wanted;
  j["bytes_total"] = t.bytes_total;
  j["bytes_left"] = t.bytes_left;
  j["download_rate"] = t.download_rate;
  j["upload_rate"] = t.upload_rate;
  j["downloaded"] = t.downloaded;
  j["uploaded"] = t.uploaded;
  j["peers"] = t.peers;
  j["seeds"] = t.seeds;
  j["eta_s"] = t.eta_s;
  j["restarts"] = t.restarts;
  j["hash_failures"] = t.hash_failures;
  j["error"] = t.error;
  // Per kind of actor: restarts by its supervisor and the last failure.
  auto supervision = nlohmann::ordered_json::object();
  for (const auto& r : t.supervision)
    supervision[r.actor] = {{"restarts", r.restarts}, {"last_failure", r.last_failure}};
  j["supervision"] = std::move(supervision);
  // Names are bytes from a .torrent; a script reading the stream needs valid UTF-8.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

progress_display::progress_display(std::ostream& out, progress_display_options options,
                                   clock::time_point start)
    : out_(out), options_(options), start_(start) {}

progress_display::~progress_display() {
  finish();
}

double progress_display::seconds_since_start(clock::time_point now) const {
  return std::chrono::duration<double>(now - start_).count();
}

void progress_display::update(const std::vector<torrent_progress>& torrents,
                              clock::time_point now) {
  switch (options_.mode) {
    case progress_mode::tty: {
      std::vector<std::string> lines;
      for (const auto& t : torrents)
        lines.push_back(progress_text(t, options_.width));
      draw_tty(lines);
      break;
    }
    case progress_mode::plain:
      update_plain(torrents, now);
      break;
    case progress_mode::json: {
      const double time_s = seconds_since_start(now);
      for (const auto& t : torrents)
        out_ << progress_json(t, time_s) << '\n';
      out_.flush();
      break;
    }
    case progress_mode::quiet:
      update_quiet(torrents);
      break;
  }
}

void progress_display::draw_tty(const std::vector<std::string>& lines) {
  // One write per frame, overwriting in place, so the terminal never shows a blank block.
  std::string frame;
  if (!tty_lines_.empty()) frame += "\x1b[" + std::to_string(tty_lines_.size()) + "A";
  for (const auto& line : lines)
    frame += "\r" + line + "\x1b[K\n";
  if (lines.size() < tty_lines_.size()) frame += "\x1b[J";  // the lines of torrents now gone
  out_ << frame;
  out_.flush();
  tty_lines_ = lines;
}

void progress_display::update_plain(const std::vector<torrent_progress>& torrents,
                                    clock::time_point now) {
  const bool due = !last_full_print_ || now - *last_full_print_ >= options_.plain_interval;
  unprinted_.clear();
  for (std::size_t i = 0; i < torrents.size(); ++i) {
    const auto& t = torrents[i];
    const auto known = states_.find(key_of(t, i));
    const bool changed = known == states_.end() || known->second != t.state;
    const std::string line = progress_text(t);
    if (due || changed) out_ << line << '\n';
    if (!due) unprinted_.push_back(line);
    states_[key_of(t, i)] = t.state;
  }
  if (due) last_full_print_ = now;
  out_.flush();
}

void progress_display::update_quiet(const std::vector<torrent_progress>& torrents) {
  for (std::size_t i = 0; i < torrents.size(); ++i) {
    const auto& t = torrents[i];
    const auto known = states_.find(key_of(t, i));
    if (failed(t) && (known == states_.end() || known->second != t.state))
      out_ << progress_text(t) << '\n';
    states_[key_of(t, i)] = t.state;
  }
  out_.flush();
}

void progress_display::message(const std::string& text, clock::time_point now) {
  if (options_.mode == progress_mode::json) {
    nlohmann::ordered_json j;
    j["time_s"] = to_ms(seconds_since_start(now));
    j["message"] = text;
    out_ << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    out_.flush();
    return;
  }
  const bool tty = options_.mode == progress_mode::tty;
  std::string lines;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string line = printable(std::string_view(text).substr(begin, end - begin));
    lines += tty ? "\r" + line + "\x1b[K\n" : line + "\n";
    begin = end + 1;
  }
  if (!tty || tty_lines_.empty()) {
    out_ << lines << std::flush;
    return;
  }
  // Above the block: overwrite its first lines with the message, then draw it again below.
  const auto block = tty_lines_;
  out_ << "\x1b[" << tty_lines_.size() << "A" << lines;
  tty_lines_.clear();
  draw_tty(block);
}

void progress_display::finish() {
  if (options_.mode == progress_mode::plain && !unprinted_.empty()) {
    for (const auto& line : unprinted_)
      out_ << line << '\n';
    unprinted_.clear();
  }
  tty_lines_.clear();
  out_.flush();
}

}  // namespace actorrent
