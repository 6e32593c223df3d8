#include <catch2/catch.hpp>

#include <set>

#include "main/log_timeline.hpp"
#include "tests/main/log_test_util.hpp"

using namespace actorrent;
using namespace actorrent::msglog;
using actorrent::test::actor;
using actorrent::test::event_line;
using actorrent::test::message_line;
using actorrent::test::t0;

namespace {

// The page's embedded data, with its escapes undone by the JSON parser.
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"data\">";
  auto from = html.find(open);
  REQUIRE(from != std::string::npos);
  from += open.size();
  auto to = html.find("</script>", from);
  REQUIRE(to != std::string::npos);
  return nlohmann::json::parse(html.substr(from, to - from));
}

const auto session = actor("session", 1);
const auto torrent = actor("torrent", 5, test::torrent_a);
const auto pm = actor("piece_manager", 7, test::torrent_a);
const auto tracker = actor("tracker", 6, test::torrent_a);
const auto p10 = actor("peer", 10, test::torrent_a, "127.0.0.1:6001");
const auto p11 = actor("peer", 11, test::torrent_a, "127.0.0.1:6002");
const auto sock = actor("socket", 0, test::torrent_a, "127.0.0.1:6001");

}  // namespace

TEST_CASE("log timeline: lanes grouped session, torrent, parts, peers - arrows coloured by type") {
  timeline_builder b(5000);
  b.add(test::parse(event_line(t0, "spawned", session)));
  b.add(test::parse(event_line(t0 + 10, "spawned", p11, {{"parent", torrent}})));  // peers first
  b.add(test::parse(message_line(t0 + 20, p11, pm, "have", {{"piece", 1}})));
  b.add(test::parse(message_line(t0 + 30, pm, p10, "picked", {{"piece", 2}})));
  b.add(test::parse(message_line(t0 + 31, pm, p11, "picked", {{"piece", 3}})));
  b.add(test::parse(message_line(t0 + 40, torrent, tracker, "announce",
                                 {{"url", "http://tracker.example/announce"}})));
  b.add(test::parse(message_line(t0 + 50, session, torrent, "stop</script><script>alert(1)")));
  b.add(test::parse(message_line(t0 + 60, sock, p10, "frames", {{"bytes", 100}})));
  b.add(test::parse(message_line(t0 + 61, pm, pm, "tick")));
  b.add(test::parse(event_line(t0 + 70, "wire", p10, {{"dir", "in"}, {"what", "unchoke"}})));
  b.add(test::parse(event_line(t0 + 80, "terminated", p11, {{"reason", "killed"}})));
  CHECK(b.messages_kept() == 7);
  CHECK_FALSE(b.truncated());

  auto html = b.html("test <page>", {"/tmp/msgs.jsonl"}, std::nullopt, std::nullopt);
  // Self-contained: no URL at all, even the one in a message's fields; no early </script>.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("</script><script>alert") == std::string::npos);
  CHECK(html.find("<title>test &lt;page&gt;</title>") != std::string::npos);
  CHECK(html.find("7 messages, 4 events, 7 actors") != std::string::npos);

  auto d = page_data(html);
  std::vector<std::string> labels, groups;
  for (const auto& l : d["lanes"]) {
    labels.push_back(l["label"]);
    groups.push_back(l["group"]);
  }
  CHECK(labels == std::vector<std::string>{"session#1", "torrent#5", "tracker#6", "piece_manager#7",
                                           "peer#11", "peer#10", "socket (peer connections)"});
  CHECK(groups == std::vector<std::string>{"session", "torrent", "parts", "parts", "peers", "peers",
                                           "peers"});
  CHECK(d["lanes"][4]["detail"] == "127.0.0.1:6002 9f3c01ab");
  CHECK(d["start"] == t0);
  CHECK(d["end"] == t0 + 80);

  // Types by count, each with its own colour.
  REQUIRE(d["types"].size() == 6);
  CHECK(d["types"][0]["name"] == "picked");
  CHECK(d["types"][0]["count"] == 2);
  std::set<std::string> colours;
  for (const auto& t : d["types"])
    colours.insert(t["color"].get<std::string>());
  CHECK(colours.size() == 6);

  // Arrows: [time after start, from lane, to lane, type, tooltip text].
  REQUIRE(d["msgs"].size() == 7);
  CHECK(d["msgs"][0][0] == 20);
  CHECK(d["msgs"][0][1] == 4);  // peer#11
  CHECK(d["msgs"][0][2] == 3);  // piece_manager#7
  CHECK(d["types"][d["msgs"][0][3].get<std::size_t>()]["name"] == "have");
  CHECK(d["msgs"][0][4] == "piece=1");
  CHECK(d["msgs"][3][4] == "url=http://tracker.example/announce");  // intact once parsed
  CHECK(d["msgs"][5][4].get<std::string>().find("socket@127.0.0.1:6001 → peer#10") == 0);
  CHECK(d["msgs"][6][1] == d["msgs"][6][2]);  // a message to itself

  REQUIRE(d["events"].size() == 4);
  CHECK(d["events"][3][2] == "terminated");
  CHECK(d["events"][3][1] == 4);
  CHECK(d["events"][3][3] == "reason: killed");
  // peer#11 lived from its spawn to its end; the session from the window's start to its end.
  CHECK(d["lanes"][4]["alive"] == nlohmann::json::array({10, 80}));
  CHECK(d["lanes"][0]["alive"] == nlohmann::json::array({0, 80}));

  // The page draws what the data says: lanes, arrows, legend, tooltip, axis.
  for (const char* part : {"'lane-label g-'", "marker-end", "id=\"legend\"", "showTip",
                           "position: sticky", "overflow: auto", "probe="})
    CHECK(html.find(part) != std::string::npos);
}

TEST_CASE("log timeline: at most --max-messages, the window given, the page says it was cut") {
  timeline_builder b(100);
  for (int i = 0; i < 250; ++i)
    b.add(test::parse(message_line(t0 + i * 1000, actor("peer", 10 + i % 3),
                                   actor("piece_manager", 7), i % 2 ? "have" : "block")));
  CHECK(b.messages_kept() == 100);
  CHECK(b.messages_seen() == 250);
  CHECK(b.truncated());
  CHECK(b.lane_count() == 4);
  auto html = b.html("t", {"a.jsonl"}, t0 - 5000, t0 + 10000000);
  CHECK(html.find("the first 100 of 250 in the window") != std::string::npos);
  auto d = page_data(html);
  CHECK(d["start"] == t0 - 5000);
  CHECK(d["end"] == t0 + 99000);  // cut: the page ends with its last message
  CHECK(d["msgs"].size() == 100);
  CHECK(d["msgs"][0][0] == 5000);
}

TEST_CASE("log timeline: an empty window still makes a page") {
  timeline_builder b(10);
  auto html = b.html("empty", {}, std::nullopt, std::nullopt);
  auto d = page_data(html);
  CHECK(d["msgs"].empty());
  CHECK(d["lanes"].empty());
  CHECK(html.find("0 messages") != std::string::npos);
}
