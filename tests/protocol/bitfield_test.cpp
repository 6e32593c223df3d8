#include <catch2/catch.hpp>

#include <string>

#include "protocol/bitfield.hpp"

using namespace actorrent;

namespace {

std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (unsigned v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

}  // namespace

TEST_CASE("bitfield set, reset, test and count across sizes", "[bitfield]") {
  for (std::size_t n : {1u, 7u, 8u, 9u, 64u, 65u, 1000u}) {
    CAPTURE(n);
    bitfield b(n);
    CHECK(b.size() == n);
    CHECK(b.wire_size() == (n + 7) / 8);
    CHECK(b.none());
    CHECK_FALSE(b.all());
    CHECK(b.count() == 0);

    b.set(0);
    b.set(n - 1);
    CHECK(b.test(0));
    CHECK(b.test(n - 1));
    CHECK(b.count() == (n == 1 ? 1 : 2));
    CHECK_FALSE(b.none());

    b.reset(0);
    CHECK_FALSE(b.test(0));
    CHECK(b.count() == (n == 1 ? 0 : 1));

    b.set_all();
    CHECK(b.all());
    CHECK(b.count() == n);  // spare bits must not be counted
    CHECK_FALSE(b.next_missing(0));
    CHECK(b.to_wire().size() == b.wire_size());

    b.reset_all();
    CHECK(b.none());
    CHECK(b.next_missing(0) == std::size_t{0});
  }
}

TEST_CASE("bitfield with zero pieces is both all and none", "[bitfield]") {
  bitfield b(0);
  CHECK(b.all());
  CHECK(b.none());
  CHECK(b.to_wire().empty());
  CHECK_FALSE(b.next_missing(0));
  CHECK(bitfield::from_wire("", 0));
  CHECK_FALSE(bitfield::from_wire(bytes({0}), 0));
}

TEST_CASE("bitfield wire form puts piece 0 in the MSB of byte 0", "[bitfield]") {
  bitfield b(9);
  b.set(0);
  b.set(7);
  b.set(8);
  CHECK(b.to_wire() == bytes({0x81, 0x80}));

  bitfield wide(70);
  wide.set(63);
  wide.set(64);
  wide.set(69);
  CHECK(wide.to_wire() == bytes({0, 0, 0, 0, 0, 0, 0, 0x01, 0x84}));
}

TEST_CASE("bitfield parses wire bytes and round-trips", "[bitfield]") {
  const std::string wire = bytes({0xa5, 0x0f, 0x00, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xc0});
  auto parsed = bitfield::from_wire(wire, 74);
  REQUIRE(parsed);
  CHECK(parsed->test(0));
  CHECK_FALSE(parsed->test(1));
  CHECK(parsed->test(2));
  CHECK(parsed->test(7));
  CHECK(parsed->test(12));
  CHECK_FALSE(parsed->test(16));
  CHECK(parsed->test(72));
  CHECK(parsed->test(73));
  CHECK(parsed->count() == 35);
  CHECK(parsed->to_wire() == wire);
}

TEST_CASE("bitfield rejects a wrong byte length", "[bitfield]") {
  auto too_short = bitfield::from_wire(bytes({0xff}), 9);
  REQUIRE_FALSE(too_short);
  CHECK(too_short.error().message == "bitfield: expected 2 bytes for 9 pieces, got 1");

  auto too_long = bitfield::from_wire(bytes({0xff, 0x80, 0x00}), 9);
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().message == "bitfield: expected 2 bytes for 9 pieces, got 3");

  CHECK_FALSE(bitfield::from_wire(std::string(8, '\xff'), 65));
  CHECK(bitfield::from_wire(std::string(8, '\xff'), 64));
}

TEST_CASE("bitfield rejects a set spare bit", "[bitfield]") {
  auto spare = bitfield::from_wire(bytes({0xff, 0x40}), 9);
  REQUIRE_FALSE(spare);
  CHECK(spare.error().message ==
        "bitfield: spare bit set in the last byte (pieces past 9 do not exist)");

  CHECK_FALSE(bitfield::from_wire(bytes({0x01}), 7));
  CHECK(bitfield::from_wire(bytes({0xfe}), 7));
  CHECK_FALSE(bitfield::from_wire(bytes({0x7f}), 1));
  CHECK(bitfield::from_wire(bytes({0xff}), 8));  // no spare bits at all
}

TEST_CASE("bitfield next_missing and next_set cross word boundaries", "[bitfield]") {
  bitfield b(200);
  for (std::size_t i = 0; i < 130; ++i)
    b.set(i);
  CHECK(b.next_missing(0) == std::size_t{130});
  CHECK(b.next_missing(63) == std::size_t{130});
  CHECK(b.next_missing(64) == std::size_t{130});
  CHECK(b.next_missing(131) == std::size_t{131});
  CHECK(b.next_missing(199) == std::size_t{199});
  CHECK_FALSE(b.next_missing(200));
  CHECK_FALSE(b.next_missing(5000));

  b.reset(63);
  b.reset(64);
  CHECK(b.next_missing(0) == std::size_t{63});
  CHECK(b.next_missing(64) == std::size_t{64});
  CHECK(b.next_missing(65) == std::size_t{130});

  bitfield sparse(200);
  sparse.set(64);
  sparse.set(199);
  CHECK(sparse.next_set(0) == std::size_t{64});
  CHECK(sparse.next_set(64) == std::size_t{64});
  CHECK(sparse.next_set(65) == std::size_t{199});
  CHECK_FALSE(sparse.next_set(200));
}

TEST_CASE("bitfield next_missing ignores spare bits in the last word", "[bitfield]") {
  bitfield b(65);
  b.set_all();
  CHECK_FALSE(b.next_missing(0));
  CHECK_FALSE(b.next_missing(64));
  b.reset(64);
  CHECK(b.next_missing(0) == std::size_t{64});

  bitfield exact(128);
  exact.set_all();
  CHECK_FALSE(exact.next_missing(0));
  exact.reset(127);
  CHECK(exact.next_missing(64) == std::size_t{127});
}

TEST_CASE("bitfield intersection and what they have that we lack", "[bitfield]") {
  bitfield ours(100);
  bitfield theirs(100);
  for (std::size_t i : {1u, 5u, 64u, 99u})
    ours.set(i);
  for (std::size_t i : {5u, 6u, 64u, 70u, 99u})
    theirs.set(i);

  const bitfield both = ours & theirs;
  CHECK(both.count() == 3);
  CHECK(both.test(5));
  CHECK(both.test(64));
  CHECK(both.test(99));

  const bitfield wanted = difference(theirs, ours);
  CHECK(wanted.count() == 2);
  CHECK(wanted.test(6));
  CHECK(wanted.test(70));
  CHECK(wanted.next_set(0) == std::size_t{6});
  CHECK(any_difference(theirs, ours));
  CHECK(count_difference(theirs, ours) == 2);
  CHECK(count_difference(ours, theirs) == 1);  // piece 1

  const bitfield either = ours | theirs;
  CHECK(either.count() == 6);
  CHECK_FALSE(any_difference(theirs, either));
  CHECK(count_difference(theirs, either) == 0);
  CHECK(difference(theirs, either).none());
}

TEST_CASE("bitfield equality compares size and bits", "[bitfield]") {
  bitfield a(10);
  bitfield b(10);
  CHECK(a == b);
  a.set(3);
  CHECK(a != b);
  b.set(3);
  CHECK(a == b);
  CHECK(bitfield(10) != bitfield(11));
}
