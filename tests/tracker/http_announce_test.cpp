#include <catch2/catch.hpp>

#include <random>

#include "protocol/bencode_value.hpp"
#include "protocol/hex.hpp"
#include "tracker/http_announce.hpp"
#include "tracker/scrape_url.hpp"

using namespace actorrent;

namespace {

sha1_hash hash_of(std::string_view raw) {
  REQUIRE(raw.size() == sha1_hash::size);
  return sha1_hash::from_bytes(raw);
}

sha1_hash filled(char c) {
  return hash_of(std::string(20, c));
}

std::string compact_v4(std::array<std::uint8_t, 4> ip, std::uint16_t port) {
  std::string out;
  append_compact(peer_address::v4_address(ip, port), out);
  return out;
}

bvalue::dict peer_dict(std::string ip, std::int64_t port) {
  return bvalue::dict{{"ip", bvalue(std::move(ip))}, {"port", bvalue(port)}};
}

// Raw binary with the awkward cases: NUL, space, '~' (0x7e, unreserved), 0xff, '%', and
// characters that mean something in a query.
const std::string awkward_bytes("\x00\x20\x7e\xff~%Az0-._/?&=+\x80\na", 20);
const std::string awkward_encoded = "%00%20~%FF~%25Az0-._%2F%3F%26%3D%2B%80%0Aa";

}  // namespace

TEST_CASE("percent-encoding keeps unreserved characters and encodes every other byte",
          "[http_tracker]") {
  CHECK(url_percent_encode(awkward_bytes) == awkward_encoded);
  CHECK(url_percent_encode("") == "");
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += static_cast<char>(c);
  const auto encoded = url_percent_encode(all);
  CHECK(encoded.size() == 66 + 3 * (256 - 66));  // 66 unreserved characters
  CHECK(encoded.find("%7E") == std::string::npos);
  CHECK(encoded.find("%ff") == std::string::npos);  // upper-case hex only
  CHECK(encoded.substr(encoded.size() - 6) == "%FE%FF");
}

TEST_CASE("announce URL: every parameter, binary hashes exact, existing query kept",
          "[http_tracker]") {
  announce_request r;
  r.info_hash = hash_of(awkward_bytes);
  r.peer_id = hash_of("-AT0001-abcdefghijkl");
  r.port = 6881;
  r.uploaded = 1;
  r.downloaded = 2;
  r.left = 3'000'000'000'000;
  r.event = announce_event::started;
  r.key = 0xBEEF;
  r.numwant = 50;
  r.tracker_id = "x y";
  CHECK(build_announce_url("http://t.example/announce?passkey=abc", r) ==
        "http://t.example/announce?passkey=abc&info_hash=" + awkward_encoded +
            "&peer_id=-AT0001-abcdefghijkl&port=6881&uploaded=1&downloaded=2"
            "&left=3000000000000&compact=1&numwant=50&event=started&key=0000BEEF"
            "&trackerid=x%20y");

  announce_request plain;
  plain.info_hash = filled('\xff');
  plain.peer_id = filled('a');
  plain.port = 1;
  plain.key = 0xFFFFFFFF;
  const auto url = build_announce_url("https://t.example:8443/a", plain);
  CHECK(url.rfind("https://t.example:8443/a?info_hash=%FF%FF", 0) == 0);
  CHECK(url.find("numwant") == std::string::npos);  // -1: the tracker's default
  CHECK(url.find("event") == std::string::npos);    // none: omitted
  CHECK(url.find("trackerid") == std::string::npos);
  CHECK(url.find("&key=FFFFFFFF") != std::string::npos);

  SECTION("a URL ending in '?' or '&' gets no extra separator, a fragment is dropped") {
    CHECK(build_announce_url("http://t/ann?", plain).rfind("http://t/ann?info_hash=", 0) == 0);
    CHECK(build_announce_url("http://t/ann?k=1&", plain).rfind("http://t/ann?k=1&info_hash=", 0) ==
          0);
    const auto no_fragment = build_announce_url("http://t/ann#frag", plain);
    CHECK(no_fragment.rfind("http://t/ann?info_hash=", 0) == 0);
    CHECK(no_fragment.find('#') == std::string::npos);
  }
  SECTION("each event has its name") {
    plain.event = announce_event::completed;
    CHECK(build_announce_url("http://t/a", plain).find("&event=completed&") != std::string::npos);
    plain.event = announce_event::stopped;
    CHECK(build_announce_url("http://t/a", plain).find("&event=stopped&") != std::string::npos);
  }
}

