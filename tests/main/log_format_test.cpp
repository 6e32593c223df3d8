#include <catch2/catch.hpp>

#include "main/log_format.hpp"
#include "tests/main/log_test_util.hpp"

using namespace actorrent;
using namespace actorrent::msglog;
using actorrent::test::actor;
using actorrent::test::event_line;
using actorrent::test::message_line;
using actorrent::test::t0;

TEST_CASE("log format: times with microseconds - actors as kind#id@peer") {
  CHECK(format_time(t0 + 123, true) == "2025-11-21 13:00:00.000123Z");
  CHECK(format_time(t0 + 1999999, true) == "2025-11-21 13:00:01.999999Z");
  auto local = format_time(t0 + 5);
  CHECK(local.size() == 26);
  CHECK(local.substr(19) == ".000005");

  CHECK(format_actor(actor_from_json(actor("peer", 41, test::torrent_a, "127.0.0.1:51413"))) ==
        "peer#41@127.0.0.1:51413");
  CHECK(format_actor(actor_from_json(actor("piece_manager", 12, test::torrent_a))) ==
        "piece_manager#12");
  CHECK(format_actor(actor_from_json(actor("socket", 0, "", "10.0.0.1:1"))) == "socket@10.0.0.1:1");
  CHECK(format_actor(actor_from_json(actor("client", 0))) == "client");
  CHECK(format_actor(actor_ref{}) == "?");
  CHECK(short_torrent(test::torrent_a) == "9f3c01ab");
}

TEST_CASE("log format: compact fields") {
  nlohmann::json fields = {{"blocks", {{{"piece", 3}, {"offset", 0}, {"length", 16384}}}},
                           {"interesting", true},
                           {"name", "a b"},
                           {"buf", {{"bytes", 16384}}}};
  CHECK(compact_fields(fields) ==
        "blocks=[{length=16384 offset=0 piece=3}] buf={bytes=16384} interesting=true name=\"a b\"");
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 12; ++i)
    many.push_back(i);
  CHECK(compact_value(many) == "[0,1,2,3,4,5,6,7,…+4]");
}

TEST_CASE("log format: one line per record, time, from → to, type, fields") {
  auto m = test::parse(message_line(t0 + 1, actor("piece_manager", 12, test::torrent_a),
                                    actor("peer", 41, test::torrent_a, "127.0.0.1:51413"), "picked",
                                    {{"piece", 3}}));
  auto line = format_record(m, true);
  CHECK(line.find("2025-11-21 13:00:00.000001Z  piece_manager#12 → peer#41@127.0.0.1:51413") == 0);
  CHECK(line.find("  picked ") != std::string::npos);
  CHECK(line.substr(line.size() - 7) == "piece=3");

  nlohmann::json sampled =
      nlohmann::json::parse(message_line(t0, actor("peer", 1), actor("disk_writer", 2), "block"));
  sampled["sampled"] = 64;
  CHECK(format_record(test::parse(sampled.dump()), true).find("(sampled: 1 of 64)") !=
        std::string::npos);

  auto spawn =
      test::parse(event_line(t0, "spawned", actor("peer", 41), {{"parent", actor("torrent", 8)}}));
  auto s = format_record(spawn, true);
  CHECK(s.find("torrent#8 → peer#41") != std::string::npos);
  CHECK(s.find("spawned") != std::string::npos);

  auto term = test::parse(event_line(t0, "terminated", actor("peer", 41), {{"reason", "killed"}}));
  auto tl = format_record(term, true);
  CHECK(tl.find("peer#41 ") != std::string::npos);
  CHECK(tl.find("terminated") != std::string::npos);
  CHECK(tl.substr(tl.size() - 13) == "reason=killed");

  auto wire_in = test::parse(event_line(
      t0, "wire", actor("peer", 41, "", "1.2.3.4:5"),
      {{"dir", "in"}, {"what", "bitfield"}, {"fields", {{"pieces", 120}, {"of", 256}}}}));
  auto w = format_record(wire_in, true);
  CHECK(w.find("1.2.3.4:5 → peer#41@1.2.3.4:5") != std::string::npos);
  CHECK(w.find("wire:bitfield") != std::string::npos);
  CHECK(w.find("of=256 pieces=120") != std::string::npos);

  auto later = test::parse(
      R"({"t": 1763730000000000, "event": "gc", "actor": {"kind": "session", "id": 1}, "freed": 3})");
  CHECK(format_record(later, true).find("gc                freed=3") != std::string::npos);
}
