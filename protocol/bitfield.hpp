// Which pieces a peer (or we) have: the BEP 3 bitfield. Stored as 64-bit words so that
// counting, "is this peer interesting" and "next piece to fetch" cost one instruction per
// 64 pieces, which matters when every HAVE from every peer touches one of these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace actorrent {

struct bitfield_error {
  std::string message;
};

class bitfield {
 public:
  bitfield() = default;
  explicit bitfield(std::size_t num_pieces);  // all pieces missing

  // Parses a BITFIELD message payload. `num_pieces` comes from the metainfo, so it is the
  // payload that must fit it: exactly ceil(num_pieces / 8) bytes, spare bits all zero.
  static expected<bitfield, bitfield_error> from_wire(std::string_view bytes,
                                                      std::size_t num_pieces);
  // The wire form: piece 0 is the most significant bit of byte 0, spare bits zero.
  std::string to_wire() const;

  std::size_t size() const { return size_; }
  std::size_t wire_size() const { return size_ / 8 + (size_ % 8 != 0); }

  // An index >= size() is a caller bug (peer input must be range-checked before it gets
  // here): asserted in debug builds, and ignored / reported as missing in release builds
  // so that a slip never corrupts memory.
  bool test(std::size_t piece) const;
  void set(std::size_t piece);
  void reset(std::size_t piece);
  void set_all();
  void reset_all();

  std::size_t count() const;
  bool all() const;   // true for zero pieces
  bool none() const;  // true for zero pieces

  // The first piece at or after `from` that is missing / present, if any.
  std::optional<std::size_t> next_missing(std::size_t from = 0) const;
  std::optional<std::size_t> next_set(std::size_t from = 0) const;

  // Set operations require equal sizes (asserted). In release builds a size mismatch
  // treats the absent bits as zero rather than reading out of bounds.
  bitfield& operator&=(const bitfield& other);
  bitfield& operator|=(const bitfield& other);
  friend bitfield operator&(bitfield a, const bitfield& b) { return a &= b; }
  friend bitfield operator|(bitfield a, const bitfield& b) { return a |= b; }

  // Pieces set in `a` but not in `b`: difference(theirs, ours) is what they can give us.
  friend bitfield difference(const bitfield& a, const bitfield& b);
  // Whether difference(a, b) is non-empty, without building it: the "interested" test.
  friend bool any_difference(const bitfield& a, const bitfield& b);
  friend std::size_t count_difference(const bitfield& a, const bitfield& b);

  friend bool operator==(const bitfield& a, const bitfield& b) {
    return a.size_ == b.size_ && a.words_ == b.words_;
  }
  friend bool operator!=(const bitfield& a, const bitfield& b) { return !(a == b); }

 private:
  // Bit i lives in words_[i / 64] at position 63 - i % 64, i.e. the same most-significant-
  // first order as the wire, so conversion is a byte shuffle. Spare bits past size_ are
  // always zero; count() and the set operations rely on that.
  void clear_spare_bits();

  std::size_t size_ = 0;
  std::vector<std::uint64_t> words_;
};

}  // namespace actorrent
