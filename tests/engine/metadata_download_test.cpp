#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "engine/metadata_download.hpp"
#include "protocol/bencode_value.hpp"
#include "protocol/metainfo.hpp"

// Named: the file shares a unity batch with other tests.
namespace metadata_download_test {

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::seconds(1000);
constexpr peer_key A = 1, B = 2, C = 3;

// A real info dictionary of three metadata pieces (the last one short): a single-file
// torrent whose piece hashes are made up, which is all the info dictionary holds.
std::string make_info() {
  bvalue::dict info;
  info["name"] = "file.bin";
  info["piece length"] = std::int64_t{16384};
  const std::int64_t pieces = 2000;
  info["length"] = pieces * 16384;
  std::string hashes;
  for (std::int64_t i = 0; i < pieces; ++i)
    hashes += sha1(std::to_string(i)).view();
  info["pieces"] = hashes;
  return bencode(info);
}

const std::string info = make_info();
const sha1_hash info_hash = sha1(info);

std::string_view piece_of(std::uint32_t piece) {
  return *metadata_piece(info, piece);
}

metadata_download make(const metadata_download_config& config = {}) {
  auto d = metadata_download::create(info_hash, static_cast<std::int64_t>(info.size()), config);
  REQUIRE(d);
  return std::move(*d);
}

metadata_piece_status deliver(metadata_download& d, peer_key peer, std::uint32_t piece) {
  return d.data_received(peer, piece, static_cast<std::int64_t>(info.size()), piece_of(piece))
      .status;
}

}  // namespace

TEST_CASE("the test metadata has three pieces, the last one short", "[metadata_download]") {
  REQUIRE(metadata_piece_count(static_cast<std::int64_t>(info.size())) == 3);
  REQUIRE(info.size() % 16384 != 0);
}

TEST_CASE("metadata_download refuses sizes it cannot or should not hold", "[metadata_download]") {
  auto zero = metadata_download::create(info_hash, 0);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message == "metadata_size 0 is not a positive size");
  CHECK_FALSE(metadata_download::create(info_hash, -1));
  CHECK_FALSE(metadata_download::create(info_hash, INT64_MIN));
  auto huge = metadata_download::create(info_hash, default_max_metadata_size + 1);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message == "metadata_size 16777217 exceeds the limit of 16777216 bytes");
  CHECK_FALSE(metadata_download::create(info_hash, INT64_MAX));
  metadata_download_config small;
  small.max_metadata_size = 1000;
  CHECK_FALSE(metadata_download::create(info_hash, 1001, small));
  CHECK(metadata_download::create(info_hash, 1000, small));
  auto one = metadata_download::create(info_hash, 1);
  REQUIRE(one);
  CHECK(one->num_pieces() == 1);
}

TEST_CASE("metadata_download happy path: two peers, verified, parsed", "[metadata_download]") {
  auto d = make();
  CHECK(d.num_pieces() == 3);
  CHECK(d.next_request(A, t0) == 0u);
  CHECK(d.next_request(A, t0) == 1u);
  CHECK(d.next_request(B, t0) == 2u);
  CHECK_FALSE(d.next_request(B, t0));  // every piece is asked of someone
  CHECK(d.requests_of(A) == std::vector<std::uint32_t>{0, 1});

  CHECK(deliver(d, B, 2) == metadata_piece_status::accepted);
  CHECK(deliver(d, A, 0) == metadata_piece_status::accepted);
  CHECK_FALSE(d.metadata());  // never before it is verified
  CHECK(d.pieces_received() == 2);
  CHECK(deliver(d, A, 1) == metadata_piece_status::verified);
  CHECK(d.is_complete());
  REQUIRE(d.metadata());
  CHECK(*d.metadata() == info);
  CHECK(d.hash_failures() == 0);
  CHECK(d.num_pieces() == 3);
  CHECK(d.pieces_received() == 3);

  // After completion nothing more is asked or taken.
  CHECK_FALSE(d.next_request(C, t0));
  CHECK(deliver(d, A, 0) == metadata_piece_status::already_complete);

  // The bytes are a valid info dictionary with the expected info-hash.
  const std::string bytes = d.take_metadata();
  CHECK_FALSE(d.metadata());
  auto parsed = parse_info_dictionary(bytes);
  REQUIRE(parsed);
  CHECK(parsed->info_hash == info_hash);
  CHECK(parsed->name == "file.bin");
}

