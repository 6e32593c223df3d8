#include "tracker/udp_tracker_protocol.hpp"

#include <algorithm>
#include <limits>

namespace actorrent::udp_tracker {

namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_i32(std::string& out, std::int32_t v) {
  put_u32(out, static_cast<std::uint32_t>(v));
}
void put_i64(std::string& out, std::int64_t v) {
  put_u64(out, static_cast<std::uint64_t>(v));
}

void put_action(std::string& out, action a) {
  put_u32(out, static_cast<std::uint32_t>(a));
}

// Reads big-endian integers at fixed offsets; callers check the length first.
std::uint64_t get_be(std::string_view d, std::size_t off, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(d[off + i]);
  return v;
}
std::uint16_t get_u16(std::string_view d, std::size_t off) {
  return static_cast<std::uint16_t>(get_be(d, off, 2));
}
std::uint32_t get_u32(std::string_view d, std::size_t off) {
  return static_cast<std::uint32_t>(get_be(d, off, 4));
}
std::uint64_t get_u64(std::string_view d, std::size_t off) {
  return get_be(d, off, 8);
}
std::int32_t get_i32(std::string_view d, std::size_t off) {
  return static_cast<std::int32_t>(get_u32(d, off));
}
std::int64_t get_i64(std::string_view d, std::size_t off) {
  return static_cast<std::int64_t>(get_u64(d, off));
}

sha1_hash get_hash(std::string_view d, std::size_t off) {
  return sha1_hash::from_bytes(d.substr(off, sha1_hash::size));
}

std::int32_t clamp_to_i32(std::int64_t v) {
  return static_cast<std::int32_t>(
      std::clamp<std::int64_t>(v, 0, std::numeric_limits<std::int32_t>::max()));
}

unexpected<decode_error> fail(decode_errc code, std::string message) {
  return make_unexpected(decode_error{code, std::move(message)});
}

std::string sizes(std::size_t got) {
  return std::to_string(got) + " bytes";
}

// Checks the bounds shared by every packet: at least `min`, at most `max` bytes.
std::optional<unexpected<decode_error>> check_size(std::string_view d, const char* what,
                                                   std::size_t min, std::size_t max) {
  if (d.size() < min)
    return fail(decode_errc::too_short, std::string(what) + " needs at least " +
                                            std::to_string(min) + " bytes, got " + sizes(d.size()));
  if (d.size() > max)
    return fail(decode_errc::too_long, std::string(what) + " is " + sizes(d.size()) +
                                           ", more than the limit of " + std::to_string(max));
  return std::nullopt;
}

std::optional<unexpected<decode_error>> check_action(std::uint32_t got, action want,
                                                     const char* what) {
  if (got == static_cast<std::uint32_t>(want)) return std::nullopt;
  return fail(decode_errc::wrong_action, std::string(what) + " must have action " +
                                             std::to_string(static_cast<std::uint32_t>(want)) +
                                             ", got " + std::to_string(got));
}

// BEP 41 options after the fixed announce request. Only URLData (type 2) carries anything
// we use; parsing stops at EndOfOptions, at an unknown type (its length is unknowable) or
// at a truncated option, keeping what was collected so far.
std::string parse_bep41_url_data(std::string_view opts) {
  std::string url;
  std::size_t i = 0;
  while (i < opts.size()) {
    const auto type = static_cast<unsigned char>(opts[i++]);
    if (type == 0) break;     // EndOfOptions
    if (type == 1) continue;  // NOP
    if (type != 2) break;     // unknown: cannot skip it
    if (i >= opts.size()) break;
    const std::size_t len = static_cast<unsigned char>(opts[i++]);
    if (len > opts.size() - i) break;
    if (url.size() + len > max_url_data_size) break;
    url.append(opts.substr(i, len));
    i += len;
  }
  return url;
}

}  // namespace

const char* to_string(action a) {
  switch (a) {
    case action::connect:
      return "connect";
    case action::announce:
      return "announce";
    case action::scrape:
      return "scrape";
    case action::error:
      return "error";
  }
  return "unknown";
}

