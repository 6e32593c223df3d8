#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "main/log_follow.hpp"
#include "tests/main/log_test_util.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
using namespace actorrent::msglog;
using actorrent::test::actor;
using actorrent::test::message_line;
using actorrent::test::t0;

namespace {

std::vector<std::string> texts(log_tailer& t) {
  std::vector<tailed_line> lines;
  t.poll(lines);
  std::vector<std::string> out;
  for (auto& l : lines)
    out.push_back(l.text);
  return out;
}

}  // namespace

TEST_CASE("log follow: a tailer starts at the end, waits for whole lines, counts line numbers") {
  test::temp_dir dir("actorrent-follow");
  auto path = dir.path / "msgs.jsonl";
  test::write_lines(path, {"one", "two"});
  {
    std::ofstream out(path, std::ios::app);
    out << "thr";  // a line being written
  }
  log_tailer t(path.string());
  std::string error;
  REQUIRE(t.open(false, error));
  CHECK(texts(t).empty());
  {
    std::ofstream out(path, std::ios::app);
    out << "ee\nfour\nfi";
  }
  std::vector<tailed_line> lines;
  t.poll(lines);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "three");  // completed: the part before the start is not lost
  CHECK(lines[0].line == 3);
  CHECK(lines[1].text == "four");
  CHECK(lines[1].line == 4);
  test::append_lines(path, {"ve"});
  CHECK(texts(t) == std::vector<std::string>{"five"});

  log_tailer missing((dir.path / "nope.jsonl").string());
  CHECK_FALSE(missing.open(false, error));
  CHECK(error.find("nope.jsonl") != std::string::npos);
}

TEST_CASE("log follow: rotation (renamed to .1, a new file) finishes the old file, then the new") {
  test::temp_dir dir("actorrent-follow");
  auto path = dir.path / "msgs.jsonl";
  test::write_lines(path, {"old-1"});
  log_tailer t(path.string());
  std::string error;
  REQUIRE(t.open(true, error));
  CHECK(texts(t) == std::vector<std::string>{"old-1"});

  // The writer adds a line, rotates (rename), and writes into a new file before the next poll.
  test::append_lines(path, {"old-2"});
  std::filesystem::rename(path, dir.path / "msgs.1.jsonl");
  CHECK(texts(t) == std::vector<std::string>{"old-2"});      // between rename and create: wait
  test::append_lines(dir.path / "msgs.1.jsonl", {"old-3"});  // a late line of the old file
  test::write_lines(path, {"new-1", "new-2"});
  std::vector<tailed_line> lines;
  CHECK(t.poll(lines));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == "old-3");
  CHECK(lines[1].text == "new-1");
  CHECK(lines[1].line == 1);
  CHECK(lines[2].text == "new-2");
  test::append_lines(path, {"new-3"});
  CHECK(texts(t) == std::vector<std::string>{"new-3"});

  // Cut shorter in place (copytruncate): read again from the start.
  { std::ofstream cut(path, std::ios::trunc); }
  test::append_lines(path, {"again"});
  CHECK(texts(t) == std::vector<std::string>{"again"});
}

TEST_CASE("log follow: -n, filters and --idle-exit") {
  test::temp_dir dir("actorrent-follow");
  auto path = dir.path / "msgs.jsonl";
  std::vector<std::string> lines;
  for (int i = 0; i < 10; ++i)
    lines.push_back(message_line(t0 + i, actor("peer", 1), actor("choker", 2),
                                 i % 2 ? "odd" : "even", {{"i", i}}));
  lines.push_back("garbage");
  test::write_lines(path, lines);

  record_filter filter;
  std::string error;
  REQUIRE(filter.init({{}, {"odd"}, {}, {}, {}, "", ""}, error));
  follow_options o;
  o.files = {path.string()};
  o.last = 2;
  o.json = true;
  o.idle_exit_s = 0.3;
  o.poll_s = 0.05;
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    test::append_lines(
        path, {message_line(t0 + 20, actor("peer", 1), actor("choker", 2), "odd", {{"i", 20}}),
               message_line(t0 + 21, actor("peer", 1), actor("choker", 2), "even", {{"i", 21}})});
  });
  auto started = std::chrono::steady_clock::now();
  CHECK(follow(o, filter, out, err, stop) == 0);
  writer.join();
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(took >= 0.3);
  CHECK(took < 5);
  std::vector<std::string> got;
  std::istringstream in(out.str());
  for (std::string l; std::getline(in, l);)
    got.push_back(nlohmann::json::parse(l)["fields"]["i"].dump());
  CHECK(got == std::vector<std::string>{"7", "9", "20"});
  CHECK(err.str().find(path.string() + ":11: not JSON") != std::string::npos);

  o.files = {(dir.path / "nope.jsonl").string()};
  std::ostringstream err2;
  CHECK(follow(o, filter, out, err2, stop) == 1);
  CHECK(err2.str().find("nope.jsonl") != std::string::npos);
}
