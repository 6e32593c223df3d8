// Fuzzes the HTTP side of the tracker server: percent_decode / parse_query /
// parse_announce_query / parse_scrape_query, and route_request driving a swarm_store.
//
// The stores persist across inputs (as in the server, where every request sees what earlier
// ones left), so updates of known peers, key checks, stops, completions, full swarms and
// expiry are reached, not only the first announce into an empty tracker. Their limits are
// small, so memory stays bounded however long the run. A fake clock advances per input.
//
// Input layout: 2 control bytes, then the payload.
//   byte 0  bits 0-1  the request target: 0 the payload is the whole target, 1
//                     "/announce?" + payload, 2 "/scrape?" + payload, 3 an announce built
//                     from the payload's first 10 bytes (see build_announce), the rest
//                     appended as further raw query text
//           bit 2     method POST instead of GET
//           bit 3     the store with an allow-list (two of the eight structured info-hashes)
//           bits 4-7  clock advance before the request: v*v seconds (interval is 60 s, so
//                     endpoints expire after 120 s)
//   byte 1  the remote address: bits 0-1 kind (0 IPv4 192.0.2.x, 1 IPv6 2001:db8::x,
//           2 127.0.0.1, 3 ::1 or with bit 2 the v4-mapped ::ffff:192.0.2.x), x = byte >> 3
//
// Checks: every answer is a 404 or 405 with its fixed body, or a 200 whose body is
// canonical bencode (a dict holding a "failure reason", or an announce answer with
// interval, counts and peers — compact `peers` a multiple of 6 bytes, `peers6` of 18 — or a
// scrape answer with "files"), or /stats JSON. The store's counters stay within its limits
// and agree with a scrape of every swarm. percent_decode(url_percent_encode(x)) == x, and
// the parsers' results are consistent with the raw payload.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/tracker_fuzz_support.hpp"
#include "protocol/bencode.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"
#include "tracker/http_announce.hpp"
#include "tracker/server/announce_query.hpp"
#include "tracker/server/http_routes.hpp"
#include "tracker/server/query_string.hpp"
#include "tracker/server/swarm_store.hpp"

using namespace actorrent;
using namespace actorrent::server;

using namespace actorrent::tracker_fuzz;

