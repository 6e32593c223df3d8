// URL query strings as BitTorrent clients send them: binary info-hashes and peer ids
// percent-encoded byte by byte. Decoding is strict because a lenient decoder turns a
// malformed 20-byte hash into a wrong but valid-looking one: '%' must be followed by two hex
// digits, and only printable ASCII may appear unencoded. '+' stays '+' (RFC 3986; it is
// form encoding, not URL encoding, that reads it as a space, and clients encode a 0x2B byte
// either way).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace actorrent::server {

struct query_param {
  std::string key;
  std::string value;
};

struct request_target {
  std::string_view path;   // before '?'
  std::string_view query;  // after '?', empty when there is none
};

request_target split_target(std::string_view target);

// Empty when `text` is not strictly percent-encoded.
expected<std::string, std::string> percent_decode(std::string_view text);

// "a=1&b=%41" -> {a,1},{b,A}. Empty components ("a=1&&b=2") are skipped, a component
// without '=' has an empty value. Errors name the parameter; more than `max_params`
// components is an error too (memory stays bounded whatever the target holds).
expected<std::vector<query_param>, std::string> parse_query(std::string_view query,
                                                            std::size_t max_params);

}  // namespace actorrent::server
