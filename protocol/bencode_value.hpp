// An owning bencode value tree and the canonical encoder (BEP 3: dictionary keys sorted as
// raw byte strings, no leading zeros). Used to build .torrent files, tracker responses and
// extension messages; decoding uses the flat, non-owning bencode_document instead.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/bencode.hpp"

namespace actorrent {

class bvalue {
 public:
  using list = std::vector<bvalue>;
  // std::string compares as unsigned bytes (char_traits<char>), which is bencode's order.
  using dict = std::map<std::string, bvalue, std::less<>>;

  bvalue() : v_(std::int64_t{0}) {}
  bvalue(std::int64_t i) : v_(i) {}
  bvalue(int i) : v_(std::int64_t{i}) {}
  bvalue(std::string s) : v_(std::move(s)) {}
  bvalue(std::string_view s) : v_(std::string(s)) {}
  bvalue(const char* s) : v_(std::string(s)) {}
  bvalue(list l) : v_(std::move(l)) {}
  bvalue(dict d) : v_(std::move(d)) {}

  bool is_integer() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_list() const { return std::holds_alternative<list>(v_); }
  bool is_dict() const { return std::holds_alternative<dict>(v_); }

  std::int64_t integer() const { return std::get<std::int64_t>(v_); }
  const std::string& string() const { return std::get<std::string>(v_); }
  const list& as_list() const { return std::get<list>(v_); }
  list& as_list() { return std::get<list>(v_); }
  const dict& as_dict() const { return std::get<dict>(v_); }
  dict& as_dict() { return std::get<dict>(v_); }

  friend bool operator==(const bvalue& a, const bvalue& b) { return a.v_ == b.v_; }

 private:
  std::variant<std::int64_t, std::string, list, dict> v_;
};

void bencode_append(std::string& out, const bvalue& value);
std::string bencode(const bvalue& value);

// Copies a decoded item into an owning tree (a duplicate key keeps its first value).
bvalue to_bvalue(bencode_node node);

}  // namespace actorrent
