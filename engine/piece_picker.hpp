// The piece picker: which 16 KiB blocks to request from which peer, and the bookkeeping of
// every block from "missing" to "verified". It is the decision half of the piece manager
// (DESIGN.md, principle 1): no CAF, no I/O, time passed in, randomness from a seedable RNG,
// so every rule below is unit-tested directly. The piece manager actor feeds it peer events
// and turns its answers into REQUEST / CANCEL messages, disk writes and hash jobs.
//
// Order of picking, for one peer:
//   1. partly downloaded pieces this peer has (finishing them frees memory and lets the hash
//      run sooner; sharing one piece among several peers is what makes a piece finish fast);
//   2. new pieces this peer has, rarest first (fewest peers have them), uniformly random
//      among equally rare ones so that our peers, and clients like us, spread over different
//      pieces;
//      or, in sequential mode, the lowest-index wanted piece (streaming), partial or not;
//   3. in endgame only (no wanted block is left unrequested), blocks already requested from
//      other peers at least `endgame_min_age` ago, never twice from the same peer, at most
//      `endgame_max_requests_per_block` requests per block, least duplicated and longest
//      outstanding first, and only to a peer with fewer than `endgame_peer_queue` requests of
//      its own; when one arrives the others are reported for CANCEL. (Not to or from
//      suspects, see below.)
//
// Cost, for N pieces, C startable pieces, m of them this peer has, B blocks per piece:
//   peer_has                     O(1); O(N) once when the peer turns out to have every piece
//                                (it is then a seed), i.e. amortised over its N HAVEs
//   peer_has_bitfield            O(N/64 + pieces it has); O(1) for a full bitfield
//   peer_has_all, seed leaving   O(1) (+ its outstanding requests)
//   pick, rarest first           O(partial pieces with unrequested blocks
//                                    + min(C/m per piece started, N/32 + 64)
//                                    + N/64 + m + k log k in the fallback for sparse peers,
//                                      k pieces started)
//                                i.e. a peer that has a fair share of the rarest bucket finds
//                                a piece there with a few random probes; a peer with few
//                                pieces stops the bucket walk after a budget and intersects
//                                bitfields instead, so no pick walks every piece one by one
//   pick, sequential             O(wanted pieces skipped from the lowest one, bounded by the
//                                same budget before switching to a bitfield intersection)
//   pick, endgame duplicates     O(blocks of the pieces being downloaded)
//   block_received               O(B + requests of the block's peers)
//   piece_passed / piece_failed  O(B + buckets)
//   set_wanted_pieces            O(N)
//
// Hash failures and bans (the "a peer charged N times alone is banned"):
//   * a piece that fails its hash charges each distinct peer that sent blocks of it once,
//     unless one of them is banned already: that peer explains the failure, nobody else is
//     charged;
//   * if a single peer sent every block of the failed piece, the failure is proof (nobody
//     else's data was in it): that peer is banned at once (`ban_sole_contributor`);
//   * otherwise a peer is banned when its charges reach N (`max_hash_failures`);
//   * each piece that passes forgives one charge of each of its contributors (never a ban),
//     so an honest peer that shared a few pieces with a bad one, and keeps delivering good
//     pieces, stays below N (libtorrent's trust points follow the same idea);
//   * a charged peer is a suspect: it downloads pieces alone (it does not join partial
//     pieces others are working on and gets no endgame duplicates; nobody joins or
//     duplicates a piece while it is working on it, nor mixes data with a connected
//     suspect's), so a bad suspect's next bad piece has a single contributor and convicts it;
//   * so that isolation never stalls a download (every peer may be a suspect): an owner that
//     stops asking (choked) no longer keeps others out; a suspect with no new piece to start
//     takes over partial pieces nobody is working on that hold no other connected peer's
//     data; and, as the last resort, anyone takes over a piece nobody has worked on for
//     `idle_piece_takeover`, mixing evidence;
//   * pieces still downloading whose received data would make a later failure just as
//     ambiguous are restarted (their received blocks dropped, hash_failure::pieces_reset):
//     after a shared failure, those mixing a charged peer's blocks with anyone else's; after
//     a ban, those holding any of the banned peer's blocks.
//   Charges outlive peer_left: a reconnecting peer (same key) keeps its record. Without any
//   charged peer none of the isolation runs, and picking costs what it would without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/engine_clock.hpp"
#include "engine/peer_key.hpp"
#include "engine/piece_picker_rarity.hpp"
#include "protocol/bitfield.hpp"

