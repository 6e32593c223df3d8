#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/piece_picker.hpp"

// Named: the file shares a unity batch with other tests.
namespace piece_picker_test {

using namespace actorrent;

namespace {

constexpr std::uint32_t kB = piece_picker::block_size;
const engine_clock::time_point t0 = engine_clock::time_point{} + std::chrono::seconds(1000);

bitfield bits(std::size_t n, std::initializer_list<std::size_t> set) {
  bitfield b(n);
  for (auto i : set)
    b.set(i);
  return b;
}

bitfield all_but(std::size_t n, std::initializer_list<std::size_t> unset) {
  bitfield b(n);
  b.set_all();
  for (auto i : unset)
    b.reset(i);
  return b;
}

// Endgame duplicates at once and to any peer, so that the tests below need no clock; the
// minimum age and the peer's queue have their own tests.
piece_picker_config seeded(std::uint64_t seed = 1) {
  piece_picker_config c;
  c.rng_seed = seed;
  c.endgame_min_age = engine_clock::duration::zero();
  c.endgame_peer_queue = 1000;
  return c;
}

// N pieces of `blocks` full blocks each, no short piece.
piece_picker uniform(std::uint32_t n, std::uint32_t blocks, piece_picker_config c = seeded()) {
  const std::int64_t len = std::int64_t{blocks} * kB;
  return piece_picker(n, len, len * n, bitfield(n), c);
}

std::set<std::uint32_t> pieces_of(const std::vector<block_request>& v) {
  std::set<std::uint32_t> s;
  for (const auto& b : v)
    s.insert(b.piece);
  return s;
}

block_request blk(std::uint32_t piece, std::uint32_t block, std::uint32_t length = kB) {
  return {piece, block * kB, length};
}

// Requests exactly this piece's blocks from `peer` (an allowed-fast set of one piece picks
// just that piece) and returns them.
std::vector<block_request> ask(piece_picker& pp, peer_key peer, std::uint32_t piece,
                               std::size_t blocks = 1000) {
  return pp.pick_allowed_fast(peer, {piece}, blocks, t0);
}

// `peer` downloads every block of `piece`; returns whether the last one completed it.
bool deliver_piece(piece_picker& pp, peer_key peer, std::uint32_t piece) {
  bool complete = false;
  for (const auto& b : ask(pp, peer, piece))
    complete = pp.block_received(peer, b).piece_complete;
  return complete;
}

}  // namespace

TEST_CASE("piece picker: geometry of a short last piece and short last blocks", "[piece_picker]") {
  // 40000-byte pieces: blocks of 16384, 16384, 7232. The last piece has 20000 bytes: blocks
  // of 16384 and 3616.
  const std::int64_t total = 2 * 40000 + 20000;
  piece_picker pp(3, 40000, total, bitfield(3), seeded());
  CHECK(pp.piece_size(0) == 40000);
  CHECK(pp.piece_size(2) == 20000);
  CHECK(pp.blocks_in_piece(0) == 3);
  CHECK(pp.blocks_in_piece(2) == 2);
  CHECK(pp.block_length(0, 2) == 7232);
  CHECK(pp.block_length(2, 0) == kB);
  CHECK(pp.block_length(2, 1) == 3616);
  CHECK(pp.bytes_left() == total);

  pp.peer_has_all(1);
  auto got = pp.pick(1, 100, t0);
  std::sort(got.begin(), got.end());
  const std::vector<block_request> want = {{0, 0, kB}, {0, kB, kB},  {0, 2 * kB, 7232},
                                           {1, 0, kB}, {1, kB, kB},  {1, 2 * kB, 7232},
                                           {2, 0, kB}, {2, kB, 3616}};
  CHECK(got == want);
  CHECK(pp.check_invariants() == "");

  // A block of the right place but the wrong length is not this block: dropped.
  CHECK_FALSE(pp.block_received(1, {2, kB, kB}).accepted);
  CHECK_FALSE(pp.block_received(1, {2, 100, 3616}).accepted);
  CHECK(pp.block_received(1, {2, 0, kB}).accepted);
  auto last = pp.block_received(1, {2, kB, 3616});
  CHECK(last.accepted);
  CHECK(last.piece_complete);
  pp.piece_passed(2);
  CHECK(pp.bytes_left() == 80000);
}

TEST_CASE("piece picker: inconsistent geometry is refused", "[piece_picker]") {
  CHECK_THROWS_AS(piece_picker(3, 40000, 40000 * 3 + 1, bitfield(3)), std::invalid_argument);
  CHECK_THROWS_AS(piece_picker(3, 0, 0, bitfield(3)), std::invalid_argument);
  CHECK_THROWS_AS(piece_picker(3, 40000, 100000, bitfield(2)), std::invalid_argument);
  CHECK_NOTHROW(piece_picker(0, 16384, 0, bitfield(0)));
  piece_picker empty(0, 16384, 0, bitfield(0));
  CHECK(empty.is_complete());
}

TEST_CASE("piece picker: rarest piece first", "[piece_picker]") {
  auto pp = uniform(8, 2);
  pp.peer_has_all(1);
  pp.peer_has_bitfield(2, all_but(8, {5}));
  pp.peer_has_bitfield(3, all_but(8, {5}));
  pp.peer_has_bitfield(4, bits(8, {5, 6}));
  // availability: piece 5 = 2 (seed + peer 4), piece 6 = 4, the others 3.
  CHECK(pp.availability(5) == 2);
  CHECK(pp.availability(6) == 4);
  CHECK(pp.availability(0) == 3);
  auto first = pp.pick(1, 2, t0);
  REQUIRE(first.size() == 2);
  CHECK(pieces_of(first) == std::set<std::uint32_t>{5});
  // Then the middle group; piece 6, the most common, comes last.
  std::vector<std::uint32_t> order;
  for (int i = 0; i < 7; ++i) {
    auto next = pp.pick(1, 2, t0);
    REQUIRE(next.size() == 2);
    REQUIRE(pieces_of(next).size() == 1);
    order.push_back(next[0].piece);
  }
  CHECK(order.back() == 6);
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: equally rare pieces are chosen at random", "[piece_picker]") {
  // Four pieces tie; over many seeds each should come first about a quarter of the time.
  // A fixed choice would give one piece every time.
  for (bool seed_peer : {true, false}) {
    std::map<std::uint32_t, int> first;
    for (std::uint64_t seed = 0; seed < 800; ++seed) {
      auto pp = uniform(6, 1, seeded(seed));
      pp.peer_has_bitfield(9, bits(6, {0, 5}));  // 0 and 5 more common
      if (seed_peer) {
        pp.peer_has_all(1);
      } else {
        pp.peer_has_bitfield(1, bits(6, {0, 1, 2, 3, 4}));
      }
      auto got = pp.pick(1, 1, t0);
      REQUIRE(got.size() == 1);
      ++first[got[0].piece];
    }
    INFO("seed peer: " << seed_peer);
    CHECK(first.count(0) == 0);
    CHECK(first.count(5) == 0);
    for (std::uint32_t p : {1u, 2u, 3u, 4u}) {
      INFO("piece " << p << " first " << first[p] << " times of 800");
      CHECK(first[p] > 140);  // expected 200; 140 is more than 4 standard deviations off
      CHECK(first[p] < 260);
    }
  }
}

TEST_CASE("piece picker: a peer with few pieces gets its rarest through the bitfield path",
          "[piece_picker]") {
  // 8000 pieces. The odd ones are the rarest, and the picking peer has only two of them:
  // the bucket walk through ~10000 odd pieces runs out of budget and the bitfield
  // intersection takes over; it must still find the rarest of the peer's pieces.
  const std::uint32_t n = 8000;  // the walk's budget is n / 32 + 64 = 314 pieces
  bitfield odd(n);
  bitfield even(n);
  for (std::uint32_t i = 0; i < n; ++i)
    (i % 2 ? odd : even).set(i);
  std::map<std::uint32_t, int> first;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    auto pp = uniform(n, 1, seeded(seed));
    pp.peer_has_bitfield(3, odd);
    pp.peer_has_bitfield(4, even);
    pp.peer_has_bitfield(5, even);
    // With peer 1: pieces 7 and 9 have availability 2, pieces 10 and 12 have 3.
    pp.peer_has_bitfield(1, bits(n, {7, 10, 12, 9}));
    auto got = pp.pick(1, 1, t0);
    REQUIRE(got.size() == 1);
    ++first[got[0].piece];
    auto rest = pp.pick(1, 3, t0);
    REQUIRE(rest.size() == 3);
    CHECK(pp.check_invariants() == "");
  }
  CHECK(first[7] + first[9] == 200);
  CHECK(first[7] > 60);
  CHECK(first[9] > 60);
}

