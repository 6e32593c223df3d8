#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "protocol/bencode.hpp"
#include "protocol/bencode_value.hpp"

using namespace actorrent;

namespace {

struct malformed_case {
  std::string input;
  bdecode_errc code;
  std::size_t offset;
};

}  // namespace

TEST_CASE("bdecode rejects malformed input with the reason and byte offset", "[bencode]") {
  using e = bdecode_errc;
  const std::vector<malformed_case> cases = {
      {"", e::unexpected_end, 0},
      {"i03e", e::leading_zero, 1},
      {"i-0e", e::negative_zero, 1},
      {"i-03e", e::leading_zero, 2},
      {"ie", e::empty_integer, 1},
      {"i-e", e::empty_integer, 2},
      {"i12", e::unexpected_end, 3},
      {"i1x2e", e::expected_digit, 2},
      {"i--1e", e::expected_digit, 2},
      {"i+1e", e::expected_digit, 1},
      {"i9223372036854775808e", e::integer_overflow, 1},
      {"i-9223372036854775809e", e::integer_overflow, 2},
      {"i99999999999999999999999e", e::integer_overflow, 1},
      {"-3:abc", e::expected_value, 0},
      {"03:abc", e::leading_zero, 0},
      {"5:abc", e::unexpected_end, 5},
      {"3abc", e::expected_colon, 1},
      {"3", e::unexpected_end, 1},
      {"99999999999:x", e::length_overflow, 0},
      {"4294967296:x", e::length_overflow, 0},
      {"l", e::unexpected_end, 1},
      {"li1e", e::unexpected_end, 4},
      {"d", e::unexpected_end, 1},
      {"d1:a", e::unexpected_end, 4},
      {"d1:ae", e::missing_value, 4},
      {"di1ei2ee", e::non_string_key, 1},
      {"dli1eei2ee", e::non_string_key, 1},
      {"d1:ai1e1:ai2ee", e::duplicate_key, 7},
      {"d1:bi1e1:ai2e1:bi3ee", e::duplicate_key, 13},  // not adjacent: found at close
      {"i1ei2e", e::trailing_data, 3},
      {"le ", e::trailing_data, 2},
      {"x", e::expected_value, 0},
      {"e", e::expected_value, 0},
      {"l:e", e::expected_value, 1},
      {"d1:a:e", e::expected_value, 4},
      {"lx", e::expected_value, 1},
  };
  CHECK(cases.size() >= 30);
  for (const auto& c : cases) {
    INFO("input: " << c.input);
    auto r = bdecode(c.input);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == c.code);
    CHECK(r.error().offset == c.offset);
  }
}

TEST_CASE("bdecode error text names reason and offset", "[bencode]") {
  auto r = bdecode("li1ei03ee");
  REQUIRE_FALSE(r);
  CHECK(r.error().to_string() == "leading zero in number at byte 5");
}

TEST_CASE("bdecode decodes the layout drawn in the header", "[bencode]") {
  std::string in = "d3:cow3:moo4:spaml1:a1:bee";
  auto doc = bdecode(in);
  REQUIRE(doc);
  const auto& t = doc->tokens();
  REQUIRE(t.size() == 7);
  CHECK(t[0].type == bencode_type::dict);
  CHECK(t[0].end == 26);
  CHECK(t[0].header == 2);
  CHECK(t[0].next == 7);
  CHECK(t[4].type == bencode_type::list);
  CHECK(t[4].start == 17);
  CHECK(t[4].end == 25);
  CHECK(t[4].next == 7);
  CHECK(t[5].next == 6);
  CHECK(t[6].start == 21);
  CHECK(t[6].next == 7);
  auto root = doc->root();
  CHECK(root.find("cow").string() == "moo");
  auto spam = root.find("spam", bencode_type::list);
  REQUIRE(spam.valid());
  CHECK(spam.size() == 2);
  CHECK(spam.at(1).string() == "b");
  CHECK_FALSE(spam.at(2).valid());
  CHECK(spam.raw() == "l1:a1:be");
  CHECK_FALSE(root.find("spam", bencode_type::dict).valid());
  CHECK_FALSE(root.find("missing").valid());
}

TEST_CASE("bdecode reads integers at the int64 limits", "[bencode]") {
  auto max = bdecode("i9223372036854775807e");
  REQUIRE(max);
  CHECK(max->root().integer() == INT64_MAX);
  auto min = bdecode("i-9223372036854775808e");
  REQUIRE(min);
  CHECK(min->root().integer() == INT64_MIN);
  auto zero = bdecode("i0e");
  REQUIRE(zero);
  CHECK(zero->root().integer() == 0);
  auto neg = bdecode("i-42e");
  REQUIRE(neg);
  CHECK(neg->root().integer() == -42);
}

TEST_CASE("bdecode strings are views into the input, binary-safe", "[bencode]") {
  std::string in("5:a\0b\xffz", 7);
  auto doc = bdecode(in);
  REQUIRE(doc);
  auto s = doc->root().string();
  CHECK(s == std::string_view("a\0b\xffz", 5));
  CHECK(s.data() == in.data() + 2);
  auto empty = bdecode("0:");
  REQUIRE(empty);
  CHECK(empty->root().string().empty());
}

