#include "tracker/udp_tracker_session.hpp"

#include <algorithm>
#include <cctype>

namespace actorrent {

namespace {

using namespace udp_tracker;

constexpr std::size_t max_url_size = 2048;
constexpr std::size_t max_host_size = 253;  // DNS limit
constexpr unsigned max_retransmits_cap = 16;
// Bytes of a tracker's error text kept: enough for any real message, short enough for logs.
constexpr std::size_t max_error_text = 256;

unexpected<tracker_error> bad_url(std::string_view url, const std::string& why) {
  // The URL itself may carry a passkey: show at most the scheme and authority.
  const std::string_view shown = url.substr(0, std::min(url.find_first_of("/?#", 6), url.size()));
  return make_unexpected(tracker_error{
      tracker_error::kind::network,
      "not a usable udp:// tracker URL (" + std::string(shown.substr(0, 300)) + "): " + why});
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Tracker text is untrusted: printable ASCII is kept, everything else becomes \xNN, and the
// result is bounded so that a tracker cannot flood logs or a terminal.
std::string printable(std::string_view raw) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (out.size() >= max_error_text) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace

expected<udp_tracker_url, tracker_error> parse_udp_tracker_url(std::string_view url) {
  if (url.size() > max_url_size)
    return bad_url(url, "longer than " + std::to_string(max_url_size) + " bytes");
  constexpr std::string_view scheme = "udp://";
  if (url.size() < scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), url.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
    return bad_url(url, "the scheme is not udp://");
  std::string_view rest = url.substr(scheme.size());
  const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos)
    return bad_url(url, "user information is not allowed");

  udp_tracker_url out;
  std::string_view port_text;
  bool v6 = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unterminated IPv6 literal");
    const std::string_view literal = authority.substr(1, close - 1);
    auto ip = peer_address::parse_ip(literal, 0);
    if (!ip || !ip->v6) return bad_url(url, "not an IPv6 address between [ and ]");
    out.host = std::string(literal);
    v6 = true;
    const std::string_view after = authority.substr(close + 1);
    if (after.empty() || after.front() != ':') return bad_url(url, "no port");
    port_text = after.substr(1);
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos) return bad_url(url, "no port");
    const std::string_view host = authority.substr(0, colon);
    if (host.empty()) return bad_url(url, "no host");
    if (host.size() > max_host_size) return bad_url(url, "host name too long");
    if (!std::all_of(host.begin(), host.end(), host_char))
      return bad_url(url, "host contains characters not allowed in a host name");
    out.host = std::string(host);
    port_text = authority.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad_url(url, "the port is not a number");
  const unsigned long port = std::stoul(std::string(port_text));
  if (port == 0 || port > 65535) return bad_url(url, "the port is not in 1..65535");
  out.port = static_cast<std::uint16_t>(port);

