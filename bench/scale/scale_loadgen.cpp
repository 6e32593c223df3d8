// Load generator of bench/scale: many BitTorrent leechers in one process, over loopback, on
// the client's own transport (actors/peer_connection: handshake, framing, gather writes).
//
//   scale_loadgen --peer HOST:PORT --torrent T [--torrent T2 ...] --connections N
//     Opens N connections (spread over the torrents in turn, at most --concurrent at a time
//     in the handshake), each sends an empty bitfield and `interested`, then waits. Prints
//     {"event":"ready",...} once every connection has finished its handshake or failed.
//     Commands on stdin, one per line:
//       rate B   request blocks at B bytes/s in all (0: idle again); unchoked connections
//                keep at most --depth requests out, random blocks of their torrent
//       stats    prints {"event":"stats",...}: connections open, bytes and blocks received
//       quit     closes everything and exits (so does end of input)
//   scale_loadgen --probe --peer HOST:PORT --torrent T [...] [--timeout S]
//     Connects for each torrent until the peer answers the handshake with a full bitfield (or
//     have_all), retrying every 20 ms: the moment every torrent is seeding. One probe at a
//     time while torrents refuse, more at once as they answer (see probe_launch).
//     Prints {"event":"seeding","t":...} (t: CLOCK_MONOTONIC seconds, the clock of Python's
//     time.monotonic()) and exits 0; exits 1 on timeout.
//
// Everything runs on one io thread (the connections' callbacks, the rate timer, the
// commands, which the main thread posts to it), so no state here needs a lock.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actors/block_pool.hpp"
#include "actors/io_thread.hpp"
#include "actors/peer_connection.hpp"
#include "protocol/metainfo.hpp"

using namespace actorrent;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint32_t block_size = 16 * 1024;
constexpr auto tick = std::chrono::milliseconds{10};
constexpr auto probe_retry = std::chrono::milliseconds{20};

double monotonic_s() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct torrent_info {
  sha1_hash info_hash;
  std::uint32_t num_pieces = 0;
  std::int64_t piece_length = 0;
  std::int64_t total_length = 0;
  std::int64_t piece_size(std::uint32_t p) const {
    return std::min<std::int64_t>(piece_length, total_length - std::int64_t{p} * piece_length);
  }
};

torrent_info load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  if (!in) throw std::runtime_error(path + ": cannot read");
  auto m = parse_metainfo(data.str());
  if (!m) throw std::runtime_error(path + ": " + m.error().to_string());
  return torrent_info{m->info_hash, m->num_pieces(), m->piece_length, m->total_length};
}

sha1_hash random_peer_id(std::mt19937_64& rng) {
  static constexpr char prefix[] = "-SL0001-";
  sha1_hash id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i)
    id.bytes[i] = static_cast<std::uint8_t>(i < 8 ? prefix[i] : 'a' + rng() % 26);
  return id;
}

bool full_bitfield(std::string_view bits, std::uint32_t num_pieces) {
  if (bits.size() != (num_pieces + 7) / 8) return false;
  for (std::uint32_t p = 0; p < num_pieces; ++p)
    if (!(static_cast<std::uint8_t>(bits[p / 8]) & (0x80u >> (p % 8)))) return false;
  return true;
}

struct options {
  std::string peer;
  std::vector<std::string> torrents;
  std::size_t connections = 0;
  std::size_t concurrent = 64;
  std::size_t depth = 8;
  std::size_t read_kib = 32;
  bool probe = false;
  double timeout_s = 120;
};

// One leecher connection.
struct leecher {
  const torrent_info* torrent = nullptr;
  std::shared_ptr<peer_connection> conn;
  bool handshake_done = false;
  bool closed = false;
  bool unchoked = false;
  std::size_t outstanding = 0;
};

class loadgen {
 public:
  loadgen(asio::io_context& io, options o, std::vector<torrent_info> torrents, tcp::endpoint peer)
      : io_(io), timer_(io), o_(std::move(o)), torrents_(std::move(torrents)), peer_(peer) {
    conn_options_.read_buffer_size = o_.read_kib * 1024;
    conn_options_.pool = block_pool::create(block_size, 1024);
    conn_options_.connect_timeout = std::chrono::seconds{10};
    conn_options_.handshake_timeout = std::chrono::seconds{30};
  }