TEST_CASE("announce answer: compact peers, counters, min interval, tracker id, warning",
          "[http_tracker]") {
  const auto body = bencode(bvalue::dict{
      {"interval", 1800},
      {"min interval", 60},
      {"complete", 5},
      {"incomplete", 7},
      {"tracker id", "tid-1"},
      {"warning message", "slow down"},
      {"peers", compact_v4({10, 0, 0, 1}, 6881) + compact_v4({192, 168, 1, 2}, 51413)}});
  const auto r = parse_announce_response(body);
  REQUIRE(r);
  CHECK(r->interval == std::chrono::seconds(1800));
  CHECK(r->min_interval == std::chrono::seconds(60));
  CHECK(r->complete == 5);
  CHECK(r->incomplete == 7);
  CHECK(r->tracker_id == "tid-1");
  CHECK(r->warning == "slow down");
  REQUIRE(r->peers.size() == 2);
  CHECK(r->peers[0].to_string() == "10.0.0.1:6881");
  CHECK(r->peers[1].to_string() == "192.168.1.2:51413");
}

TEST_CASE("announce answer: dict peers (v4 and v6), bad entries skipped, peers6 compact",
          "[http_tracker]") {
  std::string compact6;
  append_compact(*peer_address::parse_ip("2001:db8::1", 443), compact6);
  const auto body =
      bencode(bvalue::dict{{"interval", 900},
                           {"peers",
                            bvalue::list{
                                peer_dict("1.2.3.4", 1000),
                                peer_dict("::1", 2000),
                                peer_dict("tracker.example.org", 3000),  // host name: skipped
                                peer_dict("1.2.3.5", 0),                 // port out of range
                                peer_dict("1.2.3.6", 65536),
                                peer_dict("1.2.3.7", -1),
                                peer_dict(std::string("1.2.3.8\0junk", 12), 1),  // embedded NUL
                                peer_dict("", 1),
                                bvalue::dict{{"ip", "1.2.3.9"}},       // no port
                                bvalue::dict{{"ip", 5}, {"port", 5}},  // ip not a string
                                bvalue("not a dict"),
                                bvalue::dict{{"ip", "5.6.7.8"}, {"peer id", "x"}, {"port", 65535}},
                            }},
                           {"peers6", compact6}});
  const auto r = parse_announce_response(body);
  REQUIRE(r);
  std::vector<std::string> got;
  for (const auto& p : r->peers)
    got.push_back(p.to_string());
  CHECK(got == std::vector<std::string>{"1.2.3.4:1000", "[::1]:2000", "5.6.7.8:65535",
                                        "[2001:db8::1]:443"});
  CHECK_FALSE(r->min_interval);
  CHECK_FALSE(r->complete);
  CHECK(r->tracker_id.empty());
}

