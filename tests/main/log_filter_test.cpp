#include <catch2/catch.hpp>

#include "main/log_filter.hpp"
#include "main/log_format.hpp"
#include "tests/main/log_test_util.hpp"

using namespace actorrent;
using namespace actorrent::msglog;
using actorrent::test::actor;
using actorrent::test::event_line;
using actorrent::test::message_line;
using actorrent::test::t0;

namespace {

record_filter make(const filter_options& o) {
  record_filter f;
  std::string error;
  INFO(error);
  REQUIRE(f.init(o, error));
  f.set_first_time(t0);
  return f;
}

record picked() {
  return test::parse(message_line(t0 + 1500000, actor("piece_manager", 12, test::torrent_a),
                                  actor("peer", 41, test::torrent_a, "127.0.0.1:51413"), "picked",
                                  {{"piece", 3}}));
}
record have() {
  return test::parse(message_line(t0 + 2500000, actor("peer", 50, test::torrent_b, "[::1]:6881"),
                                  actor("piece_manager", 13, test::torrent_b), "have",
                                  {{"piece", 7}}));
}
record restarted() {
  return test::parse(event_line(
      t0 + 3000000, "restarted", actor("peer", 44, test::torrent_a, "10.0.0.9:7000"),
      {{"replaces", 41}, {"parent", actor("torrent", 8, test::torrent_a)}, {"restarts", 1}}));
}
record wire() {
  return test::parse(event_line(t0 + 4000000, "wire",
                                actor("peer", 44, test::torrent_a, "10.0.0.9:7000"),
                                {{"dir", "in"}, {"what", "choke"}}));
}

}  // namespace

TEST_CASE("log filter: time specs (absolute, µs, +SECONDS, time of day)") {
  std::string error;
  auto utc = parse_time_spec("2025-11-21T13:00:01.5Z", error);
  REQUIRE(utc);
  CHECK(resolve_time(*utc, 0) == t0 + 1500000);
  auto utc_space = parse_time_spec("2025-11-21 13:00:00.000002Z", error);
  REQUIRE(utc_space);
  CHECK(resolve_time(*utc_space, 0) == t0 + 2);
  auto day = parse_time_spec("2025-11-21Z", error);
  REQUIRE(day);
  CHECK(resolve_time(*day, 0) == t0 - 13 * 3600 * std::int64_t{1000000});

  // Local time: whatever the zone, it reads back what format_time prints.
  auto local = parse_time_spec(format_time(t0 + 123456).replace(10, 1, "T"), error);
  REQUIRE(local);
  CHECK(resolve_time(*local, 0) == t0 + 123456);

  auto us = parse_time_spec("1763730000000007", error);
  REQUIRE(us);
  CHECK(resolve_time(*us, 0) == t0 + 7);

  auto rel = parse_time_spec("+2.25", error);
  REQUIRE(rel);
  CHECK(resolve_time(*rel, t0) == t0 + 2250000);

  auto tod = parse_time_spec("13:00:04Z", error);
  REQUIRE(tod);
  CHECK(resolve_time(*tod, t0 + 1000) == t0 + 4000000);

  for (const char* bad : {"", "yesterday", "+", "+-1", "2025-13-01", "2025-11-21T25:00", "13:61",
                          "2025-11-21T13:00:00.Z", "12345678901234567890"}) {
    INFO(bad);
    CHECK_FALSE(parse_time_spec(bad, error));
  }
  CHECK(error.find("is not a time") != std::string::npos);
}

TEST_CASE("log filter: --actor KIND, KIND#ID, #ID match sender, receiver or event actor") {
  CHECK(make({{"peer"}, {}, {}, {}, {}, "", ""}).matches(picked()));
  CHECK(make({{"piece_manager#12"}, {}, {}, {}, {}, "", ""}).matches(picked()));
  CHECK_FALSE(make({{"piece_manager#13"}, {}, {}, {}, {}, "", ""}).matches(picked()));
  CHECK(make({{"#41"}, {}, {}, {}, {}, "", ""}).matches(picked()));
  CHECK_FALSE(make({{"choker"}, {}, {}, {}, {}, "", ""}).matches(picked()));
  // Repeatable: OR.
  CHECK(make({{"choker", "peer#41"}, {}, {}, {}, {}, "", ""}).matches(picked()));
  // Events: the actor, and for a restart the actor it replaced; not the parent.
  CHECK(make({{"peer#44"}, {}, {}, {}, {}, "", ""}).matches(restarted()));
  CHECK(make({{"peer#41"}, {}, {}, {}, {}, "", ""}).matches(restarted()));
  CHECK_FALSE(make({{"torrent"}, {}, {}, {}, {}, "", ""}).matches(restarted()));

  record_filter f;
  std::string error;
  CHECK_FALSE(f.init({{"peer#x"}, {}, {}, {}, {}, "", ""}, error));
  CHECK(error.find("peer#x") != std::string::npos);
}

