// Bencode (BEP 3) decoding into a flat token array, and views over it.
//
// Decoding never copies the input: every token records byte offsets into the caller's
// buffer, which must outlive the document. One pass, no recursion, hard limits on depth
// and token count, and every error names its reason and the byte offset where it was seen.
//
// Layout. The input `d3:cow3:moo4:spaml1:a1:bee` decodes to seven tokens, in document order:
//
//   input   d 3:cow 3:moo 4:spam l 1:a 1:b e e
//   offset  0 1     6     11     17 18  21  24 25
//
//   index  type     start  end  header  next
//   0      dict     0      26   2       7      header = number of key/value pairs
//   1      string   1      6    2       2      header = length of "3:" before the bytes
//   2      string   6      11   2       3
//   3      string   11     17   2       4
//   4      list     17     25   2       7      header = number of elements
//   5      string   18     21   2       6
//   6      string   21     24   2       7      (the last element's next = its parent's next)
//
// `end` is one past the item's last byte (its 'e' for containers), so input[start, end) is
// the item's exact encoding: the info-hash is the SHA-1 of the `info` value's span, never of
// a re-encoding. `next` is the index of the first token after the item's whole subtree, so
// siblings are visited without walking children.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace actorrent {

enum class bencode_type : std::uint8_t { string, integer, list, dict };

enum class bdecode_errc : std::uint8_t {
  unexpected_end,        // input ended inside an item
  expected_value,        // a byte that cannot start an item
  expected_colon,        // string length not followed by ':'
  leading_zero,          // i03e, or a string length 03:
  negative_zero,         // i-0e
  empty_integer,         // ie, i-e
  expected_digit,        // a non-digit inside an integer or string length
  integer_overflow,      // beyond int64
  length_overflow,       // string length beyond the input or beyond 32 bits
  non_string_key,        // dict key that is not a string
  missing_value,         // dict with a key and no value
  unsorted_keys,         // only an error when bdecode_limits::reject_unsorted_keys
  duplicate_key,         // only an error when bdecode_limits::reject_duplicate_keys
  depth_exceeded,        // nesting deeper than bdecode_limits::max_depth
  token_limit_exceeded,  // more items than bdecode_limits::max_tokens
  trailing_data,         // bytes after the top-level item
  input_too_large,       // offsets are 32-bit: inputs are capped below 4 GiB
};

const char* to_string(bdecode_errc code);

struct bdecode_error {
  bdecode_errc code;
  std::size_t offset;             // byte offset into the input where the problem was seen
  std::string to_string() const;  // "<reason> at byte <offset>"
};

struct bdecode_limits {
  std::uint32_t max_depth = 100;
  std::uint32_t max_tokens = 1'000'000;
  // Real-world .torrent files sometimes have unsorted keys; they are reported as warnings
  // unless the caller asks to reject them. Duplicate keys make a lookup ambiguous (which
  // `info` is hashed?), so they are rejected unless the caller opts out.
  bool reject_unsorted_keys = false;
  bool reject_duplicate_keys = true;
};

struct bencode_token {
  std::uint32_t start;
  std::uint32_t end;
  std::uint32_t header;  // string: prefix length; list: element count; dict: pair count
  std::uint32_t next;
  bencode_type type;
};

class bencode_document;

// A cheap handle to one item of a decoded document (a document pointer and a token index).
class bencode_node {
 public:
  bencode_node() = default;
  bencode_node(const bencode_document* doc, std::uint32_t index) : doc_(doc), index_(index) {}

  bool valid() const { return doc_ != nullptr; }
  bencode_type type() const;
  bool is_string() const { return valid() && type() == bencode_type::string; }
  bool is_integer() const { return valid() && type() == bencode_type::integer; }
  bool is_list() const { return valid() && type() == bencode_type::list; }
  bool is_dict() const { return valid() && type() == bencode_type::dict; }

  std::string_view string() const;  // the string's bytes (empty unless is_string())
  std::int64_t integer() const;     // the integer's value (0 unless is_integer())
  std::string_view raw() const;     // the item's exact encoding in the input
  std::size_t offset() const;       // byte offset of the item in the input

  // Lists and dicts: number of elements / key-value pairs.
  std::size_t size() const;
  // List element i (O(i), skipping subtrees); invalid node when out of range.
  bencode_node at(std::size_t i) const;
  // Dict lookup (linear in the number of pairs); invalid node when absent.
  bencode_node find(std::string_view key) const;
  bencode_node find(std::string_view key, bencode_type expected_type) const;

  // Iteration over a list's elements or a dict's keys and values in document order.
  // For a dict, element 2k is the k-th key and 2k+1 its value.
  class iterator {
   public:
    iterator(const bencode_document* doc, std::uint32_t index) : doc_(doc), index_(index) {}
    bencode_node operator*() const { return {doc_, index_}; }
    iterator& operator++();
    bool operator!=(const iterator& o) const { return index_ != o.index_; }

   private:
    const bencode_document* doc_;
    std::uint32_t index_;
  };
  iterator begin() const;
  iterator end() const;

 private:
  const bencode_token& token() const;
  const bencode_document* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

struct bdecode_warning {
  bdecode_errc code;  // unsorted_keys or duplicate_key
  std::size_t offset;
};

class bencode_document {
 public:
  bencode_node root() const { return {this, 0}; }
  std::string_view input() const { return input_; }
  const std::vector<bencode_token>& tokens() const { return tokens_; }
  const std::vector<bdecode_warning>& warnings() const { return warnings_; }

 private:
  friend expected<bencode_document, bdecode_error> bdecode(std::string_view, const bdecode_limits&);
  std::string_view input_;
  std::vector<bencode_token> tokens_;
  std::vector<bdecode_warning> warnings_;
};

// Decodes exactly one item spanning the whole input. `input` must outlive the result.
expected<bencode_document, bdecode_error> bdecode(std::string_view input,
                                                  const bdecode_limits& limits = {});

}  // namespace actorrent