namespace {

const std::vector<sha1_hash>& info_hashes() {
  static const std::vector<sha1_hash> hashes = make_info_hashes("tracker_http_fuzz");
  return hashes;
}

sha1_hash peer_id_for(std::size_t i) {
  // Printable like real peer ids for half of them, binary for the others.
  std::string id = i % 2 ? "-AR0001-" : std::string("\x00\xff%&=+ \x7f", 8);
  while (id.size() < sha1_hash::size)
    id.push_back(static_cast<char>('a' + i));
  return sha1_hash::from_bytes(id);
}

struct state {
  swarm_store open{small_config(), 1};
  swarm_store guarded{[] {
                        auto c = small_config();
                        c.allow = std::set<sha1_hash>{info_hashes()[0], info_hashes()[1]};
                        return c;
                      }(),
                      2};
  tracker_clock::time_point now = tracker_clock::time_point(std::chrono::hours(24 * 365));
};

state& global_state() {
  static state s;
  return s;
}

// An announce from bytes, so the fuzzer reaches the store with valid hashes from the start:
//   b0 info_hash (of 8)   b1 peer_id (of 32)
//   b2 bits 0-1 event (omitted, started, completed, stopped), bit 2 compact=0,
//      bit 3 no_peer_id=1, bit 4 key=<b3 in hex>, bit 5 ip=<from b4>,
//      bits 6-7 left (omitted, 0, 1000, b5)
//   b3 key   b4 ip choice   b5 left   b6 numwant (255: omitted)   b7-b8 port (big-endian)
//   b9 bits 0-1: uploaded / downloaded present
// The remaining bytes follow after '&' as raw query text.
std::string build_announce(std::string_view p) {
  auto b = [&](std::size_t i) { return byte_at(p, i); };
  std::string t =
      "/announce?info_hash=" + url_percent_encode(info_hashes()[b(0) % hash_count].view());
  t += "&peer_id=" + url_percent_encode(peer_id_for(b(1) % peer_id_count).view());
  const unsigned port = (unsigned{b(7)} << 8) | b(8);
  t += "&port=" + std::to_string(port);
  static const char* const events[] = {nullptr, "started", "completed", "stopped"};
  if (const char* e = events[b(2) & 3]) t += std::string("&event=") + e;
  if (b(2) & 4) t += "&compact=0";
  if (b(2) & 8) t += "&no_peer_id=1";
  if (b(2) & 16) {
    char key[8];
    std::snprintf(key, sizeof key, "%x", static_cast<unsigned>(b(3)));
    t += std::string("&key=") + key;
  }
  if (b(2) & 32) {
    static const char* const ips[] = {"10.0.0.", "2001:db8::", "not-an-ip", "::ffff:10.1.2."};
    t += std::string("&ip=") + ips[b(4) & 3];
    if ((b(4) & 3) != 2) t += std::to_string(b(4) >> 2);
  }
  switch (b(2) >> 6) {
    case 1:
      t += "&left=0";
      break;
    case 2:
      t += "&left=1000";
      break;
    case 3:
      t += "&left=" + std::to_string(b(5));
      break;
    default:
      break;
  }
  if (b(6) != 255) t += "&numwant=" + std::to_string(b(6));
  if (b(9) & 1) t += "&uploaded=12345";
  if (b(9) & 2) t += "&downloaded=0";
  if (p.size() > 10) {
    t += '&';
    t.append(p.substr(10));
  }
  return t;
}

// ---- the parsers on their own ------------------------------------------------------------

bool plain_allowed(char c) {
  return c > 0x20 && c < 0x7f && c != '%' && c != '#';
}

void check_percent(std::string_view raw) {
  const std::string encoded = url_percent_encode(raw);
  auto decoded = percent_decode(encoded);
  FUZZ_CHECK(decoded.has_value());
  FUZZ_CHECK(*decoded == raw);

  auto direct = percent_decode(raw);
  if (direct) {
    // Every byte is either plain or one of three-byte escapes.
    FUZZ_CHECK(direct->size() <= raw.size());
    std::size_t escapes = 0;
    for (char c : raw) {
      FUZZ_CHECK(c == '%' || plain_allowed(c));
      escapes += c == '%';
    }
    FUZZ_CHECK(direct->size() == raw.size() - 2 * escapes);
    auto again = percent_decode(url_percent_encode(*direct));
    FUZZ_CHECK(again.has_value() && *again == *direct);
  } else {
    FUZZ_CHECK(!direct.error().empty());
  }
}

void check_parsers(std::string_view query) {
  auto params = parse_query(query, max_announce_params);
  if (params) {
    FUZZ_CHECK(params->size() <= max_announce_params);
    std::size_t components = 0;  // non-empty '&'-separated parts
    std::size_t start = 0;
    while (start <= query.size()) {
      auto amp = query.find('&', start);
      if (amp == std::string_view::npos) amp = query.size();
      components += amp > start;
      start = amp + 1;
    }
    FUZZ_CHECK(params->size() == components);
    for (const auto& p : *params)
      FUZZ_CHECK(p.key.size() + p.value.size() <= query.size());
  } else {
    FUZZ_CHECK(!params.error().empty());
  }

  auto announce = parse_announce_query(query);
  if (announce) {
    FUZZ_CHECK(params.has_value());  // announce uses the same limit
    FUZZ_CHECK(announce->request.port >= 1);
    FUZZ_CHECK(announce->request.uploaded >= 0 && announce->request.downloaded >= 0);
    FUZZ_CHECK(announce->request.left >= -1);
    FUZZ_CHECK(announce->request.numwant >= -1);
    if (announce->ip) FUZZ_CHECK(announce->ip->size() <= 64);
  } else {
    FUZZ_CHECK(!announce.error().empty());
  }

  auto scrape = parse_scrape_query(query);
  if (scrape) {
    FUZZ_CHECK(scrape->size() <= max_scrape_hashes);
  } else {
    FUZZ_CHECK(!scrape.error().empty());
  }
}

// ---- the answers -----------------------------------------------------------------------

void check_non_negative(const bencode_node& dict, std::string_view key) {
  auto v = dict.find(key, bencode_type::integer);
  FUZZ_CHECK(v.valid());
  FUZZ_CHECK(v.integer() >= 0);
}

void check_announce_answer(const bencode_node& d, const swarm_config& config) {
  auto interval = d.find("interval", bencode_type::integer);
  FUZZ_CHECK(interval.integer() == config.interval.count());
  auto min_interval = d.find("min interval", bencode_type::integer);
  FUZZ_CHECK(min_interval.valid() && min_interval.integer() == config.min_interval.count());
  check_non_negative(d, "complete");
  check_non_negative(d, "incomplete");
  const auto max_entries = static_cast<std::size_t>(config.numwant_max);  // per family
  auto peers = d.find("peers");
  FUZZ_CHECK(peers.valid());
  if (peers.is_string()) {
    FUZZ_CHECK(peers.string().size() % compact_v4_size == 0);
    FUZZ_CHECK(parse_compact_v4(peers.string()).has_value());
    FUZZ_CHECK(peers.string().size() / compact_v4_size <= max_entries);
    auto peers6 = d.find("peers6");
    if (peers6.valid()) {
      FUZZ_CHECK(peers6.is_string());
      FUZZ_CHECK(!peers6.string().empty());
      FUZZ_CHECK(peers6.string().size() % compact_v6_size == 0);
      FUZZ_CHECK(parse_compact_v6(peers6.string()).has_value());
      FUZZ_CHECK(peers6.string().size() / compact_v6_size <= max_entries);
    }
  } else {
    FUZZ_CHECK(peers.is_list());
    FUZZ_CHECK(!d.find("peers6").valid());
    FUZZ_CHECK(peers.size() <= 2 * max_entries);
    for (auto peer : peers) {
      FUZZ_CHECK(peer.is_dict());
      auto ip = peer.find("ip", bencode_type::string);
      FUZZ_CHECK(ip.valid());
      FUZZ_CHECK(peer_address::parse_ip(ip.string(), 0).has_value());
      auto port = peer.find("port", bencode_type::integer);
      FUZZ_CHECK(port.valid() && port.integer() >= 1 && port.integer() <= 65535);
      auto id = peer.find("peer id");
      if (id.valid()) FUZZ_CHECK(id.is_string() && id.string().size() == sha1_hash::size);
    }
  }
}

void check_scrape_answer(const bencode_node& files, const swarm_config& config) {
  FUZZ_CHECK(files.is_dict());
  FUZZ_CHECK(files.size() <= std::max(max_scrape_hashes, config.scrape_all_max));
  bool key = true;
  for (auto item : files) {
    if (key) {
      FUZZ_CHECK(item.is_string() && item.string().size() == sha1_hash::size);
    } else {
      FUZZ_CHECK(item.is_dict());
      check_non_negative(item, "complete");
      check_non_negative(item, "downloaded");
      check_non_negative(item, "incomplete");
    }
    key = !key;
  }
}

void check_answer(const http_answer& a, std::string_view method, swarm_store& store) {
  if (a.status == 404) {
    FUZZ_CHECK(a.body == "not found\n");
    return;
  }
  if (a.status == 405) {
    FUZZ_CHECK(method != "GET");
    FUZZ_CHECK(a.body == "method not allowed\n");
    return;
  }
  FUZZ_CHECK(a.status == 200);
  if (a.content_type == "application/json") {
    FUZZ_CHECK(method == "GET");
    auto j = nlohmann::json::parse(a.body, nullptr, false);
    FUZZ_CHECK(!j.is_discarded() && j.is_object());
    FUZZ_CHECK(j.contains("swarms") && j.contains("peers") && j.contains("announces"));
    return;
  }
  FUZZ_CHECK(a.content_type == "text/plain");
  bdecode_limits strict;
  strict.reject_unsorted_keys = true;
  auto doc = bdecode(a.body, strict);
  FUZZ_CHECK(doc.has_value());
  const auto root = doc->root();
  FUZZ_CHECK(root.is_dict());
  auto reason = root.find("failure reason");
  if (reason.valid()) {
    FUZZ_CHECK(reason.is_string() && !reason.string().empty());
    FUZZ_CHECK(root.size() == 1);
    return;
  }
  // Only a too-long target gets past the method check with a 200, and that is a failure.
  FUZZ_CHECK(method == "GET");
  if (root.find("interval").valid())
    check_announce_answer(root, store.config());
  else
    check_scrape_answer(root.find("files"), store.config());
}

// The store's counters against its limits and against a scrape of every swarm.
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::uint8_t control = byte_at(input, 0);
  const peer_address remote = address_of(byte_at(input, 1));
  const std::string_view payload = input.substr(std::min<std::size_t>(size, 2));

  check_percent(payload);
  check_parsers(payload);

  state& st = global_state();
  const unsigned advance = control >> 4;
  st.now += std::chrono::seconds(advance * advance);
  swarm_store& store = (control & 8) ? st.guarded : st.open;

  std::string target;
  switch (control & 3) {
    case 0:
      target.assign(payload);
      break;
    case 1:
      target = "/announce?" + std::string(payload);
      break;
    case 2:
      target = "/scrape?" + std::string(payload);
      break;
    default:
      target = build_announce(payload);
      break;
  }
  const std::string_view method = (control & 4) ? "POST" : "GET";
  http_route_options options;
  options.max_target = 4096;  // half the fuzzer's max_len, so the limit is exercised

  const http_answer answer = route_request(method, target, remote, store, options, st.now);
  check_answer(answer, method, store);
  if ((control & 3) != 0 && method == "GET") FUZZ_CHECK(answer.status == 200);
  if ((control & 3) != 0 && method != "GET")
    FUZZ_CHECK(answer.status == 405 || target.size() > options.max_target);

  // The server sweeps on a timer with a budget; do a little of that per request.
  store.expire(st.now, 16);
  check_store(store, st.now);
  return 0;
}
