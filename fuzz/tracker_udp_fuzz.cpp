// Fuzzes the UDP side of the tracker server (BEP 15): answer_udp with a swarm_store and
// connection_ids that persist across inputs, as in the server.
//
// Announces and scrapes need a connection id the server issued to the sender's address;
// random bytes never carry one. So half the inputs (bit 0 of the control byte) first send a
// connect request from the same address, and splice the id from its answer over the
// datagram's first 8 bytes, which is where announce and scrape requests carry it.
//
// Input layout: 2 control bytes, then the datagram.
//   byte 0  bit 0     splice a valid connection id into bytes 0-7
//           bit 1     with bit 0: the id comes from the previous 2-minute window (still valid)
//           bit 2     canonical hashes: an announce's info_hash and peer_id, and each hash
//                     of a scrape, are replaced by one of 8 info-hashes / 32 peer ids chosen
//                     by the hash's first byte, so announces meet in the same swarms
//           bit 3     the store with an allow-list (two of the eight info-hashes)
//           bits 4-7  clock advance before the datagram: v*v seconds (interval is 60 s)
//   byte 1  the source address: bits 0-1 kind (0 IPv4 192.0.2.x, 1 IPv6 2001:db8::x,
//           2 127.0.0.1, 3 ::1 or with bit 2 the v4-mapped ::ffff:192.0.2.x), x = byte >> 3
//
// Checks: a datagram that decode_request rejects gets no answer, every other one gets one;
// the answer decodes with the client-side decoders (connect, announce, scrape or error
// response, matching the request's action), carries the request's transaction id, fits
// max_response_size; a connect answer's id is valid for the sender; an announce answer has
// the configured interval and at most numwant_max peers of the family BEP 15 prescribes; a
// scrape answer has one entry per requested hash; a spliced id is never refused. The
// store's counters stay within its limits and agree with a scrape of every swarm.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/tracker_fuzz_support.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"
#include "tracker/server/connection_ids.hpp"
#include "tracker/server/swarm_store.hpp"
#include "tracker/server/udp_requests.hpp"
#include "tracker/udp_tracker_protocol.hpp"

using namespace actorrent;
using namespace actorrent::server;
namespace udp = actorrent::udp_tracker;

using namespace actorrent::tracker_fuzz;

namespace {

constexpr std::size_t hash_count = 8;
constexpr std::size_t peer_id_count = 32;
constexpr std::chrono::seconds id_window(120);
const std::string_view bad_id_message = "invalid or expired connection id";

const std::vector<sha1_hash>& info_hashes() {
  static const std::vector<sha1_hash> hashes = make_info_hashes("tracker_udp_fuzz");
  return hashes;
}

std::string peer_id_for(std::size_t i) {
  std::string id = i % 2 ? "-AR0001-" : std::string("\x00\xff\x01\x02\x03\x04\x05\x06", 8);
  while (id.size() < sha1_hash::size)
    id.push_back(static_cast<char>('a' + i));
  return id;
}

struct state {
  swarm_store open{small_config(), 1};
  swarm_store guarded{[] {
                        auto c = small_config();
                        c.allow = std::set<sha1_hash>{info_hashes()[0], info_hashes()[1]};
                        return c;
                      }(),
                      2};
  connection_ids ids{siphash_key{0x0123456789abcdefULL, 0xfedcba9876543210ULL}, id_window};
  tracker_clock::time_point now = tracker_clock::time_point(std::chrono::hours(24 * 365));
};

state& global_state() {
  static state s;
  return s;
}

bool is_loopback(const peer_address& a) {
  if (!a.v6) return a.ip[0] == 127;
  return std::all_of(a.ip.begin(), a.ip.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
         a.ip[15] == 1;
}

std::uint32_t u32_at(std::string_view s, std::size_t off) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8) | byte_at(s, off + i);
  return v;
}

void put_u64(std::string& s, std::size_t off, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i)
    s[off + i] = static_cast<char>(v >> (56 - 8 * i));
}

// A connect request from `from`, answered as any other datagram; returns the issued id.
std::uint64_t connect(const peer_address& from, swarm_store& store, const connection_ids& ids,
                      tracker_clock::time_point now) {
  const std::uint32_t tid = 0x5eed0000u;
  auto answer = answer_udp(udp::encode(udp::connect_request_packet{tid}), from, store, ids, now);
  FUZZ_CHECK(answer.has_value());
  auto r = udp::decode_connect_response(*answer);
  FUZZ_CHECK(r.has_value());
  FUZZ_CHECK(r->transaction_id == tid);
  FUZZ_CHECK(ids.valid(r->connection_id, from, now));
  return r->connection_id;
}

void canonicalise(std::string& d) {
  const std::uint32_t action = u32_at(d, 8);
  auto put = [&](std::size_t off, std::string_view bytes) { d.replace(off, bytes.size(), bytes); };
  if (action == 1 && d.size() >= udp::announce_request_size) {
    put(16, info_hashes()[byte_at(d, 16) % hash_count].view());
    put(36, peer_id_for(byte_at(d, 36) % peer_id_count));
  } else if (action == 2) {
    for (std::size_t off = udp::scrape_request_header_size; off + sha1_hash::size <= d.size();
         off += sha1_hash::size)
      put(off, info_hashes()[byte_at(d, off) % hash_count].view());
  }
}

