#include "protocol/bencode.hpp"

#include <algorithm>
#include <limits>

namespace actorrent {

const char* to_string(bdecode_errc code) {
  switch (code) {
    case bdecode_errc::unexpected_end:
      return "unexpected end of input";
    case bdecode_errc::expected_value:
      return "expected a value (i, l, d or a string length)";
    case bdecode_errc::expected_colon:
      return "expected ':' after string length";
    case bdecode_errc::leading_zero:
      return "leading zero in number";
    case bdecode_errc::negative_zero:
      return "negative zero";
    case bdecode_errc::empty_integer:
      return "empty integer";
    case bdecode_errc::expected_digit:
      return "expected a digit";
    case bdecode_errc::integer_overflow:
      return "integer overflows 64 bits";
    case bdecode_errc::length_overflow:
      return "string length too large";
    case bdecode_errc::non_string_key:
      return "dictionary key is not a string";
    case bdecode_errc::missing_value:
      return "dictionary key without a value";
    case bdecode_errc::unsorted_keys:
      return "dictionary keys not sorted";
    case bdecode_errc::duplicate_key:
      return "duplicate dictionary key";
    case bdecode_errc::depth_exceeded:
      return "nesting too deep";
    case bdecode_errc::token_limit_exceeded:
      return "too many items";
    case bdecode_errc::trailing_data:
      return "trailing data after the top-level item";
    case bdecode_errc::input_too_large:
      return "input too large";
  }
  return "unknown bencode error";
}

std::string bdecode_error::to_string() const {
  return std::string(actorrent::to_string(code)) + " at byte " + std::to_string(offset);
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

struct open_container {
  std::uint32_t token;
  std::uint32_t count = 0;  // items seen so far (keys and values for a dict)
  std::uint32_t last_key = 0;
  bool has_key = false;
  bool unsorted = false;
};

class decoder {
 public:
  decoder(std::string_view in, const bdecode_limits& limits, std::vector<bencode_token>& tokens,
          std::vector<bdecode_warning>& warnings)
      : in_(in), limits_(limits), tokens_(tokens), warnings_(warnings) {}

  bool run() {
    if (in_.size() >= std::numeric_limits<std::uint32_t>::max())
      return fail(bdecode_errc::input_too_large, 0);
    do {
      if (!stack_.empty()) {
        if (pos_ >= in_.size()) return fail(bdecode_errc::unexpected_end, pos_);
        if (in_[pos_] == 'e') {
          if (!close_container()) return false;
          continue;
        }
        auto& top = stack_.back();
        bool expecting_key = tokens_[top.token].type == bencode_type::dict && top.count % 2 == 0;
        if (expecting_key && !is_digit(in_[pos_])) return fail(bdecode_errc::non_string_key, pos_);
      }
      if (!parse_item()) return false;
    } while (!stack_.empty());
    if (pos_ != in_.size()) return fail(bdecode_errc::trailing_data, pos_);
    return true;
  }

  bdecode_error error() const { return error_; }

 private:
  bool fail(bdecode_errc code, std::size_t offset) {
    error_ = {code, offset};
    return false;
  }

  bool parse_item() {
    if (pos_ >= in_.size()) return fail(bdecode_errc::unexpected_end, pos_);
    if (tokens_.size() >= limits_.max_tokens) return fail(bdecode_errc::token_limit_exceeded, pos_);
    auto index = static_cast<std::uint32_t>(tokens_.size());
    auto start = static_cast<std::uint32_t>(pos_);
    char c = in_[pos_];
    if (c == 'l' || c == 'd') {
      if (stack_.size() >= limits_.max_depth) return fail(bdecode_errc::depth_exceeded, pos_);
      tokens_.push_back({start, 0, 0, 0, c == 'l' ? bencode_type::list : bencode_type::dict});
      stack_.push_back({index});
      ++pos_;
      return true;  // the parent learns of this item when it closes
    }
    if (c == 'i') {
      if (!parse_integer()) return false;
      tokens_.push_back(
          {start, static_cast<std::uint32_t>(pos_), 0, index + 1, bencode_type::integer});
    } else if (is_digit(c)) {
      std::uint32_t header = 0;
      if (!parse_string(header)) return false;
      tokens_.push_back(
          {start, static_cast<std::uint32_t>(pos_), header, index + 1, bencode_type::string});
    } else {
      return fail(bdecode_errc::expected_value, pos_);
    }
    return item_done(index);
  }

  // Integers are validated here and converted on access (bencode_node::integer).
  bool parse_integer() {
    ++pos_;  // 'i'
    bool negative = pos_ < in_.size() && in_[pos_] == '-';
    if (negative) ++pos_;
    if (pos_ >= in_.size()) return fail(bdecode_errc::unexpected_end, pos_);
    if (in_[pos_] == 'e') return fail(bdecode_errc::empty_integer, pos_);
    std::size_t first = pos_;
    std::uint64_t value = 0;
    const std::uint64_t max = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
    while (pos_ < in_.size() && is_digit(in_[pos_])) {
      auto digit = static_cast<std::uint64_t>(in_[pos_] - '0');
      if (value > (max - digit) / 10) return fail(bdecode_errc::integer_overflow, first);
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ >= in_.size()) return fail(bdecode_errc::unexpected_end, pos_);
    if (in_[pos_] != 'e') return fail(bdecode_errc::expected_digit, pos_);
    if (pos_ == first) return fail(bdecode_errc::expected_digit, pos_);
    if (in_[first] == '0' && pos_ - first > 1) return fail(bdecode_errc::leading_zero, first);
    if (negative && value == 0) return fail(bdecode_errc::negative_zero, first - 1);
    ++pos_;  // 'e'
    return true;
  }

  bool parse_string(std::uint32_t& header) {
    std::size_t first = pos_;
    std::uint64_t length = 0;
    while (pos_ < in_.size() && is_digit(in_[pos_])) {
      length = length * 10 + static_cast<std::uint64_t>(in_[pos_] - '0');
      if (length > std::numeric_limits<std::uint32_t>::max())
        return fail(bdecode_errc::length_overflow, first);
      ++pos_;
    }
    if (pos_ >= in_.size()) return fail(bdecode_errc::unexpected_end, pos_);
    if (in_[pos_] != ':') return fail(bdecode_errc::expected_colon, pos_);
    if (in_[first] == '0' && pos_ - first > 1) return fail(bdecode_errc::leading_zero, first);
    ++pos_;  // ':'
    if (length > in_.size() - pos_) return fail(bdecode_errc::unexpected_end, in_.size());
    header = static_cast<std::uint32_t>(pos_ - first);
    pos_ += static_cast<std::size_t>(length);
    return true;
  }

  bool close_container() {
    auto frame = stack_.back();
    auto& tok = tokens_[frame.token];
    if (tok.type == bencode_type::dict && frame.count % 2 == 1)
      return fail(bdecode_errc::missing_value, pos_);
    if (frame.unsorted && !check_duplicates_unsorted(frame)) return false;
    ++pos_;  // 'e'
    tok.end = static_cast<std::uint32_t>(pos_);
    tok.header = tok.type == bencode_type::dict ? frame.count / 2 : frame.count;
    tok.next = static_cast<std::uint32_t>(tokens_.size());
    stack_.pop_back();
    return item_done(frame.token);
  }

  // Counts the finished item in its parent; a dict key is checked against the previous key.
  bool item_done(std::uint32_t index) {
    if (stack_.empty()) return true;
    auto& top = stack_.back();
    bool is_key = tokens_[top.token].type == bencode_type::dict && top.count % 2 == 0;
    ++top.count;
    if (!is_key) return true;
    if (top.has_key) {
      auto order = key(top.last_key).compare(key(index));
      if (order == 0) {
        if (!note(bdecode_errc::duplicate_key, limits_.reject_duplicate_keys, index)) return false;
      } else if (order > 0) {
        top.unsorted = true;
        if (!note(bdecode_errc::unsorted_keys, limits_.reject_unsorted_keys, index)) return false;
      }
    }
    top.has_key = true;
    top.last_key = index;
    return true;
  }

  // In an unsorted dict a duplicate need not be adjacent: sort the keys once at the end.
  bool check_duplicates_unsorted(const open_container& frame) {
    std::vector<std::pair<std::string_view, std::uint32_t>> keys;
    keys.reserve(frame.count / 2);
    for (std::uint32_t i = frame.token + 1; i < tokens_.size();) {
      keys.emplace_back(key(i), i);
      i = tokens_[i].next;  // the value
      i = tokens_[i].next;  // the next key
    }
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 1; i < keys.size(); ++i) {
      if (keys[i].first != keys[i - 1].first) continue;
      auto a = std::min(keys[i].second, keys[i - 1].second);
      if (tokens_[tokens_[a].next].next == std::max(keys[i].second, keys[i - 1].second))
        continue;  // adjacent keys: already reported when the second one was read
      auto later = std::max(keys[i].second, keys[i - 1].second);
      if (!note(bdecode_errc::duplicate_key, limits_.reject_duplicate_keys, later)) return false;
    }
    return true;
  }

  bool note(bdecode_errc code, bool is_error, std::uint32_t token) {
    if (is_error) return fail(code, tokens_[token].start);
    warnings_.push_back({code, tokens_[token].start});
    return true;
  }

  std::string_view key(std::uint32_t index) const {
    const auto& t = tokens_[index];
    return in_.substr(t.start + t.header, t.end - t.start - t.header);
  }

  std::string_view in_;
  const bdecode_limits& limits_;
  std::vector<bencode_token>& tokens_;
  std::vector<bdecode_warning>& warnings_;
  std::vector<open_container> stack_;
  std::size_t pos_ = 0;
  bdecode_error error_{bdecode_errc::unexpected_end, 0};
};

}  // namespace

