#include "actors/peer_connection.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace actorrent {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t page = 4096;
// Small messages are appended to the last queued chunk up to this size, so a burst of
// have/request messages becomes one write, not one syscall each.
constexpr std::size_t coalesce_limit = 64 * 1024;
// Items per gather write: bounds the iovec array and the bytes one write holds.
constexpr std::size_t max_batch_items = 256;
// Where the info-hash ends in a handshake: an incoming connection is answered from here.
constexpr std::size_t info_hash_end = 1 + 19 + 8 + 20;
constexpr std::size_t length_prefix = 4;

struct free_deleter {
  void operator()(char* p) const { std::free(p); }
};

std::string duration_string(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

std::string endpoint_string(const tcp::endpoint& e) {
  error_code ec;
  std::string ip = e.address().to_string(ec);
  if (e.address().is_v6()) ip = "[" + ip + "]";
  return ip + ":" + std::to_string(e.port());
}

bool enabled(std::chrono::milliseconds d) {
  return d.count() > 0;
}

}  // namespace

const char* to_string(close_kind kind) {
  switch (kind) {
    case close_kind::local:
      return "closed locally";
    case close_kind::remote:
      return "closed by the peer";
    case close_kind::failed:
      return "failed";
    case close_kind::violation:
      return "protocol violation";
    case close_kind::unwanted:
      return "unwanted";
  }
  return "unknown";
}

class peer_connection::core : public std::enable_shared_from_this<core> {
 public:
  core(asio::io_context& io, tcp::socket socket, tcp::endpoint remote, bool incoming,
       std::optional<handshake> ours, peer_connection_callbacks callbacks,
       peer_connection_options options)
      : io_(io),
        socket_(std::move(socket)),
        timer_(io),
        remote_(remote),
        incoming_(incoming),
        ours_(std::move(ours)),
        callbacks_(std::move(callbacks)),
        options_(std::move(options)),
        pool_(options_.pool ? options_.pool : block_pool::create()),
        read_capacity_((std::max(options_.read_buffer_size, page) + page - 1) / page * page),
        framer_(options_.max_frame_length) {
    read_buffer_.reset(static_cast<char*>(std::aligned_alloc(page, read_capacity_)));
    if (!read_buffer_) throw std::bad_alloc();
  }

  struct out_item {
    std::string bytes;        // encoded messages, or a piece header (13 bytes: no allocation)
    block_buffer block;       // the block behind the header, shared with the sender
    std::size_t payload = 0;  // block bytes among them, for the stats
    std::size_t size() const { return bytes.size() + block.size(); }
  };

  // ---- any thread ----

  bool post_item(std::string bytes, block_buffer block, std::size_t payload) {
    if (!reserve(bytes.size() + block.size())) return false;
    asio::post(io_, [self = shared_from_this(), bytes = std::move(bytes), block = std::move(block),
                     payload]() mutable {
      self->enqueue(out_item{std::move(bytes), std::move(block), payload});
    });
    return true;
  }

  // One post for several items (a batch of blocks); all or nothing against the queue limit.
  bool post_items(std::vector<out_item> items, std::size_t n) {
    if (!reserve(n)) return false;
    asio::post(io_, [self = shared_from_this(), items = std::move(items)]() mutable {
      for (auto& item : items)
        self->enqueue(std::move(item));
    });
    return true;
  }

  // Counts `n` bytes into the send queue; false (and the connection closing) when that would
  // break the limit, or when it has ended.
  bool reserve(std::size_t n) {
    if (ending_.load()) return false;
    const std::size_t total = queued_.fetch_add(n) + n;
    if (total > options_.send_queue_limit) {
      queued_.fetch_sub(n);
      post_close("send queue limit of " + std::to_string(options_.send_queue_limit) +
                     " bytes exceeded (the sender ignored queued_bytes())",
                 close_kind::failed);
      return false;
    }
    // Set here, before the post, so that the write completion that brings the queue under
    // the mark is sure to see it (set on the io thread, it could come after that completion).
    if (total >= options_.send_low_water) drain_wanted_.store(true);
    return true;
  }