namespace actorrent {

struct block_request {
  std::uint32_t piece = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;

  friend bool operator==(const block_request& a, const block_request& b) {
    return a.piece == b.piece && a.offset == b.offset && a.length == b.length;
  }
  friend bool operator!=(const block_request& a, const block_request& b) { return !(a == b); }
  friend bool operator<(const block_request& a, const block_request& b) {
    return a.piece != b.piece ? a.piece < b.piece : a.offset < b.offset;
  }
};

struct piece_picker_config {
  // Lowest wanted piece first instead of rarest first (streaming; costs swarm health).
  bool sequential = false;
  // In endgame a block may be requested from this many peers at once (the first included).
  std::uint32_t endgame_max_requests_per_block = 2;
  // ... but only once its first request is this old: with deep pipelines every block is
  // requested long before the last arrives, and duplicating blocks that are on their way
  // wasted 13-53 % of a small swarm's downloads (tests/integration/swarm_download_test.py).
  // A block that has waited this long is late enough to be worth asking someone else.
  engine_clock::duration endgame_min_age = std::chrono::milliseconds{1000};
  // ... and only to a peer whose queue has run down to fewer than this many requests, which
  // it is then topped up to: duplicates are for peers with nothing else to do, as in
  // libtorrent. Without it every peer filled its whole pipeline with duplicates of slow peers'
  // blocks, and five leechers under load wasted up to 25 % (swarm_download_test.py).
  std::uint32_t endgame_peer_queue = 4;
  // N: total charges that ban a peer whatever the other contributors were.
  std::uint32_t max_hash_failures = 3;
  // Ban the sole contributor of a failed piece at once (see the header comment).
  bool ban_sole_contributor = true;
  // While some peer is charged, a partial piece nobody may join without mixing evidence is
  // taken over by anyone after lying idle this long (see the header comment).
  engine_clock::duration idle_piece_takeover = std::chrono::seconds(30);
  // Seed of the tie-break RNG; random when absent. Fixed in tests. Left random in clients so
  // that two of ours in one swarm do not make the same choices.
  std::optional<std::uint64_t> rng_seed;
};

// What block_received tells the caller to do.
struct block_arrival {
  // New data: write it. Otherwise drop the bytes: a duplicate (endgame), an invalid block,
  // one of a piece not being downloaded, one from a banned peer, or one that would put a
  // suspect's data next to another peer's (its request is then void and the block back in
  // the pool; see the header comment).
  bool accepted = false;
  // Every block of the piece has now arrived: hash it, then piece_passed / piece_failed.
  bool piece_complete = false;
  // The same block is still requested from these peers: send them CANCEL.
  std::vector<std::pair<peer_key, block_request>> cancels;
};

struct hash_failure {
  std::vector<peer_key> charged;  // the distinct contributors, charged once each
  std::vector<peer_key> banned;   // those this failure banned (not those banned before)
  // Pieces still downloading whose received blocks were all dropped (they held data of the
  // peer banned now, or mixed a charged peer's data with others'): restart their hashing;
  // their blocks are downloaded again.
  std::vector<std::uint32_t> pieces_reset;
};

enum class piece_status : std::uint8_t { missing, downloading, awaiting_hash, have };

class piece_picker {
 public:
  static constexpr std::uint32_t block_size = 16 * 1024;

  // `have`: the pieces already verified (resume data or a recheck), of size num_pieces.
  // Throws std::invalid_argument when the geometry is inconsistent (the metainfo parser has
  // already refused such torrents, so this is a caller bug, not hostile input).
  piece_picker(std::uint32_t num_pieces, std::int64_t piece_length, std::int64_t total_length,
               const bitfield& have, piece_picker_config config = {});

