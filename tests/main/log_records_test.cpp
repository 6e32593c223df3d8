#include <catch2/catch.hpp>

#include "main/log_records.hpp"
#include "tests/main/log_test_util.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;
using namespace actorrent::msglog;
using actorrent::test::actor;
using actorrent::test::event_line;
using actorrent::test::message_line;
using actorrent::test::t0;

namespace {

std::string parse_error(const std::string& line) {
  record r;
  std::string error;
  INFO(line);
  REQUIRE_FALSE(parse_record(line, r, error));
  return error;
}

std::vector<record> read_all(const std::vector<std::string>& args,
                             std::vector<std::string>* warnings = nullptr) {
  std::vector<log_source> sources;
  std::string error;
  REQUIRE(resolve_sources(args, sources, error));
  record_reader reader(sources, [&](const std::string& w) {
    if (warnings) warnings->push_back(w);
  });
  std::vector<record> out;
  record r;
  while (reader.next(r))
    out.push_back(r);
  REQUIRE(reader.error().empty());
  return out;
}

}  // namespace

TEST_CASE("log records: a message line gives its time, type and both actors") {
  auto line = message_line(
      t0 + 5, actor("piece_manager", 12, test::torrent_a),
      actor("peer", 41, test::torrent_a, "127.0.0.1:51413"), "picked",
      {{"blocks", {{{"piece", 3}, {"offset", 0}, {"length", 16384}}}}, {"interesting", true}});
  auto r = test::parse(line);
  CHECK(r.t == t0 + 5);
  CHECK(r.event == "message");
  CHECK(r.type == "picked");
  CHECK(r.from.present);
  CHECK(r.from.kind == "piece_manager");
  CHECK(r.from.id == 12);
  CHECK(r.from.torrent == test::torrent_a);
  CHECK(r.to.kind == "peer");
  CHECK(r.to.id == 41);
  CHECK(r.to.peer == "127.0.0.1:51413");
  CHECK_FALSE(r.actor.present);
  CHECK(r.raw == line);
  CHECK(r.json["fields"]["blocks"][0]["piece"] == 3);
}

TEST_CASE("log records: events, wire lines, unknown keys and kinds") {
  auto r = test::parse(event_line(
      t0, "restarted", actor("peer", 44, "", "10.0.0.2:6881"),
      {{"replaces", 37}, {"parent", actor("torrent", 8)}, {"restarts", 2}, {"reason", "killed"}}));
  CHECK(r.event == "restarted");
  CHECK(r.actor.id == 44);
  CHECK(r.parent.kind == "torrent");
  CHECK(r.parent.id == 8);

  auto w =
      test::parse(event_line(t0, "wire", actor("peer", 41), {{"dir", "in"}, {"what", "bitfield"}}));
  CHECK(w.type == "bitfield");  // a wire line's type is its `what`

  // Later versions add keys: ignored. An actor without a kind is "unknown".
  auto u = test::parse(
      R"({"t": 7, "event": "message", "from": {"id": 3}, "to": {"kind": "choker", "id": 4},)"
      R"( "type": "tick", "fields": {}, "node": "n1", "future": [1, 2]})");
  CHECK(u.from.kind == "unknown");
  CHECK(u.from.id == 3);
  CHECK(u.to.kind == "choker");
  // A message without a sender (a socket's) has no `from`.
  auto s =
      test::parse(R"({"t": 7, "event": "message", "to": {"kind": "peer", "id": 4}, "type": "x"})");
  CHECK_FALSE(s.from.present);
}

TEST_CASE("log records: malformed lines are refused with a reason") {
  CHECK(parse_error("{\"t\": 1, \"event\": ").find("not JSON") == 0);
  CHECK(parse_error("[1, 2]") == "not a JSON object");
  CHECK(parse_error(R"({"event": "message"})") == "no integer \"t\"");
  CHECK(parse_error(R"({"t": "12", "event": "message"})") == "no integer \"t\"");
  CHECK(parse_error(R"({"t": 1.5, "event": "message"})") == "no integer \"t\"");
  CHECK(parse_error(R"({"t": 12})") == "no string \"event\"");
  CHECK(parse_error(R"({"t": 12, "event": 3})") == "no string \"event\"");
}

