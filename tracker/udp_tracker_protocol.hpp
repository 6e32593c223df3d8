// The UDP tracker protocol (BEP 15) as pure functions over datagrams, for both directions:
// our client encodes requests and decodes responses, our tracker server decodes requests
// and encodes responses. Every integer is big-endian. Nothing here touches a socket.
//
// Decoders treat every datagram as hostile: they check the action, the exact minimum
// length, the upper bound on the size, and that variable-length tails (peers, info-hashes)
// come in whole entries. A decoder never allocates more than the datagram's own size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/peer_address.hpp"
#include "protocol/sha1.hpp"
#include "tracker/announce.hpp"

namespace actorrent::udp_tracker {

// The magic constant a connect request starts with.
inline constexpr std::uint64_t protocol_id = 0x41727101980ULL;

enum class action : std::uint32_t { connect = 0, announce = 1, scrape = 2, error = 3 };

const char* to_string(action a);  // "connect", "announce", "scrape", "error"

// BEP 15: the peers in an announce response are 6-byte IPv4 entries when the request came
// over IPv4 and 18-byte IPv6 entries when it came over IPv6. The datagram does not say
// which, so both sides must be told.
enum class address_family : std::uint8_t { v4, v6 };

inline constexpr std::size_t connect_request_size = 16;
inline constexpr std::size_t connect_response_size = 16;
inline constexpr std::size_t announce_request_size = 98;  // without BEP 41 options
inline constexpr std::size_t announce_response_header_size = 20;
inline constexpr std::size_t scrape_request_header_size = 16;
inline constexpr std::size_t scrape_response_header_size = 8;
inline constexpr std::size_t scrape_response_entry_size = 12;
inline constexpr std::size_t error_response_header_size = 8;

// Upper bounds for what either side accepts. A request is small (98 bytes plus BEP 41
// options, or 16 + 20·74 for a scrape); 2048 leaves room for options without letting a
// client make us parse kilobytes. 8 KiB of response holds 1361 IPv4 or 454 IPv6 peers,
// far more than any tracker hands out per announce (opentracker caps at 200).
inline constexpr std::size_t max_request_size = 2048;
inline constexpr std::size_t max_response_size = 8192;
// "Up to about 74 torrents can be scraped at once" (BEP 15): 74 entries of 20 bytes keep
// the request inside a 1500-byte Ethernet frame.
inline constexpr std::size_t max_scrape_hashes = 74;
// BEP 41 URLData bytes we send or keep; the request stays under max_request_size.
inline constexpr std::size_t max_url_data_size = 1024;

// The most peers an announce response can carry within max_response_size.
constexpr std::size_t max_announce_peers(address_family family) {
  return (max_response_size - announce_response_header_size) /
         (family == address_family::v6 ? compact_v6_size : compact_v4_size);
}

// ---- packets -------------------------------------------------------------------------------

struct connect_request_packet {
  std::uint32_t transaction_id = 0;
};

struct connect_response_packet {
  std::uint32_t transaction_id = 0;
  std::uint64_t connection_id = 0;
};

struct announce_request_packet {
  std::uint64_t connection_id = 0;
  std::uint32_t transaction_id = 0;
  // info_hash, peer_id, downloaded, left, uploaded, event, key, numwant and port travel;
  // tracker_id has no place in BEP 15 and is neither sent nor decoded. The 64-bit counters
  // are passed through as received: a server decides what a negative `left` means.
  announce_request request;
  std::uint32_t ip = 0;  // 0: "use the sender's address"; BEP 15 only defines it for IPv4
  // BEP 41 URLData: the path and query of the tracker URL (e.g. "/announce?passkey=…"),
  // concatenated from all URLData options. Empty when the request carried none.
  std::string url_data;
};

struct announce_response_packet {
  std::uint32_t transaction_id = 0;
  // Signed as in BEP 15; a negative value is a broken tracker, judged by the caller.
  std::int32_t interval = 0;
  std::int32_t leechers = 0;
  std::int32_t seeders = 0;
  // All of the family given to encode/decode. encode() skips peers of the other family
  // and stops at max_announce_peers(family).
  std::vector<peer_address> peers;
};

struct scrape_request_packet {
  std::uint64_t connection_id = 0;
  std::uint32_t transaction_id = 0;
  std::vector<sha1_hash> info_hashes;  // 1 .. max_scrape_hashes
};

struct scrape_response_packet {
  std::uint32_t transaction_id = 0;
  // One entry per requested hash, in request order. The datagram carries no hashes:
  // decode() leaves info_hash zero, encode() ignores it. encode() clamps the counts into
  // 0 .. INT32_MAX, the wire's signed 32-bit range.
  std::vector<scrape_entry> entries;
};

struct error_response_packet {
  std::uint32_t transaction_id = 0;
  std::string message;  // raw bytes as sent; not necessarily printable
};

// ---- errors --------------------------------------------------------------------------------

enum class decode_errc : std::uint8_t {
  too_short,          // shorter than the fixed part of its packet
  too_long,           // over max_request_size / max_response_size
  wrong_action,       // not the action the caller asked to decode, or unknown
  wrong_protocol_id,  // connect request without the magic constant
  ragged,             // peers / hashes / scrape entries not a whole number of entries
  bad_event,          // announce event outside 0..3
  too_many_hashes,    // scrape with more than max_scrape_hashes
  no_hashes,          // scrape with none
};

const char* to_string(decode_errc e);

struct decode_error {
  decode_errc code;
  std::string message;  // names the packet, the sizes or values involved
};

// ---- encoding ------------------------------------------------------------------------------
// Infallible: every packet struct has a valid encoding (oversized parts are bounded as
// documented on the structs: url_data is cut at max_url_data_size, scrape hashes at
// max_scrape_hashes).

std::string encode(const connect_request_packet& p);
std::string encode(const connect_response_packet& p);
std::string encode(const announce_request_packet& p);
std::string encode(const announce_response_packet& p, address_family family);
std::string encode(const scrape_request_packet& p);
std::string encode(const scrape_response_packet& p);
std::string encode(const error_response_packet& p);

// ---- decoding: server side (requests) ------------------------------------------------------

expected<connect_request_packet, decode_error> decode_connect_request(std::string_view d);
// Bytes after the 98 fixed ones are BEP 41 options: URLData is collected, NOP skipped, and
// anything unparseable or unknown ends option parsing without failing the request, as
// BEP 41 asks of trackers.
expected<announce_request_packet, decode_error> decode_announce_request(std::string_view d);
expected<scrape_request_packet, decode_error> decode_scrape_request(std::string_view d);

using request_packet =
    std::variant<connect_request_packet, announce_request_packet, scrape_request_packet>;
// Dispatches on the action at offset 8; a connect request is recognised by its action 0.
expected<request_packet, decode_error> decode_request(std::string_view d);

// ---- decoding: client side (responses) -----------------------------------------------------

expected<connect_response_packet, decode_error> decode_connect_response(std::string_view d);
expected<announce_response_packet, decode_error> decode_announce_response(std::string_view d,
                                                                          address_family family);
expected<scrape_response_packet, decode_error> decode_scrape_response(std::string_view d);
expected<error_response_packet, decode_error> decode_error_response(std::string_view d);

using response_packet = std::variant<connect_response_packet, announce_response_packet,
                                     scrape_response_packet, error_response_packet>;
// Dispatches on the action at offset 0.
expected<response_packet, decode_error> decode_response(std::string_view d, address_family family);

// The action and transaction id every response starts with, without validating the rest:
// lets a client tell "a broken answer to my request" from "someone else's datagram".
struct response_header {
  std::uint32_t action = 0;  // raw: may be none of the known actions
  std::uint32_t transaction_id = 0;
};
expected<response_header, decode_error> peek_response_header(std::string_view d);

}  // namespace actorrent::udp_tracker