  // Grants are summed here and handed to the io thread by one post at a time: a consumer
  // that grants per block would otherwise cost a post (and a wake-up) per block.
  void post_grant(std::size_t credit) {
    granted_.fetch_add(credit);
    if (grant_posted_.exchange(true)) return;
    asio::post(io_, [self = shared_from_this()] {
      self->grant_posted_.store(false);
      self->on_grant(self->granted_.exchange(0));
    });
  }

  void post_close(std::string reason, close_kind kind = close_kind::local) {
    ending_.store(true);
    asio::post(io_, [self = shared_from_this(), reason = std::move(reason), kind] {
      self->fail(kind, reason);
    });
  }

  void post_max_frame_length(std::uint32_t max) {
    asio::post(io_, [self = shared_from_this(), max] { self->framer_.set_max_frame_length(max); });
  }

  // The handle is going: from here on no callback may start. From a foreign thread, taking
  // the callback mutex waits for a callback that is running; on the io thread we are either
  // inside a callback (the mutex is ours already) or between them.
  void detach() {
    if (io_.get_executor().running_in_this_thread()) {
      detached_.store(true);
    } else {
      std::lock_guard<std::mutex> lock(callback_mutex_);
      detached_.store(true);
    }
    ending_.store(true);
    asio::post(io_, [self = shared_from_this()] {
      self->fail(close_kind::local, "the handle was released");
    });
  }

  std::size_t queued_bytes() const { return queued_.load(); }
  bool ending() const { return ending_.load(); }
  peer_connection_stats stats() const {
    // Payload first: it is counted after the total, so protocol bytes never come out negative.
    peer_connection_stats s;
    const auto rx_payload = payload_received_.load();
    const auto rx = received_.load();
    const auto tx_payload = payload_sent_.load();
    const auto tx = sent_.load();
    s.payload_received = rx_payload;
    s.protocol_received = rx - rx_payload;
    s.payload_sent = tx_payload;
    s.protocol_sent = tx - tx_payload;
    s.read_pauses = read_pauses_.load();
    return s;
  }

  // ---- io thread ----

  void start_connect() {
    phase_ = phase::connecting;
    connect_deadline_ = steady::now() + options_.connect_timeout;
    arm_timer();
    error_code ec;
    socket_.open(remote_.protocol(), ec);
    if (ec) return fail(close_kind::failed, "cannot open a socket: " + ec.message());
    set_buffer_sizes();
    socket_.async_connect(
        remote_, [self = shared_from_this()](const error_code& e) { self->on_connect(e); });
  }

  void start_accept() {
    set_buffer_sizes();
    begin_handshake();
  }

  void fail(close_kind kind, const std::string& reason) {
    if (phase_ == phase::closed) return;
    phase_ = phase::closed;
    batch_.clear();  // nothing is delivered after the end
    batch_credit_ = 0;
    ending_.store(true);
    error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    // What never reached a write is dropped now; the write in flight keeps its buffers until
    // its handler runs (the kernel may still be reading them).
    std::size_t dropped = 0;
    for (const auto& item : pending_)
      dropped += item.size();
    pending_.clear();
    queued_.fetch_sub(dropped);
    if (!detached_.load()) {
      std::lock_guard<std::mutex> lock(callback_mutex_);
      if (!detached_.load() && callbacks_.on_closed) {
        try {
          callbacks_.on_closed(close_reason{kind, reason});
        } catch (...) {  // nothing is left to tell about it
        }
      }
    }
    // Released outside the mutex: a capture's destructor may drop a handle (detach()).
    peer_connection_callbacks released = std::move(callbacks_);
    callbacks_ = peer_connection_callbacks{};
  }

 private:
  enum class phase : std::uint8_t { idle, connecting, handshaking, open, closed };

  void set_buffer_sizes() {
    error_code ignored;
    if (options_.socket_receive_buffer > 0)
      socket_.set_option(tcp::socket::receive_buffer_size(options_.socket_receive_buffer), ignored);
    if (options_.socket_send_buffer > 0)
      socket_.set_option(tcp::socket::send_buffer_size(options_.socket_send_buffer), ignored);
  }