const char* to_string(decode_errc e) {
  switch (e) {
    case decode_errc::too_short:
      return "too short";
    case decode_errc::too_long:
      return "too long";
    case decode_errc::wrong_action:
      return "wrong action";
    case decode_errc::wrong_protocol_id:
      return "wrong protocol id";
    case decode_errc::ragged:
      return "ragged";
    case decode_errc::bad_event:
      return "bad event";
    case decode_errc::too_many_hashes:
      return "too many info-hashes";
    case decode_errc::no_hashes:
      return "no info-hashes";
  }
  return "unknown";
}

// ---- encoding ------------------------------------------------------------------------------

std::string encode(const connect_request_packet& p) {
  std::string out;
  out.reserve(connect_request_size);
  put_u64(out, protocol_id);
  put_action(out, action::connect);
  put_u32(out, p.transaction_id);
  return out;
}

std::string encode(const connect_response_packet& p) {
  std::string out;
  out.reserve(connect_response_size);
  put_action(out, action::connect);
  put_u32(out, p.transaction_id);
  put_u64(out, p.connection_id);
  return out;
}

std::string encode(const announce_request_packet& p) {
  const announce_request& r = p.request;
  std::string out;
  const std::string_view url =
      std::string_view(p.url_data).substr(0, std::min(p.url_data.size(), max_url_data_size));
  out.reserve(announce_request_size + url.size() + url.size() / 255 * 2 + 2);
  put_u64(out, p.connection_id);
  put_action(out, action::announce);
  put_u32(out, p.transaction_id);
  out.append(r.info_hash.view());
  out.append(r.peer_id.view());
  put_i64(out, r.downloaded);
  put_i64(out, r.left);
  put_i64(out, r.uploaded);
  put_u32(out, static_cast<std::uint32_t>(r.event));
  put_u32(out, p.ip);
  put_u32(out, r.key);
  put_i32(out, r.numwant);
  put_u16(out, r.port);
  // BEP 41: the path and query in URLData options of at most 255 bytes each.
  for (std::size_t off = 0; off < url.size(); off += 255) {
    const std::string_view chunk = url.substr(off, 255);
    out.push_back('\x02');
    out.push_back(static_cast<char>(chunk.size()));
    out.append(chunk);
  }
  return out;
}

std::string encode(const announce_response_packet& p, address_family family) {
  const bool v6 = family == address_family::v6;
  const std::size_t limit = max_announce_peers(family);
  std::string out;
  out.reserve(announce_response_header_size +
              std::min(p.peers.size(), limit) * (v6 ? compact_v6_size : compact_v4_size));
  put_action(out, action::announce);
  put_u32(out, p.transaction_id);
  put_i32(out, p.interval);
  put_i32(out, p.leechers);
  put_i32(out, p.seeders);
  std::size_t written = 0;
  for (const peer_address& peer : p.peers) {
    if (written == limit) break;
    if (peer.v6 != v6) continue;
    append_compact(peer, out);
    ++written;
  }
  return out;
}

std::string encode(const scrape_request_packet& p) {
  const std::size_t n = std::min(p.info_hashes.size(), max_scrape_hashes);
  std::string out;
  out.reserve(scrape_request_header_size + n * sha1_hash::size);
  put_u64(out, p.connection_id);
  put_action(out, action::scrape);
  put_u32(out, p.transaction_id);
  for (std::size_t i = 0; i < n; ++i)
    out.append(p.info_hashes[i].view());
  return out;
}

std::string encode(const scrape_response_packet& p) {
  // Bounded like every response we would accept ourselves.
  const std::size_t n =
      std::min(p.entries.size(),
               (max_response_size - scrape_response_header_size) / scrape_response_entry_size);
  std::string out;
  out.reserve(scrape_response_header_size + n * scrape_response_entry_size);
  put_action(out, action::scrape);
  put_u32(out, p.transaction_id);
  for (std::size_t i = 0; i < n; ++i) {
    const scrape_entry& e = p.entries[i];
    put_i32(out, clamp_to_i32(e.complete));
    put_i32(out, clamp_to_i32(e.downloaded));
    put_i32(out, clamp_to_i32(e.incomplete));
  }
  return out;
}

std::string encode(const error_response_packet& p) {
  const std::size_t n = std::min(p.message.size(), max_response_size - error_response_header_size);
  std::string out;
  out.reserve(error_response_header_size + n);
  put_action(out, action::error);
  put_u32(out, p.transaction_id);
  out.append(p.message, 0, n);
  return out;
}