TEST_CASE("bdecode enforces the depth and token limits", "[bencode]") {
  std::string deep(100, 'l');
  deep += std::string(100, 'e');
  CHECK(bdecode(deep));
  std::string too_deep(101, 'l');
  too_deep += std::string(101, 'e');
  auto r = bdecode(too_deep);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == bdecode_errc::depth_exceeded);
  CHECK(r.error().offset == 100);

  // A million-level nesting attempt fails fast at the limit instead of exhausting a stack.
  std::string bomb(1'000'000, 'l');
  auto b = bdecode(bomb);
  REQUIRE_FALSE(b);
  CHECK(b.error().code == bdecode_errc::depth_exceeded);

  bdecode_limits limits;
  limits.max_tokens = 3;
  CHECK(bdecode("li1ei2ee", limits));
  auto many = bdecode("li1ei2ei3ee", limits);
  REQUIRE_FALSE(many);
  CHECK(many.error().code == bdecode_errc::token_limit_exceeded);
  CHECK(many.error().offset == 7);
}

TEST_CASE("bdecode reports unsorted keys, rejects them on request", "[bencode]") {
  std::string in = "d1:bi1e1:ai2ee";
  auto lenient = bdecode(in);
  REQUIRE(lenient);
  REQUIRE(lenient->warnings().size() == 1);
  CHECK(lenient->warnings()[0].code == bdecode_errc::unsorted_keys);
  CHECK(lenient->warnings()[0].offset == 7);
  CHECK(lenient->root().find("a").integer() == 2);

  bdecode_limits strict;
  strict.reject_unsorted_keys = true;
  auto r = bdecode(in, strict);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == bdecode_errc::unsorted_keys);

  bdecode_limits allow_dups;
  allow_dups.reject_duplicate_keys = false;
  auto d = bdecode("d1:ai1e1:ai2ee", allow_dups);
  REQUIRE(d);
  REQUIRE(d->warnings().size() == 1);
  CHECK(d->warnings()[0].code == bdecode_errc::duplicate_key);
  CHECK(d->root().find("a").integer() == 1);  // the first one wins
}

TEST_CASE("bdecode keys compare as unsigned bytes", "[bencode]") {
  // 0x7f sorts before 0x80 as bytes; a signed compare would call this unsorted.
  std::string in = "d1:\x7fi1e1:\x80i2ee";
  auto doc = bdecode(in);
  REQUIRE(doc);
  CHECK(doc->warnings().empty());
}

TEST_CASE("bencode encoder writes canonical output", "[bencode]") {
  bvalue::dict d;
  d["zeta"] = bvalue(1);
  d["alpha"] = bvalue(bvalue::list{bvalue("x"), bvalue(-7), bvalue(bvalue::dict{})});
  d[std::string("\x80", 1)] = bvalue("hi");
  d["\x7f"] = bvalue(std::int64_t{0});
  CHECK(bencode(bvalue(d)) == std::string("d5:alphal1:xi-7edee4:zetai1e1:\x7fi0e1:\x80"
                                          "2:hie"));
  CHECK(bencode(bvalue(INT64_MIN)) == "i-9223372036854775808e");
  CHECK(bencode(bvalue("")) == "0:");
}

TEST_CASE("bencode round-trips: decode then encode gives the same bytes", "[bencode]") {
  const std::vector<std::string> inputs = {
      "i0e",
      "i-1e",
      "0:",
      "le",
      "de",
      "d8:announce3:url4:infod6:lengthi5e4:name1:a12:piece lengthi16384e6:pieces0:ee",
      "lli1eeld1:ai1eeee",
      std::string("d3:bin4:\x00\x01\xfe\xff"
                  "e",
                  13),
  };
  for (const auto& in : inputs) {
    INFO(in);
    auto doc = bdecode(in);
    REQUIRE(doc);
    CHECK(bencode(to_bvalue(doc->root())) == in);
  }
}

TEST_CASE("bencode round-trips random trees", "[bencode]") {
  std::mt19937 rng(12345);
  std::function<bvalue(int)> make = [&](int depth) -> bvalue {
    int kind = depth > 4 ? static_cast<int>(rng() % 2) : static_cast<int>(rng() % 4);
    switch (kind) {
      case 0:
        return bvalue(static_cast<std::int64_t>(rng()) - std::int64_t{1} * (1 << 30));
      case 1: {
        std::string s(rng() % 20, '\0');
        for (auto& c : s)
          c = static_cast<char>(rng());
        return bvalue(s);
      }
      case 2: {
        bvalue::list l;
        for (unsigned i = rng() % 5; i > 0; --i)
          l.push_back(make(depth + 1));
        return bvalue(l);
      }
      default: {
        bvalue::dict d;
        for (unsigned i = rng() % 5; i > 0; --i)
          d[std::to_string(rng() % 100)] = make(depth + 1);
        return bvalue(d);
      }
    }
  };
  for (int i = 0; i < 200; ++i) {
    bvalue v = make(0);
    std::string encoded = bencode(v);
    bdecode_limits strict;
    strict.reject_unsorted_keys = true;
    auto doc = bdecode(encoded, strict);
    REQUIRE(doc);
    CHECK(to_bvalue(doc->root()) == v);
  }
}