TEST_CASE("piece picker: partly downloaded pieces come before rarer new ones", "[piece_picker]") {
  auto pp = uniform(4, 4);
  pp.peer_has_bitfield(1, bits(4, {0, 1, 2, 3}));
  pp.peer_has_bitfield(2, bits(4, {0, 1, 2, 3}));
  pp.peer_has_bitfield(3, bits(4, {1, 2, 3}));
  // Piece 0 is the rarest (peer 3 lacks it); peer 1 starts it and takes 2 of its 4 blocks.
  auto a = pp.pick(1, 2, t0);
  REQUIRE(a.size() == 2);
  REQUIRE(pieces_of(a) == std::set<std::uint32_t>{0});
  // Now make piece 0 the most common.
  pp.peer_has(4, 0);
  pp.peer_has(5, 0);
  // Peer 2 finishes piece 0 before starting anything new, although 1-3 are now rarer.
  auto b = pp.pick(2, 3, t0);
  REQUIRE(b.size() == 3);
  CHECK(b[0] == blk(0, 2));
  CHECK(b[1] == blk(0, 3));
  CHECK(b[2].piece != 0);
  // Peer 3 does not have piece 0: partial pieces only of pieces the peer has.
  auto c = pp.pick(3, 1, t0);
  REQUIRE(c.size() == 1);
  CHECK(c[0].piece != 0);
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: no block is requested twice before endgame; endgame duplicates",
          "[piece_picker]") {
  auto pp = uniform(5, 3);
  for (peer_key p = 1; p <= 3; ++p)
    pp.peer_has_all(p);
  std::set<block_request> requested;
  bool saw_endgame = false;
  for (int round = 0; round < 10; ++round) {
    for (peer_key p = 1; p <= 3; ++p) {
      const bool endgame_before = pp.in_endgame();
      saw_endgame |= endgame_before;
      for (const auto& b : pp.pick(p, 2, t0)) {
        if (!requested.insert(b).second) CHECK(pp.in_endgame());
      }
    }
  }
  CHECK(saw_endgame);
  CHECK(requested.size() == 15);
  CHECK(pp.blocks_in_flight() == 15);
  // Each block was duplicated up to the default cap of 2 requests.
  CHECK(pp.requests_in_flight() == 30);
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: endgame duplicates go to other peers and arrivals cancel them",
          "[piece_picker]") {
  auto pp = uniform(2, 2);
  for (peer_key p = 1; p <= 3; ++p)
    pp.peer_has_all(p);
  CHECK_FALSE(pp.in_endgame());
  auto a = pp.pick(1, 10, t0);
  CHECK(a.size() == 4);
  CHECK(pp.in_endgame());
  // Peer 1 never gets its own blocks again.
  CHECK(pp.pick(1, 10, t0 + std::chrono::seconds(1)).empty());
  // Peer 2 duplicates, oldest requests first: here all of peer 1's.
  auto b = pp.pick(2, 10, t0 + std::chrono::seconds(2));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(b == a);
  // The cap (2 requests per block) is reached: peer 3 gets nothing.
  CHECK(pp.pick(3, 10, t0).empty());

  auto r = pp.block_received(2, blk(0, 0));
  CHECK(r.accepted);
  REQUIRE(r.cancels.size() == 1);
  CHECK(r.cancels[0].first == 1);
  CHECK(r.cancels[0].second == blk(0, 0));
  // The cancelled peer's copy arrives anyway: not new data.
  auto late = pp.block_received(1, blk(0, 0));
  CHECK_FALSE(late.accepted);
  CHECK(late.cancels.empty());
  CHECK(pp.requests_of(1).size() == 3);
  CHECK(pp.requests_of(2).size() == 3);
  CHECK(pp.check_invariants() == "");

  // With a higher cap the third peer joins, least-duplicated blocks first.
  piece_picker_config c = seeded();
  c.endgame_max_requests_per_block = 3;
  auto pp3 = uniform(1, 2, c);
  for (peer_key p = 1; p <= 3; ++p)
    pp3.peer_has_all(p);
  pp3.pick(1, 2, t0);
  pp3.pick(2, 1, t0);  // duplicates one block
  auto third = pp3.pick(3, 1, t0);
  REQUIRE(third.size() == 1);
  auto dup = pp3.requests_of(2);
  REQUIRE(dup.size() == 1);
  CHECK(third[0] != dup[0]);  // the block with one request, not the one with two
  auto arrival = pp3.block_received(3, third[0]);
  REQUIRE(arrival.cancels.size() == 1);
  CHECK(arrival.cancels[0].first == 1);
}

