// What a seeder does with a peer's (valid) block requests before any disk is touched
// (principles 5 and 6): the requests queued for one peer are capped, and a peer that goes on
// asking far beyond what a real client would is cut off, with the reason named. One per peer
// connection, owned by the peer actor.
//
// Policy:
//  - A request is queued while we unchoke the peer, have the piece, and fewer than
//    `max_queued` of its requests wait; otherwise it is refused (the peer actor answers with a
//    BEP 6 reject, or drops it), so memory does not grow with what a peer asks.
//  - Real clients keep a pipeline of requests (libtorrent: 500, 1500 in its high-performance
//    preset) and do not ask a peer that chokes them; only requests already on the wire when
//    our choke left cross it. So a flood is:
//    * requests refused while unchoked, in a row with no block sent to the peer in between,
//      past `flood_limit()`: a pipeline can exceed our queue, but each block we send lets it
//      ask for only a few more;
//    * requests while we choke it, since we last choked (or since the connection began), past
//      `choked_limit()`.
#pragma once

#include <cstddef>
#include <string>

namespace actorrent {

class request_guard {
 public:
  enum class verdict { queue, refuse, flood };

  explicit request_guard(std::size_t max_queued);

  // A request inside the torrent. `queued`: this peer's requests waiting to be served.
  verdict on_request(bool choking, bool have_piece, std::size_t queued);
  void on_block_sent();
  void on_choke_changed();  // we choked or unchoked the peer: its counts start over

  // Why on_request said flood, for the log.
  std::string flood_reason() const;

  std::size_t max_queued() const { return max_queued_; }
  std::size_t flood_limit() const { return flood_limit_; }
  std::size_t choked_limit() const { return choked_limit_; }

 private:
  std::size_t max_queued_;
  std::size_t flood_limit_;
  std::size_t choked_limit_;
  std::size_t refused_in_a_row_ = 0;
  std::size_t while_choked_ = 0;
  bool flooded_while_choked_ = false;
};

}  // namespace actorrent
