#include "tracker/server/query_string.hpp"

namespace actorrent::server {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Printable ASCII except the characters that delimit a query or start an escape.
bool plain_allowed(char c) {
  return c > 0x20 && c < 0x7f && c != '%' && c != '#';
}

// A parameter name fit for an error message: decoded when possible, shortened, printable.
std::string printable_name(std::string_view raw) {
  std::string out;
  for (char c : raw.substr(0, 40))
    out.push_back(c > 0x20 && c < 0x7f ? c : '?');
  if (raw.size() > 40) out += "...";
  return out;
}

}  // namespace

request_target split_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

expected<std::string, std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return make_unexpected(std::string("truncated percent escape"));
      const int hi = hex_digit(text[i + 1]);
      const int lo = hex_digit(text[i + 2]);
      if (hi < 0 || lo < 0) return make_unexpected(std::string("invalid percent escape"));
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (plain_allowed(c)) {
      out.push_back(c);
    } else {
      return make_unexpected(std::string("character that must be percent-encoded"));
    }
  }
  return out;
}

expected<std::vector<query_param>, std::string> parse_query(std::string_view query,
                                                            std::size_t max_params) {
  std::vector<query_param> params;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const auto part = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty()) continue;
    if (params.size() >= max_params)
      return make_unexpected("too many query parameters (limit " + std::to_string(max_params) +
                             ")");
    const auto eq = part.find('=');
    const auto raw_key = part.substr(0, eq);
    const auto raw_value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    auto key = percent_decode(raw_key);
    if (!key)
      return make_unexpected("malformed parameter name '" + printable_name(raw_key) +
                             "': " + key.error());
    auto value = percent_decode(raw_value);
    if (!value) return make_unexpected("malformed " + printable_name(*key) + ": " + value.error());
    params.push_back({std::move(*key), std::move(*value)});
  }
  return params;
}

}  // namespace actorrent::server