expected<bencode_document, bdecode_error> bdecode(std::string_view input,
                                                  const bdecode_limits& limits) {
  bencode_document doc;
  doc.input_ = input;
  decoder d(input, limits, doc.tokens_, doc.warnings_);
  if (!d.run()) return make_unexpected(d.error());
  return doc;
}

const bencode_token& bencode_node::token() const {
  return doc_->tokens()[index_];
}

bencode_type bencode_node::type() const {
  return token().type;
}

std::string_view bencode_node::string() const {
  if (!is_string()) return {};
  const auto& t = token();
  return doc_->input().substr(t.start + t.header, t.end - t.start - t.header);
}

std::int64_t bencode_node::integer() const {
  if (!is_integer()) return 0;
  const auto& t = token();
  auto text = doc_->input().substr(t.start + 1, t.end - t.start - 2);
  bool negative = text[0] == '-';
  std::uint64_t magnitude = 0;
  for (std::size_t i = negative ? 1 : 0; i < text.size(); ++i)
    magnitude = magnitude * 10 + static_cast<std::uint64_t>(text[i] - '0');
  // Validated at decode time to fit; negate in unsigned arithmetic so INT64_MIN is exact.
  return negative ? static_cast<std::int64_t>(~magnitude + 1)
                  : static_cast<std::int64_t>(magnitude);
}