  void on_connect(const error_code& ec) {
    if (phase_ == phase::closed) return;
    if (ec)
      return fail(close_kind::failed,
                  "connect to " + endpoint_string(remote_) + " failed: " + ec.message());
    begin_handshake();
  }

  void begin_handshake() {
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    phase_ = phase::handshaking;
    handshake_deadline_ = steady::now() + options_.handshake_timeout;
    arm_timer();
    if (!incoming_) send_our_handshake();
    start_read();
  }

  void send_our_handshake() {
    std::string bytes;
    encode_handshake(*ours_, bytes);
    queued_.fetch_add(bytes.size());
    pending_.push_front(out_item{std::move(bytes), {}, 0});
    write_allowed_ = true;
    flush();
  }

  // -- reading --

  void start_read() {
    if (phase_ == phase::closed || reading_) return;
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(read_buffer_.get() + in_end_, read_capacity_ - in_end_),
        [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(const error_code& ec, std::size_t n) {
    reading_ = false;
    if (phase_ == phase::closed) return;
    if (ec) {
      const close_reason why = read_failure(ec);
      return fail(why.kind, why.text);
    }
    received_.fetch_add(n);
    read_time_ = steady::now();
    in_end_ += n;
    if (phase_ == phase::handshaking) return on_handshake_bytes();
    process();
  }

  close_reason read_failure(const error_code& ec) const {
    if (ec == asio::error::eof) {
      if (phase_ == phase::handshaking) {
        return {close_kind::remote, "the peer closed the connection during the handshake (" +
                                        std::to_string(in_end_) + " of " +
                                        std::to_string(handshake_size) + " bytes received)"};
      }
      if (framer_.buffered() > 0) {
        return {close_kind::remote, "the peer closed the connection in the middle of a frame (" +
                                        std::to_string(framer_.buffered()) +
                                        " bytes of it received)"};
      }
      return {close_kind::remote, "the peer closed the connection"};
    }
    if (ec == asio::error::connection_reset) {
      return {close_kind::remote, "connection reset by the peer"};
    }
    return {close_kind::failed, "read failed: " + ec.message()};
  }

  void on_handshake_bytes() {
    const std::string_view bytes(read_buffer_.get(), in_end_);
    auto decoded = decode_handshake(bytes);
    if (!decoded) {
      return fail(close_kind::violation, "bad handshake: " + decoded.error().message +
                                             " (stream byte " +
                                             std::to_string(decoded.error().offset) + ")");
    }
    if (incoming_ && !ours_ && in_end_ >= info_hash_end) {
      // Answered as soon as the info-hash is in: the protocol string is valid by now.
      const sha1_hash info_hash =
          sha1_hash::from_bytes(bytes.substr(info_hash_end - sha1_hash::size, sha1_hash::size));
      if (!callbacks_.choose_handshake)
        return fail(close_kind::unwanted, "no handshake to answer an incoming peer with");
      std::optional<handshake> chosen;
      if (!invoke([&] { chosen = callbacks_.choose_handshake(info_hash); })) return;
      if (!chosen)
        return fail(close_kind::unwanted, "no torrent for the peer's info-hash " + info_hash.hex());
      chosen->info_hash = info_hash;
      ours_ = *chosen;
      send_our_handshake();
    }
    if (!*decoded) return start_read();

    const handshake remote = **decoded;
    if (!incoming_ && remote.info_hash != ours_->info_hash) {
      return fail(close_kind::unwanted, "wrong info-hash: the peer answered " +
                                            remote.info_hash.hex() + " to our " +
                                            ours_->info_hash.hex());
    }
    if (remote.peer_id == ours_->peer_id) {
      return fail(close_kind::unwanted, "connection to ourselves (the peer's id is our own)");
    }
    phase_ = phase::open;
    in_begin_ = handshake_size;
    last_message_ = read_time_;
    arm_timer();
    if (!invoke([&] {
          if (callbacks_.on_handshake) callbacks_.on_handshake(remote);
        }))
      return;
    process();
  }

  // Frames what the read buffer holds and delivers it, until the buffer is used up (then the
  // next read starts) or the credit is (then the rest waits in the buffer for grant()).
  void process() {
    while (phase_ == phase::open) {
      if (charged_ >= options_.receive_credit) {
        if (!flush_blocks() || !end_burst()) return;
        paused_ = true;
        read_pauses_.fetch_add(1);
        return;
      }
      std::string_view input(read_buffer_.get() + in_begin_, in_end_ - in_begin_);
      auto next = framer_.next(input);
      in_begin_ = in_end_ - input.size();
      if (!next) {
        return fail(close_kind::violation,
                    "framing error: " + next.error().message + " (stream byte " +
                        std::to_string(next.error().offset + handshake_size) + ")");
      }
      if (!*next) {
        // The framer keeps a partial frame itself, so the buffer is free again.
        in_begin_ = in_end_ = 0;
        if (!flush_blocks() || !end_burst()) return;
        return start_read();
      }
      // The bytes ending this frame came with the last read: no clock call per frame.
      last_message_ = read_time_;
      if (!deliver(**next)) return;
    }
  }

  bool end_burst() {
    if (!callbacks_.on_burst_end) return true;
    return invoke([&] { callbacks_.on_burst_end(); });
  }

  // Hands the blocks gathered for on_blocks over; false when the connection has ended.
  bool flush_blocks() {
    if (batch_.empty()) return true;
    std::vector<received_block> blocks;
    blocks.swap(batch_);
    const std::size_t credit = batch_credit_;
    batch_credit_ = 0;
    return invoke([&] { callbacks_.on_blocks(std::move(blocks), credit); });
  }

  bool deliver(const frame& f) {
    if (f.keep_alive()) return true;  // it has fed the idle timer already
    auto decoded = decode_frame(f);
    if (!decoded) {
      fail(close_kind::violation, "bad message: " + decoded.error().message + " (stream byte " +
                                      std::to_string(decoded.error().offset + handshake_size) +
                                      ")");
      return false;
    }
    if (const auto* p = std::get_if<wire::piece>(&*decoded)) {
      const std::size_t size = p->block.size();
      if (size > pool_->block_size()) {
        fail(close_kind::violation,
             "piece " + std::to_string(p->index) + " offset " + std::to_string(p->begin) +
                 " carries " + std::to_string(size) + " bytes, more than the block size of " +
                 std::to_string(pool_->block_size()));
        return false;
      }
      payload_received_.fetch_add(size);
      if (!callbacks_.on_block && !callbacks_.on_blocks) return true;
      block_buffer block;
      try {
        block = pool_->acquire();
      } catch (const std::bad_alloc&) {
        fail(close_kind::failed, "out of memory for a received block");
        return false;
      }
      // The one copy on the data path: out of the read buffer, which the next read reuses.
      std::memcpy(block.data(), p->block.data(), size);
      block.resize(size);
      // Charged by capacity: what a tiny block pins is a whole pooled buffer.
      const std::size_t credit = block.capacity() + delivery_overhead;
      charged_ += credit;
      if (callbacks_.on_blocks) {
        batch_.push_back(received_block{p->index, p->begin, std::move(block), credit});
        batch_credit_ += credit;
        return true;
      }
      return invoke([&] { callbacks_.on_block(p->index, p->begin, std::move(block), credit); });
    }
    if (!flush_blocks()) return false;  // what came before this message is delivered first
    if (!callbacks_.on_message) return true;
    const std::size_t credit = length_prefix + f.payload.size() + delivery_overhead;
    charged_ += credit;
    return invoke([&] { callbacks_.on_message(*decoded, credit); });
  }

  void on_grant(std::size_t credit) {
    if (phase_ == phase::closed) return;
    charged_ -= std::min(credit, charged_);
    // Hysteresis: resuming at the first grant would read one block per pause, a syscall and a
    // wake-up each; resuming at half the budget reads in bursts again.
    if (paused_ && charged_ <= options_.receive_credit / 2) {
      paused_ = false;
      // Paused time is ours, not the peer's silence.
      read_time_ = last_message_ = steady::now();
      process();
    }
  }

  // Runs a user callback. False when the connection has ended: the handle was released (now
  // or before), or the callback threw (which must not take the shared io thread down).
  template <class F>
  bool invoke(F&& f) {
    if (phase_ == phase::closed) return false;
    std::string thrown;
    bool threw = false;
    {
      std::lock_guard<std::mutex> lock(callback_mutex_);
      if (!detached_.load()) {
        try {
          f();
        } catch (const std::exception& e) {
          threw = true;
          thrown = e.what();
        } catch (...) {
          threw = true;
          thrown = "an exception that is not a std::exception";
        }
      }
    }
    if (threw) {
      fail(close_kind::failed, "a callback threw: " + thrown);
      return false;
    }
    if (detached_.load()) {
      fail(close_kind::local, "the handle was released");
      return false;
    }
    return phase_ != phase::closed;
  }

  // -- writing --

  void enqueue(out_item item) {
    if (phase_ == phase::closed) {
      queued_.fetch_sub(item.size());
      return;
    }
    if (!item.block && !pending_.empty() && !pending_.back().block &&
        pending_.back().bytes.size() + item.bytes.size() <= coalesce_limit) {
      pending_.back().bytes += item.bytes;
      pending_.back().payload += item.payload;
    } else {
      pending_.push_back(std::move(item));
    }
    flush();
  }

  void flush() {
    if (writing_ || !write_allowed_ || pending_.empty() || phase_ == phase::closed) return;
    const std::size_t count = std::min(pending_.size(), max_batch_items);
    for (std::size_t i = 0; i < count; ++i) {
      in_flight_.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    // Only now: a moved short string moves its bytes (a piece header lives inside the item).
    write_buffers_.clear();
    for (const out_item& item : in_flight_) {
      write_buffers_.emplace_back(item.bytes.data(), item.bytes.size());
      if (item.block) write_buffers_.emplace_back(item.block.data(), item.block.size());
    }
    writing_ = true;
    last_send_ = steady::now();
    asio::async_write(socket_, write_buffers_,
                      [self = shared_from_this()](const error_code& ec, std::size_t n) {
                        self->on_write(ec, n);
                      });
  }

  void on_write(const error_code& ec, std::size_t) {
    writing_ = false;
    std::size_t bytes = 0;
    std::size_t payload = 0;
    for (const auto& item : in_flight_) {
      bytes += item.size();
      payload += item.payload;
    }
    in_flight_.clear();  // the blocks go back to their owners (or the pool) here
    queued_.fetch_sub(bytes);
    if (phase_ == phase::closed) return;
    if (ec) {
      if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
        return fail(close_kind::remote, "connection reset by the peer (while writing)");
      return fail(close_kind::failed, "write failed: " + ec.message());
    }
    sent_.fetch_add(bytes);
    payload_sent_.fetch_add(payload);
    if (queued_.load() < options_.send_low_water && drain_wanted_.exchange(false)) {
      if (!invoke([&] {
            if (callbacks_.on_write_queue_drained) callbacks_.on_write_queue_drained();
          }))
        return;
    }
    flush();
  }

  // -- time --

  // One timer for every deadline. Deadlines move later without touching it (no cancel per
  // read): when it fires it looks at what is due now and waits again. Phase changes, which
  // may bring a deadline earlier, re-arm it; the generation drops the superseded wait.
  void arm_timer() {
    ++timer_generation_;
    timer_.expires_at(next_wakeup());
    timer_.async_wait([self = shared_from_this(), g = timer_generation_](const error_code&) {
      self->on_timer(g);
    });
  }

  steady::time_point next_wakeup() const {
    const auto now = steady::now();
    auto t = now + std::chrono::hours(1);
    switch (phase_) {
      case phase::connecting:
        return connect_deadline_;
      case phase::handshaking:
        return handshake_deadline_;
      case phase::open:
        if (enabled(options_.idle_timeout)) {
          if (paused_)
            t = std::min(t, now + options_.idle_timeout);
          else if (stalled())
            t = std::min(t, read_time_ + options_.idle_timeout / 2);
          else
            t = std::min(t, last_message_ + options_.idle_timeout);
        }
        if (enabled(options_.keep_alive_interval))
          t = std::min(t, last_send_ + options_.keep_alive_interval);
        return t;
      default:
        return t;
    }
  }

  void on_timer(std::uint64_t generation) {
    if (phase_ == phase::closed || generation != timer_generation_) return;
    const auto now = steady::now();
    if (phase_ == phase::connecting && now >= connect_deadline_) {
      return fail(close_kind::failed, "connect to " + endpoint_string(remote_) +
                                          " timed out after " +
                                          duration_string(options_.connect_timeout));
    }
    if (phase_ == phase::handshaking && now >= handshake_deadline_) {
      return fail(close_kind::failed,
                  "handshake timed out after " + duration_string(options_.handshake_timeout));
    }
    if (phase_ == phase::open) {
      if (enabled(options_.idle_timeout) && !paused_ &&
          now - last_message_ >= options_.idle_timeout && !idle_check(now))
        return;
      if (enabled(options_.keep_alive_interval) &&
          now - last_send_ >= options_.keep_alive_interval) {
        if (writing_ || !pending_.empty()) {
          last_send_ = now;  // a stuck write is not helped by more bytes behind it
        } else {
          std::string bytes(length_prefix, '\0');
          queued_.fetch_add(bytes.size());
          enqueue(out_item{std::move(bytes), {}, 0});
        }
      }
    }
    arm_timer();
  }

  // The idle timeout has passed without a whole frame; false when that ended the connection.
  // Silence may be a dead link, worth another try (close_kind::failed). A frame begun and still
  // growing a byte now and then is a peer holding the connection without talking (a slowloris):
  // a violation. To tell a link that died in the middle of a frame from a trickle, a frame half
  // in when the timeout passes gets half a timeout more: a byte in it is a trickle, silence is
  // silence.
  bool idle_check(steady::time_point now) {
    const std::size_t partial = framer_.buffered();
    if (partial == 0) {
      fail(close_kind::failed,
           "nothing received from the peer for " + duration_string(options_.idle_timeout));
      return false;
    }
    if (stalled() && read_time_ > stalled_at_) {
      fail(close_kind::violation,
           "slow peer: no whole message for over " + duration_string(options_.idle_timeout) +
               ", only " + std::to_string(partial) + " bytes of a frame trickled in (stream byte " +
               std::to_string(framer_.bytes_consumed() - partial + handshake_size) + ")");
      return false;
    }
    const auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(now - read_time_);
    if (quiet >= options_.idle_timeout / 2) {
      fail(close_kind::failed, "nothing received from the peer for " + duration_string(quiet) +
                                   ", in the middle of a frame (" + std::to_string(partial) +
                                   " bytes of it received)");
      return false;
    }
    if (!stalled()) stalled_at_ = now;
    return true;
  }

  // The idle timeout passed with a frame half in, and bytes came in lately (see idle_check).
  bool stalled() const { return stalled_at_ > last_message_; }

  asio::io_context& io_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  const tcp::endpoint remote_;
  const bool incoming_;
  std::optional<handshake> ours_;  // incoming: set once choose_handshake has answered
  peer_connection_callbacks callbacks_;
  const peer_connection_options options_;
  const std::shared_ptr<block_pool> pool_;

  // Callbacks run under this mutex so that a handle's destructor on another thread can wait
  // for a running one to return.
  std::mutex callback_mutex_;
  std::atomic<bool> detached_{false};
  std::atomic<bool> ending_{false};

  phase phase_ = phase::idle;
  steady::time_point connect_deadline_;
  steady::time_point handshake_deadline_;
  steady::time_point read_time_;     // of the last read (or resume from a pause)
  steady::time_point last_message_;  // when the last whole frame came in
  steady::time_point stalled_at_;    // see idle_check
  steady::time_point last_send_ = steady::now();
  std::uint64_t timer_generation_ = 0;

  // Reading: bytes [in_begin_, in_end_) of the read buffer are read and not yet framed.
  std::unique_ptr<char, free_deleter> read_buffer_;
  const std::size_t read_capacity_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  bool reading_ = false;
  bool paused_ = false;
  std::size_t charged_ = 0;            // credits delivered and not granted back
  std::vector<received_block> batch_;  // framed, not yet handed to on_blocks
  std::size_t batch_credit_ = 0;
  std::atomic<std::size_t> granted_{0};  // granted, not yet applied on the io thread
  std::atomic<bool> grant_posted_{false};
  wire_framer framer_;

  // Writing: pending_ waits for the write of in_flight_ to finish.
  std::deque<out_item> pending_;
  std::vector<out_item> in_flight_;
  std::vector<asio::const_buffer> write_buffers_;
  bool writing_ = false;
  bool write_allowed_ = false;  // our handshake goes first
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> drain_wanted_{false};

  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> payload_received_{0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> payload_sent_{0};
  std::atomic<std::uint64_t> read_pauses_{0};
};

peer_connection::peer_connection(std::shared_ptr<core> c, tcp::endpoint remote)
    : core_(std::move(c)), remote_(remote) {}

peer_connection::~peer_connection() {
  core_->detach();
}

std::shared_ptr<peer_connection> peer_connection::connect(asio::io_context& io,
                                                          const tcp::endpoint& remote,
                                                          const handshake& ours,
                                                          peer_connection_callbacks callbacks,
                                                          peer_connection_options options) {
  auto c = std::make_shared<core>(io, tcp::socket(io), remote, false, ours, std::move(callbacks),
                                  std::move(options));
  asio::post(io, [c] { c->start_connect(); });
  return std::shared_ptr<peer_connection>(new peer_connection(c, remote));
}

std::shared_ptr<peer_connection> peer_connection::accept(tcp::socket socket,
                                                         peer_connection_callbacks callbacks,
                                                         peer_connection_options options) {
  const auto any = socket.get_executor();
  const auto* executor = any.target<asio::io_context::executor_type>();
  if (executor == nullptr) {
    throw std::invalid_argument("peer_connection: the socket must belong to an io_context");
  }
  asio::io_context* io = &executor->context();
  error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  auto c = std::make_shared<core>(*io, std::move(socket), remote, true, std::nullopt,
                                  std::move(callbacks), std::move(options));
  asio::post(*io, [c] { c->start_accept(); });
  return std::shared_ptr<peer_connection>(new peer_connection(c, remote));
}

bool peer_connection::send(const wire::message& m) {
  if (core_->ending()) return false;
  std::string bytes;
  bytes.reserve(wire::encoded_size(m));
  wire::encode(m, bytes);
  const auto* piece = std::get_if<wire::piece>(&m);
  return core_->post_item(std::move(bytes), {}, piece ? piece->block.size() : 0);
}

bool peer_connection::send_block(std::uint32_t index, std::uint32_t begin, block_buffer block) {
  const auto header = wire::piece_header(index, begin, static_cast<std::uint32_t>(block.size()));
  const std::size_t payload = block.size();
  return core_->post_item(std::string(header.data(), header.size()), std::move(block), payload);
}

bool peer_connection::send_blocks(std::vector<outgoing_block> blocks) {
  std::vector<core::out_item> items;
  items.reserve(blocks.size());
  std::size_t n = 0;
  for (auto& b : blocks) {
    const auto header =
        wire::piece_header(b.index, b.begin, static_cast<std::uint32_t>(b.block.size()));
    n += header.size() + b.block.size();
    const std::size_t size = b.block.size();
    items.push_back(
        core::out_item{std::string(header.data(), header.size()), std::move(b.block), size});
  }
  return core_->post_items(std::move(items), n);
}

void peer_connection::grant(std::size_t credit) {
  core_->post_grant(credit);
}

void peer_connection::close(std::string reason) {
  core_->post_close(std::move(reason));
}

void peer_connection::set_max_frame_length(std::uint32_t max) {
  core_->post_max_frame_length(max);
}

std::size_t peer_connection::queued_bytes() const {
  return core_->queued_bytes();
}

bool peer_connection::closed() const {
  return core_->ending();
}

peer_connection_stats peer_connection::stats() const {
  return core_->stats();
}

}  // namespace actorrent
