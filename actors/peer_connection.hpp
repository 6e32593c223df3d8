// One TCP peer-wire connection on the shared asio io_context (DESIGN.md, "The data path";
// CAF-NOTES.md: socket I/O runs on asio, each peer is still its own CAF actor). No CAF in
// here: the peer actor's shell forwards these callbacks to the actor as typed messages and
// calls back in with send(), grant() and close().
//
// Threading. Every public member may be called from any thread, including from inside a
// callback; the work is posted to the io_context, so calls from one thread take effect in
// call order. Callbacks run on the io_context's thread, one at a time, never from inside a
// public call.
//
// Reading. The socket is read in large chunks into one page-aligned buffer and framed in
// place (wire_framer). Message views (bitfield bits, extended payloads, unknown bodies) point
// into that buffer and are valid only during the on_message call: copy what you keep. A
// piece's block is the exception: it is copied once into a pooled block_buffer (the only copy
// on the data path) and handed over with on_block.
//
// Backpressure (principle 5). Every delivery carries a credit: the bytes it keeps alive (a
// block's buffer, a message's frame) plus a fixed overhead for the mailbox element the shell
// makes of it. The connection stops reading while the credits delivered and not yet returned
// reach options.receive_credit, and resumes when grant() has brought them down to half of it
// (so that reads come in bursts, not one block per grant). So the consumer
// decides when a delivery is done (a block when it is on disk or hashed, a message when the
// actor has handled it; grants may be summed), and what a connection holds is bounded by its
// budget plus one delivery, whatever the peer's speed: a flood of 9-byte `have`s pauses it
// as surely as blocks do. A consumer that never grants stalls its connection
// (time paused does not count as idle, so it is not closed for that either).
//
// Writing. send() encodes in the calling thread; small messages are coalesced; send_block()
// writes the 13-byte header and the pooled buffer with one gather write, without copying the
// block. queued_bytes() counts what is queued and not yet written; when it has reached
// options.send_low_water, on_write_queue_drained() tells when it has fallen below again, so
// the actor can stop reading blocks from disk for a slow peer. A send that would take the
// queue above options.send_queue_limit closes the connection: that is a caller that ignored
// the signal, and memory must not grow with it.
//
// Ending. Any error, EOF, framing or decoding error, handshake failure, timeout or close()
// ends the connection with exactly one on_closed(reason); nothing is delivered after it, and
// the callbacks are released right after it (so a callback may hold the connection's handle
// without a reference cycle outliving the connection). Releasing the last handle closes the
// connection *without* on_closed: once the destructor has returned, no callback runs, so the
// owner may go away with it. For that, a destructor on a foreign thread waits for a running
// callback to return: do not destroy a handle while holding a lock its callbacks take.
// Handles must be released before the io_context is destroyed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "actors/block_pool.hpp"
#include "protocol/handshake.hpp"
#include "protocol/sha1.hpp"
#include "protocol/wire_framer.hpp"
#include "protocol/wire_message.hpp"