TEST_CASE("metadata_download: a corrupted piece fails the hash, starts over, names the peers",
          "[metadata_download]") {
  auto d = make();
  REQUIRE(d.next_request(B, t0) == 0u);
  REQUIRE(d.next_request(A, t0) == 1u);
  REQUIRE(d.next_request(B, t0) == 2u);
  CHECK(deliver(d, B, 0) == metadata_piece_status::accepted);
  std::string bad(piece_of(1));
  bad[100] ^= 0x01;  // one flipped bit in A's piece
  CHECK(d.data_received(A, 1, static_cast<std::int64_t>(info.size()), bad).status ==
        metadata_piece_status::accepted);
  auto failure = d.data_received(B, 2, static_cast<std::int64_t>(info.size()), piece_of(2));
  CHECK(failure.status == metadata_piece_status::hash_mismatch);
  CHECK(failure.contributors == std::vector<peer_key>{B, A});  // in piece order
  CHECK_FALSE(failure.sole_contributor);
  CHECK_FALSE(d.is_banned(A));  // shared evidence proves nothing alone
  CHECK(d.hash_failures() == 1);
  CHECK(d.pieces_received() == 0);
  CHECK_FALSE(d.metadata());
  CHECK(d.take_metadata().empty());

  // Started over: every piece is asked again, and this time B alone answers correctly.
  CHECK(d.next_request(B, t0 + 1s) == 0u);
  CHECK(d.next_request(B, t0 + 1s) == 1u);
  CHECK(d.next_request(B, t0 + 1s) == 2u);
  // A late answer to a request from before the restart does not count.
  CHECK(deliver(d, A, 1) == metadata_piece_status::unrequested);
  CHECK(deliver(d, B, 0) == metadata_piece_status::accepted);
  CHECK(deliver(d, B, 1) == metadata_piece_status::accepted);
  CHECK(deliver(d, B, 2) == metadata_piece_status::verified);
  CHECK(*d.metadata() == info);
}

TEST_CASE("metadata_download: a sole contributor of a bad buffer is banned",
          "[metadata_download]") {
  auto d = make();
  for (std::uint32_t i = 0; i < 3; ++i)
    REQUIRE(d.next_request(A, t0) == i);
  std::string bad(piece_of(2));
  bad.back() = static_cast<char>(bad.back() + 1);
  deliver(d, A, 0);
  deliver(d, A, 1);
  auto failure = d.data_received(A, 2, static_cast<std::int64_t>(info.size()), bad);
  CHECK(failure.status == metadata_piece_status::hash_mismatch);
  CHECK(failure.contributors == std::vector<peer_key>{A});
  CHECK(failure.sole_contributor);
  CHECK(d.is_banned(A));
  CHECK_FALSE(d.next_request(A, t0 + 1s));
  CHECK(d.next_request(B, t0 + 1s) == 0u);
}

TEST_CASE("metadata_download: a lying metadata_size never verifies, and the liar is named",
          "[metadata_download]") {
  // A announced one byte more than the real size and serves padded data.
  const std::int64_t lie = static_cast<std::int64_t>(info.size()) + 1;
  auto d = metadata_download::create(info_hash, lie);
  REQUIRE(d);
  for (std::uint32_t i = 0; i < 3; ++i)
    REQUIRE(d->next_request(A, t0) == i);
  d->data_received(A, 0, lie, piece_of(0));
  d->data_received(A, 1, lie, piece_of(1));
  const std::string last = std::string(piece_of(2)) + "x";
  auto r = d->data_received(A, 2, lie, last);
  CHECK(r.status == metadata_piece_status::hash_mismatch);
  CHECK(r.sole_contributor);
  CHECK(d->is_banned(A));
  // An honest peer's data carries the real total_size: refused, and its request withdrawn.
  REQUIRE(d->next_request(B, t0) == 0u);
  CHECK(deliver(*d, B, 0) == metadata_piece_status::wrong_total_size);
  CHECK(d->requests_of(B).empty());
}

TEST_CASE("metadata_download: data checked against what was asked", "[metadata_download]") {
  auto d = make();
  REQUIRE(d.next_request(A, t0) == 0u);
  REQUIRE(d.next_request(A, t0) == 1u);
  const auto total = static_cast<std::int64_t>(info.size());

  // Unsolicited: B was never asked for piece 0; nobody was asked for piece 2.
  CHECK(deliver(d, B, 0) == metadata_piece_status::unrequested);
  CHECK(deliver(d, A, 2) == metadata_piece_status::unrequested);
  // Out of range pieces.
  CHECK(d.data_received(A, 3, total, "x").status == metadata_piece_status::wrong_length);
  CHECK(d.data_received(A, 0xffffffffu, total, "x").status == metadata_piece_status::wrong_length);
  // Wrong total_size: dropped and the request withdrawn, so the piece goes to someone else.
  CHECK(d.data_received(A, 0, total - 1, piece_of(0)).status ==
        metadata_piece_status::wrong_total_size);
  CHECK(d.requests_of(A) == std::vector<std::uint32_t>{1});
  CHECK(d.next_request(B, t0) == 0u);
  // Wrong length: the same.
  CHECK(d.data_received(A, 1, total, piece_of(1).substr(1)).status ==
        metadata_piece_status::wrong_length);
  CHECK(d.data_received(B, 0, total, std::string(piece_of(0)) + "!").status ==
        metadata_piece_status::wrong_length);
  CHECK(d.requests_of(A).empty());
  CHECK(d.requests_of(B).empty());
  CHECK(d.pieces_received() == 0);
  // A received piece is not taken twice.
  REQUIRE(d.next_request(C, t0) == 0u);
  CHECK(deliver(d, C, 0) == metadata_piece_status::accepted);
  CHECK(deliver(d, C, 0) == metadata_piece_status::unrequested);
}