// The store's counters against its limits and against a scrape of every swarm.
void check_error(const std::string& answer, std::uint32_t tid, bool id_spliced) {
  auto e = udp::decode_error_response(answer);
  FUZZ_CHECK(e.has_value());
  FUZZ_CHECK(e->transaction_id == tid);
  FUZZ_CHECK(!e->message.empty());
  if (id_spliced) FUZZ_CHECK(e->message != bad_id_message);
}

void check_answer(const udp::request_packet& request, const std::string& answer,
                  const peer_address& from, bool id_spliced, const swarm_config& config,
                  const connection_ids& ids, tracker_clock::time_point now) {
  FUZZ_CHECK(answer.size() <= udp::max_response_size);
  auto header = udp::peek_response_header(answer);
  FUZZ_CHECK(header.has_value());

  if (auto* c = std::get_if<udp::connect_request_packet>(&request)) {
    FUZZ_CHECK(header->transaction_id == c->transaction_id);
    auto r = udp::decode_connect_response(answer);
    FUZZ_CHECK(r.has_value());
    FUZZ_CHECK(r->transaction_id == c->transaction_id);
    FUZZ_CHECK(ids.valid(r->connection_id, from, now));
    return;
  }

  if (auto* a = std::get_if<udp::announce_request_packet>(&request)) {
    FUZZ_CHECK(header->transaction_id == a->transaction_id);
    // The peers' family is that of the announcing address: the sender's, or for a loopback
    // sender naming an IPv4 address in the `ip` field, IPv4.
    const bool v4 = (a->ip != 0 && is_loopback(from)) || !from.v6;
    const auto family = v4 ? udp::address_family::v4 : udp::address_family::v6;
    if (header->action == static_cast<std::uint32_t>(udp::action::error)) {
      check_error(answer, a->transaction_id, id_spliced);
      return;
    }
    FUZZ_CHECK(header->action == static_cast<std::uint32_t>(udp::action::announce));
    FUZZ_CHECK(a->request.port != 0);
    auto r = udp::decode_announce_response(answer, family);
    FUZZ_CHECK(r.has_value());
    FUZZ_CHECK(r->transaction_id == a->transaction_id);
    FUZZ_CHECK(r->interval == config.interval.count());
    FUZZ_CHECK(r->leechers >= 0 && r->seeders >= 0);
    FUZZ_CHECK(static_cast<std::size_t>(r->leechers) + static_cast<std::size_t>(r->seeders) <=
               config.max_peers_per_swarm);
    FUZZ_CHECK(r->peers.size() <= static_cast<std::size_t>(config.numwant_max));
    if (a->request.event == announce_event::stopped) FUZZ_CHECK(r->peers.empty());
    if (a->request.numwant == 0) FUZZ_CHECK(r->peers.empty());
    for (const auto& p : r->peers) {
      FUZZ_CHECK(p.v6 == (family == udp::address_family::v6));
      FUZZ_CHECK(p.port != 0);
    }
    // The generic decoder agrees.
    auto any = udp::decode_response(answer, family);
    FUZZ_CHECK(any.has_value() && std::holds_alternative<udp::announce_response_packet>(*any));
    return;
  }

  const auto& s = std::get<udp::scrape_request_packet>(request);
  FUZZ_CHECK(header->transaction_id == s.transaction_id);
  if (header->action == static_cast<std::uint32_t>(udp::action::error)) {
    FUZZ_CHECK(!id_spliced);  // a scrape with a valid id always gets its entries
    check_error(answer, s.transaction_id, id_spliced);
    return;
  }
  FUZZ_CHECK(header->action == static_cast<std::uint32_t>(udp::action::scrape));
  auto r = udp::decode_scrape_response(answer);
  FUZZ_CHECK(r.has_value());
  FUZZ_CHECK(r->transaction_id == s.transaction_id);
  FUZZ_CHECK(r->entries.size() == s.info_hashes.size());
  for (const auto& e : r->entries) {
    FUZZ_CHECK(e.complete >= 0 && e.downloaded >= 0 && e.incomplete >= 0);
    FUZZ_CHECK(static_cast<std::size_t>(e.complete + e.incomplete) <= config.max_peers_per_swarm);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::uint8_t control = byte_at(input, 0);
  const peer_address from = address_of(byte_at(input, 1));
  std::string datagram(input.substr(std::min<std::size_t>(size, 2)));

  state& st = global_state();
  const unsigned advance = control >> 4;
  st.now += std::chrono::seconds(advance * advance);
  swarm_store& store = (control & 8) ? st.guarded : st.open;

  bool id_spliced = false;
  if ((control & 1) && datagram.size() >= 8) {
    const auto issued_at = (control & 2) ? st.now - id_window : st.now;
    put_u64(datagram, 0, connect(from, store, st.ids, issued_at));
    id_spliced = true;
  }
  if (control & 4) canonicalise(datagram);

  const auto request = udp::decode_request(datagram);
  const auto answer = answer_udp(datagram, from, store, st.ids, st.now);
  // Undecodable datagrams are dropped (no reflection); everything else is answered.
  FUZZ_CHECK(answer.has_value() == request.has_value());
  if (answer) check_answer(*request, *answer, from, id_spliced, store.config(), st.ids, st.now);

  store.expire(st.now, 16);
  check_store(store, st.now);
  return 0;
}