TEST_CASE("log filter: --type matches a message type, a wire line's what, or an event") {
  CHECK(make({{}, {"picked"}, {}, {}, {}, "", ""}).matches(picked()));
  CHECK_FALSE(make({{}, {"have"}, {}, {}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {"have", "picked"}, {}, {}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {"restarted"}, {}, {}, {}, "", ""}).matches(restarted()));
  CHECK(make({{}, {"choke"}, {}, {}, {}, "", ""}).matches(wire()));
  CHECK(make({{}, {"wire"}, {}, {}, {}, "", ""}).matches(wire()));
  CHECK_FALSE(make({{}, {"message"}, {}, {}, {}, "", ""}).matches(wire()));
}

TEST_CASE("log filter: --torrent is a hex prefix (any case), --peer an address substring") {
  CHECK(make({{}, {}, {"9f3c"}, {}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {}, {"9F3C01AB"}, {}, {}, "", ""}).matches(picked()));
  CHECK_FALSE(make({{}, {}, {"77e0"}, {}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {}, {"77e0", "9f"}, {}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {}, {"9f3c"}, {}, {}, "", ""}).matches(restarted()));  // the parent counts too
  record_filter f;
  std::string error;
  CHECK_FALSE(f.init({{}, {}, {"xyz"}, {}, {}, "", ""}, error));

  CHECK(make({{}, {}, {}, {"127.0.0.1"}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {}, {}, {":51413"}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {}, {}, {"::1"}, {}, "", ""}).matches(have()));
  CHECK_FALSE(make({{}, {}, {}, {"10.0.0"}, {}, "", ""}).matches(picked()));
  CHECK(make({{}, {}, {}, {"10.0.0"}, {}, "", ""}).matches(wire()));
}

TEST_CASE(
    "log filter: --since/--until bound the time (inclusive); +SECONDS from the first record") {
  auto f = make({{}, {}, {}, {}, {}, "+1.5", "+3"});
  CHECK(f.matches(picked()));  // exactly at --since
  CHECK(f.matches(have()));
  CHECK(f.matches(restarted()));  // exactly at --until
  CHECK_FALSE(f.matches(wire()));
  auto g = make({{}, {}, {}, {}, {}, "1763730002000000", ""});
  CHECK_FALSE(g.matches(picked()));
  CHECK(g.matches(have()));

  // Without set_first_time, the first record seen is the origin of +SECONDS.
  record_filter lazy;
  std::string error;
  REQUIRE(lazy.init({{}, {}, {}, {}, {}, "+1", ""}, error));
  CHECK_FALSE(lazy.matches(picked()));  // the origin, 1 s before --since
  CHECK(lazy.matches(have()));          // exactly 1 s after it
}

TEST_CASE("log filter: --grep searches the raw line - filters combine with AND") {
  CHECK(make({{}, {}, {}, {}, {"\"piece\":3"}, "", ""}).matches(picked()));
  CHECK_FALSE(make({{}, {}, {}, {}, {"\"piece\":7"}, "", ""}).matches(picked()));
  CHECK(make({{}, {}, {}, {}, {"nothing", "pi[c]ked"}, "", ""}).matches(picked()));
  record_filter bad;
  std::string error;
  CHECK_FALSE(bad.init({{}, {}, {}, {}, {"("}, "", ""}, error));
  CHECK(error.find("--grep") == 0);

  CHECK(make({{"peer"}, {"picked"}, {"9f3c"}, {"127.0.0.1"}, {"interesting|piece"}, "", ""})
            .matches(picked()));
  CHECK_FALSE(make({{"peer"}, {"picked"}, {"77e0"}, {}, {}, "", ""}).matches(picked()));
  CHECK_FALSE(make({{"choker"}, {"picked"}, {}, {}, {}, "", ""}).matches(picked()));
}