  // ---- connections mode ----
  void start_connections() {
    leechers_.resize(o_.connections);
    for (std::size_t i = 0; i < leechers_.size(); ++i)
      leechers_[i].torrent = &torrents_[i % torrents_.size()];
    open_more();
    arm_tick();
  }

  void set_rate(double bytes_per_s) {
    rate_ = bytes_per_s;
    tokens_ = 0;
  }

  void print_stats() {
    std::size_t open = 0, unchoked = 0;
    for (const auto& l : leechers_) {
      open += l.handshake_done && !l.closed;
      unchoked += l.handshake_done && !l.closed && l.unchoked;
    }
    std::printf(
        "{\"event\":\"stats\",\"t\":%.6f,\"open\":%zu,\"handshakes\":%zu,\"failed\":%zu,"
        "\"closed\":%zu,\"unchoked\":%zu,\"bytes\":%llu,\"blocks\":%llu,\"requests\":%llu,"
        "\"rate\":%.0f,\"last_error\":\"%s\"}\n",
        monotonic_s(), open, handshakes_, failed_, closed_after_handshake_, unchoked,
        static_cast<unsigned long long>(bytes_), static_cast<unsigned long long>(blocks_),
        static_cast<unsigned long long>(requests_), rate_, json_safe(last_error_).c_str());
    std::fflush(stdout);
  }

  void close_all() {
    timer_.cancel();
    for (auto& l : leechers_)
      l.conn.reset();
    for (auto& c : probe_conns_)
      c.reset();
  }

  // ---- probe mode ----
  void start_probe(std::promise<int>* done) {
    probe_done_ = done;
    probe_deadline_ = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(static_cast<long>(o_.timeout_s * 1000));
    probe_conns_.resize(torrents_.size());
    for (std::size_t i = 0; i < torrents_.size(); ++i)
      probe_queue_.push_back(i);
    probe_launch();
  }

