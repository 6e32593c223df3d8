#include <catch2/catch.hpp>

#include "protocol/hex.hpp"
#include "protocol/sha1.hpp"

using namespace actorrent;

TEST_CASE("hex round-trips and rejects bad text", "[hex]") {
  CHECK(to_hex(std::string("\x00\xff\x10", 3)) == "00ff10");
  CHECK(from_hex("00FF10") == std::string("\x00\xff\x10", 3));
  CHECK_FALSE(from_hex("abc"));
  CHECK_FALSE(from_hex("zz"));
}

TEST_CASE("base32 decodes RFC 4648 vectors", "[hex]") {
  CHECK(from_base32("MZXW6YTBOI") == std::string("foobar"));
  CHECK(from_base32("mzxw6ytboi") == std::string("foobar"));
  CHECK(from_base32("MY") == std::string("f"));
  CHECK_FALSE(from_base32("M1"));  // '1' is not in the alphabet
  CHECK_FALSE(from_base32("MZ"));  // non-zero padding bits
}

TEST_CASE("sha1 matches FIPS 180 vectors, one-shot and incremental", "[sha1]") {
  CHECK(sha1("abc").hex() == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1("").hex() == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  sha1_context ctx;
  ctx.update("a");
  ctx.update("bc");
  CHECK(ctx.finish() == sha1("abc"));
  ctx.update("abc");  // reusable after finish()
  CHECK(ctx.finish() == sha1("abc"));
}
