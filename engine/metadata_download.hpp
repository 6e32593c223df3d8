// Fetching a magnet link's info dictionary from peers (BEP 9): which 16 KiB piece to ask
// which peer for, what became of each request, and the check that the assembled bytes hash
// to the info-hash before anyone may use them.
//
// The decision half of the metadata fetch (DESIGN.md, principle 1): no CAF, no I/O, time
// passed in. The torrent actor creates one when a peer announces metadata_size in its
// extension handshake, asks next_request for each peer that supports ut_metadata, feeds it
// the peers' data / reject messages and disconnects, and calls expire on a timer.
//
// Rules:
//   * a piece is asked of one peer at a time; a request unanswered for `request_timeout`
//     expires and the piece may be asked of another peer (a late answer from the peer first
//     asked is still accepted while the piece is missing: it was asked for it);
//   * a peer that rejects a piece is not asked for that piece again for `reject_backoff`
//     (BEP 9 peers reject when they lack the metadata or limit their uploads);
//   * data is accepted only from a peer the piece was asked of, only while the piece is
//     missing, only with the announced total_size and exactly the piece's length;
//   * when every piece is in, the SHA-1 of the whole buffer is compared with the info-hash.
//     On a match the metadata is available (metadata()); on a mismatch every piece is
//     dropped, the download starts over, and the peers that contributed are reported. A
//     peer that sent every piece alone is proven bad and never asked again (is_banned).
//   Unverified bytes are never handed out.
//
// A peer that announced a metadata_size different from the one this download was created
// with cannot contribute (its data's total_size differs): the caller should not ask it, and
// if the announcing peer lied, the hash fails with it as the sole contributor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/engine_clock.hpp"
#include "engine/peer_key.hpp"
#include "protocol/expected.hpp"
#include "protocol/sha1.hpp"
#include "protocol/ut_metadata.hpp"

namespace actorrent {

struct metadata_download_config {
  // Sizes above this are refused when the download is created (the buffer is reserved then).
  std::int64_t max_metadata_size = default_max_metadata_size;
  // A piece is 16 KiB: even a slow peer answers within seconds; one that has not in this
  // long is unlikely to, and other peers should get the piece.
  engine_clock::duration request_timeout = std::chrono::seconds(20);
  engine_clock::duration reject_backoff = std::chrono::seconds(60);
  // Requests one peer may have outstanding; the metadata is small, so a few per peer spread
  // it over peers without leaving any piece waiting behind a slow one for long.
  std::size_t max_requests_per_peer = 4;
};

struct metadata_download_error {
  std::string message;
};

// What data_received did with a piece.
enum class metadata_piece_status : std::uint8_t {
  accepted,          // stored; more pieces are missing
  verified,          // stored, and the metadata is complete and matches the info-hash
  hash_mismatch,     // stored, complete, and wrong: everything dropped, started over
  unrequested,       // not asked of this peer, or already received: dropped
  wrong_total_size,  // total_size differs from the download's: dropped (request withdrawn)
  wrong_length,      // not the piece's length, or a piece index out of range: dropped
  already_complete,  // the metadata was verified before: dropped
};

const char* to_string(metadata_piece_status s);

struct metadata_arrival {
  metadata_piece_status status = metadata_piece_status::unrequested;
  // On hash_mismatch: the distinct peers whose pieces made up the failed buffer.
  std::vector<peer_key> contributors;
  // On hash_mismatch with a single contributor: it is banned from now on.
  bool sole_contributor = false;
};

class metadata_download {
 public:
  static expected<metadata_download, metadata_download_error> create(
      const sha1_hash& info_hash, std::int64_t metadata_size,
      const metadata_download_config& config = {});

  // The next piece to ask `peer` for, recorded as asked of it at `now`; nullopt when the peer
  // is banned, has max_requests_per_peer outstanding, or every missing piece is asked of
  // someone (whose request has not expired) or was rejected by this peer lately. Expires
  // old requests first (see expire).
  std::optional<std::uint32_t> next_request(peer_key peer, engine_clock::time_point now);

  // A data message's contents (ut_metadata::data, after decoding).
  metadata_arrival data_received(peer_key peer, std::uint32_t piece, std::int64_t total_size,
                                 std::string_view bytes);
  // The peer rejected a piece: it may be asked of others at once. False when the piece was
  // not asked of this peer.
  bool rejected(peer_key peer, std::uint32_t piece, engine_clock::time_point now);
  // The peer is gone: its requests are withdrawn and the pieces returned to the pool.
  std::vector<std::uint32_t> peer_left(peer_key peer);
  // Requests older than request_timeout: each piece may now be asked of another peer and
  // the peer's slot is free. Returned (peer, piece) for logs and peer scoring.
  std::vector<std::pair<peer_key, std::uint32_t>> expire(engine_clock::time_point now);

  bool is_complete() const { return verified_; }
  // The verified info dictionary; nullopt until then. Never unverified bytes.
  std::optional<std::string_view> metadata() const;
  // Moves the verified bytes out (empty if not verified); the download is spent afterwards.
  std::string take_metadata();

  const sha1_hash& info_hash() const { return info_hash_; }
  std::int64_t metadata_size() const { return size_; }
  std::uint32_t num_pieces() const { return metadata_piece_count(size_); }
  std::uint32_t pieces_received() const { return received_count_; }
  std::uint32_t hash_failures() const { return hash_failures_; }
  bool is_banned(peer_key peer) const { return banned_.count(peer) != 0; }
  std::vector<std::uint32_t> requests_of(peer_key peer) const;  // live (unexpired) ones

 private:
  struct request_record {
    peer_key peer;
    engine_clock::time_point since;
    bool expired = false;  // the piece may be asked elsewhere; a late answer still counts
  };
  struct backoff {
    peer_key peer;
    engine_clock::time_point until;
  };
  struct piece_state {
    bool received = false;
    peer_key from = 0;
    std::vector<request_record> requests;  // who was asked, live or expired
    std::vector<backoff> rejected_by;
  };

  metadata_download(const sha1_hash& info_hash, std::int64_t size,
                    const metadata_download_config& config);
  std::size_t live_requests(peer_key peer) const;
  bool asked_of_anyone_live(const piece_state& p) const;
  static request_record* find_request(piece_state& p, peer_key peer);
  metadata_arrival verify();

  sha1_hash info_hash_;
  std::int64_t size_;
  metadata_download_config config_;
  std::string buffer_;
  std::vector<piece_state> pieces_;
  std::uint32_t received_count_ = 0;
  std::uint32_t hash_failures_ = 0;
  bool verified_ = false;
  bool taken_ = false;
  std::unordered_set<peer_key> banned_;
};

}  // namespace actorrent