  // Geometry: the last piece is short, and so is the last block of a short piece.
  std::uint32_t num_pieces() const { return num_pieces_; }
  std::int64_t piece_size(std::uint32_t piece) const;
  std::uint32_t blocks_in_piece(std::uint32_t piece) const;
  std::uint32_t block_length(std::uint32_t piece, std::uint32_t block) const;

  // --- What peers have. Out-of-range pieces and wrong-size bitfields return false. -------
  // Replaces whatever the peer was known to have before.
  bool peer_has_bitfield(peer_key peer, const bitfield& pieces);
  bool peer_has(peer_key peer, std::uint32_t piece);
  void peer_has_all(peer_key peer);
  void peer_has_none(peer_key peer);
  // Forgets the peer's pieces and requests; returns the blocks it had requested, which are
  // back in the pool at once (its charges are kept).
  std::vector<block_request> peer_left(peer_key peer);
  // Peers (seeds included) known to have the piece.
  std::uint32_t availability(std::uint32_t piece) const;
  // Whether the peer has a wanted piece we have not verified: send INTERESTED.
  bool is_interesting(peer_key peer) const;

  // --- Picking. The requests are recorded as outstanding from this peer at `now`. --------
  // At most max_blocks, ascending within a piece. Empty for an unknown or banned peer.
  std::vector<block_request> pick(peer_key peer, std::size_t max_blocks,
                                  engine_clock::time_point now);
  // While the peer chokes us (BEP 6): only blocks of pieces in its allowed-fast set, with
  // the same preferences as pick. Indices out of range are ignored.
  std::vector<block_request> pick_allowed_fast(peer_key peer,
                                               const std::vector<std::uint32_t>& allowed,
                                               std::size_t max_blocks,
                                               engine_clock::time_point now);

  // --- What became of requests. -----------------------------------------------------------
  // Also accepts a block no longer requested from this peer (a late answer after a timeout
  // or reject) when its piece is being downloaded and the peer could join it now; a block of
  // a piece nobody started is dropped.
  block_arrival block_received(peer_key peer, const block_request& block);
  // The block goes back to the pool (unless another peer still has it requested). False
  // when the peer had no such request.
  bool request_rejected(peer_key peer, const block_request& block);
  bool request_timed_out(peer_key peer, const block_request& block);
  // BEP 6: without the fast extension a choke discards every request, so they are returned
  // to the pool and listed; with it, requests stand until the peer rejects them.
  std::vector<block_request> peer_choked_us(peer_key peer, bool fast_extension);
  // Outstanding requests made before `cutoff`, for the caller's request timeout.
  std::vector<std::pair<peer_key, block_request>> requests_older_than(
      engine_clock::time_point cutoff) const;

  // --- Verification. ----------------------------------------------------------------------
  // The piece verified (forgiving one charge of each contributor); also accepted for a piece
  // not awaiting hash (found good on disk): then its outstanding requests are returned for
  // CANCEL.
  std::vector<std::pair<peer_key, block_request>> piece_passed(std::uint32_t piece);
  // The piece failed its hash: every block is downloaded again and its contributors are
  // charged (rule in the header comment). A piece we had (a recheck found it bad) is simply
  // missing again, with no one to charge.
  hash_failure piece_failed(std::uint32_t piece);
  // The piece's data did not reach the disk (a write or its read-back failed): the blocks
  // received so far are dropped and downloaded again. The disk, not the senders, is at fault,
  // so nobody is charged; outstanding requests stand. False (and nothing changes) unless the
  // piece was downloading or awaiting its hash.
  bool piece_lost(std::uint32_t piece);
  std::uint32_t charges(peer_key peer) const;  // charges not yet forgiven
  bool is_banned(peer_key peer) const;
  std::vector<peer_key> banned_peers() const;

  // --- Selection. -------------------------------------------------------------------------
  // The pieces to download (the actors derive it from the selected files: every piece that
  // touches one). Blocks already received of a piece no longer wanted are kept, and its
  // outstanding requests may still complete; it just gets no new requests.
  bool set_wanted_pieces(const bitfield& wanted);
  void set_sequential(bool on) { config_.sequential = on; }
  bool sequential() const { return config_.sequential; }