 private:
  static std::string json_safe(const std::string& s) {
    std::string out;
    for (char c : s)
      out += (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '\'' : c;
    return out;
  }

  handshake ours(const torrent_info& t) {
    handshake h;
    h.info_hash = t.info_hash;
    h.peer_id = random_peer_id(rng_);
    return h;
  }

  void open_more() {
    while (next_ < leechers_.size() && connecting_ < o_.concurrent) {
      std::size_t i = next_++;
      ++connecting_;
      leechers_[i].conn = peer_connection::connect(io_, peer_, ours(*leechers_[i].torrent),
                                                   callbacks(i), conn_options_);
    }
    if (!ready_printed_ && next_ == leechers_.size() && connecting_ == 0) {
      ready_printed_ = true;
      std::printf(
          "{\"event\":\"ready\",\"t\":%.6f,\"handshakes\":%zu,\"failed\":%zu,"
          "\"last_error\":\"%s\"}\n",
          monotonic_s(), handshakes_, failed_, json_safe(last_error_).c_str());
      std::fflush(stdout);
    }
  }

  // Callbacks run on the io thread, which also runs everything else here: no locks.
  peer_connection_callbacks callbacks(std::size_t i) {
    peer_connection_callbacks cb;
    cb.on_handshake = [this, i](const handshake&) {
      auto& l = leechers_[i];
      l.handshake_done = true;
      ++handshakes_;
      --connecting_;
      std::string bits((l.torrent->num_pieces + 7) / 8, '\0');
      l.conn->send(wire::bitfield{bits});
      l.conn->send(wire::interested{});
      open_more();
    };
    cb.on_message = [this, i](const wire::message& m, std::size_t credit) {
      auto& l = leechers_[i];
      if (std::holds_alternative<wire::unchoke>(m)) {
        l.unchoked = true;
        request_more(l);
      } else if (std::holds_alternative<wire::choke>(m)) {
        l.unchoked = false;
        l.outstanding = 0;  // without the fast extension, a choke voids every request
      }
      l.conn->grant(credit);
    };
    cb.on_blocks = [this, i](std::vector<received_block> blocks, std::size_t credit) {
      auto& l = leechers_[i];
      for (const auto& b : blocks) {
        bytes_ += b.data.size();
        ++blocks_;
        if (l.outstanding > 0) --l.outstanding;
      }
      blocks.clear();  // the buffers go back to the pool before the credit does
      l.conn->grant(credit);
      request_more(l);
    };
    cb.on_closed = [this, i](const close_reason& reason) {
      auto& l = leechers_[i];
      last_error_ = reason.text;
      l.closed = true;
      if (l.handshake_done) {
        ++closed_after_handshake_;
      } else {
        ++failed_;
        --connecting_;
        open_more();
      }
    };
    return cb;
  }

  // Requests random blocks while the connection is unchoked, under its depth, and the rate's
  // tokens allow.
  void request_more(leecher& l) {
    std::uniform_int_distribution<std::uint32_t> piece_of(0, l.torrent->num_pieces - 1);
    while (!l.closed && l.unchoked && l.outstanding < o_.depth && tokens_ >= block_size) {
      auto p = piece_of(rng_);
      auto size = l.torrent->piece_size(p);
      auto blocks = static_cast<std::uint32_t>((size + block_size - 1) / block_size);
      auto b = static_cast<std::uint32_t>(rng_() % blocks);
      auto length = static_cast<std::uint32_t>(
          std::min<std::int64_t>(block_size, size - std::int64_t{b} * block_size));
      if (!l.conn->send(wire::request{p, b * block_size, length})) return;
      ++l.outstanding;
      ++requests_;
      tokens_ -= length;
    }
  }

  void arm_tick() {
    timer_.expires_after(tick);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      on_tick();
      arm_tick();
    });
  }

  // Refills the token bucket (a burst of at most 50 ms) and lets each connection in turn
  // request, starting where the last tick stopped, so that no connection is favoured.
  void on_tick() {
    if (rate_ <= 0 || leechers_.empty()) return;
    const double per_tick = rate_ * std::chrono::duration<double>(tick).count();
    tokens_ = std::min(tokens_ + per_tick, std::max(5 * per_tick, 2.0 * block_size));
    for (std::size_t n = 0; n < leechers_.size() && tokens_ >= block_size; ++n) {
      auto& l = leechers_[(rr_ + n) % leechers_.size()];
      if (l.handshake_done) request_more(l);
    }
    rr_ = (rr_ + 1) % leechers_.size();
  }

  // Probes in flight: one while torrents refuse (each refusal costs the seeder an accept),
  // doubling with every torrent found seeding, so that a session whose torrents are all up
  // is swept in a few round trips rather than one per torrent.
  void probe_launch() {
    if (probe_done_ == nullptr) return;
    if (std::chrono::steady_clock::now() > probe_deadline_) {
      std::printf(
          "{\"event\":\"timeout\",\"t\":%.6f,\"seeding\":%zu,\"torrents\":%zu,"
          "\"last_error\":\"%s\"}\n",
          monotonic_s(), probe_confirmed_, torrents_.size(), json_safe(last_error_).c_str());
      std::fflush(stdout);
      finish_probe(1);
      return;
    }
    while (probe_in_flight_ < probe_window_ && !probe_queue_.empty()) {
      auto i = probe_queue_.front();
      probe_queue_.pop_front();
      ++probe_in_flight_;
      ++probe_attempts_;
      probe_conns_[i] = peer_connection::connect(io_, peer_, ours(torrents_[i]), probe_callbacks(i),
                                                 conn_options_);
    }
  }

  peer_connection_callbacks probe_callbacks(std::size_t i) {
    auto settled = std::make_shared<bool>(false);
    peer_connection_callbacks cb;
    cb.on_message = [this, settled, i](const wire::message& m, std::size_t) {
      if (*settled) return;
      bool seeding = std::holds_alternative<wire::have_all>(m);
      if (const auto* b = std::get_if<wire::bitfield>(&m))
        seeding = full_bitfield(b->bits, torrents_[i].num_pieces);
      if (!seeding) return;
      *settled = true;
      // Not from inside the callback: releasing the handle there would close it under us.
      asio::post(io_, [this, i] {
        if (probe_done_ == nullptr) return;  // finished (timed out) meanwhile
        probe_conns_[i].reset();
        --probe_in_flight_;
        probe_window_ = std::min<std::size_t>(2 * probe_window_, 32);
        if (++probe_confirmed_ == torrents_.size()) {
          std::printf("{\"event\":\"seeding\",\"t\":%.6f,\"torrents\":%zu,\"attempts\":%zu}\n",
                      monotonic_s(), torrents_.size(), probe_attempts_);
          std::fflush(stdout);
          finish_probe(0);
          return;
        }
        probe_launch();
      });
    };
    cb.on_closed = [this, settled, i](const close_reason& reason) {
      if (*settled) return;
      *settled = true;
      last_error_ = reason.text;
      asio::post(io_, [this, i] {
        if (probe_done_ == nullptr) return;
        probe_conns_[i].reset();
        --probe_in_flight_;
        probe_window_ = 1;
        probe_queue_.push_front(i);
        if (probe_retry_armed_) return;
        probe_retry_armed_ = true;
        timer_.expires_after(probe_retry);
        timer_.async_wait([this](const boost::system::error_code& ec) {
          probe_retry_armed_ = false;
          if (!ec) probe_launch();
        });
      });
    };
    return cb;
  }

  void finish_probe(int status) {
    auto* done = probe_done_;
    probe_done_ = nullptr;
    timer_.cancel();
    for (auto& c : probe_conns_)
      c.reset();
    done->set_value(status);
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  options o_;
  std::vector<torrent_info> torrents_;
  tcp::endpoint peer_;
  peer_connection_options conn_options_;
  std::mt19937_64 rng_{std::random_device{}()};

  std::vector<leecher> leechers_;
  std::size_t next_ = 0;
  std::size_t connecting_ = 0;
  std::size_t handshakes_ = 0;
  std::size_t failed_ = 0;
  std::size_t closed_after_handshake_ = 0;
  bool ready_printed_ = false;
  std::string last_error_;

  double rate_ = 0;
  double tokens_ = 0;
  std::size_t rr_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t blocks_ = 0;
  std::uint64_t requests_ = 0;

  std::promise<int>* probe_done_ = nullptr;
  std::deque<std::size_t> probe_queue_;
  std::vector<std::shared_ptr<peer_connection>> probe_conns_;
  std::size_t probe_window_ = 1;
  std::size_t probe_in_flight_ = 0;
  std::size_t probe_confirmed_ = 0;
  std::size_t probe_attempts_ = 0;
  bool probe_retry_armed_ = false;
  std::chrono::steady_clock::time_point probe_deadline_;
};