TEST_CASE("announce answer: failure reason, missing interval, wrong types", "[http_tracker]") {
  SECTION("failure reason wins and is a failure_reason error") {
    const auto r = parse_announce_response(
        bencode(bvalue::dict{{"failure reason", "torrent not registered"}, {"interval", 5}}));
    REQUIRE_FALSE(r);
    CHECK(r.error().what == tracker_error::kind::failure_reason);
    CHECK(r.error().message == "tracker failure: torrent not registered");
  }
  SECTION("failure reason without interval is still a failure") {
    const auto r = parse_announce_response("d14:failure reason4:nopee");
    REQUIRE_FALSE(r);
    CHECK(r.error().what == tracker_error::kind::failure_reason);
  }
  SECTION("hostile failure text is escaped and cut") {
    std::string text = "bad\x1b[31m\xff\n";
    text += std::string(10'000, 'x');
    const auto r = parse_announce_response(bencode(bvalue::dict{{"failure reason", text}}));
    REQUIRE_FALSE(r);
    const auto& m = r.error().message;
    CHECK(m.rfind("tracker failure: bad\\x1b[31m\\xff\\x0axxx", 0) == 0);
    CHECK(m.size() < 300);
    CHECK(m.substr(m.size() - 3) == "...");
  }
  SECTION("missing interval") {
    const auto r = parse_announce_response(bencode(bvalue::dict{{"peers", ""}}));
    REQUIRE_FALSE(r);
    CHECK(r.error().what == tracker_error::kind::bad_response);
    CHECK(r.error().message.find("'interval'") != std::string::npos);
  }
  SECTION("interval of the wrong type, peers of the wrong type") {
    auto r = parse_announce_response("d8:interval3:abce");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "'interval' is not an integer at byte 11");
    r = parse_announce_response("d8:intervali60e5:peersi1ee");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "'peers' is neither a string nor a list at byte 22");
    r = parse_announce_response("d8:intervali60e6:peers6le");
    REQUIRE_FALSE(r);
    CHECK(r.error().what == tracker_error::kind::bad_response);
  }
  SECTION("not a dictionary") {
    const auto r = parse_announce_response("li1ee");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "answer is not a dictionary at byte 0");
  }
  SECTION("mistyped or negative counters are dropped") {
    const auto r = parse_announce_response(
        "d8:completei-3e10:incomplete1:x8:intervali60e12:min intervalle10:tracker idi5ee");
    REQUIRE(r);
    CHECK_FALSE(r->complete);
    CHECK_FALSE(r->incomplete);
    CHECK_FALSE(r->min_interval);
    CHECK(r->tracker_id.empty());
  }
}

TEST_CASE("announce answer: absurd intervals are clamped to 1 s .. 1 day", "[http_tracker]") {
  const auto parse = [](std::int64_t interval, std::int64_t min) {
    auto r = parse_announce_response(
        bencode(bvalue::dict{{"interval", interval}, {"min interval", min}}));
    REQUIRE(r);
    return std::make_pair(r->interval.count(), r->min_interval->count());
  };
  CHECK(parse(0, -5) == std::make_pair<long, long>(1, 1));
  CHECK(parse(INT64_MAX, INT64_MIN) == std::make_pair<long, long>(86400, 1));
  CHECK(parse(86401, 86400) == std::make_pair<long, long>(86400, 86400));
  CHECK(parse(1, 2) == std::make_pair<long, long>(1, 2));
}

TEST_CASE("announce answer: truncated and garbage bodies name the problem and the offset",
          "[http_tracker]") {
  const auto good = bencode(bvalue::dict{{"interval", 60}, {"peers", compact_v4({1, 2, 3, 4}, 5)}});
  // Every strict prefix of a valid answer is an error, never a crash.
  for (std::size_t n = 0; n < good.size(); ++n) {
    const auto r = parse_announce_response(std::string_view(good).substr(0, n));
    REQUIRE_FALSE(r);
    CHECK(r.error().what == tracker_error::kind::bad_response);
  }
  auto r = parse_announce_response("<html><body>502 Bad Gateway</body></html>");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("at byte 0") != std::string::npos);
  CHECK(r.error().message.find("'<html><body>502") != std::string::npos);

  r = parse_announce_response("d8:intervali60e5:peers3:abc");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("at byte 27") != std::string::npos);

  r = parse_announce_response(good + "trailing");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("trailing data") != std::string::npos);

  // A trailing newline, as some script-generated trackers send, is tolerated.
  CHECK(parse_announce_response(good + "\r\n"));

  // Deep nesting is refused by the decoder's depth limit, not by the stack.
  std::string deep = "d8:intervali60e1:x";
  for (int i = 0; i < 1000; ++i)
    deep += 'l';
  for (int i = 0; i < 1000; ++i)
    deep += 'e';
  deep += 'e';
  r = parse_announce_response(deep);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("nesting too deep") != std::string::npos);
}