TEST_CASE("piece picker: endgame duplicates only blocks outstanding for endgame_min_age",
          "[piece_picker]") {
  piece_picker_config c = seeded();
  c.endgame_min_age = std::chrono::milliseconds(1000);
  auto pp = uniform(1, 4, c);
  pp.peer_has_all(1);
  pp.peer_has_all(2);
  REQUIRE(pp.pick(1, 2, t0).size() == 2);
  REQUIRE(pp.pick(1, 2, t0 + std::chrono::milliseconds(600)).size() == 2);
  CHECK(pp.in_endgame());
  // Nothing has waited a second yet: blocks on their way are not asked for twice.
  CHECK(pp.pick(2, 4, t0 + std::chrono::milliseconds(900)).empty());
  // The first two have; the last two have not.
  auto late = pp.pick(2, 4, t0 + std::chrono::milliseconds(1100));
  CHECK(late == std::vector<block_request>{blk(0, 0), blk(0, 1)});
  CHECK(pp.pick(2, 4, t0 + std::chrono::milliseconds(1700)).size() == 2);
  CHECK(pp.requests_in_flight() == 8);
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: endgame duplicates only top up a peer's short queue", "[piece_picker]") {
  piece_picker_config c = seeded();
  c.endgame_peer_queue = 3;
  auto pp = uniform(4, 4, c);
  for (peer_key p = 1; p <= 3; ++p)
    pp.peer_has_all(p);
  REQUIRE(pp.pick(1, 12, t0).size() == 12);
  REQUIRE(pp.pick(2, 4, t0).size() == 4);
  CHECK(pp.in_endgame());
  // Peer 2 still has four requests of its own: it gets no duplicates.
  CHECK(pp.pick(2, 8, t0).empty());
  // Peer 3 has none: it gets three, however many it could take, oldest first (peer 1's).
  auto dups = pp.pick(3, 8, t0);
  REQUIRE(dups.size() == 3);
  const auto first = pp.requests_of(1);
  for (const auto& b : dups)
    CHECK(std::find(first.begin(), first.end(), b) != first.end());
  CHECK(pp.pick(3, 8, t0).empty());
  // One of them arrives: its queue is short again by one, and it gets one more.
  CHECK(pp.block_received(3, dups[0]).accepted);
  CHECK(pp.pick(3, 8, t0).size() == 1);
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: a peer that leaves returns its blocks to the pool", "[piece_picker]") {
  auto pp = uniform(3, 4);
  pp.peer_has_bitfield(1, bits(3, {0, 1, 2}));
  pp.peer_has_bitfield(2, bits(3, {0, 1, 2}));
  auto a = pp.pick(1, 3, t0);
  REQUIRE(a.size() == 3);
  CHECK(pp.block_received(1, a[0]).accepted);
  auto back = pp.peer_left(1);
  std::sort(back.begin(), back.end());
  CHECK(back == std::vector<block_request>(a.begin() + 1, a.end()));
  CHECK(pp.blocks_in_flight() == 0);
  CHECK(pp.availability(0) == 1);
  CHECK(pp.requests_of(1).empty());
  // The piece keeps its received block and is still partial: peer 2 finishes it first.
  auto b = pp.pick(2, 3, t0);
  CHECK(b ==
        std::vector<block_request>{blk(a[0].piece, 1), blk(a[0].piece, 2), blk(a[0].piece, 3)});
  CHECK(pp.check_invariants() == "");

  // A started piece with nothing received goes back to the rarity order when its only
  // requester leaves.
  auto pp2 = uniform(2, 4);
  pp2.peer_has_all(1);
  auto c = pp2.pick(1, 2, t0);
  CHECK(pp2.status(c[0].piece) == piece_status::downloading);
  CHECK(pp2.peer_left(1).size() == 2);
  CHECK(pp2.status(c[0].piece) == piece_status::missing);
  CHECK(pp2.pieces_downloading() == 0);
  CHECK(pp2.availability(0) == 0);
  CHECK(pp2.check_invariants() == "");
}