// Runs `f` on the io thread and waits for it.
template <class F>
void on_io(asio::io_context& io, F f) {
  std::promise<void> done;
  asio::post(io, [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

int run(const options& o) {
  std::vector<torrent_info> torrents;
  for (const auto& path : o.torrents)
    torrents.push_back(load(path));
  auto colon = o.peer.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--peer: expected HOST:PORT");
  tcp::endpoint peer(asio::ip::make_address(o.peer.substr(0, colon)),
                     static_cast<std::uint16_t>(std::stoi(o.peer.substr(colon + 1))));

  io_thread io;
  loadgen gen(io.context(), o, std::move(torrents), peer);
  int status = 0;
  if (o.probe) {
    std::promise<int> done;
    auto result = done.get_future();
    asio::post(io.context(), [&] { gen.start_probe(&done); });
    status = result.get();
  } else {
    asio::post(io.context(), [&] { gen.start_connections(); });
    // Bounded by the caller: it ends with `quit` or by closing our stdin.
    for (std::string line; std::getline(std::cin, line);) {
      std::istringstream words(line);
      std::string command;
      words >> command;
      if (command == "quit") break;
      if (command == "stats") {
        on_io(io.context(), [&] { gen.print_stats(); });
      } else if (command == "rate") {
        double rate = 0;
        words >> rate;
        on_io(io.context(), [&] { gen.set_rate(rate); });
      } else if (!command.empty()) {
        std::fprintf(stderr, "scale_loadgen: unknown command '%s'\n", command.c_str());
      }
    }
  }
  on_io(io.context(), [&] { gen.close_all(); });
  io.stop();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench/scale load generator: many leechers over loopback"};
  options o;
  app.add_option("--peer", o.peer, "the seeder, HOST:PORT")->required();
  app.add_option("--torrent", o.torrents, ".torrent file (repeatable)")->required();
  app.add_option("--connections", o.connections, "connections in all, spread over the torrents");
  app.add_option("--concurrent", o.concurrent, "connections in their handshake at once");
  app.add_option("--depth", o.depth, "requests outstanding per unchoked connection");
  app.add_option("--read-kib", o.read_kib, "read buffer per connection");
  app.add_flag("--probe", o.probe, "wait until every torrent answers as a seeder, then exit");
  app.add_option("--timeout", o.timeout_s, "probe: give up after this many seconds");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scale_loadgen: %s\n", e.what());
    return 2;
  }
}
