#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/choker.hpp"

using namespace actorrent;
using namespace std::chrono_literals;

namespace {

using time_point = engine_clock::time_point;
using keys = std::vector<peer_key>;
const time_point t0 = time_point{} + 1000h;

bool contains(const keys& ks, peer_key k) {
  return std::find(ks.begin(), ks.end(), k) != ks.end();
}

// Peers 1..n, interested, connected an hour before t0 (not new); peer i downloads at
// i kB/s to us and takes (n + 1 - i) kB/s from us.
choker ranked_swarm(std::size_t n, choker_config c = {}, std::uint64_t seed = 42) {
  choker ch(c, seed);
  for (peer_key i = 1; i <= n; ++i) {
    ch.add_peer(i, t0 - 1h);
    ch.set_interested(i, true);
    ch.set_rates(i, 1000.0 * static_cast<double>(i), 1000.0 * static_cast<double>(n + 1 - i));
  }
  return ch;
}

// The unchoked peers that are not optimistic.
keys regular(const choker& ch) {
  keys out;
  for (auto k : ch.unchoked()) {
    if (!ch.is_optimistic(k)) out.push_back(k);
  }
  return out;
}

}  // namespace

TEST_CASE("choker: leeching unchokes the best downloaders, seeding the best uploaders",
          "[choker]") {
  auto ch = ranked_swarm(10);
  auto d = ch.rechoke(t0, false);
  CHECK(regular(ch) == keys{7, 8, 9, 10});
  REQUIRE(ch.optimistic().size() == 1);
  auto opt = ch.optimistic()[0];
  CHECK(opt >= 1);
  CHECK(opt <= 6);
  CHECK(ch.unchoked().size() == 5);
  CHECK(d.unchoke == ch.unchoked());  // everyone started choked
  CHECK(d.choke.empty());

  auto s = ranked_swarm(10);
  s.rechoke(t0, true);
  CHECK(regular(s) == keys{1, 2, 3, 4});

  choker_config six;
  six.upload_slots = 6;
  six.optimistic_slots = 2;
  auto big = ranked_swarm(10, six);
  big.rechoke(t0, false);
  CHECK(regular(big) == keys{5, 6, 7, 8, 9, 10});
  CHECK(big.optimistic().size() == 2);
}

TEST_CASE("choker: switching to seeding re-ranks by upload rate", "[choker]") {
  choker_config c;
  c.optimistic_slots = 0;
  auto ch = ranked_swarm(8, c);
  ch.rechoke(t0, false);
  CHECK(ch.unchoked() == keys{5, 6, 7, 8});
  auto d = ch.rechoke(t0 + 10s, true);
  CHECK(d.unchoke == keys{1, 2, 3, 4});
  CHECK(d.choke == keys{5, 6, 7, 8});
}

