#include <catch2/catch.hpp>

#include <string>

#include "protocol/lsd_message.hpp"

using namespace actorrent;

namespace {

sha1_hash lsd_test_hash(std::uint8_t i) {
  sha1_hash h;
  for (auto& b : h.bytes)
    b = i;
  return h;
}

std::string lsd_error_of(std::string_view datagram) {
  auto r = decode_lsd_announce(datagram);
  return r ? std::string("(none)") : r.error().message;
}

}  // namespace

TEST_CASE("lsd message: encode writes BEP 14's announce, decode reads it back") {
  lsd_announce a{6881, {lsd_test_hash(0xab), lsd_test_hash(0x01)}, "c0ffee"};
  auto text = encode_lsd_announce(a, "239.192.152.143:6771");
  CHECK(text ==
        "BT-SEARCH * HTTP/1.1\r\n"
        "Host: 239.192.152.143:6771\r\n"
        "Port: 6881\r\n"
        "Infohash: abababababababababababababababababababab\r\n"
        "Infohash: 0101010101010101010101010101010101010101\r\n"
        "cookie: c0ffee\r\n"
        "\r\n\r\n");
  auto back = decode_lsd_announce(text);
  REQUIRE(back);
  CHECK(*back == a);
}

TEST_CASE("lsd message: headers are case-insensitive, unknown ones ignored, bare \\n accepted") {
  auto r = decode_lsd_announce(
      "BT-SEARCH * HTTP/1.1\nHOST: 239.192.152.143:6771\nport:  51413 \nX-Other: 1\n"
      "INFOHASH: ABABABABABABABABABABABABABABABABABABABAB\ninfohash: "
      "abababababababababababababababababababab\n\n");
  REQUIRE(r);
  CHECK(r->port == 51413);
  CHECK(r->info_hashes == std::vector<sha1_hash>{lsd_test_hash(0xab)});  // duplicates once
  CHECK(r->cookie.empty());
}

TEST_CASE("lsd message: what fits in 1400 bytes is what lsd_max_hashes says") {
  const std::string host = "239.192.152.143:6771";
  const auto n = lsd_max_hashes(host, "0123456789abcdef");
  CHECK(n >= 20);
  lsd_announce a{65535, {}, "0123456789abcdef"};
  for (std::size_t i = 0; i < n; ++i)
    a.info_hashes.push_back(lsd_test_hash(static_cast<std::uint8_t>(i)));
  CHECK(encode_lsd_announce(a, host).size() <= lsd_max_datagram);
  a.info_hashes.push_back(lsd_test_hash(0xff));
  CHECK(encode_lsd_announce(a, host).size() > lsd_max_datagram);
}

TEST_CASE("lsd message: bad announces are errors naming the line") {
  const std::string ok_hash = "Infohash: abababababababababababababababababababab\r\n";
  CHECK(lsd_error_of("") == "line 1: empty datagram");
  CHECK(lsd_error_of("M-SEARCH * HTTP/1.1\r\n\r\n") ==
        "line 1: not an LSD announce (expected \"BT-SEARCH * HTTP/1.1\")");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\nPort 6881\r\n\r\n") == "line 2: header without ':'");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\nPort: 0\r\n" + ok_hash) ==
        "line 2: Port: expected 1..65535, got \"0\"");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\nPort: 70000\r\n" + ok_hash) ==
        "line 2: Port: expected 1..65535, got \"70000\"");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\nPort: -1\r\n" + ok_hash) ==
        "line 2: Port: expected 1..65535, got \"-1\"");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: abc\r\n") ==
        "line 3: Infohash: expected 40 hex digits");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: "
                     "zzababababababababababababababababababab\r\n") ==
        "line 3: Infohash: expected 40 hex digits");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\n" + ok_hash + "\r\n") == "line 3: no Port header");
  CHECK(lsd_error_of("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\n\r\n") == "line 3: no Infohash header");
  CHECK(lsd_error_of(std::string(9000, 'x')) == "announce of 9000 bytes (at most 8192)");
}

TEST_CASE("lsd message: at most 64 info-hashes are kept from one announce") {
  std::string text = "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n";
  for (int i = 0; i < 100; ++i)
    text += "Infohash: " + lsd_test_hash(static_cast<std::uint8_t>(i)).hex() + "\r\n";
  auto r = decode_lsd_announce(text + "\r\n");
  REQUIRE(r);
  CHECK(r->info_hashes.size() == 64);
}