  // A fragment is never sent; the path and query are (BEP 41).
  const std::string_view tail = rest.substr(authority_end);
  out.url_data = std::string(tail.substr(0, std::min(tail.find('#'), tail.size())));
  if (out.url_data.size() > max_url_data_size)
    return bad_url(url,
                   "path and query longer than " + std::to_string(max_url_data_size) + " bytes");
  out.display = "udp://" + (v6 ? "[" + out.host + "]" : out.host) + ":" + std::to_string(out.port);
  return out;
}

udp_tracker_session::udp_tracker_session(udp_tracker_url url, address_family family,
                                         udp_tracker_config config, std::uint32_t seed)
    : url_(std::move(url)), family_(family), config_(config) {
  config_.max_retransmits = std::min(config_.max_retransmits, max_retransmits_cap);
  if (config_.retransmit_base <= std::chrono::milliseconds::zero())
    config_.retransmit_base = std::chrono::milliseconds(1);
  if (seed == 0) seed = std::random_device{}();
  rng_.seed(seed);
}

bool udp_tracker_session::has_connection_id(time_point now) const {
  return connection_id_ && now - connection_obtained_ < config_.connection_id_lifetime;
}

bool udp_tracker_session::start_announce(const announce_request& request, time_point now) {
  if (busy()) return false;
  operation_ = request;
  begin(now);
  return true;
}

bool udp_tracker_session::start_scrape(std::vector<sha1_hash> info_hashes, time_point now) {
  if (busy()) return false;
  const std::size_t n = info_hashes.size();
  operation_ = std::move(info_hashes);
  begin(now);
  if (n == 0 || n > max_scrape_hashes)
    fail(tracker_error::kind::network, "a UDP scrape names 1 to " +
                                           std::to_string(max_scrape_hashes) +
                                           " info-hashes, not " + std::to_string(n));
  return true;
}

void udp_tracker_session::begin(time_point now) {
  result_.reset();
  started_ = now;
  attempt_ = 0;
  enter(has_connection_id(now) ? phase::requesting : phase::connecting);
}

void udp_tracker_session::enter(phase p) {
  phase_ = p;
  // A new request gets a new transaction id; a retransmission keeps it, so that a late
  // answer to an earlier copy still counts.
  transaction_id_ = static_cast<std::uint32_t>(rng_());
  send_due_ = true;
}

std::chrono::milliseconds udp_tracker_session::timeout_for(unsigned n) const {
  return config_.retransmit_base * (1u << n);
}

std::string udp_tracker_session::build_request() const {
  if (phase_ == phase::connecting) return encode(connect_request_packet{transaction_id_});
  if (auto* a = std::get_if<announce_request>(&operation_)) {
    announce_request_packet p;
    p.connection_id = *connection_id_;
    p.transaction_id = transaction_id_;
    p.request = *a;
    if (config_.send_url_data) p.url_data = url_.url_data;
    return encode(p);
  }
  scrape_request_packet p;
  p.connection_id = *connection_id_;
  p.transaction_id = transaction_id_;
  p.info_hashes = std::get<std::vector<sha1_hash>>(operation_);
  return encode(p);
}

std::optional<std::string> udp_tracker_session::next_datagram(time_point now) {
  if (!busy()) return std::nullopt;
  if (!send_due_) {
    if (now < deadline_) return std::nullopt;
    if (attempt_ >= config_.max_retransmits) {
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
      fail(tracker_error::kind::network, "no answer after " + std::to_string(attempt_ + 1) +
                                             " attempts over " + std::to_string(waited.count()) +
                                             " ms (timed out)");
      return std::nullopt;
    }
    ++attempt_;
    ++stats_.retransmits;
  }
  // BEP 15: "it is necessary to rerequest a connection ID when it has expired" — during
  // retransmission, or when a slow driver sends long after the connect response.
  if (phase_ == phase::requesting && !has_connection_id(now)) enter(phase::connecting);
  send_due_ = false;
  deadline_ = now + timeout_for(attempt_);
  ++stats_.sent;
  return build_request();
}

std::optional<udp_tracker_session::time_point> udp_tracker_session::next_deadline() const {
  if (!busy()) return std::nullopt;
  if (send_due_) return time_point::min();
  return deadline_;
}

void udp_tracker_session::on_datagram(std::string_view d, time_point now) {
  ++stats_.received;
  auto header = peek_response_header(d);
  if (!busy() || !header || header->transaction_id != transaction_id_) {
    ++stats_.ignored;
    return;
  }
  switch (header->action) {
    case static_cast<std::uint32_t>(action::error): {
      auto e = decode_error_response(d);
      if (!e) return fail(tracker_error::kind::bad_response, e.error().message);
      // The tracker may have forgotten our id (a restart): do not reuse it next time.
      if (phase_ == phase::requesting) connection_id_.reset();
      return fail(tracker_error::kind::failure_reason, printable(e->message));
    }
    case static_cast<std::uint32_t>(action::connect): {
      if (phase_ != phase::connecting) break;
      auto c = decode_connect_response(d);
      if (!c) return fail(tracker_error::kind::bad_response, c.error().message);
      connection_id_ = c->connection_id;
      connection_obtained_ = now;
      ++stats_.connects;
      // n is not reset: it bounds the whole operation, so a tracker that answers connects
      // but never announces still ends in a timeout.
      enter(phase::requesting);
      return;
    }
    case static_cast<std::uint32_t>(action::announce):
      if (phase_ != phase::requesting || !std::holds_alternative<announce_request>(operation_))
        break;
      return on_announce_response(d);
    case static_cast<std::uint32_t>(action::scrape):
      if (phase_ != phase::requesting ||
          !std::holds_alternative<std::vector<sha1_hash>>(operation_))
        break;
      return on_scrape_response(d);
    default:
      break;
  }
  ++stats_.ignored;
}

void udp_tracker_session::on_announce_response(std::string_view d) {
  // opentracker answers an announce for a torrent it does not track (not whitelisted) with
  // just the action and transaction id. It is a refusal, so report it as one.
  if (d.size() == 8)
    return fail(tracker_error::kind::failure_reason,
                "empty announce response: the tracker does not track this torrent");
  auto p = decode_announce_response(d, family_);
  if (!p) return fail(tracker_error::kind::bad_response, p.error().message);
  if (p->interval < 0)
    return fail(tracker_error::kind::bad_response,
                "announce response has negative interval " + std::to_string(p->interval));
  announce_response r;
  r.interval = std::chrono::seconds(p->interval);
  if (p->seeders >= 0) r.complete = p->seeders;
  if (p->leechers >= 0) r.incomplete = p->leechers;
  r.peers = std::move(p->peers);
  // Port 0 cannot be connected to; such entries are padding or lies.
  r.peers.erase(std::remove_if(r.peers.begin(), r.peers.end(),
                               [](const peer_address& a) { return a.port == 0; }),
                r.peers.end());
  finish(udp_tracker_reply{std::move(r)});
}

void udp_tracker_session::on_scrape_response(std::string_view d) {
  auto p = decode_scrape_response(d);
  if (!p) return fail(tracker_error::kind::bad_response, p.error().message);
  const auto& hashes = std::get<std::vector<sha1_hash>>(operation_);
  if (p->entries.size() != hashes.size())
    return fail(tracker_error::kind::bad_response,
                "scrape response has " + std::to_string(p->entries.size()) + " entries for " +
                    std::to_string(hashes.size()) + " info-hashes");
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    scrape_entry& e = p->entries[i];
    e.info_hash = hashes[i];
    e.complete = std::max<std::int64_t>(e.complete, 0);
    e.downloaded = std::max<std::int64_t>(e.downloaded, 0);
    e.incomplete = std::max<std::int64_t>(e.incomplete, 0);
  }
  finish(udp_tracker_reply{std::move(p->entries)});
}

std::optional<udp_tracker_outcome> udp_tracker_session::take_result() {
  std::optional<udp_tracker_outcome> r = std::move(result_);
  result_.reset();
  return r;
}

void udp_tracker_session::cancel() {
  if (busy()) fail(tracker_error::kind::cancelled, "cancelled");
}

void udp_tracker_session::finish(udp_tracker_outcome outcome) {
  phase_ = phase::idle;
  send_due_ = false;
  result_ = std::move(outcome);
}

void udp_tracker_session::fail(tracker_error::kind kind, std::string what) {
  finish(make_unexpected(tracker_error{kind, url_.display + ": " + what}));
}

}  // namespace actorrent
