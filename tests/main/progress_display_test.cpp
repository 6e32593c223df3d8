#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "main/progress_display.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

using clock_type = progress_display::clock;
const clock_type::time_point t0{};

torrent_progress sample(std::string name = "ubuntu.iso", std::string hash = std::string(40, 'a')) {
  torrent_progress t;
  t.name = std::move(name);
  t.info_hash = std::move(hash);
  t.state = torrent_state::downloading;
  t.pieces_total = 100;
  t.pieces_have = 42;
  t.pieces_wanted = 90;
  t.bytes_total = 1000;
  t.bytes_left = 577;
  t.download_rate = 1536;
  t.upload_rate = 300 * 1024;
  t.downloaded = 423;
  t.uploaded = 7;
  t.peers = 12;
  t.seeds = 3;
  t.eta_s = 252;
  t.restarts = 2;
  t.hash_failures = 1;
  return t;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("progress: progress_json has every field under the struct's names") {
  torrent_progress t = sample();
  t.error = "disk full";
  t.state = torrent_state::paused;
  t.supervision = {{"peer", 2, "10.0.0.1:6881: killed"}, {"choker", 0, "gone"}};
  const auto j = nlohmann::json::parse(progress_json(t, 12.34567));
  // One key per field plus time_s: a field added to torrent_progress breaks this binding,
  // which is the reminder to emit it.
  const auto& [name, info_hash, state, pieces_total, pieces_have, pieces_wanted, bytes_total,
               bytes_left, download_rate, upload_rate, downloaded, uploaded, peers, seeds, eta_s,
               restarts, hash_failures, error, supervision] = t;
  CHECK(j.size() == 20);
  CHECK(j["time_s"] == 12.346);
  CHECK(j["name"] == name);
  CHECK(j["info_hash"] == info_hash);
  CHECK(j["state"] == to_string(state));
  CHECK(j["state"] == "paused");
  CHECK(j["pieces_total"] == pieces_total);
  CHECK(j["pieces_have"] == pieces_have);
  CHECK(j["pieces_wanted"] == pieces_wanted);
  CHECK(j["bytes_total"] == bytes_total);
  CHECK(j["bytes_left"] == bytes_left);
  CHECK(j["download_rate"] == download_rate);
  CHECK(j["upload_rate"] == upload_rate);
  CHECK(j["downloaded"] == downloaded);
  CHECK(j["uploaded"] == uploaded);
  CHECK(j["peers"] == peers);
  CHECK(j["seeds"] == seeds);
  CHECK(j["eta_s"] == eta_s);
  CHECK(j["restarts"] == restarts);
  CHECK(j["hash_failures"] == hash_failures);
  CHECK(j["error"] == error);
  REQUIRE(j["supervision"].size() == supervision.size());
  CHECK(j["supervision"]["peer"]["restarts"] == 2);
  CHECK(j["supervision"]["peer"]["last_failure"] == "10.0.0.1:6881: killed");
  CHECK(j["supervision"]["choker"]["restarts"] == 0);
  CHECK(progress_json(t, 1).find('\n') == std::string::npos);
}

TEST_CASE("progress: progress_json stays valid JSON for a name that is not UTF-8") {
  torrent_progress t = sample("bad\xff\xfename\n");
  const auto j = nlohmann::json::parse(progress_json(t, 0));
  CHECK(j["name"].get<std::string>().rfind("bad", 0) == 0);
}

TEST_CASE("progress: json mode writes one parseable line per torrent per update") {
  std::ostringstream out;
  progress_display d(out, {progress_mode::json}, t0);
  d.update({sample("a", std::string(40, 'a')), sample("b", std::string(40, 'b'))}, t0 + 1500ms);
  d.update({sample("a", std::string(40, 'a')), sample("b", std::string(40, 'b'))}, t0 + 2500ms);
  d.message("tracker unreachable", t0 + 3s);
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 5);
  CHECK(nlohmann::json::parse(lines[0])["time_s"] == 1.5);
  CHECK(nlohmann::json::parse(lines[1])["name"] == "b");
  CHECK(nlohmann::json::parse(lines[3])["time_s"] == 2.5);
  const auto m = nlohmann::json::parse(lines[4]);
  CHECK(m["message"] == "tracker unreachable");
  CHECK(m["time_s"] == 3.0);
  d.finish();
  CHECK(lines_of(out.str()).size() == 5);
}