namespace actorrent {

struct peer_connection_options {
  // Where received blocks are copied to; a session shares one. A private pool when null.
  // A piece message whose block is larger than the pool's block size closes the connection.
  std::shared_ptr<block_pool> pool;
  // One page-aligned buffer per connection, read into with async_read_some (CAF-NOTES:
  // 64-256 KiB reads framed in place).
  std::size_t read_buffer_size = 128 * 1024;
  // Credits delivered and not yet granted back at which reading stops (it resumes at half).
  // Each pause closes the TCP window, and reopening it costs the receiving thread: with a
  // slow consumer on loopback, 4 MiB took its CPU per GiB from about 0.5 s to 0.26-0.5 s
  // (bench/peer_wire, on a busy machine).
  std::size_t receive_credit = 1024 * 1024;
  // Largest frame accepted from the peer (length prefix value); wire_framer's default.
  std::uint32_t max_frame_length = wire_framer::default_max_frame_length;
  // on_write_queue_drained() fires when queued_bytes() falls below this after having reached
  // it; a send that takes the queue above the limit closes the connection.
  std::size_t send_low_water = 256 * 1024;
  std::size_t send_queue_limit = 8 * 1024 * 1024;
  // SO_RCVBUF / SO_SNDBUF; 0 leaves the kernel's default, which on Linux autotunes with the
  // connection's bandwidth-delay product (setting a size turns autotuning off). For outgoing
  // connections they are set before connect, so that the window scale is negotiated for them.
  int socket_receive_buffer = 0;
  int socket_send_buffer = 0;
  std::chrono::milliseconds connect_timeout{10'000};
  // From the TCP connection to both handshakes done.
  std::chrono::milliseconds handshake_timeout{20'000};
  // Close after this long without a whole message (a keep-alive counts) from the peer while we
  // are reading (the 2-minute keep-alive rule, with slack). Bytes alone do not count: a peer
  // that trickles a frame in a byte at a time would otherwise hold the connection forever.
  // Silence is close_kind::failed; a frame still growing half a timeout later is a violation
  // (a slowloris). Time spent paused for our own backpressure does not count.
  std::chrono::milliseconds idle_timeout{150'000};
  // Send a keep-alive after this long without sending anything; zero: never on our own.
  std::chrono::milliseconds keep_alive_interval{60'000};
};

// Why a connection ended, for its owner's supervision (reconnect, drop the address, or
// neither); close_reason::text names what happened and where, for the log. Kinds, not text
// prefixes, are what the owner decides on.
enum class close_kind : std::uint8_t {
  local,      // close() was called or the handle released: we ended it
  remote,     // the peer closed or reset the connection
  failed,     // connect failure, I/O error, a timeout, a local limit: may work another time
  violation,  // the peer broke the protocol: a bad handshake, frame or message, a block larger
              // than a block, a frame trickled in slower than the idle timeout
  unwanted,   // the right kind of peer for another torrent, or ourselves: do not call again
};

const char* to_string(close_kind kind);

struct close_reason {
  close_kind kind = close_kind::local;
  std::string text;
};

struct received_block {
  std::uint32_t index = 0;
  std::uint32_t begin = 0;
  block_buffer data;
  std::size_t credit = 0;  // this block's part of the delivery's credit
};

struct peer_connection_callbacks {
  // Incoming only: the remote handshake's info-hash has arrived; answer with our handshake
  // for that torrent (its info_hash is set to the one asked for), or nullopt to reject.
  std::function<std::optional<handshake>(const sha1_hash& info_hash)> choose_handshake;
  // Both handshakes are done and the remote one passed the checks (protocol string,
  // info-hash, not our own peer id).
  std::function<void(const handshake& remote)> on_handshake;
  // Every message except piece (and keep-alives, which only feed the idle timer). Views in
  // `m` are valid during the call only. `credit` must be returned with grant().
  std::function<void(const wire::message& m, std::size_t credit)> on_message;
  // A piece message's block, copied into a pooled buffer the callee now shares.
  std::function<void(std::uint32_t index, std::uint32_t begin, block_buffer block,
                     std::size_t credit)>
      on_block;
  // Instead of on_block when set: the blocks framed from one read, in stream order, with the
  // sum of their credits, in one call (one message to the actor instead of one per block).
  // A non-piece message between blocks is delivered after the blocks before it.
  std::function<void(std::vector<received_block> blocks, std::size_t credit)> on_blocks;
  // The bytes read so far are all delivered and the connection waits (for the socket, or for
  // credit): a consumer that gathers on_message deliveries hands them on here.
  std::function<void()> on_burst_end;
  std::function<void()> on_write_queue_drained;
  std::function<void(const close_reason& reason)> on_closed;
};

// Bytes on the wire; payload means piece blocks, protocol everything else (handshake, headers,
// other messages). Monotonic; read them from any thread for rate meters.
struct peer_connection_stats {
  std::uint64_t payload_received = 0;
  std::uint64_t protocol_received = 0;
  std::uint64_t payload_sent = 0;
  std::uint64_t protocol_sent = 0;
  // Times reading stopped for want of credit: this peer is limited by us, not by the network.
  std::uint64_t read_pauses = 0;
};

class peer_connection {
 public:
  using tcp = boost::asio::ip::tcp;

  // What a delivery costs beyond the bytes it keeps alive: about one mailbox element, so
  // that a flood of tiny messages is bounded by count as well as by bytes.
  static constexpr std::size_t delivery_overhead = 64;

  // An outgoing connection: connects (connect_timeout), sends `ours`, reads the peer's
  // handshake, which must carry our info-hash.
  static std::shared_ptr<peer_connection> connect(boost::asio::io_context& io,
                                                  const tcp::endpoint& remote,
                                                  const handshake& ours,
                                                  peer_connection_callbacks callbacks,
                                                  peer_connection_options options = {});
  // An accepted connection (the socket must belong to an io_context): reads the peer's
  // handshake up to its info-hash, asks callbacks.choose_handshake, answers with that one.
  static std::shared_ptr<peer_connection> accept(tcp::socket socket,
                                                 peer_connection_callbacks callbacks,
                                                 peer_connection_options options = {});

  ~peer_connection();  // closes without on_closed; see the file comment
  peer_connection(const peer_connection&) = delete;
  peer_connection& operator=(const peer_connection&) = delete;

  // Queued after our handshake, whenever called. False when not queued: the connection is
  // closed, or this send broke send_queue_limit and the connection is being closed.
  bool send(const wire::message& m);
  // `block` is shared, not copied: do not write to it until it is released.
  bool send_block(std::uint32_t index, std::uint32_t begin, block_buffer block);
  bool send_keep_alive() { return send(wire::keep_alive{}); }
  // Several blocks with one hand-over to the io thread (what send_block does for each).
  struct outgoing_block {
    std::uint32_t index = 0;
    std::uint32_t begin = 0;
    block_buffer block;
  };
  bool send_blocks(std::vector<outgoing_block> blocks);

  // Returns credits of finished deliveries (summed as the caller likes); a paused connection
  // resumes reading once under half its budget.
  void grant(std::size_t credit);
  // Ends the connection; on_closed(reason) follows (unless it had ended already). What is
  // still queued is dropped, not flushed: nothing in the protocol needs a last word.
  void close(std::string reason = "closed locally");
  // Applies to frames whose length prefix is read from now on (tighten it once the piece
  // count is known).
  void set_max_frame_length(std::uint32_t max);

  std::size_t queued_bytes() const;
  bool closed() const;  // true once the connection has ended or is ending
  peer_connection_stats stats() const;
  const tcp::endpoint& remote_endpoint() const { return remote_; }

  class core;  // the io-thread side; public only so that the .cpp can name it

 private:
  peer_connection(std::shared_ptr<core> c, tcp::endpoint remote);
  std::shared_ptr<core> core_;
  tcp::endpoint remote_;
};

}  // namespace actorrent
