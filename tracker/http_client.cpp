#include "tracker/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

namespace actorrent {

namespace {

// How often the transfer loop looks at the cancel flag when the socket is quiet.
constexpr int poll_interval_ms = 100;
// Slack past total_timeout after which the loop gives up even if libcurl has not: a bound
// that holds whatever libcurl does.
constexpr auto loop_deadline_slack = std::chrono::seconds(5);

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct easy_deleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct multi_deleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};

// Keeps the easy handle attached to the multi handle only for the transfer's lifetime; the
// pair must be detached before either is cleaned up.
class attached_transfer {
 public:
  attached_transfer(CURLM* multi, CURL* easy) : multi_(multi), easy_(easy) {
    ok_ = curl_multi_add_handle(multi_, easy_) == CURLM_OK;
  }
  ~attached_transfer() {
    if (ok_) curl_multi_remove_handle(multi_, easy_);
  }
  attached_transfer(const attached_transfer&) = delete;
  attached_transfer& operator=(const attached_transfer&) = delete;
  bool ok() const { return ok_; }

 private:
  CURLM* multi_;
  CURL* easy_;
  bool ok_ = false;
};

struct body_sink {
  std::string body;
  std::size_t max_size = 0;
  bool too_large = false;
};

// libcurl hands over decoded (decompressed) bytes, so the cap also bounds a gzip bomb.
std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<body_sink*>(user);
  const std::size_t n = size * count;
  if (n > sink->max_size - sink->body.size()) {
    sink->too_large = true;
    return 0;  // anything but n makes libcurl abort with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

// Fault injection: a dropped answer is never read. Pausing at its first header line leaves
// the transfer stalled, and libcurl's total timeout ends it as it would a lost answer.
std::size_t drop_headers(char*, std::size_t, std::size_t, void*) {
  return CURL_WRITEFUNC_PAUSE;
}

tracker_error make_error(tracker_error::kind kind, const std::string& url, std::string problem) {
  return tracker_error{kind, redacted_url(url) + ": " + problem};
}

std::string curl_problem(CURLcode code, const char* detail) {
  std::string text = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') {
    text += " (";
    text += detail;
    text += ')';
  }
  return text;
}

long to_ms(std::chrono::milliseconds d) {
  return static_cast<long>(std::max<std::chrono::milliseconds::rep>(1, d.count()));
}

template <class T>
expected<T, tracker_error> prefixed(expected<T, tracker_error> result, const std::string& url) {
  if (result) return result;
  tracker_error e = result.error();
  e.message = redacted_url(url) + ": " + e.message;
  return make_unexpected(std::move(e));
}

}  // namespace

std::string redacted_url(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  const auto scheme_end = out.find("://");
  const auto authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto authority_end = std::min(out.find('/', authority), out.size());
  const auto at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) out.erase(authority, at + 1 - authority);
  return out;
}

expected<http_reply, tracker_error> http_get(const std::string& url, const http_options& options) {
  using kind = tracker_error::kind;
  global_init();
  std::unique_ptr<CURL, easy_deleter> easy(curl_easy_init());
  std::unique_ptr<CURLM, multi_deleter> multi(curl_multi_init());
  if (!easy || !multi) return make_unexpected(make_error(kind::network, url, "curl init failed"));

  char error_text[CURL_ERROR_SIZE] = {};
  body_sink sink;
  sink.max_size = options.max_body_size;
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  // Worker threads: libcurl must not use signals (alarm() for DNS timeouts) there.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(std::max(0, options.max_redirects)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_ms(options.connect_timeout));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_ms(options.total_timeout));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
  if (options.proxy) curl_easy_setopt(h, CURLOPT_PROXY, options.proxy->c_str());
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
  // Refuses up front a body whose Content-Length is already too big; the write callback
  // catches the rest (chunked, compressed or lying).
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_size));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  if (options.fault == response_fault::drop)
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, drop_headers);

  attached_transfer transfer(multi.get(), h);
  if (!transfer.ok()) return make_unexpected(make_error(kind::network, url, "curl multi failed"));

  // The multi interface instead of curl_easy_perform so that the cancel flag is looked at
  // every poll_interval_ms, not only when libcurl calls a progress callback (about once a
  // second on a quiet connection).
  const auto deadline = std::chrono::steady_clock::now() + options.total_timeout +
                        options.connect_timeout + loop_deadline_slack;
  int running = 1;
  for (;;) {
    if (options.cancel != nullptr && options.cancel->load())
      return make_unexpected(make_error(kind::cancelled, url, "cancelled"));
    if (const auto mc = curl_multi_perform(multi.get(), &running); mc != CURLM_OK)
      return make_unexpected(make_error(kind::network, url, curl_multi_strerror(mc)));
    if (running == 0) break;
    if (std::chrono::steady_clock::now() > deadline)
      return make_unexpected(make_error(kind::network, url, "timed out"));
    if (const auto mc = curl_multi_poll(multi.get(), nullptr, 0, poll_interval_ms, nullptr);
        mc != CURLM_OK)
      return make_unexpected(make_error(kind::network, url, curl_multi_strerror(mc)));
  }

  CURLcode result = CURLE_OK;
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) result = msg->data.result;
  }
  if (sink.too_large || result == CURLE_FILESIZE_EXCEEDED) {
    return make_unexpected(
        make_error(kind::bad_response, url,
                   "answer body exceeds " + std::to_string(options.max_body_size) + " bytes"));
  }
  if (result != CURLE_OK)
    return make_unexpected(make_error(kind::network, url, curl_problem(result, error_text)));

  http_reply reply;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  if (reply.status != 200) {
    return make_unexpected(
        make_error(kind::network, url, "HTTP status " + std::to_string(reply.status)));
  }
  reply.body = std::move(sink.body);
  if (options.fault == response_fault::corrupt) reply.body = std::string(garbled(reply.body));
  return reply;
}

expected<announce_response, tracker_error> http_announce(const std::string& announce_url,
                                                         const announce_request& request,
                                                         const http_options& options) {
  auto reply = http_get(build_announce_url(announce_url, request), options);
  if (!reply) return make_unexpected(reply.error());
  return prefixed(parse_announce_response(reply->body), announce_url);
}

expected<std::vector<scrape_entry>, tracker_error> http_scrape(const std::string& scrape_url,
                                                               const std::vector<sha1_hash>& hashes,
                                                               const http_options& options) {
  auto reply = http_get(build_scrape_url(scrape_url, hashes), options);
  if (!reply) return make_unexpected(reply.error());
  auto entries = prefixed(parse_scrape_response(reply->body), scrape_url);
  if (!entries) return entries;
  const std::set<sha1_hash> wanted(hashes.begin(), hashes.end());
  auto& list = entries.value();
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const scrape_entry& e) { return wanted.count(e.info_hash) == 0; }),
             list.end());
  return entries;
}

}  // namespace actorrent