TEST_CASE("choker: decisions list only changes", "[choker]") {
  auto ch = ranked_swarm(10);
  ch.rechoke(t0, false);
  auto opt = ch.optimistic().at(0);
  CHECK(ch.rechoke(t0 + 10s, false).empty());
  CHECK(ch.rechoke(t0 + 20s, false).empty());

  // Peer 5 (or 6, if 5 is the optimistic one) overtakes peer 7.
  peer_key riser = opt == 5 ? 6 : 5;
  ch.set_rates(riser, 50'000, 0);
  auto d = ch.rechoke(t0 + 25s, false);
  CHECK(d.unchoke == keys{riser});
  CHECK(d.choke == keys{7});
  CHECK(ch.is_choked(7));
  CHECK_FALSE(ch.is_choked(riser));
  CHECK(ch.optimistic() == keys{opt});
}

TEST_CASE("choker: the optimistic slot rotates every 30 s", "[choker]") {
  auto ch = ranked_swarm(12);
  CHECK(ch.due(t0));
  ch.rechoke(t0, false);
  CHECK_FALSE(ch.due(t0 + 9s + 999ms));
  CHECK(ch.due(t0 + 10s));
  CHECK(ch.next_rechoke() == t0 + 10s);

  auto opt = ch.optimistic();
  int rotations = 0;
  for (int i = 1; i <= 30; ++i) {
    auto now = t0 + i * 10s;
    REQUIRE(ch.due(now));
    auto d = ch.rechoke(now, false);
    auto now_opt = ch.optimistic();
    REQUIRE(now_opt.size() == 1);
    if (i % 3 == 0) {
      // Rotated, and away from the previous holder, who is choked again.
      CHECK(now_opt != opt);
      CHECK(d.unchoke == now_opt);
      CHECK(d.choke == opt);
      ++rotations;
    } else {
      CHECK(now_opt == opt);
      CHECK(d.empty());
    }
    opt = now_opt;
  }
  CHECK(rotations == 10);

  // Extra rechokes do not restart the 30 s.
  auto base = t0 + 300s;
  ch.rechoke(base + 1s, false);
  ch.rechoke(base + 7s, false);
  ch.rechoke(base + 29s, false);
  CHECK(ch.optimistic() == opt);
  ch.rechoke(base + 30s, false);
  CHECK(ch.optimistic() != opt);
}

TEST_CASE("choker: new peers are three times as likely to be the optimistic unchoke", "[choker]") {
  auto weight = GENERATE(3u, 1u);  // 1: the control, showing the test tells them apart
  CAPTURE(weight);
  choker_config c;
  c.new_peer_age = 100'000h;  // stay "new" through every rotation below
  c.new_peer_weight = weight;
  choker ch(c, 7);
  // Four fast old peers hold the regular slots; 30 new and 30 old peers compete for the
  // optimistic one.
  for (peer_key k = 1; k <= 4; ++k) {
    ch.add_peer(k, t0 - 200'000h);
    ch.set_rates(k, 1e9, 0);
  }
  for (peer_key k = 100; k < 130; ++k)
    ch.add_peer(k, t0);  // new
  for (peer_key k = 200; k < 230; ++k)
    ch.add_peer(k, t0 - 200'000h);  // old
  for (peer_key k = 1; k < 230; ++k)
    ch.set_interested(k, true);  // unknown keys ignored

  const int rotations = 10'000;
  int new_picks = 0;
  int misplaced = 0;
  for (int i = 0; i < rotations; ++i) {
    ch.rechoke(t0 + i * 30s, false);
    for (peer_key k = 1; k <= 4; ++k)
      misplaced += ch.is_choked(k) || ch.is_optimistic(k);
    auto opt = ch.optimistic();
    if (opt.size() == 1 && opt[0] >= 100 && opt[0] < 130) ++new_picks;
  }
  CHECK(misplaced == 0);
  // Per peer, new ones are picked `weight` times as often. (Excluding the peer just rotated
  // out biases the ratio by about 2 % — well inside the tolerance.)
  double ratio = static_cast<double>(new_picks) / (rotations - new_picks);
  CAPTURE(new_picks, ratio);
  CHECK(ratio == Approx(static_cast<double>(weight)).epsilon(0.1));
}

TEST_CASE("choker: \"new\" means connected less than new_peer_age ago", "[choker]") {
  // Independent draws (a fresh choker per seed) between one peer of each kind.
  auto draws = [](time_point connected_a) {
    int a = 0;
    for (std::uint64_t seed = 1; seed <= 4000; ++seed) {
      choker_config c;
      c.upload_slots = 0;
      choker ch(c, seed);
      ch.add_peer(1, connected_a);
      ch.add_peer(2, t0 - 1h);
      ch.set_interested(1, true);
      ch.set_interested(2, true);
      ch.rechoke(t0, false);
      if (ch.is_optimistic(1)) ++a;
    }
    return a / 4000.0;
  };
  CHECK(draws(t0 - 59s) == Approx(0.75).margin(0.03));
  CHECK(draws(t0 - 60s) == Approx(0.5).margin(0.03));
}

TEST_CASE("choker: snubbed peers lose their regular slot", "[choker]") {
  choker_config c;
  c.optimistic_slots = 0;
  auto ch = ranked_swarm(6, c);
  ch.rechoke(t0, false);
  CHECK(ch.unchoked() == keys{3, 4, 5, 6});

  ch.set_snubbed(6, true);  // the fastest one
  auto d = ch.rechoke(t0 + 10s, false);
  CHECK(d.choke == keys{6});
  CHECK(d.unchoke == keys{2});
  CHECK(ch.unchoked() == keys{2, 3, 4, 5});

  ch.set_snubbed(6, false);
  d = ch.rechoke(t0 + 20s, false);
  CHECK(d.unchoke == keys{6});
  CHECK(d.choke == keys{2});

  // With an optimistic slot a snubbed peer can only ever be the optimistic one.
  auto o = ranked_swarm(6, {}, 3);
  o.set_snubbed(6, true);
  o.set_snubbed(5, true);
  bool seen_optimistic = false;
  for (int i = 0; i < 60; ++i) {
    o.rechoke(t0 + i * 10s, false);
    CHECK(regular(o) == keys{1, 2, 3, 4});
    for (peer_key k : {5, 6}) {
      if (!o.is_choked(k)) {
        CHECK(o.is_optimistic(k));
        seen_optimistic = true;
      }
    }
  }
  CHECK(seen_optimistic);
}

TEST_CASE("choker: uninterested, departed and promoted peers", "[choker]") {
  auto ch = ranked_swarm(10);
  ch.set_interested(10, false);
  ch.rechoke(t0, false);
  CHECK(regular(ch) == keys{6, 7, 8, 9});
  CHECK(ch.is_choked(10));
  CHECK_FALSE(ch.is_optimistic(10));

  // An unchoked peer leaves: the next rechoke refills its slot without a choke for it.
  ch.remove_peer(9);
  CHECK_FALSE(ch.contains(9));
  CHECK(ch.is_choked(9));
  auto opt = ch.optimistic().at(0);
  auto d = ch.rechoke(t0 + 1s, false);
  CHECK(d.choke.empty());
  CHECK(d.unchoke.size() == 1);
  CHECK(regular(ch).size() == 4);
  CHECK(ch.optimistic() == keys{opt});

  // The optimistic peer loses interest: its slot goes to someone else before the rotation.
  ch.set_interested(opt, false);
  d = ch.rechoke(t0 + 2s, false);
  CHECK(d.choke == keys{opt});
  REQUIRE(ch.optimistic().size() == 1);
  CHECK(ch.optimistic()[0] != opt);
  CHECK(ch.unchoked().size() == 5);

  // The optimistic peer turns out fast: it earns a regular slot, and the optimistic slot
  // goes to another peer.
  opt = ch.optimistic()[0];
  ch.set_rates(opt, 1e9, 0);
  ch.rechoke(t0 + 3s, false);
  CHECK(contains(regular(ch), opt));
  REQUIRE(ch.optimistic().size() == 1);
  CHECK(ch.optimistic()[0] != opt);
  CHECK(ch.unchoked().size() == 5);

  CHECK_FALSE(ch.add_peer(1, t0));    // already known
  ch.set_rates(12345, 1, 1);          // unknown keys are ignored
  ch.set_rates(2, std::nan(""), -1);  // nonsense ranks last instead of breaking the sort
  ch.rechoke(t0 + 4s, false);
  CHECK(ch.is_choked(2));
  ch.set_interested(12345, true);
  CHECK(ch.size() == 9);
}

TEST_CASE("choker: a lone candidate keeps the optimistic slot across rotations", "[choker]") {
  auto ch = ranked_swarm(5);
  ch.rechoke(t0, false);
  CHECK(ch.unchoked() == keys{1, 2, 3, 4, 5});
  CHECK(ch.optimistic() == keys{1});
  for (int i = 1; i <= 9; ++i)
    CHECK(ch.rechoke(t0 + i * 10s, false).empty());
  CHECK(ch.optimistic() == keys{1});
}

TEST_CASE("choker: ties keep the peers already unchoked", "[choker]") {
  choker_config c;
  c.upload_slots = 2;
  c.optimistic_slots = 0;
  choker ch(c, 1);
  for (peer_key k = 1; k <= 5; ++k) {
    ch.add_peer(k, t0);
    ch.set_interested(k, true);
  }
  ch.rechoke(t0, false);
  CHECK(ch.unchoked() == keys{1, 2});
  ch.add_peer(0, t0);
  ch.set_interested(0, true);
  CHECK(ch.rechoke(t0 + 10s, false).empty());
  CHECK(ch.unchoked() == keys{1, 2});
}

TEST_CASE("choker: the same seed gives the same decisions", "[choker]") {
  auto run = [](std::uint64_t seed) {
    auto ch = ranked_swarm(20, {}, seed);
    keys history;
    for (int i = 0; i < 100; ++i) {
      ch.rechoke(t0 + i * 30s, false);
      history.push_back(ch.optimistic().at(0));
    }
    return history;
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
}
