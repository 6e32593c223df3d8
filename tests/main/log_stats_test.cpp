#include <catch2/catch.hpp>

#include <sstream>

#include "main/log_stats.hpp"
#include "tests/main/log_test_util.hpp"

using namespace actorrent;
using namespace actorrent::msglog;
using actorrent::test::actor;
using actorrent::test::event_line;
using actorrent::test::message_line;
using actorrent::test::t0;

TEST_CASE("log stats: counts and rates by type and actor, top talkers, restarts, terminations") {
  auto pm = actor("piece_manager", 12, test::torrent_a);
  auto p41 = actor("peer", 41, test::torrent_a, "127.0.0.1:51413");
  auto p42 = actor("peer", 42, test::torrent_a, "127.0.0.1:51414");
  auto dw = actor("disk_writer", 13, test::torrent_a);
  log_stats s;
  // 10 s of log: 6 picked pm → p41, 2 picked pm → p42, 3 have p41 → pm, one sampled block line
  // standing for 50 messages, and supervision events.
  for (int i = 0; i < 6; ++i)
    s.add(test::parse(message_line(t0 + i * 1000, pm, p41, "picked")));
  for (int i = 0; i < 2; ++i)
    s.add(test::parse(message_line(t0 + 5000 + i, pm, p42, "picked")));
  for (int i = 0; i < 3; ++i)
    s.add(test::parse(message_line(t0 + 7000 + i, p41, pm, "have")));
  auto block = nlohmann::json::parse(message_line(t0 + 8000, p41, dw, "block"));
  block["sampled"] = 50;
  s.add(test::parse(block.dump()));
  s.add(test::parse(event_line(t0 + 9000, "terminated", p42, {{"reason", "killed"}})));
  s.add(test::parse(event_line(t0 + 9001, "restarted",
                               actor("peer", 43, test::torrent_a, "127.0.0.1:51414"),
                               {{"replaces", 42}, {"restarts", 1}, {"reason", "killed"}})));
  s.add(test::parse(
      event_line(t0 + 9002, "terminated", actor("tracker", 9), {{"reason", "normal"}})));
  s.add(test::parse(
      event_line(t0 + 9003, "terminated", actor("tracker", 10), {{"reason", "normal"}})));
  s.add(test::parse(event_line(t0 + 9004, "restarted", actor("tracker", 11), {{"replaces", 10}})));
  s.add(test::parse(event_line(t0 + 10000000, "terminated", p41, {{"reason", "normal"}})));

  CHECK(s.records() == 18);
  CHECK(s.message_lines() == 12);
  CHECK(s.messages() == 61);
  CHECK(s.duration_s() == Approx(10.0));
  CHECK(s.rate(61) == Approx(6.1));

  auto types = s.by_type();
  REQUIRE(types.size() == 3);
  CHECK(types[0] == std::make_pair(std::string("block"), std::uint64_t{50}));
  CHECK(types[1] == std::make_pair(std::string("picked"), std::uint64_t{8}));
  CHECK(types[2] == std::make_pair(std::string("have"), std::uint64_t{3}));
  CHECK(s.type_sampled("block"));
  CHECK_FALSE(s.type_sampled("picked"));

  auto actors = s.by_actor();
  REQUIRE(actors.size() == 4);
  CHECK(actors[0].actor.kind == "peer");  // p41: 6 received + 3 + 50 sent
  CHECK(actors[0].actor.id == 41);
  CHECK(actors[0].sent == 53);
  CHECK(actors[0].received == 6);
  CHECK(actors[0].actor.peer == "127.0.0.1:51413");
  CHECK(actors[1].actor.kind == "disk_writer");
  CHECK(actors[2].actor.kind == "piece_manager");
  CHECK(actors[2].sent == 8);
  CHECK(actors[2].received == 3);

  auto pairs = s.top_pairs();
  REQUIRE(pairs.size() == 4);
  CHECK(pairs[0].count == 50);
  CHECK(pairs[1].from.id == 12);
  CHECK(pairs[1].to.id == 41);
  CHECK(pairs[1].count == 6);

  auto restarts = s.restarts_by_kind();
  REQUIRE(restarts.size() == 2);
  CHECK(restarts[0] == std::make_pair(std::string("peer"), std::uint64_t{1}));
  CHECK(restarts[1] == std::make_pair(std::string("tracker"), std::uint64_t{1}));
  auto term = s.terminations_by_reason();
  REQUIRE(term.size() == 2);
  CHECK(term[0] == std::make_pair(std::string("normal"), std::uint64_t{3}));
  CHECK(term[1] == std::make_pair(std::string("killed"), std::uint64_t{1}));

  std::ostringstream text;
  s.print(text, 2, 1);
  auto out = text.str();
  INFO(out);
  CHECK(out.find("18 records, 61 messages (12 lines, some sampled)") == 0);
  CHECK(out.find("        50      5.00  block  (sampled)") != std::string::npos);
  CHECK(out.find("messages by actor (4 actors, top 2)") != std::string::npos);
  CHECK(out.find("peer#41@127.0.0.1:51413") != std::string::npos);
  CHECK(out.find("piece_manager#12 9f3c01ab → peer#41@127.0.0.1:51413") != std::string::npos);
  CHECK(out.find("top talkers (sender → receiver, top 2 of 4)") != std::string::npos);
  CHECK(out.find("         1  peer") != std::string::npos);
  CHECK(out.find("         1  killed") != std::string::npos);

  auto j = s.to_json(0);
  CHECK(j["messages"] == 61);
  CHECK(j["by_type"][0]["type"] == "block");
  CHECK(j["by_type"][0]["per_s"].get<double>() == Approx(5.0));
  CHECK(j["by_actor"].size() == 4);
  CHECK(j["by_actor"][0]["actor"]["peer"] == "127.0.0.1:51413");
  CHECK(j["top_talkers"][1]["count"] == 6);
  CHECK(j["restarts_by_kind"]["peer"] == 1);
  CHECK(j["terminations_by_reason"]["normal"] == 3);
  CHECK(j["events"]["message"] == 12);
}

TEST_CASE("log stats: sockets and the client (id 0) are counted apart by address") {
  log_stats s;
  s.add(test::parse(
      message_line(t0, actor("socket", 0, "", "1.1.1.1:1"), actor("peer", 5), "frames")));
  s.add(test::parse(
      message_line(t0 + 1, actor("socket", 0, "", "2.2.2.2:2"), actor("peer", 6), "frames")));
  s.add(test::parse(message_line(t0 + 2, nullptr, actor("peer", 6), "frames")));
  auto actors = s.by_actor();
  CHECK(actors.size() == 5);  // two sockets, two peers, one unknown sender
  CHECK(s.duration_s() == Approx(0.000002));
}