TEST_CASE("progress: tty mode redraws in place, moving up by the lines drawn") {
  std::ostringstream out;
  progress_display d(out, {progress_mode::tty}, t0);
  d.update({sample("a", std::string(40, 'a')), sample("b", std::string(40, 'b'))}, t0);
  const std::string first = out.str();
  CHECK(first.find("\x1b[") == first.find("\x1b[K"));  // no cursor movement yet
  CHECK(count(first, "\x1b[K\n") == 2);
  CHECK(first.rfind("\ra  ", 0) == 0);

  out.str("");
  d.update({sample("a", std::string(40, 'a')), sample("b", std::string(40, 'b'))}, t0 + 1s);
  CHECK(out.str().rfind("\x1b[2A\ra  ", 0) == 0);
  CHECK(count(out.str(), "\x1b[K\n") == 2);
  CHECK(out.str().find("\x1b[J") == std::string::npos);

  // A torrent gone: the block shrinks, and what is below the new block is cleared.
  out.str("");
  d.update({sample("a", std::string(40, 'a'))}, t0 + 2s);
  CHECK(out.str().rfind("\x1b[2A", 0) == 0);
  CHECK(count(out.str(), "\x1b[K\n") == 1);
  CHECK(out.str().substr(out.str().size() - 3) == "\x1b[J");

  out.str("");
  d.update({sample("a", std::string(40, 'a'))}, t0 + 3s);
  CHECK(out.str().rfind("\x1b[1A", 0) == 0);

  // finish() leaves the block: what comes next is drawn below it.
  d.finish();
  out.str("");
  d.update({sample("a", std::string(40, 'a'))}, t0 + 4s);
  CHECK(out.str().find("A") == std::string::npos);
}

TEST_CASE("progress: a tty message goes above the block, which is drawn again") {
  std::ostringstream out;
  progress_display d(out, {progress_mode::tty}, t0);
  d.message("before any block", t0);
  CHECK(out.str() == "\rbefore any block\x1b[K\n");
  out.str("");
  d.update({sample("a"), sample("b", std::string(40, 'b'))}, t0);
  out.str("");
  d.message("peer 1.2.3.4:5 banned", t0);
  const std::string s = out.str();
  CHECK(s.rfind("\x1b[2A\rpeer 1.2.3.4:5 banned\x1b[K\n", 0) == 0);
  CHECK(count(s, "\x1b[K\n") == 3);
  CHECK(count(s, "\x1b[") == 4);  // one move up, three clears: the block is not moved again
  out.str("");
  d.update({sample("a"), sample("b", std::string(40, 'b'))}, t0 + 1s);
  CHECK(out.str().rfind("\x1b[2A", 0) == 0);
}

TEST_CASE("progress: tty lines fit the width, the name giving way first") {
  torrent_progress t = sample(std::string(100, 'n'));
  const std::string full = progress_text(t);
  const std::string line = progress_text(t, 100);
  CHECK(full.size() > 100);
  CHECK(line.find("n\xe2\x80\xa6  42.3%") != std::string::npos);
  CHECK(line.size() == 100 + 2);  // the ellipsis is 3 bytes, one column
  CHECK(line.substr(line.size() - 11) == "eta 0:04:12");
  // Too narrow for the numbers: the line is cut.
  CHECK(progress_text(t, 20) == std::string(20, 'n'));
  t.name = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
  CHECK(progress_text(t, 2) == "\xe6\x97\xa5\xe6\x9c\xac");
}