  // --- Progress, for the actors and the UI. -----------------------------------------------
  bool is_complete() const { return needed_count_ == 0; }  // every wanted piece verified
  bool in_endgame() const;
  piece_status status(std::uint32_t piece) const;
  const bitfield& have() const { return have_; }
  const bitfield& wanted() const { return wanted_; }
  std::uint32_t pieces_have() const { return have_count_; }
  std::uint32_t pieces_wanted() const { return wanted_count_; }
  std::uint32_t pieces_wanted_have() const { return wanted_count_ - needed_count_; }
  // Bytes of wanted pieces not yet verified (received but unverified blocks count as left).
  std::int64_t bytes_left() const { return needed_bytes_; }
  std::size_t pieces_downloading() const { return downloads_.size(); }
  std::size_t pieces_awaiting_hash() const { return awaiting_hash_.size(); }
  // Distinct blocks requested and not yet arrived / requests including endgame duplicates.
  std::size_t blocks_in_flight() const { return blocks_in_flight_; }
  std::size_t requests_in_flight() const { return requests_in_flight_; }
  std::vector<block_request> requests_of(peer_key peer) const;

  // Every internal invariant, for tests: empty when sound, else the first problem.
  // O(N + pieces of all peers + blocks in progress).
  std::string check_invariants() const;

 private:
  static constexpr std::uint32_t npos = 0xffffffffu;

  struct block_ref {
    std::uint32_t piece;
    std::uint32_t block;
    friend bool operator==(const block_ref& a, const block_ref& b) {
      return a.piece == b.piece && a.block == b.block;
    }
  };
  struct request_slot {
    std::uint32_t block;
    peer_key peer;
    engine_clock::time_point since;
  };
  struct block_info {
    peer_key from = 0;           // who delivered it, once received
    std::uint16_t requests = 0;  // outstanding requests for it
    bool received = false;
  };
  struct download {
    std::uint32_t piece = 0;
    std::vector<block_info> blocks;
    std::vector<request_slot> requests;  // one per outstanding (block, peer)
    std::uint32_t open = 0;              // neither requested nor received
    std::uint32_t received = 0;
    std::optional<peer_key> owner;         // a suspect working alone on it
    engine_clock::time_point last_active;  // last request or arrival
    bool evidence_mixed = false;           // taken over as the last resort
  };
  struct peer_info {
    bitfield pieces;  // unused (empty) for a seed
    bool seed = false;
    std::uint32_t count = 0;
    std::vector<block_ref> requests;
  };
  struct charge_record {
    std::uint32_t charges = 0;
    std::uint32_t sole = 0;
    bool banned = false;
  };

  static std::uint32_t validated(std::uint32_t num_pieces, std::int64_t piece_length,
                                 std::int64_t total_length, const bitfield& have);
  bool valid_piece(std::uint32_t piece) const { return piece < num_pieces_; }
  std::optional<block_ref> to_ref(const block_request& b) const;
  block_request to_request(std::uint32_t piece, std::uint32_t block) const;
  static bool peer_has_piece(const peer_info& p, std::uint32_t piece) {
    return p.seed || p.pieces.test(piece);
  }
  bool is_suspect(peer_key peer) const;

  peer_info& peer_entry(peer_key peer);
  void forget_pieces(peer_info& p);
  // Returns every block the peer has requested to the pool (peer left, or choked us).
  std::vector<block_request> release_all_requests(peer_key peer, peer_info& p);
  void become_seed(peer_info& p);

  download* find_download(std::uint32_t piece);
  const download* find_download(std::uint32_t piece) const;
  download& start_download(std::uint32_t piece, std::optional<peer_key> owner);
  void drop_download(std::uint32_t piece);
  void make_startable(std::uint32_t piece);
  void set_open(download& d, std::uint32_t open);
  // Drops every received block of `d` (the data is gone): they are open to requests again.
  void forget_received(download& d);
  void open_list_add(std::uint32_t piece);
  void open_list_remove(std::uint32_t piece);