TEST_CASE("piece picker: a failed piece is downloaded again and its contributors charged",
          "[piece_picker]") {
  piece_picker_config c = seeded();
  c.max_hash_failures = 2;
  auto pp = uniform(6, 2, c);
  for (peer_key p = 1; p <= 3; ++p)
    pp.peer_has_all(p);

  SECTION("shared pieces charge every contributor; N charges ban") {
    // Pieces 0 and 1, each with one block from peer 1 and one from peer 2.
    for (std::uint32_t piece : {0u, 1u}) {
      REQUIRE(ask(pp, 1, piece, 1) == std::vector<block_request>{blk(piece, 0)});
      REQUIRE(ask(pp, 2, piece, 1) == std::vector<block_request>{blk(piece, 1)});
      CHECK(pp.block_received(1, blk(piece, 0)).accepted);
      CHECK(pp.block_received(2, blk(piece, 1)).piece_complete);
    }
    CHECK(pp.status(0) == piece_status::awaiting_hash);
    auto f = pp.piece_failed(0);
    CHECK(f.charged == std::vector<peer_key>{1, 2});
    CHECK(f.banned.empty());
    CHECK(pp.charges(1) == 1);
    CHECK(pp.status(0) == piece_status::missing);
    CHECK(pp.bytes_left() == 6 * 2 * kB);
    // Every block of piece 0 is wanted again.
    pp.set_wanted_pieces(bits(6, {0}));
    auto again = pp.pick(3, 10, t0);
    std::sort(again.begin(), again.end());
    CHECK(again == std::vector<block_request>{blk(0, 0), blk(0, 1)});
    pp.set_wanted_pieces(all_but(6, {}));
    auto g = pp.piece_failed(1);
    CHECK(g.banned == std::vector<peer_key>{1, 2});  // the second charge reaches N = 2
    CHECK(pp.is_banned(1));
    CHECK(pp.banned_peers() == std::vector<peer_key>{1, 2});
    CHECK(pp.pick(1, 10, t0).empty());
    REQUIRE(ask(pp, 3, 2, 1) == std::vector<block_request>{blk(2, 0)});
    CHECK_FALSE(pp.block_received(2, blk(2, 0)).accepted);  // a banned peer's data
    CHECK(pp.block_received(3, blk(2, 0)).accepted);
    CHECK(deliver_piece(pp, 3, 2));
    CHECK(pp.piece_failed(2).banned == std::vector<peer_key>{3});  // sole contributor
  }

  SECTION("the sole contributor of a failed piece is banned at once") {
    CHECK(deliver_piece(pp, 3, 4));
    auto f = pp.piece_failed(4);
    CHECK(f.charged == std::vector<peer_key>{3});
    CHECK(f.banned == std::vector<peer_key>{3});
    CHECK(pp.is_banned(3));
    CHECK_FALSE(pp.is_banned(1));
  }

  SECTION("without ban_sole_contributor only N charges ban") {
    piece_picker_config lenient = seeded();
    lenient.max_hash_failures = 3;
    lenient.ban_sole_contributor = false;
    auto lp = uniform(4, 1, lenient);
    lp.peer_has_all(7);
    for (std::uint32_t piece = 0; piece < 3; ++piece) {
      CHECK(deliver_piece(lp, 7, piece));
      auto f = lp.piece_failed(piece);
      CHECK(f.banned.empty() == (piece < 2));
    }
    CHECK(lp.is_banned(7));
    CHECK(lp.charges(7) == 3);
  }

  SECTION("a passed piece is have; a recheck failure makes it missing without charges") {
    CHECK(deliver_piece(pp, 1, 3));
    CHECK(pp.piece_passed(3).empty());
    CHECK(pp.have().test(3));
    auto f = pp.piece_failed(3);
    CHECK(f.charged.empty());
    CHECK(pp.status(3) == piece_status::missing);
    CHECK(pp.pieces_have() == 0);
  }
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: a piece lost to a disk error is downloaded again, nobody charged",
          "[piece_picker]") {
  auto pp = uniform(4, 2);
  for (peer_key p = 1; p <= 3; ++p)
    pp.peer_has_all(p);

  SECTION("awaiting its hash: every block is wanted again") {
    REQUIRE(deliver_piece(pp, 1, 0));
    REQUIRE(pp.status(0) == piece_status::awaiting_hash);
    CHECK(pp.piece_lost(0));
    CHECK(pp.status(0) == piece_status::missing);
    CHECK(pp.charges(1) == 0);
    CHECK_FALSE(pp.is_banned(1));  // a sole contributor of a failed hash would be
    CHECK(pp.bytes_left() == 4 * 2 * kB);
    auto again = ask(pp, 1, 0);
    std::sort(again.begin(), again.end());
    CHECK(again == std::vector<block_request>{blk(0, 0), blk(0, 1)});
    for (const auto& b : again)
      pp.block_received(1, b);
    CHECK(pp.status(0) == piece_status::awaiting_hash);
    CHECK(pp.piece_passed(0).empty());
    CHECK(pp.have().test(0));
  }

  SECTION("downloading: received blocks are dropped, outstanding requests stand") {
    REQUIRE(ask(pp, 1, 1, 1) == std::vector<block_request>{blk(1, 0)});
    REQUIRE(ask(pp, 2, 1, 1) == std::vector<block_request>{blk(1, 1)});
    REQUIRE(pp.block_received(1, blk(1, 0)).accepted);
    CHECK(pp.piece_lost(1));
    CHECK(pp.status(1) == piece_status::downloading);
    CHECK(pp.requests_of(2) == std::vector<block_request>{blk(1, 1)});
    // Block 0 is wanted again; block 1 is still on its way from peer 2.
    CHECK(ask(pp, 3, 1) == std::vector<block_request>{blk(1, 0)});
    CHECK(pp.block_received(3, blk(1, 0)).accepted);
    CHECK(pp.block_received(2, blk(1, 1)).piece_complete);
  }

  SECTION("downloading with nothing outstanding: back among the startable pieces") {
    REQUIRE(ask(pp, 1, 2, 1) == std::vector<block_request>{blk(2, 0)});
    REQUIRE(pp.block_received(1, blk(2, 0)).accepted);
    CHECK(pp.piece_lost(2));
    CHECK(pp.status(2) == piece_status::missing);
    CHECK(pp.pieces_downloading() == 0);
  }

  SECTION("a piece we have, or never started, is not lost") {
    REQUIRE(deliver_piece(pp, 1, 3));
    pp.piece_passed(3);
    CHECK_FALSE(pp.piece_lost(3));
    CHECK(pp.have().test(3));
    CHECK_FALSE(pp.piece_lost(2));
    CHECK_FALSE(pp.piece_lost(99));
  }
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: a charged peer works alone until convicted", "[piece_picker]") {
  piece_picker_config c = seeded();
  auto pp = uniform(8, 4, c);
  pp.peer_has_all(1);  // honest
  pp.peer_has_all(2);  // corrupts
  pp.peer_has_all(3);  // honest
  // A shared failure: both charged, neither banned.
  for (const auto& b : ask(pp, 1, 0, 2))
    CHECK(pp.block_received(1, b).accepted);
  CHECK(deliver_piece(pp, 2, 0));
  CHECK(pp.piece_failed(0).banned.empty());

  // The suspect starts its own piece and nobody joins while it works on it.
  auto s = pp.pick(2, 2, t0);
  REQUIRE(s.size() == 2);
  const auto own = s[0].piece;
  auto other = pp.pick(3, 2, t0);
  REQUIRE(other.size() == 2);
  CHECK(other[0].piece != own);
  // Nor does the suspect join the honest peer's partial piece.
  auto s2 = pp.pick(2, 2, t0);
  REQUIRE(s2.size() == 2);
  CHECK(s2[0].piece == own);
  CHECK(pp.requests_of(2).size() == 4);
  // Its piece, all its own, fails: proof, banned.
  for (const auto& b : s)
    pp.block_received(2, b);
  for (const auto& b : s2)
    pp.block_received(2, b);
  REQUIRE(pp.status(own) == piece_status::awaiting_hash);
  auto f = pp.piece_failed(own);
  CHECK(f.banned == std::vector<peer_key>{2});
  CHECK_FALSE(pp.is_banned(1));

  // A suspect's piece waits for it while it is away, but not forever.
  auto pp2 = uniform(2, 4, c);
  pp2.peer_has_all(1);
  pp2.peer_has_all(2);
  for (const auto& b : ask(pp2, 1, 0, 2))
    pp2.block_received(1, b);
  REQUIRE(deliver_piece(pp2, 2, 0));
  REQUIRE(pp2.piece_failed(0).charged.size() == 2);
  pp2.set_wanted_pieces(bits(2, {0}));
  auto mine = pp2.pick(1, 2, t0);  // suspect 1 owns piece 0 now
  REQUIRE(mine.size() == 2);
  CHECK(pp2.pick(2, 2, t0).empty());  // suspect 2 may not join
  pp2.block_received(1, mine[0]);
  CHECK(pp2.peer_choked_us(1, false).size() == 1);  // 1 is idle on it now
  CHECK(pp2.pick(3, 1, t0).empty());                // unknown peer
  pp2.peer_has_all(3);
  // Peer 3 is not charged, but mixing its data with a suspect's would blur the evidence.
  CHECK(pp2.pick(3, 4, t0 + std::chrono::seconds(29)).empty());
  // The suspect itself comes back to it.
  CHECK(pp2.pick(1, 1, t0 + std::chrono::seconds(29)) == std::vector<block_request>{blk(0, 1)});
  CHECK(pp2.peer_choked_us(1, false).size() == 1);
  // Idle for idle_piece_takeover (30 s by default): anyone finishes it.
  CHECK(pp2.pick(3, 4, t0 + std::chrono::seconds(58)).empty());
  CHECK(pp2.pick(3, 4, t0 + std::chrono::seconds(59)).size() == 3);
  CHECK(pp2.check_invariants() == "");
}

