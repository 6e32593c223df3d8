// The UDP tracker client (BEP 15) on Boost.Asio: resolves udp://host:port URLs
// asynchronously, owns one connected UDP socket per tracker URL, and drives that URL's
// udp_tracker_session with a steady_timer. The protocol decisions are all in the session;
// this file only moves datagrams and time.
//
// Threading: every public member may be called from any thread; the work is posted to a
// strand of the given io_context, and callbacks run there (on the io_context's thread).
// Operations for one URL run one at a time in call order (a bounded queue); different URLs
// run concurrently.
//
// Hostile input: the socket is connected, so the kernel drops datagrams from any other
// address; a datagram is read into a fixed buffer of max_response_size + 1 bytes (one more
// than allowed, so an oversized one is seen as such rather than silently truncated); the
// session ignores datagrams that do not answer the outstanding request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"
#include "tracker/announce.hpp"
#include "tracker/response_fault.hpp"
#include "tracker/udp_tracker_session.hpp"

namespace actorrent {

struct udp_tracker_client_options {
  udp_tracker_config session;
  // Operations waiting per tracker URL (the running one included); more fail at once.
  std::size_t max_queued_per_tracker = 16;
  // Tracker URLs with a socket at the same time. An idle tracker keeps its socket (and its
  // connection id) for session.connection_id_lifetime, and is closed first when this limit
  // is reached; when every tracker is busy, a new URL fails at once.
  std::size_t max_trackers = 64;
  // Addresses tried per host name: the first that does not fail at once (refused,
  // unreachable) is used, in the resolver's order of preference.
  std::size_t max_endpoints = 8;
  std::uint32_t seed = 0;  // transaction ids; 0: random
};

class udp_tracker_client {
 public:
  using announce_callback = std::function<void(expected<announce_response, tracker_error>)>;
  using scrape_callback = std::function<void(expected<std::vector<scrape_entry>, tracker_error>)>;

  explicit udp_tracker_client(boost::asio::io_context& io, udp_tracker_client_options options = {});
  // Closes every socket. Callbacks of unfinished operations are dropped without being
  // called, so the owner may go away with the client. Safe to call from a callback.
  ~udp_tracker_client();
  udp_tracker_client(const udp_tracker_client&) = delete;
  udp_tracker_client& operator=(const udp_tracker_client&) = delete;

  // Exactly one callback per call, on the io_context's thread, never from inside the call.
  // Errors: kind::network for a bad URL, DNS failure, refused/unreachable (ICMP), timeout
  // after the BEP 15 retransmissions or a full queue; kind::failure_reason for the
  // tracker's error action; kind::bad_response for a malformed answer; kind::cancelled.
  // `fault` (tracker/response_fault.hpp) applies to the datagrams received while this
  // operation runs.
  void announce(std::string url, announce_request request, announce_callback callback,
                response_fault fault = response_fault::none);
  // 1..udp_tracker::max_scrape_hashes hashes; entries come back in the same order.
  void scrape(std::string url, std::vector<sha1_hash> info_hashes, scrape_callback callback,
              response_fault fault = response_fault::none);
  // Every queued and running operation completes with kind::cancelled.
  void cancel();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// Blocking convenience for tests and the command line: runs its own io_context on the
// calling thread until the answer, an error, `total_timeout` (kind::network, "timed out")
// or `cancel` becoming true (kind::cancelled, seen within about 50 ms).
struct udp_tracker_blocking_options {
  udp_tracker_client_options client;
  std::optional<std::chrono::milliseconds> total_timeout;
  const std::atomic<bool>* cancel = nullptr;
  response_fault fault = response_fault::none;  // fault injection, for this one call
};

expected<announce_response, tracker_error> udp_announce(
    const std::string& url, const announce_request& request,
    const udp_tracker_blocking_options& options = {});
expected<std::vector<scrape_entry>, tracker_error> udp_scrape(
    const std::string& url, const std::vector<sha1_hash>& info_hashes,
    const udp_tracker_blocking_options& options = {});

}  // namespace actorrent