TEST_CASE("log records: rotated names follow spdlog (the extension stays last)") {
  CHECK(rotated_name("msgs.jsonl", 0) == "msgs.jsonl");
  CHECK(rotated_name("msgs.jsonl", 1) == "msgs.1.jsonl");
  CHECK(rotated_name("/var/log/a.b/msgs.jsonl", 12) == "/var/log/a.b/msgs.12.jsonl");
  CHECK(rotated_name("/var/log/a.b/msgs", 2) == "/var/log/a.b/msgs.2");
  CHECK(rotated_name("dir/.hidden", 1) == "dir/.hidden.1");

  auto b = rotated_base("logs/msgs.3.jsonl");
  REQUIRE(b);
  CHECK(b->first == "logs/msgs.jsonl");
  CHECK(b->second == 3);
  auto c = rotated_base("msgs.2");
  REQUIRE(c);
  CHECK(c->first == "msgs");
  CHECK_FALSE(rotated_base("msgs.jsonl"));
  CHECK_FALSE(rotated_base("v1.2/msgs.jsonl"));
  CHECK_FALSE(rotated_base("msgs.0.jsonl"));
}

TEST_CASE(
    "log records: a FILE brings its rotated siblings, oldest first; a missing FILE is named") {
  test::temp_dir dir("actorrent-log");
  auto base = (dir.path / "msgs.jsonl").string();
  test::write_lines(dir.path / "msgs.2.jsonl",
                    {message_line(t0 + 1, actor("a", 1), actor("b", 2), "first")});
  test::write_lines(dir.path / "msgs.1.jsonl",
                    {message_line(t0 + 2, actor("a", 1), actor("b", 2), "second")});
  test::write_lines(base, {message_line(t0 + 3, actor("a", 1), actor("b", 2), "third")});

  std::vector<log_source> sources;
  std::string error;
  REQUIRE(resolve_sources({base}, sources, error));
  REQUIRE(sources.size() == 1);
  CHECK(sources[0].files == std::vector<std::string>{(dir.path / "msgs.2.jsonl").string(),
                                                     (dir.path / "msgs.1.jsonl").string(), base});

  // A shell glob names every sibling: they join their base's chain, each file read once.
  auto globbed =
      read_all({(dir.path / "msgs.1.jsonl").string(), (dir.path / "msgs.2.jsonl").string(), base});
  REQUIRE(globbed.size() == 3);
  CHECK(globbed[0].type == "first");
  CHECK(globbed[2].type == "third");
  CHECK(globbed[2].source == 0);

  // A sibling named alone is read alone.
  auto alone = read_all({(dir.path / "msgs.1.jsonl").string()});
  REQUIRE(alone.size() == 1);
  CHECK(alone[0].type == "second");

  CHECK_FALSE(resolve_sources({base, (dir.path / "nope.jsonl").string()}, sources, error));
  CHECK(error.find("nope.jsonl") != std::string::npos);
}

TEST_CASE("log records: several FILEs are merged by time - malformed lines warn with file:line") {
  test::temp_dir dir("actorrent-log");
  auto a = (dir.path / "seed.jsonl").string();
  auto b = (dir.path / "leech.jsonl").string();
  test::write_lines(
      a, {message_line(t0 + 10, actor("x", 1), actor("y", 2), "a10"), "this is not json", "",
          message_line(t0 + 30, actor("x", 1), actor("y", 2), "a30")});
  test::write_lines(b, {message_line(t0 + 5, actor("x", 1), actor("y", 2), "b5"),
                        message_line(t0 + 20, actor("x", 1), actor("y", 2), "b20"), R"({"t": 25})",
                        message_line(t0 + 40, actor("x", 1), actor("y", 2), "b40")});
  std::vector<std::string> warnings;
  auto all = read_all({a, b}, &warnings);
  std::vector<std::string> types;
  for (const auto& r : all)
    types.push_back(r.type);
  CHECK(types == std::vector<std::string>{"b5", "a10", "b20", "a30", "b40"});
  CHECK(all[0].source == 1);
  CHECK(all[1].source == 0);
  CHECK(all[1].file == a);
  CHECK(all[1].line == 1);
  CHECK(all[3].line == 4);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].find(a + ":2: not JSON") == 0);
  CHECK(warnings[1] == b + ":3: no string \"event\"");

  auto first = first_time(log_source{a, {a}});
  REQUIRE(first);
  CHECK(*first == t0 + 10);
}