// ---- decoding: requests --------------------------------------------------------------------

expected<connect_request_packet, decode_error> decode_connect_request(std::string_view d) {
  if (auto e = check_size(d, "connect request", connect_request_size, max_request_size)) return *e;
  const std::uint64_t magic = get_u64(d, 0);
  if (magic != protocol_id) {
    // Action first: a packet with another action is not a connect request at all, which
    // is the more useful thing to report.
    if (auto e = check_action(get_u32(d, 8), action::connect, "connect request")) return *e;
    return fail(decode_errc::wrong_protocol_id, "connect request has protocol id " +
                                                    std::to_string(magic) + ", expected " +
                                                    std::to_string(protocol_id));
  }
  if (auto e = check_action(get_u32(d, 8), action::connect, "connect request")) return *e;
  return connect_request_packet{get_u32(d, 12)};
}

expected<announce_request_packet, decode_error> decode_announce_request(std::string_view d) {
  if (auto e = check_size(d, "announce request", announce_request_size, max_request_size))
    return *e;
  if (auto e = check_action(get_u32(d, 8), action::announce, "announce request")) return *e;
  const std::uint32_t event = get_u32(d, 80);
  if (event > 3)
    return fail(decode_errc::bad_event,
                "announce request has event " + std::to_string(event) + ", expected 0..3");
  announce_request_packet p;
  p.connection_id = get_u64(d, 0);
  p.transaction_id = get_u32(d, 12);
  announce_request& r = p.request;
  r.info_hash = get_hash(d, 16);
  r.peer_id = get_hash(d, 36);
  r.downloaded = get_i64(d, 56);
  r.left = get_i64(d, 64);
  r.uploaded = get_i64(d, 72);
  r.event = static_cast<announce_event>(event);
  p.ip = get_u32(d, 84);
  r.key = get_u32(d, 88);
  r.numwant = get_i32(d, 92);
  r.port = get_u16(d, 96);
  p.url_data = parse_bep41_url_data(d.substr(announce_request_size));
  return p;
}

expected<scrape_request_packet, decode_error> decode_scrape_request(std::string_view d) {
  if (auto e = check_size(d, "scrape request", scrape_request_header_size, max_request_size))
    return *e;
  if (auto e = check_action(get_u32(d, 8), action::scrape, "scrape request")) return *e;
  const std::size_t tail = d.size() - scrape_request_header_size;
  if (tail % sha1_hash::size != 0)
    return fail(decode_errc::ragged,
                "scrape request has " + sizes(tail) + " of info-hashes, not a multiple of 20");
  const std::size_t n = tail / sha1_hash::size;
  if (n == 0) return fail(decode_errc::no_hashes, "scrape request names no info-hash");
  if (n > max_scrape_hashes)
    return fail(decode_errc::too_many_hashes, "scrape request names " + std::to_string(n) +
                                                  " info-hashes, more than " +
                                                  std::to_string(max_scrape_hashes));
  scrape_request_packet p;
  p.connection_id = get_u64(d, 0);
  p.transaction_id = get_u32(d, 12);
  p.info_hashes.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    p.info_hashes.push_back(get_hash(d, scrape_request_header_size + i * sha1_hash::size));
  return p;
}

expected<request_packet, decode_error> decode_request(std::string_view d) {
  if (auto e = check_size(d, "request", connect_request_size, max_request_size)) return *e;
  const std::uint32_t a = get_u32(d, 8);
  switch (a) {
    case static_cast<std::uint32_t>(action::connect): {
      auto p = decode_connect_request(d);
      if (!p) return make_unexpected(p.error());
      return request_packet{*p};
    }
    case static_cast<std::uint32_t>(action::announce): {
      auto p = decode_announce_request(d);
      if (!p) return make_unexpected(p.error());
      return request_packet{std::move(*p)};
    }
    case static_cast<std::uint32_t>(action::scrape): {
      auto p = decode_scrape_request(d);
      if (!p) return make_unexpected(p.error());
      return request_packet{std::move(*p)};
    }
    default:
      return fail(decode_errc::wrong_action,
                  "request has action " + std::to_string(a) + ", expected 0, 1 or 2");
  }
}