TEST_CASE("piece picker: good pieces forgive charges; a ban drops the banned peer's data",
          "[piece_picker]") {
  piece_picker_config c = seeded();
  c.max_hash_failures = 2;
  auto pp = uniform(8, 3, c);
  for (peer_key p = 1; p <= 4; ++p)
    pp.peer_has_all(p);
  // Pieces 0, 1 shared by peers 1 and 2, piece 2 shared by 1 and 3; none verified yet.
  for (std::uint32_t piece : {0u, 1u}) {
    for (const auto& b : ask(pp, 1, piece, 1))
      pp.block_received(1, b);
    REQUIRE(deliver_piece(pp, 2, piece));
  }
  for (const auto& b : ask(pp, 1, 2, 1))
    pp.block_received(1, b);
  for (const auto& b : ask(pp, 3, 2, 1))
    pp.block_received(3, b);
  // Piece 3: peer 3 alone so far, still downloading.
  for (const auto& b : ask(pp, 3, 3, 1))
    pp.block_received(3, b);
  // Piece 4: peer 4 alone, and peer 2 has a request out for it.
  for (const auto& b : ask(pp, 4, 4, 1))
    pp.block_received(4, b);
  auto out2 = ask(pp, 2, 4, 1);
  REQUIRE(out2.size() == 1);

  auto f = pp.piece_failed(0);
  CHECK(f.charged == std::vector<peer_key>{1, 2});
  CHECK(f.banned.empty());
  // Piece 2 mixes charged peer 1 with peer 3: restarted. Piece 3 (peer 3 alone) and piece 4
  // (peer 4 alone) are kept.
  CHECK(f.pieces_reset == std::vector<std::uint32_t>{2});
  CHECK(pp.status(2) == piece_status::missing);
  CHECK(pp.status(3) == piece_status::downloading);
  // Peer 2's request predates its charge; its answer would put a suspect's data next to
  // peer 4's: dropped, and the block is free again.
  CHECK_FALSE(pp.block_received(2, out2[0]).accepted);
  CHECK(pp.requests_of(2).empty());
  CHECK(pp.check_invariants() == "");

  // A good piece from peer 1 forgives its charge.
  REQUIRE(deliver_piece(pp, 1, 5));
  pp.piece_passed(5);
  CHECK(pp.charges(1) == 0);
  CHECK(pp.charges(2) == 1);
  // Piece 1 fails too: peer 2 reaches N = 2 and is banned; peer 1 is back at 1.
  auto g = pp.piece_failed(1);
  CHECK(g.banned == std::vector<peer_key>{2});
  CHECK(pp.charges(1) == 1);
  CHECK_FALSE(pp.is_banned(1));
  CHECK(pp.charges(2) == 2);
  pp.piece_passed(7);  // nothing forgives a ban (piece 7 was never downloaded: no one)
  CHECK(pp.is_banned(2));
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: a failure explained by a banned peer charges nobody else",
          "[piece_picker]") {
  auto pp = uniform(4, 2);
  for (peer_key p = 1; p <= 3; ++p)
    pp.peer_has_all(p);
  // Piece 0 from 1 and 2 awaits its hash while 2 is convicted on piece 1.
  for (const auto& b : ask(pp, 1, 0, 1))
    pp.block_received(1, b);
  REQUIRE(deliver_piece(pp, 2, 0));
  // Piece 2 from 2 and 3, still downloading.
  for (const auto& b : ask(pp, 2, 2, 1))
    pp.block_received(2, b);
  auto pending = ask(pp, 3, 2, 1);
  REQUIRE(pending.size() == 1);
  REQUIRE(deliver_piece(pp, 2, 1));
  auto f = pp.piece_failed(1);
  CHECK(f.banned == std::vector<peer_key>{2});
  CHECK(f.pieces_reset == std::vector<std::uint32_t>{2});  // 2's block dropped
  CHECK(pp.status(2) == piece_status::downloading);        // 3's request still stands
  auto g = pp.piece_failed(0);
  CHECK(g.charged.empty());
  CHECK(g.banned.empty());
  CHECK(pp.charges(1) == 0);
  CHECK(pp.block_received(3, pending[0]).accepted);
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: sequential order", "[piece_picker]") {
  piece_picker_config c = seeded();
  c.sequential = true;
  auto pp = uniform(10, 2, c);
  pp.peer_has_all(1);
  pp.peer_has_bitfield(2, bits(10, {3, 4, 8, 9}));
  pp.peer_has_bitfield(3, bits(10, {9}));  // piece 9 the most common, still not first
  std::vector<std::uint32_t> order;
  for (int i = 0; i < 3; ++i) {
    for (const auto& b : pp.pick(1, 2, t0))
      order.push_back(b.piece);
  }
  CHECK(order == std::vector<std::uint32_t>{0, 0, 1, 1, 2, 2});
  // Partial pieces in index order too: one block of piece 3 left to peer 2.
  auto a = pp.pick(1, 1, t0);
  REQUIRE(a == std::vector<block_request>{blk(3, 0)});
  auto b = pp.pick(2, 3, t0);
  CHECK(b == std::vector<block_request>{blk(3, 1), blk(4, 0), blk(4, 1)});
  pp.set_sequential(false);
  CHECK_FALSE(pp.sequential());
  CHECK(pp.check_invariants() == "");

  // A peer with only high pieces among many: the budgeted walk switches to intersecting.
  auto big = uniform(50000, 1, c);
  big.peer_has_bitfield(5, bits(50000, {40000, 49999, 45000}));
  auto got = big.pick(5, 2, t0);
  CHECK(got == std::vector<block_request>{blk(40000, 0), blk(45000, 0)});
}