TEST_CASE("progress: plain mode prints every interval, and at once on a state change") {
  std::ostringstream out;
  progress_display d(out, {progress_mode::plain, 5s}, t0);
  auto a = sample("a", std::string(40, 'a'));
  auto b = sample("b", std::string(40, 'b'));
  d.update({a, b}, t0);
  CHECK(lines_of(out.str()).size() == 2);

  d.update({a, b}, t0 + 1s);
  d.update({a, b}, t0 + 4s);
  CHECK(lines_of(out.str()).size() == 2);

  b.state = torrent_state::seeding;
  d.update({a, b}, t0 + 4500ms);
  auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[2].find("b  ") == 0);
  CHECK(lines[2].find("seeding") != std::string::npos);
  CHECK(out.str().find('\x1b') == std::string::npos);
  CHECK(out.str().find('\r') == std::string::npos);

  d.update({a, b}, t0 + 5s);
  CHECK(lines_of(out.str()).size() == 5);
  d.update({a, b}, t0 + 9s);
  CHECK(lines_of(out.str()).size() == 5);
  // A torrent added later is printed when it appears.
  auto c = sample("c", std::string(40, 'c'));
  d.update({a, b, c}, t0 + 9500ms);
  CHECK(lines_of(out.str()).size() == 6);

  // The final state is printed by finish() when the last update was not.
  d.finish();
  CHECK(lines_of(out.str()).size() == 9);
  d.finish();
  CHECK(lines_of(out.str()).size() == 9);
}

TEST_CASE("progress: quiet mode prints only failures, once") {
  std::ostringstream out;
  progress_display d(out, {progress_mode::quiet}, t0);
  auto a = sample();
  d.update({a}, t0);
  a.state = torrent_state::seeding;
  d.update({a}, t0 + 1s);
  CHECK(out.str().empty());
  a.state = torrent_state::paused;  // paused without a reason is not a failure
  d.update({a}, t0 + 2s);
  CHECK(out.str().empty());
  a.state = torrent_state::error;
  a.error = "cannot write /data: No space left on device";
  d.update({a}, t0 + 3s);
  d.update({a}, t0 + 4s);
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("error: cannot write /data: No space left on device") != std::string::npos);
  d.message("bye");
  CHECK(lines_of(out.str()).size() == 2);
}

TEST_CASE("progress: the line's fields") {
  auto t = sample();
  CHECK(progress_text(t) ==
        "ubuntu.iso  42.3%  downloading  down 1.50 KiB/s  up 300 KiB/s  peers 12 (3 seeds)  "
        "eta 0:04:12");
  t.bytes_left = 1;
  CHECK(progress_text(t).find("  99.9%  ") != std::string::npos);
  t.bytes_total = std::int64_t{1} << 62;
  t.bytes_left = 1;
  CHECK(progress_text(t).find("  99.9%  ") != std::string::npos);
  t.bytes_left = 0;
  CHECK(progress_text(t).find("  100.0%  ") != std::string::npos);
  t.bytes_total = 0;
  t.state = torrent_state::seeding;
  CHECK(progress_text(t).find("  100.0%  seeding") != std::string::npos);
  t.state = torrent_state::checking;
  CHECK(progress_text(t).find("  0.0%  checking") != std::string::npos);
  // A magnet before its metadata has no name yet.
  t.name.clear();
  CHECK(progress_text(t).rfind(std::string(40, 'a') + "  ", 0) == 0);
  // Control characters from a .torrent never reach the terminal.
  t.name = "evil\x1b[2J\x07name\xc2\x9b";
  t.error = "bad\rthing";
  const std::string s = progress_text(t);
  CHECK(s.rfind("evil?[2J?name??  ", 0) == 0);
  CHECK(s.find("error: bad?thing") != std::string::npos);
  t.name = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac";
  CHECK(progress_text(t).rfind("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac  ", 0) == 0);
}

TEST_CASE("progress: ETA and rate formatting") {
  CHECK(format_eta(-1) == "-");
  CHECK(format_eta(0) == "0:00:00");
  CHECK(format_eta(59) == "0:00:59");
  CHECK(format_eta(3725) == "1:02:05");
  CHECK(format_eta(360000) == "100:00:00");
  CHECK(format_rate(0) == "0 B/s");
  CHECK(format_rate(-3) == "0 B/s");
  CHECK(format_rate(std::nan("")) == "0 B/s");
  CHECK(format_rate(999) == "999 B/s");
  CHECK(format_rate(1536) == "1.50 KiB/s");
  CHECK(format_rate(1e300).find("/s") != std::string::npos);
}

TEST_CASE("progress: choosing the mode") {
  CHECK(choose_progress_mode(true, true, true) == progress_mode::json);
  CHECK(choose_progress_mode(false, true, true) == progress_mode::quiet);
  CHECK(choose_progress_mode(false, false, true) == progress_mode::tty);
  CHECK(choose_progress_mode(false, false, false) == progress_mode::plain);
  CHECK(terminal_width(-1) == 0);
}