TEST_CASE("metadata_download: timeouts re-assign pieces; late answers still count",
          "[metadata_download]") {
  auto d = make();
  REQUIRE(d.next_request(A, t0) == 0u);
  REQUIRE(d.next_request(B, t0 + 5s) == 1u);
  REQUIRE(d.next_request(B, t0 + 5s) == 2u);
  // Not yet expired: C gets nothing.
  CHECK(d.expire(t0 + 19s).empty());
  CHECK_FALSE(d.next_request(C, t0 + 19s));
  // A's request is 20 s old: the piece is C's to fetch.
  CHECK(d.expire(t0 + 20s) == std::vector<std::pair<peer_key, std::uint32_t>>{{A, 0}});
  CHECK(d.requests_of(A).empty());
  CHECK(d.next_request(C, t0 + 20s) == 0u);
  // A answers late, first: accepted, it was asked. C's answer then is a duplicate.
  CHECK(deliver(d, A, 0) == metadata_piece_status::accepted);
  CHECK(deliver(d, C, 0) == metadata_piece_status::unrequested);

  // next_request expires on its own: B's requests (t0 + 5 s) time out at t0 + 25 s.
  CHECK(d.next_request(C, t0 + 25s) == 1u);
  CHECK(d.next_request(C, t0 + 25s) == 2u);
  CHECK(deliver(d, C, 1) == metadata_piece_status::accepted);
  CHECK(deliver(d, C, 2) == metadata_piece_status::verified);
}

TEST_CASE("metadata_download: a lone slow peer is asked again after its timeout",
          "[metadata_download]") {
  auto d = make();
  for (std::uint32_t i = 0; i < 3; ++i)
    REQUIRE(d.next_request(A, t0) == i);
  CHECK_FALSE(d.next_request(A, t0 + 10s));
  // All three expired; A is the only peer: it is asked again, lowest piece first.
  CHECK(d.next_request(A, t0 + 20s) == 0u);
  CHECK(d.requests_of(A) == std::vector<std::uint32_t>{0});
  // A new peer gets the pieces A has not been asked again for before A does.
  CHECK(d.next_request(B, t0 + 20s) == 1u);
  CHECK(d.next_request(A, t0 + 20s) == 2u);
}

TEST_CASE("metadata_download: rejects back off, disconnects return pieces", "[metadata_download]") {
  metadata_download_config config;
  config.reject_backoff = 60s;
  auto d = make(config);
  REQUIRE(d.next_request(A, t0) == 0u);
  CHECK(d.rejected(A, 0, t0 + 1s));
  CHECK_FALSE(d.rejected(A, 0, t0 + 1s));  // no longer asked of A
  CHECK_FALSE(d.rejected(B, 1, t0 + 1s));  // never asked of B
  CHECK_FALSE(d.rejected(A, 7, t0 + 1s));  // out of range
  // A is not asked for piece 0 again for a minute; B is, at once.
  CHECK(d.next_request(A, t0 + 2s) == 1u);
  CHECK(d.next_request(B, t0 + 2s) == 0u);
  CHECK(d.rejected(B, 0, t0 + 3s));
  CHECK(d.next_request(A, t0 + 3s) == 2u);
  CHECK_FALSE(d.next_request(A, t0 + 4s));  // 0 backed off, 1 and 2 asked of A
  CHECK(d.next_request(A, t0 + 61s) == 0u);
  // A disconnects: its live requests come back and go to C.
  auto returned = d.peer_left(A);
  std::sort(returned.begin(), returned.end());
  CHECK(returned == std::vector<std::uint32_t>{0});  // 1 and 2 had expired at t0 + 61 s
  CHECK(d.requests_of(A).empty());
  CHECK(d.next_request(C, t0 + 62s) == 0u);
  CHECK(d.next_request(C, t0 + 62s) == 1u);
  CHECK(d.next_request(C, t0 + 62s) == 2u);
  // Data from the departed peer is no longer taken.
  CHECK(deliver(d, A, 1) == metadata_piece_status::unrequested);
}

TEST_CASE("metadata_download: requests per peer are capped", "[metadata_download]") {
  // 100 KiB of metadata: 7 pieces (the hash is never checked here).
  metadata_download_config config;
  config.max_requests_per_peer = 2;
  auto d = metadata_download::create(info_hash, 100 * 1024, config);
  REQUIRE(d);
  CHECK(d->next_request(A, t0) == 0u);
  CHECK(d->next_request(A, t0) == 1u);
  CHECK_FALSE(d->next_request(A, t0));
  CHECK(d->next_request(B, t0) == 2u);
  CHECK(d->data_received(A, 0, 100 * 1024, std::string(16384, 'x')).status ==
        metadata_piece_status::accepted);
  CHECK(d->next_request(A, t0) == 3u);
}

}  // namespace metadata_download_test