std::string_view bencode_node::raw() const {
  if (!valid()) return {};
  const auto& t = token();
  return doc_->input().substr(t.start, t.end - t.start);
}

std::size_t bencode_node::offset() const {
  return valid() ? token().start : 0;
}

std::size_t bencode_node::size() const {
  return is_list() || is_dict() ? token().header : 0;
}

bencode_node bencode_node::at(std::size_t i) const {
  if (!is_list() || i >= size()) return {};
  auto it = begin();
  while (i-- > 0)
    ++it;
  return *it;
}

bencode_node bencode_node::find(std::string_view key) const {
  if (!is_dict()) return {};
  for (auto it = begin(), e = end(); it != e; ++it) {
    bencode_node k = *it;
    ++it;
    if (k.string() == key) return *it;
  }
  return {};
}

bencode_node bencode_node::find(std::string_view key, bencode_type expected_type) const {
  auto n = find(key);
  return n.valid() && n.type() == expected_type ? n : bencode_node{};
}

bencode_node::iterator& bencode_node::iterator::operator++() {
  index_ = doc_->tokens()[index_].next;
  return *this;
}

bencode_node::iterator bencode_node::begin() const {
  if (!is_list() && !is_dict()) return end();
  return {doc_, index_ + 1};
}

bencode_node::iterator bencode_node::end() const {
  return {doc_, valid() ? token().next : 0};
}

}  // namespace actorrent