TEST_CASE("announce answer: compact lengths must be multiples of 6 and 18", "[http_tracker]") {
  auto r = parse_announce_response(
      bencode(bvalue::dict{{"interval", 60}, {"peers", compact_v4({1, 2, 3, 4}, 5) + "x"}}));
  REQUIRE_FALSE(r);
  CHECK(r.error().what == tracker_error::kind::bad_response);
  CHECK(r.error().message == "'peers' is 7 bytes, not a multiple of 6 at byte 22");
  r = parse_announce_response(
      bencode(bvalue::dict{{"interval", 60}, {"peers6", std::string(17, '\1')}}));
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("'peers6' is 17 bytes, not a multiple of 18") != std::string::npos);
  // Port 0 entries are not peers.
  r = parse_announce_response(bencode(bvalue::dict{
      {"interval", 60}, {"peers", compact_v4({1, 2, 3, 4}, 0) + compact_v4({1, 2, 3, 4}, 9)}}));
  REQUIRE(r);
  REQUIRE(r->peers.size() == 1);
  CHECK(r->peers[0].port == 9);
  // No peers at all is a valid answer.
  r = parse_announce_response("d8:intervali60e5:peers0:e");
  REQUIRE(r);
  CHECK(r->peers.empty());
}

TEST_CASE("announce answer: oversized peer lists are capped", "[http_tracker]") {
  std::string compact;
  for (int i = 0; i < 5000; ++i)
    compact += compact_v4({10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                          static_cast<std::uint16_t>(1000 + i));
  std::string compact6;
  append_compact(*peer_address::parse_ip("::2", 2), compact6);
  auto r = parse_announce_response(
      bencode(bvalue::dict{{"interval", 60}, {"peers", compact}, {"peers6", compact6}}));
  REQUIRE(r);
  CHECK(r->peers.size() == 2000);  // the default cap, peers6 included
  CHECK(r->peers.back().to_string() == "10.0.7.207:2999");

  bvalue::list many;
  for (int i = 0; i < 3000; ++i)
    many.push_back(peer_dict("10.0.0.1", 1 + i));
  announce_parse_limits limits;
  limits.max_peers = 100;
  r = parse_announce_response(
      bencode(bvalue::dict{{"interval", 60}, {"peers", many}, {"peers6", compact6}}), limits);
  REQUIRE(r);
  CHECK(r->peers.size() == 100);
  CHECK_FALSE(r->peers.back().v6);

  // More items than the token budget: refused as a whole, with the decoder's reason.
  bvalue::list huge;
  for (int i = 0; i < 40'000; ++i)
    huge.push_back(peer_dict("10.0.0.1", 1));
  r = parse_announce_response(bencode(bvalue::dict{{"interval", 60}, {"peers", huge}}));
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("too many items") != std::string::npos);
}

TEST_CASE("printable tracker text keeps UTF-8 and escapes the rest", "[http_tracker]") {
  CHECK(printable_tracker_text("caf\xc3\xa9 \xe2\x82\xac", 100) == "caf\xc3\xa9 \xe2\x82\xac");
  CHECK(printable_tracker_text("\xc3", 100) == "\\xc3");                    // truncated sequence
  CHECK(printable_tracker_text("\xc0\xaf", 100) == "\\xc0\\xaf");           // overlong '/'
  CHECK(printable_tracker_text("\xed\xa0\x80", 100) == "\\xed\\xa0\\x80");  // surrogate
  CHECK(printable_tracker_text("\xf4\x90\x80\x80", 100) == "\\xf4\\x90\\x80\\x80");
  CHECK(printable_tracker_text("\x7f", 100) == "\\x7f");
  // Cut on a character boundary, never inside a sequence or an escape.
  CHECK(printable_tracker_text("ab\xe2\x82\xac", 4) == "ab...");
  CHECK(printable_tracker_text("ab\x01", 4) == "ab...");
  CHECK(printable_tracker_text("abcd", 4) == "abcd");
}

TEST_CASE("scrape URL derivation (BEP 48 convention)", "[http_tracker]") {
  const std::vector<std::pair<std::string, std::optional<std::string>>> table = {
      {"http://t/announce", "http://t/scrape"},
      {"http://t/x/announce.php?passkey=1", "http://t/x/scrape.php?passkey=1"},
      {"https://t:443/announce?a=b/announce", "https://t:443/scrape?a=b/announce"},
      {"http://t/announce-secure", "http://t/scrape-secure"},
      {"http://t/abc/announce#frag", "http://t/abc/scrape#frag"},
      {"HTTP://t/announce", "HTTP://t/scrape"},
      {"http://t/a", std::nullopt},
      {"http://t/announce/x", std::nullopt},
      {"http://t/x/Announce", std::nullopt},
      {"http://t/", std::nullopt},
      {"http://t", std::nullopt},
      {"http://t?announce", std::nullopt},
      {"http://t/x?/announce", std::nullopt},
      {"udp://t:80/announce", std::nullopt},
      {"announce", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& [announce, scrape] : table) {
    INFO(announce);
    CHECK(scrape_url_from_announce(announce) == scrape);
  }
}

TEST_CASE("scrape URL carries one info_hash per torrent", "[http_tracker]") {
  CHECK(build_scrape_url("http://t/scrape?passkey=1", {hash_of(awkward_bytes), filled('a')}) ==
        "http://t/scrape?passkey=1&info_hash=" + awkward_encoded +
            "&info_hash=" + std::string(20, 'a'));
  CHECK(build_scrape_url("http://t/scrape", {}) == "http://t/scrape");
}

TEST_CASE("scrape answer: files by 20-byte hash, odd entries skipped, failure reason",
          "[http_tracker]") {
  const auto body = bencode(bvalue::dict{
      {"files",
       bvalue::dict{
           {std::string(20, 'a'),
            bvalue::dict{{"complete", 3}, {"downloaded", 10}, {"incomplete", 4}, {"name", "x"}}},
           {std::string(20, 'b'), bvalue::dict{{"complete", -1}, {"incomplete", "many"}}},
           {"short", bvalue::dict{{"complete", 1}}},
           {std::string(20, 'c'), 5},
       }},
      {"flags", bvalue::dict{{"min_request_interval", 900}}}});
  const auto r = parse_scrape_response(body);
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].info_hash == filled('a'));
  CHECK((*r)[0].complete == 3);
  CHECK((*r)[0].downloaded == 10);
  CHECK((*r)[0].incomplete == 4);
  CHECK((*r)[1].info_hash == filled('b'));
  CHECK((*r)[1].complete == 0);
  CHECK((*r)[1].incomplete == 0);

  auto bad = parse_scrape_response("d14:failure reason6:no waye");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().what == tracker_error::kind::failure_reason);
  CHECK(bad.error().message == "tracker failure: no way");
  bad = parse_scrape_response("de");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().what == tracker_error::kind::bad_response);
  CHECK(bad.error().message.find("'files'") != std::string::npos);
  bad = parse_scrape_response("d5:filesli1eee");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "'files' is not a dictionary at byte 8");
  bad = parse_scrape_response("d5:filesd");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("unexpected end") != std::string::npos);

  bvalue::dict files;
  for (int i = 0; i < 50; ++i) {
    std::string h(20, 'h');
    h[0] = static_cast<char>(i);
    files.emplace(h, bvalue::dict{{"complete", i}});
  }
  scrape_parse_limits limits;
  limits.max_entries = 10;
  const auto capped = parse_scrape_response(bencode(bvalue::dict{{"files", files}}), limits);
  REQUIRE(capped);
  CHECK(capped->size() == 10);
}