  // Who may take unrequested blocks of a partial piece. Nobody joins a piece a suspect is
  // working on, nor mixes data with a connected suspect's; a suspect (first) only continues
  // its own pieces, (after new pieces) also pieces nobody else works on holding no connected
  // peer's data but its own; and as the last resort anyone finishes any piece nobody else
  // is working on.
  enum class join_mode { normal, suspect_own, suspect_idle, last_resort };
  bool may_join(const download& d, peer_key peer, join_mode mode) const;
  // Whether data from `peer` would land in a piece next to a connected suspect's data, or
  // a suspect's next to a connected peer's.
  bool mixes_evidence(const download& d, peer_key peer) const;
  std::size_t take_open_blocks(download& d, peer_key peer, peer_info& p, bool suspect,
                               std::size_t max, engine_clock::time_point now,
                               std::vector<block_request>& out);
  void add_request(download& d, std::uint32_t block, peer_key peer, peer_info* p,
                   engine_clock::time_point now);
  // Removes one outstanding request; the block returns to the pool when it was the last.
  bool release(std::uint32_t piece, std::uint32_t block, peer_key peer, bool from_peer_list);
  void after_release(std::uint32_t piece);
  // Drops the received blocks of every download whose distinct senders satisfy `pred`.
  template <class Pred>
  void discard_received_if(Pred pred, std::vector<std::uint32_t>& reset);

  std::vector<block_request> pick_impl(peer_key peer, std::size_t max_blocks,
                                       engine_clock::time_point now,
                                       const std::vector<std::uint32_t>* allowed);
  void pick_partials(peer_key peer, peer_info& p, bool suspect, join_mode mode, std::size_t max,
                     engine_clock::time_point now, std::vector<block_request>& out,
                     const std::vector<std::uint32_t>* allowed);
  void pick_sequential(peer_key peer, peer_info& p, bool suspect, std::size_t max,
                       engine_clock::time_point now, std::vector<block_request>& out,
                       const std::vector<std::uint32_t>* allowed);
  std::vector<std::uint32_t> choose_rarest(const peer_info& p, std::size_t blocks_wanted);
  std::vector<std::uint32_t> choose_rarest_among(std::vector<std::uint32_t> candidates,
                                                 std::size_t blocks_wanted);
  void pick_endgame(peer_key peer, peer_info& p, std::size_t max, engine_clock::time_point now,
                    std::vector<block_request>& out, const std::vector<std::uint32_t>* allowed);

  void mark_have(std::uint32_t piece);
  void rebuild_selection();
  bool needed(std::uint32_t piece) const { return wanted_.test(piece) && !have_.test(piece); }

  std::uint32_t num_pieces_;
  std::int64_t piece_length_;
  std::int64_t total_length_;
  std::uint32_t blocks_per_piece_;
  piece_picker_config config_;
  std::mt19937_64 rng_;

  std::vector<piece_status> status_;
  bitfield have_;
  bitfield wanted_;
  bitfield needed_;  // wanted and not verified
  std::uint32_t have_count_ = 0;
  std::uint32_t wanted_count_ = 0;
  std::uint32_t needed_count_ = 0;
  std::int64_t needed_bytes_ = 0;

  piece_rarity rarity_;  // members: wanted, missing, no block state
  std::uint32_t seeds_ = 0;
  std::uint64_t startable_blocks_ = 0;  // blocks of rarity_'s members
  std::uint64_t open_blocks_ = 0;       // unrequested blocks of wanted downloads

  std::vector<download> downloads_;
  std::vector<std::uint32_t> download_slot_;  // piece -> index into downloads_
  // Wanted downloads with unrequested blocks: the partial pieces pick looks at first.
  std::vector<std::uint32_t> open_list_;
  std::vector<std::uint32_t> open_slot_;  // piece -> index into open_list_
  std::unordered_map<std::uint32_t, std::vector<peer_key>> awaiting_hash_;  // -> contributors
  std::size_t blocks_in_flight_ = 0;
  std::size_t requests_in_flight_ = 0;

  std::unordered_map<peer_key, peer_info> peers_;
  std::unordered_map<peer_key, charge_record> charges_;
  // The latest time pick was given; arrivals carry no time of their own.
  engine_clock::time_point now_{};
  std::size_t charged_peers_ = 0;  // records with charges > 0: isolation costs nothing without
};

}  // namespace actorrent