// ---- decoding: responses -------------------------------------------------------------------

expected<connect_response_packet, decode_error> decode_connect_response(std::string_view d) {
  if (auto e = check_size(d, "connect response", connect_response_size, max_response_size))
    return *e;
  if (auto e = check_action(get_u32(d, 0), action::connect, "connect response")) return *e;
  return connect_response_packet{get_u32(d, 4), get_u64(d, 8)};
}

expected<announce_response_packet, decode_error> decode_announce_response(std::string_view d,
                                                                          address_family family) {
  if (auto e = check_size(d, "announce response", announce_response_header_size, max_response_size))
    return *e;
  if (auto e = check_action(get_u32(d, 0), action::announce, "announce response")) return *e;
  const bool v6 = family == address_family::v6;
  const std::string_view peers = d.substr(announce_response_header_size);
  auto parsed = v6 ? parse_compact_v6(peers) : parse_compact_v4(peers);
  if (!parsed)
    return fail(decode_errc::ragged, std::string("announce response has ") + sizes(peers.size()) +
                                         " of peers, not a multiple of " +
                                         (v6 ? "18 (IPv6)" : "6 (IPv4)"));
  announce_response_packet p;
  p.transaction_id = get_u32(d, 4);
  p.interval = get_i32(d, 8);
  p.leechers = get_i32(d, 12);
  p.seeders = get_i32(d, 16);
  p.peers = std::move(*parsed);
  return p;
}

expected<scrape_response_packet, decode_error> decode_scrape_response(std::string_view d) {
  if (auto e = check_size(d, "scrape response", scrape_response_header_size, max_response_size))
    return *e;
  if (auto e = check_action(get_u32(d, 0), action::scrape, "scrape response")) return *e;
  const std::size_t tail = d.size() - scrape_response_header_size;
  if (tail % scrape_response_entry_size != 0)
    return fail(decode_errc::ragged,
                "scrape response has " + sizes(tail) + " of entries, not a multiple of 12");
  scrape_response_packet p;
  p.transaction_id = get_u32(d, 4);
  const std::size_t n = tail / scrape_response_entry_size;
  p.entries.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t off = scrape_response_header_size + i * scrape_response_entry_size;
    scrape_entry e;
    e.complete = get_i32(d, off);
    e.downloaded = get_i32(d, off + 4);
    e.incomplete = get_i32(d, off + 8);
    p.entries.push_back(e);
  }
  return p;
}

expected<error_response_packet, decode_error> decode_error_response(std::string_view d) {
  if (auto e = check_size(d, "error response", error_response_header_size, max_response_size))
    return *e;
  if (auto e = check_action(get_u32(d, 0), action::error, "error response")) return *e;
  return error_response_packet{get_u32(d, 4), std::string(d.substr(error_response_header_size))};
}

expected<response_packet, decode_error> decode_response(std::string_view d, address_family family) {
  auto header = peek_response_header(d);
  if (!header) return make_unexpected(header.error());
  if (d.size() > max_response_size)
    return fail(decode_errc::too_long, "response is " + sizes(d.size()) +
                                           ", more than the limit of " +
                                           std::to_string(max_response_size));
  // Each branch converts its own packet type into the variant.
  auto lift = [](auto&& p) -> expected<response_packet, decode_error> {
    if (!p) return make_unexpected(p.error());
    return response_packet{std::move(*p)};
  };
  switch (header->action) {
    case static_cast<std::uint32_t>(action::connect):
      return lift(decode_connect_response(d));
    case static_cast<std::uint32_t>(action::announce):
      return lift(decode_announce_response(d, family));
    case static_cast<std::uint32_t>(action::scrape):
      return lift(decode_scrape_response(d));
    case static_cast<std::uint32_t>(action::error):
      return lift(decode_error_response(d));
    default:
      return fail(decode_errc::wrong_action,
                  "response has action " + std::to_string(header->action) + ", expected 0..3");
  }
}

expected<response_header, decode_error> peek_response_header(std::string_view d) {
  if (d.size() < 8)
    return fail(decode_errc::too_short,
                "response needs at least 8 bytes (action, transaction id), got " + sizes(d.size()));
  return response_header{get_u32(d, 0), get_u32(d, 4)};
}

}  // namespace actorrent::udp_tracker