TEST_CASE("announce and scrape parsers survive mutated answers", "[http_tracker]") {
  std::string compact6;
  append_compact(*peer_address::parse_ip("2001:db8::1", 443), compact6);
  const auto announce =
      bencode(bvalue::dict{{"interval", 60},
                           {"min interval", 30},
                           {"peers", bvalue::list{peer_dict("1.2.3.4", 1000), peer_dict("::1", 2)}},
                           {"peers6", compact6},
                           {"warning message", "w"}});
  const auto scrape = bencode(
      bvalue::dict{{"files", bvalue::dict{{std::string(20, 'a'), bvalue::dict{{"complete", 3}}}}}});
  std::mt19937 rng(12345);
  int parsed = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string body = round % 2 == 0 ? announce : scrape;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const auto pos = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[pos] = static_cast<char>(rng());
          break;
        case 1:
          body.erase(pos, 1 + rng() % 4);
          break;
        default:
          body.insert(pos, 1, "dlei0:9"[rng() % 7]);
          break;
      }
      if (body.empty()) body = "d";
    }
    const auto a = parse_announce_response(body);
    const auto s = parse_scrape_response(body);
    if (a) ++parsed;
    const bool sane =
        a ? a->peers.size() <= 3 && a->interval.count() >= 1 : !a.error().message.empty();
    if (!sane || (!s && s.error().message.empty())) FAIL_CHECK("odd result for " << to_hex(body));
  }
  CHECK(parsed > 0);  // some mutations keep a valid answer
}
