#include <catch2/catch.hpp>

#include <string>

#include "engine/peer_extensions.hpp"

using namespace actorrent;

namespace {

const peer_address remote = *peer_address::parse_ip("10.1.2.3", 51413);

// 40 000 bytes: three metadata pieces, the last 7232 bytes long.
std::string fake_metadata() {
  std::string m(40000, '\0');
  for (std::size_t i = 0; i < m.size(); ++i)
    m[i] = static_cast<char>(i * 7 + 3);
  return m;
}

// A libtorrent-like handshake: ut_metadata as 3, ut_pex as 1.
std::string their_handshake() {
  extension_handshake h;
  h.m = {{"ut_metadata", 3}, {"ut_pex", 1}, {"lt_donthave", 7}};
  h.v = "libtorrent 2.0.8";
  h.reqq = 500;
  return encode(h);
}

ut_metadata::message decoded(const peer_extensions::outgoing& o) {
  auto m = ut_metadata::decode(o.payload);
  REQUIRE(m);
  return *m;
}

}  // namespace

TEST_CASE("peer extensions: our handshake says what we offer", "[peer_extensions]") {
  const auto metadata = fake_metadata();
  peer_extensions_options o;
  o.client = "actorrent 0.1.0";
  o.listen_port = 6881;
  o.reqq = 250;
  o.metadata = metadata;
  auto h = decode_extension_handshake(peer_extensions(o).our_handshake(remote));
  REQUIRE(h);
  CHECK(h->m == extension_map{{"ut_metadata", 1}, {"ut_pex", 2}});
  CHECK(h->v == std::string("actorrent 0.1.0"));
  CHECK(h->p == 6881);
  CHECK(h->reqq == 250u);
  CHECK(h->metadata_size == 40000);
  REQUIRE(h->yourip);
  CHECK(h->yourip->ip_string() == "10.1.2.3");

  // A private torrent offers no PEX; a magnet still fetching announces no size; no port.
  o.pex = false;
  o.metadata = {};
  o.listen_port = 0;
  h = decode_extension_handshake(peer_extensions(o).our_handshake(remote));
  REQUIRE(h);
  CHECK(h->m == extension_map{{"ut_metadata", 1}});
  CHECK_FALSE(h->metadata_size);
  CHECK_FALSE(h->p);
}

TEST_CASE("peer extensions: metadata requests are answered with the peer's id, bounded",
          "[peer_extensions]") {
  const auto metadata = fake_metadata();
  peer_extensions_options o;
  o.metadata = metadata;
  peer_extensions ext(o);
  const auto request = [](std::uint32_t piece) {
    return ut_metadata::encode(ut_metadata::request{piece});
  };

  // Before its handshake the peer has no id for ut_metadata: nothing can be sent.
  CHECK(ext.on_message(1, request(0)).replies.empty());

  auto hs = ext.on_message(0, their_handshake());
  REQUIRE(hs.handshake);
  CHECK(hs.handshake->reqq == 500u);
  CHECK(ext.remote_ids().id_for(extension::ut_metadata) == 3);
  CHECK(ext.remote_ids().id_for(extension::ut_pex) == 1);

  for (std::uint32_t piece = 0; piece < 3; ++piece) {
    auto in = ext.on_message(1, request(piece));
    REQUIRE(in.replies.size() == 1);
    CHECK(in.replies[0].id == 3);
    auto m = decoded(in.replies[0]);
    auto* d = std::get_if<ut_metadata::data>(&m);
    REQUIRE(d);
    CHECK(d->piece == piece);
    CHECK(d->total_size == 40000);
    CHECK(d->bytes == std::string_view(metadata).substr(piece * 16384, 16384));
  }
  // Out of range: rejected.
  auto out_of_range = ext.on_message(1, request(3));
  REQUIRE(out_of_range.replies.size() == 1);
  CHECK(std::holds_alternative<ut_metadata::reject>(decoded(out_of_range.replies[0])));
  // A piece asked for again is served once more, then rejected.
  CHECK(std::holds_alternative<ut_metadata::data>(
      decoded(ext.on_message(1, request(1)).replies.at(0))));
  CHECK(std::holds_alternative<ut_metadata::reject>(
      decoded(ext.on_message(1, request(1)).replies.at(0))));
  CHECK(ext.metadata_pieces_served() == 4);
}

TEST_CASE("peer extensions: without metadata every request is rejected", "[peer_extensions]") {
  peer_extensions ext(peer_extensions_options{});
  ext.on_message(0, their_handshake());
  auto in = ext.on_message(1, ut_metadata::encode(ut_metadata::request{0}));
  REQUIRE(in.replies.size() == 1);
  CHECK(std::holds_alternative<ut_metadata::reject>(decoded(in.replies[0])));
}

TEST_CASE("peer extensions: data, rejects and PEX are passed on; unknown ids ignored",
          "[peer_extensions]") {
  peer_extensions ext(peer_extensions_options{});
  ext.on_message(0, their_handshake());
  const std::string bytes(100, 'x');
  const auto payload = ut_metadata::encode(ut_metadata::data{0, 100, bytes});
  auto data = ext.on_message(1, payload);
  REQUIRE(data.metadata);
  CHECK(std::get<ut_metadata::data>(*data.metadata).bytes == bytes);
  auto reject = ext.on_message(1, ut_metadata::encode(ut_metadata::reject{2}));
  REQUIRE(reject.metadata);
  CHECK(std::get<ut_metadata::reject>(*reject.metadata).piece == 2);

  ut_pex::message pex;
  pex.added.push_back({*peer_address::parse_ip("10.0.0.9", 6881), ut_pex::seed});
  auto p = ext.on_message(2, ut_pex::encode(pex));
  REQUIRE(p.pex);
  CHECK(*p.pex == pex);

  auto unknown = ext.on_message(77, "anything");
  CHECK(unknown.replies.empty());
  CHECK_FALSE(unknown.fault);
  CHECK_FALSE(unknown.handshake);
  CHECK_FALSE(unknown.metadata);

  // A private torrent: PEX messages are ignored, not decoded.
  peer_extensions_options no_pex;
  no_pex.pex = false;
  peer_extensions priv(no_pex);
  CHECK_FALSE(priv.on_message(2, ut_pex::encode(pex)).pex);
}

TEST_CASE("peer extensions: malformed messages are faults naming the message and offset",
          "[peer_extensions]") {
  peer_extensions ext(peer_extensions_options{});
  auto bad = ext.on_message(0, "d1:md11:ut_metadatai1e");
  REQUIRE(bad.fault);
  CHECK(bad.fault->rfind("bad extension handshake: ", 0) == 0);
  CHECK(bad.fault->find("at byte") != std::string::npos);
  CHECK_FALSE(ext.handshake_received());

  auto big = ext.on_message(1, "d8:msg_typei1e5:piecei0e10:total_sizei99999999999ee");
  REQUIRE(big.fault);
  CHECK(big.fault->rfind("bad ut_metadata message: ", 0) == 0);
  CHECK(ext.on_message(2, "d5:added7:1234567e").fault);
}