TEST_CASE("piece picker: only wanted pieces, and completion", "[piece_picker]") {
  const std::int64_t total = 4 * 40000 + 1000;  // 5 pieces, the last 1000 bytes
  piece_picker pp(5, 40000, total, bits(5, {0}), seeded());
  CHECK(pp.pieces_have() == 1);
  CHECK(pp.bytes_left() == total - 40000);
  REQUIRE(pp.set_wanted_pieces(bits(5, {0, 2, 4})));
  CHECK_FALSE(pp.set_wanted_pieces(bitfield(4)));
  CHECK(pp.pieces_wanted() == 3);
  CHECK(pp.pieces_wanted_have() == 1);
  CHECK(pp.bytes_left() == 40000 + 1000);
  pp.peer_has_all(1);
  CHECK(pp.is_interesting(1));
  auto got = pp.pick(1, 100, t0);
  CHECK(pieces_of(got) == std::set<std::uint32_t>{2, 4});
  CHECK(got.size() == 4);
  CHECK(pp.in_endgame());
  CHECK_FALSE(pp.is_complete());
  // A block of an unwanted piece is not taken, nor one of a piece nobody asked for.
  CHECK_FALSE(pp.block_received(1, blk(1, 0)).accepted);
  pp.set_wanted_pieces(bits(5, {0, 1, 2, 4}));
  CHECK_FALSE(pp.block_received(1, blk(1, 0)).accepted);
  CHECK(pp.status(1) == piece_status::missing);
  pp.set_wanted_pieces(bits(5, {0, 2, 4}));
  for (const auto& b : got)
    pp.block_received(1, b);
  CHECK(pp.pieces_awaiting_hash() == 2);
  pp.piece_passed(2);
  CHECK_FALSE(pp.is_complete());
  pp.piece_passed(4);
  CHECK(pp.is_complete());
  CHECK(pp.bytes_left() == 0);
  CHECK_FALSE(pp.in_endgame());
  CHECK_FALSE(pp.is_interesting(1));
  CHECK(pp.pick(1, 100, t0).empty());
  // Wanting more makes it incomplete again.
  pp.set_wanted_pieces(bits(5, {0, 1, 2, 4}));
  CHECK_FALSE(pp.is_complete());
  CHECK(pp.bytes_left() == 40000);
  CHECK(pieces_of(pp.pick(1, 100, t0)) == std::set<std::uint32_t>{1});
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: unwanting a piece being downloaded stops new requests only",
          "[piece_picker]") {
  auto pp = uniform(2, 4);
  pp.peer_has_all(1);
  pp.set_wanted_pieces(bits(2, {0}));
  auto a = pp.pick(1, 2, t0);
  REQUIRE(pieces_of(a) == std::set<std::uint32_t>{0});
  pp.set_wanted_pieces(bits(2, {1}));
  auto b = pp.pick(1, 10, t0);
  CHECK(pieces_of(b) == std::set<std::uint32_t>{1});
  CHECK(pp.block_received(1, a[0]).accepted);  // outstanding data is still kept
  CHECK(pp.check_invariants() == "");
  pp.set_wanted_pieces(bits(2, {0, 1}));
  CHECK(pp.pick(1, 10, t0) == std::vector<block_request>{blk(0, 2), blk(0, 3)});
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: have-all peers are a seed counter", "[piece_picker]") {
  auto pp = uniform(100, 1);
  pp.peer_has_all(1);
  pp.peer_has_all(2);
  pp.peer_has_bitfield(3, bits(100, {4}));
  CHECK(pp.availability(4) == 3);
  CHECK(pp.availability(5) == 2);
  CHECK(pp.check_invariants() == "");
  // A full bitfield, or HAVEs completing one, turn a peer into a seed.
  pp.peer_has_bitfield(4, all_but(100, {}));
  bitfield almost = all_but(100, {7});
  pp.peer_has_bitfield(5, almost);
  CHECK(pp.availability(7) == 3);
  pp.peer_has(5, 7);
  CHECK(pp.availability(7) == 4);  // seeds 1, 2, 4, 5
  CHECK(pp.availability(4) == 5);
  CHECK(pp.check_invariants() == "");
  // The seed still gets rarest first: piece 4 is the most common, not first.
  auto got = pp.pick(1, 99, t0);
  REQUIRE(got.size() == 99);
  CHECK(pieces_of(got).count(4) == 0);
  // Seeds leaving, HAVE NONE, and replacing a bitfield.
  pp.peer_left(1);
  pp.peer_has_none(2);
  CHECK(pp.availability(5) == 2);
  pp.peer_has_bitfield(2, bits(100, {5}));
  CHECK(pp.availability(5) == 3);
  CHECK_FALSE(pp.peer_has_bitfield(2, bitfield(99)));
  CHECK_FALSE(pp.peer_has(2, 100));
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: allowed-fast picks while choked", "[piece_picker]") {
  auto pp = piece_picker(10, 2 * kB, 20 * kB, bits(10, {7}), seeded());
  pp.peer_has_all(1);
  pp.peer_has_bitfield(2, bits(10, {8}));
  // 7 is already ours, 42 does not exist, 3 is rarer than 8: 3 first.
  auto got = pp.pick_allowed_fast(1, {8, 7, 42, 3, 8}, 3, t0);
  CHECK(got == std::vector<block_request>{blk(3, 0), blk(3, 1), blk(8, 0)});
  auto more = pp.pick_allowed_fast(1, {8, 7, 3}, 10, t0);
  CHECK(more == std::vector<block_request>{blk(8, 1)});
  CHECK(pp.pick_allowed_fast(1, {}, 10, t0).empty());
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: chokes, rejects and timeouts put blocks back", "[piece_picker]") {
  auto pp = uniform(2, 4);
  pp.peer_has_all(1);
  pp.peer_has_all(2);
  auto a = pp.pick(1, 4, t0);
  REQUIRE(a.size() == 4);
  // With the fast extension a choke keeps requests until rejected.
  CHECK(pp.peer_choked_us(1, true).empty());
  CHECK(pp.requests_of(1).size() == 4);
  CHECK(pp.request_rejected(1, a[1]));
  CHECK_FALSE(pp.request_rejected(1, a[1]));  // not outstanding any more
  CHECK_FALSE(pp.request_rejected(2, a[2]));  // never asked of peer 2
  CHECK(pp.pick(2, 1, t0) == std::vector<block_request>{a[1]});
  // Timeouts: the old requests are listed, and a late answer is still good data.
  auto old = pp.requests_older_than(t0 + std::chrono::seconds(1));
  CHECK(old.size() == 4);
  CHECK(pp.requests_older_than(t0).empty());
  CHECK(pp.request_timed_out(1, a[2]));
  CHECK(pp.block_received(1, a[2]).accepted);
  // Without the fast extension a choke discards every request.
  auto back = pp.peer_choked_us(1, false);
  std::sort(back.begin(), back.end());
  CHECK(back == std::vector<block_request>{a[0], a[3]});
  CHECK(pp.requests_of(1).empty());
  CHECK(pp.blocks_in_flight() == 1);
  CHECK(pp.check_invariants() == "");
}

TEST_CASE("piece picker: a piece verified by other means cancels its requests", "[piece_picker]") {
  auto pp = uniform(2, 2);
  pp.peer_has_all(1);
  auto a = pp.pick(1, 1, t0);
  REQUIRE(a.size() == 1);
  auto cancels = pp.piece_passed(a[0].piece);
  REQUIRE(cancels.size() == 1);
  CHECK(cancels[0] == std::make_pair(peer_key{1}, a[0]));
  CHECK(pp.requests_of(1).empty());
  CHECK(pp.pieces_have() == 1);
  CHECK_FALSE(pp.block_received(1, a[0]).accepted);
  CHECK(pp.piece_passed(1 - a[0].piece).empty());  // never started
  CHECK(pp.is_complete());
  CHECK(pp.check_invariants() == "");
}

}  // namespace piece_picker_test
