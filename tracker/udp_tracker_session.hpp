// The client side of one UDP tracker (BEP 15) as a pure state machine: no socket, no clock.
// The driver (udp_tracker_client, or a test with a fake clock) passes the time in, sends
// what next_datagram() returns, feeds every received datagram to on_datagram(), and calls
// next_datagram() again no later than next_deadline().
//
// What it implements from BEP 15:
//  - connect first, then announce or scrape with the connection id; the id is reused for
//    later operations for connection_id_lifetime (one minute) after it was received;
//  - a random 32-bit transaction id per request; a datagram whose transaction id or action
//    does not match the outstanding request is ignored (and counted), so a stray or spoofed
//    datagram cannot end an operation without guessing the id;
//  - retransmission after base·2^n for n = 0..max_retransmits, then a timeout error; when
//    the connection id expires during retransmission, the retransmission is a new connect;
//  - an error action becomes tracker_error::kind::failure_reason with the tracker's text.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"
#include "tracker/announce.hpp"
#include "tracker/udp_tracker_protocol.hpp"

namespace actorrent {

// udp://host:port[/path][?query] — host is a name, an IPv4 literal or a bracketed IPv6
// literal; the port is required (BEP 15 has no default).
struct udp_tracker_url {
  std::string host;  // IPv6 literals without brackets
  std::uint16_t port = 0;
  std::string url_data;  // path and query, sent as BEP 41 URLData; may be empty
  std::string display;   // "udp://host:port": what messages name (no path or query,
                         // where private trackers keep passkeys)
};

// kind::network with a message naming the problem when `url` is not such a URL (including
// a path and query longer than udp_tracker::max_url_data_size).
expected<udp_tracker_url, tracker_error> parse_udp_tracker_url(std::string_view url);

struct udp_tracker_config {
  // BEP 15: retransmit after 15·2^n seconds, n = 0..8 (3840 s), i.e. give up after
  // 15·(2^9 − 1) = 7665 s. Tests scale the base down; callers that cannot wait two hours
  // lower max_retransmits (clamped to 16).
  std::chrono::milliseconds retransmit_base{15'000};
  unsigned max_retransmits = 8;
  std::chrono::milliseconds connection_id_lifetime{60'000};
  bool send_url_data = true;  // BEP 41: send the URL's path and query with each announce
};

using udp_tracker_reply = std::variant<announce_response, std::vector<scrape_entry>>;
using udp_tracker_outcome = expected<udp_tracker_reply, tracker_error>;

class udp_tracker_session {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  struct counters {
    std::uint64_t sent = 0;         // datagrams handed out by next_datagram()
    std::uint64_t retransmits = 0;  // of those, sent because an answer timed out
    std::uint64_t connects = 0;     // connection ids obtained
    std::uint64_t received = 0;     // datagrams passed to on_datagram()
    std::uint64_t ignored = 0;      // of those, not an answer to the outstanding request
  };

  // `family` is that of the tracker endpoint the driver talks to: it decides how the peers
  // in announce responses are read (BEP 15). `seed` 0 draws transaction ids from
  // std::random_device; tests pass a fixed seed.
  udp_tracker_session(udp_tracker_url url, udp_tracker::address_family family,
                      udp_tracker_config config = {}, std::uint32_t seed = 0);

  // Begin an operation. False (and nothing changes) while another one is running: one
  // request at a time per tracker. A scrape needs 1..udp_tracker::max_scrape_hashes
  // hashes; otherwise the operation ends at once with a kind::network error. The request's
  // tracker_id is not used (BEP 15 has none).
  bool start_announce(const announce_request& request, time_point now);
  bool start_scrape(std::vector<sha1_hash> info_hashes, time_point now);

  // The datagram to send now, if any. Also where timeouts are noticed: past the deadline
  // it returns the retransmission, or, after the last one, nothing and the operation ends
  // with a timeout (see result()).
  std::optional<std::string> next_datagram(time_point now);
  // When next_datagram() must be called again; nullopt when no operation is running. May
  // be <= now (a datagram is due at once, e.g. the announce right after a connect).
  std::optional<time_point> next_deadline() const;
  // An answer with the outstanding transaction id and action ends the operation:
  //  - announce: an 8-byte answer (action and id only, opentracker's reply for a torrent it
  //    does not track) is a failure_reason; peers with port 0 are dropped; a negative interval is a
  //    bad_response; a negative seeder or leecher count is left unknown (nullopt);
  //  - scrape: exactly one entry per requested hash, else bad_response; negative counts
  //    become 0;
  //  - error action: failure_reason with the text made printable (\xNN) and bounded, and
  //    the connection id is forgotten (the tracker may have lost it);
  //  - the right id and action but a malformed body: bad_response.
  // Anything else is ignored and counted in stats().ignored.
  void on_datagram(std::string_view datagram, time_point now);

  // The outcome of the finished operation, once; the session is then ready for the next.
  std::optional<udp_tracker_outcome> take_result();
  bool has_result() const { return result_.has_value(); }
  bool busy() const { return phase_ != phase::idle; }
  // The running operation ends with kind::cancelled.
  void cancel();

  bool has_connection_id(time_point now) const;
  // Forget the connection id, e.g. when the driver switches to another address.
  void reset_connection() { connection_id_.reset(); }
  const counters& stats() const { return stats_; }
  const udp_tracker_url& url() const { return url_; }
  udp_tracker::address_family family() const { return family_; }
  const udp_tracker_config& config() const { return config_; }

 private:
  enum class phase { idle, connecting, requesting };

  void begin(time_point now);
  void enter(phase p);
  std::string build_request() const;
  std::chrono::milliseconds timeout_for(unsigned n) const;
  void finish(udp_tracker_outcome outcome);
  void fail(tracker_error::kind kind, std::string what);
  void on_announce_response(std::string_view d);
  void on_scrape_response(std::string_view d);

  udp_tracker_url url_;
  udp_tracker::address_family family_;
  udp_tracker_config config_;
  std::mt19937 rng_;

  phase phase_ = phase::idle;
  std::variant<announce_request, std::vector<sha1_hash>> operation_;
  std::uint32_t transaction_id_ = 0;
  bool send_due_ = false;
  unsigned attempt_ = 0;  // BEP 15's n
  time_point started_{};
  time_point deadline_{};
  std::optional<std::uint64_t> connection_id_;
  time_point connection_obtained_{};
  std::optional<udp_tracker_outcome> result_;
  counters stats_;
};

}  // namespace actorrent
