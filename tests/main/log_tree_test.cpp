#include <catch2/catch.hpp>

#include <sstream>

#include "main/log_tree.hpp"
#include "tests/main/log_test_util.hpp"

// Named: the file shares a unity batch with other tests.
namespace log_tree_test {

using namespace actorrent;
using namespace actorrent::msglog;
using actorrent::test::actor;
using actorrent::test::event_line;
using actorrent::test::message_line;
using actorrent::test::t0;

namespace {

const auto session = actor("session", 1);
const auto torrent = actor("torrent", 5, test::torrent_a);
const auto tracker = actor("tracker", 6, test::torrent_a);
const auto pm = actor("piece_manager", 7, test::torrent_a);
const auto p10 = actor("peer", 10, test::torrent_a, "127.0.0.1:6001");
const auto p11 = actor("peer", 11, test::torrent_a, "127.0.0.1:6002");
const auto p12 = actor("peer", 12, test::torrent_a, "127.0.0.1:6001");  // p10 restarted
const auto p13 = actor("peer", 13, test::torrent_a, "127.0.0.1:6001");  // p12 restarted

// Seconds after t0: 0 session, 1 torrent and its parts, 2 peers, 3 p10 killed and replaced
// by p12, 4 p11 closed normally, 5 p12 killed and replaced by p13 (restart 2).
std::vector<std::string> lifecycle() {
  auto s = [](double secs) { return t0 + static_cast<std::int64_t>(secs * 1e6); };
  return {
      event_line(s(0), "spawned", session),
      event_line(s(1), "spawned", torrent, {{"parent", session}}),
      event_line(s(1.1), "spawned", tracker, {{"parent", torrent}}),
      event_line(s(1.2), "spawned", pm, {{"parent", torrent}}),
      event_line(s(2), "spawned", p10, {{"parent", torrent}}),
      event_line(s(2.1), "spawned", p11, {{"parent", torrent}}),
      message_line(s(2.5), pm, p10, "picked"),
      event_line(s(3), "terminated", p10, {{"reason", "killed"}}),
      event_line(s(3.1), "spawned", p12, {{"parent", torrent}}),
      event_line(s(3.1), "restarted", p12,
                 {{"replaces", 10}, {"parent", torrent}, {"restarts", 1}, {"reason", "killed"}}),
      event_line(s(4), "terminated", p11, {{"reason", "normal"}}),
      // The restart line before the new actor's spawned line: either order is fine.
      event_line(s(5), "restarted", p13,
                 {{"replaces", 12}, {"parent", torrent}, {"restarts", 2}, {"reason", "killed"}}),
      event_line(s(5), "spawned", p13, {{"parent", torrent}}),
  };
}

supervision_tree tree_at(double secs) {
  supervision_tree tree;
  for (const auto& line : lifecycle()) {
    auto r = test::parse(line);
    if (r.t <= t0 + static_cast<std::int64_t>(secs * 1e6)) tree.add(r);
  }
  return tree;
}

std::string text(const supervision_tree& t, bool all) {
  std::ostringstream out;
  t.print(out, all, 1);
  return out.str();
}

}  // namespace

TEST_CASE("log tree: before any restart, every actor alive under its supervisor") {
  auto t = tree_at(2.5);
  CHECK(t.alive() == 6);
  CHECK(t.terminated() == 0);
  CHECK(text(t, false) ==
        "session#1\n"
        "└─ torrent#5 9f3c01ab\n"
        "   ├─ tracker#6 9f3c01ab\n"
        "   ├─ piece_manager#7 9f3c01ab\n"
        "   ├─ peer#10 9f3c01ab 127.0.0.1:6001\n"
        "   └─ peer#11 9f3c01ab 127.0.0.1:6002\n");
}

TEST_CASE("log tree: after a restart the new actor carries the count - the old one is gone") {
  auto t = tree_at(3.5);
  CHECK(t.alive() == 6);
  CHECK(t.terminated() == 1);
  CHECK(t.restart_events() == 1);
  auto out = text(t, false);
  INFO(out);
  CHECK(out.find("peer#10") == std::string::npos);
  CHECK(out.find("   └─ peer#12 9f3c01ab 127.0.0.1:6001  restarts 1 (replaced #10)\n") !=
        std::string::npos);
}

TEST_CASE("log tree: at the end, the second restart - --all shows the terminated") {
  auto t = tree_at(100);
  CHECK(t.alive() == 5);
  CHECK(t.terminated() == 3);
  CHECK(t.restart_events() == 2);
  auto out = text(t, false);
  INFO(out);
  CHECK(out ==
        "session#1\n"
        "└─ torrent#5 9f3c01ab\n"
        "   ├─ tracker#6 9f3c01ab\n"
        "   ├─ piece_manager#7 9f3c01ab\n"
        "   └─ peer#13 9f3c01ab 127.0.0.1:6001  restarts 2 (replaced #12)\n");
  auto all = text(t, true);
  INFO(all);
  CHECK(all.find("├─ peer#10 9f3c01ab 127.0.0.1:6001  terminated ") != std::string::npos);
  CHECK(all.find(": killed\n") != std::string::npos);
  CHECK(all.find("peer#11 9f3c01ab 127.0.0.1:6002  terminated ") != std::string::npos);
  CHECK(all.find(": normal\n") != std::string::npos);
  CHECK(all.find("peer#12 9f3c01ab 127.0.0.1:6001  restarts 1 (replaced #10)  terminated") !=
        std::string::npos);

  auto j = t.to_json(false);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["kind"] == "session");
  auto kids = j[0]["children"][0]["children"];
  REQUIRE(kids.size() == 3);
  CHECK(kids[2]["id"] == 13);
  CHECK(kids[2]["restarts"] == 2);
  CHECK(kids[2]["replaces"] == 12);
}

TEST_CASE("log tree: a supervisor never seen spawned, a terminated parent with living children") {
  supervision_tree t;
  // The log starts after the session was spawned: its torrent names it as parent.
  t.add(test::parse(event_line(t0, "spawned", torrent, {{"parent", session}})));
  t.add(test::parse(event_line(t0 + 1, "spawned", p10, {{"parent", torrent}})));
  t.add(test::parse(event_line(t0 + 2, "terminated", torrent, {{"reason", "killed"}})));
  auto out = text(t, false);
  INFO(out);
  CHECK(out.find("session#1  (spawn not logged)\n") == 0);
  CHECK(out.find("└─ torrent#5 9f3c01ab  terminated ") != std::string::npos);
  CHECK(out.find("   └─ peer#10") != std::string::npos);
  // A cycle (a malformed log) does not hang the printer.
  t.add(test::parse(event_line(t0 + 3, "spawned", session, {{"parent", p10}})));
  CHECK_FALSE(text(t, true).empty());
}

}  // namespace log_tree_test
