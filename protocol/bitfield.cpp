#include "protocol/bitfield.hpp"

#include <algorithm>
#include <cassert>

namespace actorrent {

namespace {

constexpr std::size_t word_bits = 64;
constexpr std::uint64_t all_ones = ~std::uint64_t{0};

std::size_t words_for(std::size_t bits) {
  return bits / word_bits + (bits % word_bits != 0);
}

std::uint64_t bit_mask(std::size_t piece) {
  return std::uint64_t{1} << (word_bits - 1 - piece % word_bits);
}

// Bits at positions >= `from` within one word, in the most-significant-first order.
std::uint64_t mask_from(std::size_t from) {
  return all_ones >> (from % word_bits);
}

int leading_zeros(std::uint64_t word) {  // word != 0
  return __builtin_clzll(word);
}

std::size_t popcount(std::uint64_t word) {
  return static_cast<std::size_t>(__builtin_popcountll(word));
}

}  // namespace

bitfield::bitfield(std::size_t num_pieces) : size_(num_pieces), words_(words_for(num_pieces)) {}

expected<bitfield, bitfield_error> bitfield::from_wire(std::string_view bytes,
                                                       std::size_t num_pieces) {
  bitfield result;
  result.size_ = num_pieces;
  const std::size_t expected_bytes = result.wire_size();
  // Checked before allocating, so only the trusted piece count decides the memory used.
  if (bytes.size() != expected_bytes) {
    return make_unexpected(bitfield_error{"bitfield: expected " + std::to_string(expected_bytes) +
                                          " bytes for " + std::to_string(num_pieces) +
                                          " pieces, got " + std::to_string(bytes.size())});
  }
  if (num_pieces % 8 != 0) {
    const auto last = static_cast<std::uint8_t>(bytes.back());
    const std::uint8_t spare = 0xff >> (num_pieces % 8);
    if ((last & spare) != 0) {
      return make_unexpected(
          bitfield_error{"bitfield: spare bit set in the last byte (pieces past " +
                         std::to_string(num_pieces) + " do not exist)"});
    }
  }
  result.words_.assign(words_for(num_pieces), 0);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<std::uint8_t>(bytes[i]);
    result.words_[i / 8] |= std::uint64_t{byte} << (56 - 8 * (i % 8));
  }
  return result;
}

std::string bitfield::to_wire() const {
  std::string out(wire_size(), '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>((words_[i / 8] >> (56 - 8 * (i % 8))) & 0xff);
  }
  return out;
}

bool bitfield::test(std::size_t piece) const {
  assert(piece < size_);
  if (piece >= size_) return false;
  return (words_[piece / word_bits] & bit_mask(piece)) != 0;
}

void bitfield::set(std::size_t piece) {
  assert(piece < size_);
  if (piece >= size_) return;
  words_[piece / word_bits] |= bit_mask(piece);
}

void bitfield::reset(std::size_t piece) {
  assert(piece < size_);
  if (piece >= size_) return;
  words_[piece / word_bits] &= ~bit_mask(piece);
}

void bitfield::set_all() {
  std::fill(words_.begin(), words_.end(), all_ones);
  clear_spare_bits();
}

void bitfield::reset_all() {
  std::fill(words_.begin(), words_.end(), 0);
}

std::size_t bitfield::count() const {
  std::size_t n = 0;
  for (std::uint64_t w : words_)
    n += popcount(w);
  return n;
}

bool bitfield::all() const {
  return count() == size_;
}

bool bitfield::none() const {
  return std::all_of(words_.begin(), words_.end(), [](std::uint64_t w) { return w == 0; });
}

std::optional<std::size_t> bitfield::next_missing(std::size_t from) const {
  if (from >= size_) return std::nullopt;
  std::size_t w = from / word_bits;
  std::uint64_t candidates = ~words_[w] & mask_from(from);
  while (true) {
    if (candidates != 0) {
      // Spare bits are zero, so inverted they look "missing"; the bound check drops them.
      const std::size_t piece = w * word_bits + static_cast<std::size_t>(leading_zeros(candidates));
      if (piece < size_) return piece;
      return std::nullopt;
    }
    if (++w == words_.size()) return std::nullopt;
    candidates = ~words_[w];
  }
}

std::optional<std::size_t> bitfield::next_set(std::size_t from) const {
  if (from >= size_) return std::nullopt;
  std::size_t w = from / word_bits;
  std::uint64_t candidates = words_[w] & mask_from(from);
  while (candidates == 0) {
    if (++w == words_.size()) return std::nullopt;
    candidates = words_[w];
  }
  return w * word_bits + static_cast<std::size_t>(leading_zeros(candidates));
}

bitfield& bitfield::operator&=(const bitfield& other) {
  assert(size_ == other.size_);
  const std::size_t shared = std::min(words_.size(), other.words_.size());
  for (std::size_t i = 0; i < shared; ++i)
    words_[i] &= other.words_[i];
  std::fill(words_.begin() + static_cast<std::ptrdiff_t>(shared), words_.end(), 0);
  return *this;
}

bitfield& bitfield::operator|=(const bitfield& other) {
  assert(size_ == other.size_);
  const std::size_t shared = std::min(words_.size(), other.words_.size());
  for (std::size_t i = 0; i < shared; ++i)
    words_[i] |= other.words_[i];
  clear_spare_bits();  // a longer `other` could have bits past our size
  return *this;
}

bitfield difference(const bitfield& a, const bitfield& b) {
  assert(a.size_ == b.size_);
  bitfield result = a;
  const std::size_t shared = std::min(a.words_.size(), b.words_.size());
  for (std::size_t i = 0; i < shared; ++i)
    result.words_[i] &= ~b.words_[i];
  return result;
}

bool any_difference(const bitfield& a, const bitfield& b) {
  assert(a.size_ == b.size_);
  const std::size_t shared = std::min(a.words_.size(), b.words_.size());
  for (std::size_t i = 0; i < shared; ++i) {
    if ((a.words_[i] & ~b.words_[i]) != 0) return true;
  }
  for (std::size_t i = shared; i < a.words_.size(); ++i) {
    if (a.words_[i] != 0) return true;
  }
  return false;
}

std::size_t count_difference(const bitfield& a, const bitfield& b) {
  assert(a.size_ == b.size_);
  const std::size_t shared = std::min(a.words_.size(), b.words_.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < shared; ++i)
    n += popcount(a.words_[i] & ~b.words_[i]);
  for (std::size_t i = shared; i < a.words_.size(); ++i)
    n += popcount(a.words_[i]);
  return n;
}

void bitfield::clear_spare_bits() {
  if (size_ % word_bits != 0 && !words_.empty()) {
    words_.back() &= ~(all_ones >> (size_ % word_bits));
  }
}

}  // namespace actorrent
