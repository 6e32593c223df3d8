// HTTP(S) GET for tracker announces and scrapes, over libcurl.
//
// Every call here BLOCKS the calling thread until the answer arrives, a timeout expires or
// the cancel flag is raised (seen within about 100 ms). Never call them from an actor's
// message handler or from the asio I/O thread: the tracker actor runs them on a worker
// thread (a detached/blocking actor) and turns the result into a message. Calls from
// several threads at once are safe: each call uses its own curl handles and libcurl is
// initialised once per process.
//
// A tracker is a host we do not control, so every call is bounded: redirects, connect time,
// total time and body size all have limits, TLS certificates are always verified, and only
// http:// and https:// URLs are followed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "protocol/expected.hpp"
#include "tracker/announce.hpp"
#include "tracker/http_announce.hpp"
#include "tracker/response_fault.hpp"
#include "tracker/scrape_url.hpp"

namespace actorrent {

struct http_options {
  std::chrono::milliseconds connect_timeout{15'000};  // TCP + TLS handshake
  std::chrono::milliseconds total_timeout{30'000};    // whole transfer, redirects included
  int max_redirects = 5;                              // 0: a redirect is an error
  std::size_t max_body_size = 1 << 20;                // decoded bytes; more aborts the transfer
  // PEM file of trusted CA certificates instead of the system store (tests use this for a
  // self-signed server). Verification itself cannot be turned off.
  std::string ca_file;
  // nullopt: libcurl's usual environment variables (http_proxy, https_proxy, no_proxy)
  // apply; "": no proxy at all; otherwise the proxy URL.
  std::optional<std::string> proxy;
  std::string user_agent = "actorrent/0.1";
  // When set and it becomes true, the call returns tracker_error::kind::cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // Fault injection (tracker/response_fault.hpp): drop ends in libcurl's timeout error after
  // total_timeout; corrupt hands back the first half of the body.
  response_fault fault = response_fault::none;
};

struct http_reply {
  long status = 0;
  std::string body;
};

// GET `url`. Errors:
//  - network: DNS, refused, timeout, TLS, too many redirects, or a final status other than
//    200 (the message names the status); libcurl's own error text is included.
//  - bad_response: the body exceeds max_body_size (checked after decompression).
//  - cancelled: the cancel flag was raised.
// Messages name the URL without its query (private trackers put passkeys there).
expected<http_reply, tracker_error> http_get(const std::string& url,
                                             const http_options& options = {});

// Announce to an HTTP(S) tracker: build_announce_url + http_get + parse_announce_response.
expected<announce_response, tracker_error> http_announce(const std::string& announce_url,
                                                         const announce_request& request,
                                                         const http_options& options = {});

// Scrape an HTTP(S) tracker (BEP 48) for several torrents in one request. `scrape_url` comes
// from scrape_url_from_announce(). Only entries for the requested hashes are returned.
expected<std::vector<scrape_entry>, tracker_error> http_scrape(const std::string& scrape_url,
                                                               const std::vector<sha1_hash>& hashes,
                                                               const http_options& options = {});

// The URL as error messages show it: no user info, no query, no fragment.
std::string redacted_url(const std::string& url);

}  // namespace actorrent
