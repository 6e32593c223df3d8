#include "tracker/tracker_client.hpp"

#include "tracker/scrape_url.hpp"

namespace actorrent {

namespace {

bool has_scheme(const std::string& url, const char* scheme) {
  return url.rfind(scheme, 0) == 0;
}

tracker_error unsupported(const std::string& url) {
  return {tracker_error::kind::network,
          redacted_url(url) + ": unsupported tracker URL (http://, https:// or udp:// expected)"};
}

}  // namespace

expected<announce_response, tracker_error> announce_to_tracker(
    const std::string& url, const announce_request& request,
    const tracker_transport_options& options) {
  if (has_scheme(url, "http://") || has_scheme(url, "https://"))
    return http_announce(url, request, options.http);
  if (has_scheme(url, "udp://")) return udp_announce(url, request, options.udp);
  return make_unexpected(unsupported(url));
}

expected<std::vector<scrape_entry>, tracker_error> scrape_tracker(
    const std::string& announce_url, const std::vector<sha1_hash>& info_hashes,
    const tracker_transport_options& options) {
  if (has_scheme(announce_url, "udp://")) return udp_scrape(announce_url, info_hashes, options.udp);
  if (!has_scheme(announce_url, "http://") && !has_scheme(announce_url, "https://"))
    return make_unexpected(unsupported(announce_url));
  auto scrape = scrape_url_from_announce(announce_url);
  if (!scrape)
    return make_unexpected(tracker_error{
        tracker_error::kind::network, redacted_url(announce_url) +
                                          ": this tracker has no scrape URL (BEP 48: the announce "
                                          "URL's last path segment must start with \"announce\")"});
  return http_scrape(*scrape, info_hashes, options.http);
}

}  // namespace actorrent
