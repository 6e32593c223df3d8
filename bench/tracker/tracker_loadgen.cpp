// Load generator for bench/tracker: announces against one tracker (ours or any other) over
// UDP (BEP 15) or HTTP, from one single-threaded asio process, for a fixed time, and prints
// how many were answered per second and how many failed, were dropped or came back broken.
//
// Load model (closed loop): `concurrency` requests are in flight at all times; each slot sends
// its next request as soon as the previous one is answered or given up on. The announcing
// peers are `peers` distinct (peer_id, port) pairs spread over `swarms` info-hashes; every
// request picks a peer at random. A peer's first announce is `started`; a leecher later says
// `completed` with probability completed_percent (and is a seeder afterwards), and may say
// `stopped` with probability stopped_percent (its next announce is `started` again);
// otherwise the event is none. A quarter of the peers are seeders from the start.
//
// UDP: one socket per slot, connected to the tracker; a connect first, then announces with
// that connection id until it is reconnect_s old (BEP 15: a client may use an id for one
// minute). A request without an answer within timeout_ms is dropped: the slot moves on and a
// late answer to it is counted as late, not as an answer.
// HTTP: by default one request per TCP connection ("Connection: close", read until the
// server closes), which is what opentracker offers; with --keepalive, requests follow one
// another on a connection for as long as the server keeps it open. An answer counts when it
// is a 200 whose body is bencode with an `interval` and no `failure reason`.
//
// Counts cover the whole run (warm-up and the wait for the last answers included); the rate
// is the answers received between the end of the warm-up and the deadline, per second.
// The last line is machine-readable: "result proto=... rate=... ok=... failed=... ...".
// Every loop is bounded: the run ends at warmup + duration + timeout at the latest.
#include <CLI/CLI.hpp>
#include <array>
#include <boost/asio.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include "protocol/sha1.hpp"
#include "tracker/announce.hpp"
#include "tracker/http_announce.hpp"
#include "tracker/udp_tracker_protocol.hpp"

namespace {

namespace net = boost::asio;
namespace udpt = actorrent::udp_tracker;
using clock_type = std::chrono::steady_clock;
using actorrent::announce_event;
using actorrent::announce_request;
using actorrent::sha1_hash;

struct options {
  std::string proto = "udp";
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  double duration_s = 10;
  double warmup_s = 1;
  std::size_t concurrency = 64;
  std::size_t swarms = 1000;
  std::size_t peers = 50'000;
  int numwant = 50;
  int timeout_ms = 1000;
  int reconnect_s = 60;
  int completed_percent = 5;
  int stopped_percent = 0;
  bool keepalive = false;
  std::uint64_t seed = 1;
  bool print_hashes = false;
  bool quiet = false;
};

// The benchmark's info-hashes, the same in every process: run.sh whitelists them.
sha1_hash swarm_hash(std::size_t i) {
  return actorrent::sha1("actorrent bench/tracker swarm " + std::to_string(i));
}

// xorshift64*: cheap and deterministic per seed.
struct rng {
  std::uint64_t s;
  explicit rng(std::uint64_t seed) : s(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
  std::uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

struct peer_state {
  bool active = false;
  std::int64_t left = 0;
};

// Who announces what: the peer population and its event mix.
class population {
 public:
  explicit population(const options& o) : o_(o), rng_(o.seed), peers_(o.peers) {
    for (std::size_t i = 0; i < o.swarms; ++i)
      hashes_.push_back(swarm_hash(i));
    for (std::size_t j = 0; j < o.peers; ++j)
      peers_[j].left = j % 4 == 0 ? 0 : 1 << 20;
  }

  announce_request next() {
    const std::size_t j = rng_.below(peers_.size());
    peer_state& p = peers_[j];
    announce_request r;
    r.info_hash = hashes_[j % hashes_.size()];
    char id[21];
    std::snprintf(id, sizeof id, "-AB0001-%012llu",
                  static_cast<unsigned long long>(j % 1'000'000'000'000ULL));
    r.peer_id = sha1_hash::from_bytes(std::string_view(id, 20));
    // Unique within the swarm, as the peers of one swarm are j, j + swarms, j + 2·swarms...:
    // a tracker that tells peers apart by IP and port (opentracker) sees them all.
    r.port = static_cast<std::uint16_t>(1024 + (j / hashes_.size()) % 64'000);
    r.key = static_cast<std::uint32_t>(j * 2654435761u);
    r.numwant = o_.numwant;
    r.uploaded = static_cast<std::int64_t>(j) * 1000;
    r.downloaded = 0;
    const int roll = static_cast<int>(rng_.below(100));
    if (!p.active) {
      r.event = announce_event::started;
      p.active = true;
    } else if (p.left > 0 && roll < o_.completed_percent) {
      r.event = announce_event::completed;
      p.left = 0;
    } else if (roll >= 100 - o_.stopped_percent) {
      r.event = announce_event::stopped;
      p.active = false;
    } else {
      r.event = announce_event::none;
    }
    r.left = p.left;
    if (r.event == announce_event::completed) r.downloaded = 1 << 20;
    return r;
  }

  std::uint32_t transaction_id() { return static_cast<std::uint32_t>(rng_.next() >> 32); }

 private:
  const options& o_;
  rng rng_;
  std::vector<sha1_hash> hashes_;
  std::vector<peer_state> peers_;
};

struct counters {
  std::uint64_t ok = 0;         // valid announce answers, whole run
  std::uint64_t ok_window = 0;  // of which between warm-up end and deadline
  std::uint64_t failed = 0;     // error action / failure reason / HTTP status not 200
  std::uint64_t dropped = 0;    // no answer within the timeout
  std::uint64_t malformed = 0;  // an answer that does not decode
  std::uint64_t errors = 0;     // transport errors (send, connect refused, reset...)
  std::uint64_t connects = 0;   // UDP connect answers / TCP connections established
  std::uint64_t late = 0;       // UDP answers to a request already given up on
  std::string first_problem;    // the first failure / malformed answer / error, for the report
};

struct run_state {
  run_state(const options& o, net::io_context& io)
      : opts(o), io(io), pop(o), sweep(io), start(clock_type::now()) {
    window_start = start + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(o.warmup_s));
    deadline = window_start + std::chrono::duration_cast<clock_type::duration>(
                                  std::chrono::duration<double>(o.duration_s));
    timeout = std::chrono::milliseconds(o.timeout_ms);
  }
  const options& opts;
  net::io_context& io;
  population pop;
  counters c;
  net::steady_timer sweep;
  clock_type::time_point start, window_start, deadline;
  clock_type::duration timeout;
  bool stopping = false;
  std::size_t busy = 0;  // slots with a request in flight

  void answered(clock_type::time_point at) {
    ++c.ok;
    if (at >= window_start && at < deadline) ++c.ok_window;
  }
  void problem(std::uint64_t& counter, const std::string& what) {
    ++counter;
    if (c.first_problem.empty()) c.first_problem = what;
  }
};

// ---- UDP -------------------------------------------------------------------------------------

class udp_slot {
 public:
  udp_slot(run_state& st, const net::ip::udp::endpoint& server) : st_(st), sock_(st.io) {
    sock_.connect(server);
    receive();
  }

  void next() {
    if (st_.stopping) {
      pending_ = kind::none;
      return;
    }
    const auto now = clock_type::now();
    txid_ = st_.pop.transaction_id();
    if (!have_id_ || now - id_time_ >= std::chrono::seconds(st_.opts.reconnect_s)) {
      out_ = udpt::encode(udpt::connect_request_packet{txid_});
      pending_ = kind::connect;
    } else {
      udpt::announce_request_packet p;
      p.connection_id = conn_id_;
      p.transaction_id = txid_;
      p.request = st_.pop.next();
      out_ = udpt::encode(p);
      pending_ = kind::announce;
    }
    sent_at_ = now;
    boost::system::error_code ec;
    sock_.send(net::buffer(out_), 0, ec);
    if (ec) st_.problem(st_.c.errors, "udp send: " + ec.message());  // the sweep drops it
  }

  // Called by the sweep: gives up on a request that has waited longer than the timeout.
  void check_timeout(clock_type::time_point now) {
    if (pending_ == kind::none || now - sent_at_ < st_.timeout) return;
    ++st_.c.dropped;
    if (pending_ == kind::connect) have_id_ = false;
    pending_ = kind::none;
    next();
  }

  bool idle() const { return pending_ == kind::none; }
  void close() {
    boost::system::error_code ignored;
    sock_.close(ignored);
  }

 private:
  enum class kind { none, connect, announce };

  void receive() {
    sock_.async_receive(net::buffer(buf_), [this](boost::system::error_code ec, std::size_t n) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        // ECONNREFUSED from an ICMP unreachable: the server is not there. The request
        // stays pending and the sweep drops it.
        st_.problem(st_.c.errors, "udp receive: " + ec.message());
      } else {
        on_datagram(std::string_view(buf_.data(), n));
      }
      receive();
    });
  }

  void on_datagram(std::string_view d) {
    auto h = udpt::peek_response_header(d);
    if (!h) return st_.problem(st_.c.malformed, "udp: " + h.error().message);
    if (pending_ == kind::none || h->transaction_id != txid_) {
      ++st_.c.late;
      return;
    }
    const auto now = clock_type::now();
    if (h->action == static_cast<std::uint32_t>(udpt::action::error)) {
      auto e = udpt::decode_error_response(d);
      st_.problem(st_.c.failed, "udp error action: " + (e ? e->message : e.error().message));
      have_id_ = false;  // perhaps an expired id: connect again
    } else if (pending_ == kind::connect) {
      auto r = udpt::decode_connect_response(d);
      if (r) {
        ++st_.c.connects;
        conn_id_ = r->connection_id;
        id_time_ = now;
        have_id_ = true;
      } else {
        st_.problem(st_.c.malformed, "udp connect answer: " + r.error().message);
      }
    } else {
      auto r = udpt::decode_announce_response(d, udpt::address_family::v4);
      if (r)
        st_.answered(now);
      else
        st_.problem(st_.c.malformed, "udp announce answer: " + r.error().message);
    }
    pending_ = kind::none;
    next();
  }

  run_state& st_;
  net::ip::udp::socket sock_;
  std::array<char, udpt::max_response_size + 1> buf_{};
  std::string out_;
  kind pending_ = kind::none;
  std::uint32_t txid_ = 0;
  clock_type::time_point sent_at_{};
  bool have_id_ = false;
  std::uint64_t conn_id_ = 0;
  clock_type::time_point id_time_{};
};

// ---- HTTP ------------------------------------------------------------------------------------

// What a complete HTTP response looks like, or why it is not one (yet).
struct http_parse {
  enum class state { incomplete, complete, bad } what = state::incomplete;
  int status = 0;
  bool close = false;
  std::size_t total = 0;  // header + body bytes
  std::string_view body;
  std::string error;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// `eof`: the server has closed, so a response without Content-Length ends here.
http_parse parse_http(std::string_view data, bool eof) {
  http_parse r;
  const auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (eof) {
      r.what = http_parse::state::bad;
      r.error = data.empty() ? "connection closed without an answer" : "truncated header";
    }
    return r;
  }
  const std::string_view head = data.substr(0, head_end);
  if (head.substr(0, 7) != "HTTP/1." || head.size() < 12) {
    r.what = http_parse::state::bad;
    r.error = "not an HTTP/1.x status line";
    return r;
  }
  r.status = std::atoi(std::string(head.substr(9, 3)).c_str());
  r.close = head.substr(5, 3) == "1.0";
  std::optional<std::size_t> length;
  for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
    const std::size_t start = pos + 2;
    const std::size_t end = std::min(head.find("\r\n", start), head.size());
    const std::string_view line = head.substr(start, end - start);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      const auto name = line.substr(0, colon);
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      if (iequals(name, "content-length"))
        length = std::strtoull(std::string(value).c_str(), 0, 10);
      if (iequals(name, "connection")) r.close = iequals(value, "close");
    }
    pos = end < head.size() ? end : std::string_view::npos;
  }
  const std::size_t body_start = head_end + 4;
  if (length) {
    if (data.size() - body_start < *length) {
      if (eof) {
        r.what = http_parse::state::bad;
        r.error = "body shorter than Content-Length";
      }
      return r;
    }
    r.total = body_start + *length;
  } else {
    if (!eof) return r;
    r.close = true;
    r.total = data.size();
  }
  r.body = data.substr(body_start, r.total - body_start);
  r.what = http_parse::state::complete;
  return r;
}

class http_slot {
 public:
  http_slot(run_state& st, const net::ip::tcp::endpoint& server) : st_(st), server_(server) {
    prefix_ = "http://" + server.address().to_string() + ":" + std::to_string(server.port());
    host_ = server.address().to_string() + ":" + std::to_string(server.port());
  }

  void next() {
    if (st_.stopping) {
      if (conn_) close_conn();
      return;
    }
    sent_at_ = clock_type::now();
    std::string url = actorrent::build_announce_url(prefix_ + "/announce", st_.pop.next());
    std::string req = "GET " + url.substr(prefix_.size()) + " HTTP/1.1\r\nHost: " + host_ +
                      (st_.opts.keepalive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
    if (conn_) {
      conn_->out = std::move(req);
      conn_->in.clear();
      in_flight_ = true;
      write(conn_);
      return;
    }
    auto c = std::make_shared<conn>(st_.io);
    c->out = std::move(req);
    conn_ = c;
    in_flight_ = true;
    c->sock.async_connect(server_, [this, c](boost::system::error_code ec) {
      if (c->dead) return;
      if (ec) return finish(c, &st_.c.errors, "tcp connect: " + ec.message());
      ++st_.c.connects;
      boost::system::error_code ignored;
      c->sock.set_option(net::ip::tcp::no_delay(true), ignored);
      write(c);
    });
  }

  void check_timeout(clock_type::time_point now) {
    if (!in_flight_ || now - sent_at_ < st_.timeout) return;
    ++st_.c.dropped;
    close_conn();
    in_flight_ = false;
    next();
  }

  bool idle() const { return !in_flight_; }
  void close() {
    if (conn_) close_conn();
  }

 private:
  struct conn {
    explicit conn(net::io_context& io) : sock(io) {}
    net::ip::tcp::socket sock;
    std::string out;
    std::string in;
    std::array<char, 16 * 1024> buf{};
    bool dead = false;  // given up on: late completions are ignored
  };

  void close_conn() {
    conn_->dead = true;
    boost::system::error_code ignored;
    conn_->sock.close(ignored);
    conn_.reset();
  }

  void write(const std::shared_ptr<conn>& c) {
    net::async_write(c->sock, net::buffer(c->out),
                     [this, c](boost::system::error_code ec, std::size_t) {
                       if (c->dead) return;
                       if (ec) return finish(c, &st_.c.errors, "tcp write: " + ec.message());
                       read(c);
                     });
  }

  void read(const std::shared_ptr<conn>& c) {
    c->sock.async_read_some(
        net::buffer(c->buf), [this, c](boost::system::error_code ec, std::size_t n) {
          if (c->dead) return;
          const bool eof = ec == net::error::eof;
          if (ec && !eof) return finish(c, &st_.c.errors, "tcp read: " + ec.message());
          c->in.append(c->buf.data(), n);
          if (c->in.size() > 1 << 20) return finish(c, &st_.c.malformed, "answer over 1 MiB");
          // Without keep-alive the answer is complete when the server closes: that is the
          // whole cost of the request, as a client sees it.
          const bool wait_for_close = !st_.opts.keepalive;
          if (wait_for_close && !eof) return read(c);
          auto p = parse_http(c->in, eof);
          if (p.what == http_parse::state::incomplete) {
            if (eof) return finish(c, &st_.c.malformed, "truncated answer");
            return read(c);
          }
          if (p.what == http_parse::state::bad) return finish(c, &st_.c.malformed, p.error);
          if (p.status != 200)
            return finish(c, &st_.c.failed, "HTTP status " + std::to_string(p.status));
          auto a = actorrent::parse_announce_response(p.body);
          if (!a) {
            const bool failure = a.error().what == actorrent::tracker_error::kind::failure_reason;
            return finish(c, failure ? &st_.c.failed : &st_.c.malformed,
                          "http announce answer: " + a.error().message);
          }
          st_.answered(clock_type::now());
          // Keep the connection only when the server will read another request on it.
          finish(c, nullptr, {}, st_.opts.keepalive && !eof && !p.close && p.total == c->in.size());
        });
  }

  void finish(const std::shared_ptr<conn>& c, std::uint64_t* counter, const std::string& what,
              bool keep = false) {
    if (counter) st_.problem(*counter, what);
    if (!keep && c == conn_) close_conn();
    in_flight_ = false;
    next();
  }

  run_state& st_;
  net::ip::tcp::endpoint server_;
  std::string prefix_, host_;
  std::shared_ptr<conn> conn_;
  bool in_flight_ = false;
  clock_type::time_point sent_at_{};
};

// ---- driver ----------------------------------------------------------------------------------

template <class Slot>
void run(run_state& st, std::vector<std::unique_ptr<Slot>>& slots) {
  for (auto& s : slots)
    s->next();
  // Every 50 ms: drop overdue requests, end the run at the deadline, and finish once every
  // slot is idle or the last requests have had their full timeout.
  std::function<void(boost::system::error_code)> tick = [&](boost::system::error_code ec) {
    if (ec) return;
    const auto now = clock_type::now();
    if (now >= st.deadline) st.stopping = true;
    for (auto& s : slots)
      s->check_timeout(now);
    bool all_idle = true;
    for (auto& s : slots)
      all_idle = all_idle && s->idle();
    if (st.stopping && (all_idle || now >= st.deadline + 2 * st.timeout)) {
      for (auto& s : slots)
        s->close();
      return;
    }
    st.sweep.expires_after(std::chrono::milliseconds(50));
    st.sweep.async_wait(tick);
  };
  st.sweep.expires_after(std::chrono::milliseconds(50));
  st.sweep.async_wait(tick);
  st.io.run();
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"bench/tracker load generator: announces per second against one tracker"};
  app.add_option("--proto", o.proto, "udp or http")->check(CLI::IsMember({"udp", "http"}));
  app.add_option("--host", o.host, "tracker IP address (loopback only)");
  app.add_option("--port", o.port, "tracker port");
  app.add_option("--duration", o.duration_s, "measured seconds (default 10)")
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--warmup", o.warmup_s, "seconds of load before measuring (default 1)")
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("-c,--concurrency", o.concurrency, "requests in flight (default 64)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--swarms", o.swarms, "distinct info-hashes (default 1000)")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--peers", o.peers, "distinct peers (default 50000)")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--numwant", o.numwant, "numwant in every announce (default 50)")
      ->check(CLI::Range(0, 1000));
  app.add_option("--timeout-ms", o.timeout_ms, "a request unanswered this long is dropped")
      ->check(CLI::Range(10, 60'000));
  app.add_option("--reconnect", o.reconnect_s, "UDP: seconds a connection id is used (60)")
      ->check(CLI::Range(1, 120));
  app.add_option("--completed-percent", o.completed_percent, "share of leecher announces")
      ->check(CLI::Range(0, 100));
  app.add_option("--stopped-percent", o.stopped_percent, "share of announces (default 0)")
      ->check(CLI::Range(0, 100));
  app.add_flag("--keepalive", o.keepalive, "HTTP: keep connections open between requests");
  app.add_option("--seed", o.seed, "random seed");
  app.add_flag("--print-hashes", o.print_hashes,
               "print the --swarms info-hashes (40 hex digits, one a line) and exit");
  app.add_flag("-q,--quiet", o.quiet, "print only the result line");
  CLI11_PARSE(app, argc, argv);

  if (o.print_hashes) {
    for (std::size_t i = 0; i < o.swarms; ++i)
      std::cout << swarm_hash(i).hex() << "\n";
    return 0;
  }
  if (o.port == 0) {
    std::cerr << "tracker_loadgen: --port is required\n";
    return 2;
  }
  if (o.peers < o.swarms) o.peers = o.swarms;
  if (o.completed_percent + o.stopped_percent > 100) {
    std::cerr << "tracker_loadgen: completed + stopped percent over 100\n";
    return 2;
  }

  boost::system::error_code ec;
  const auto address = net::ip::make_address(o.host, ec);
  if (ec || !address.is_loopback()) {
    std::cerr << "tracker_loadgen: --host must be a loopback address"
              << (ec ? " (" + ec.message() + ")" : std::string()) << "\n";
    return 2;
  }
  net::io_context io(1);
  run_state st(o, io);
  try {
    if (o.proto == "udp") {
      std::vector<std::unique_ptr<udp_slot>> slots;
      for (std::size_t i = 0; i < o.concurrency; ++i)
        slots.push_back(std::make_unique<udp_slot>(st, net::ip::udp::endpoint(address, o.port)));
      run(st, slots);
    } else {
      std::vector<std::unique_ptr<http_slot>> slots;
      for (std::size_t i = 0; i < o.concurrency; ++i)
        slots.push_back(std::make_unique<http_slot>(st, net::ip::tcp::endpoint(address, o.port)));
      run(st, slots);
    }
  } catch (const std::exception& e) {
    std::cerr << "tracker_loadgen: " << e.what() << "\n";
    return 1;
  }

  const counters& c = st.c;
  const double rate = static_cast<double>(c.ok_window) / o.duration_s;
  // Our own CPU time per answer: if it nears the server's, the generator limits the rate.
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  const double cpu_us = c.ok ? cpu_s * 1e6 / static_cast<double>(c.ok) : 0;
  const std::string mode =
      o.proto == "udp" ? "udp" : (o.keepalive ? "http keep-alive" : "http close");
  if (!o.quiet) {
    std::printf(
        "tracker_loadgen: %s %s:%u, %.1f s (+%.1f s warm-up), %zu in flight, %zu swarms, "
        "%zu peers, numwant %d\n",
        mode.c_str(), o.host.c_str(), static_cast<unsigned>(o.port), o.duration_s, o.warmup_s,
        o.concurrency, o.swarms, o.peers, o.numwant);
    std::printf(
        "  %.0f announces/s; %llu answered, %llu failed, %llu dropped, %llu malformed, %llu "
        "errors; %llu %s, %llu late; generator CPU %.1f us per answer\n",
        rate, static_cast<unsigned long long>(c.ok), static_cast<unsigned long long>(c.failed),
        static_cast<unsigned long long>(c.dropped), static_cast<unsigned long long>(c.malformed),
        static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(c.connects),
        o.proto == "udp" ? "connects" : "connections", static_cast<unsigned long long>(c.late),
        cpu_us);
    if (!c.first_problem.empty()) std::printf("  first problem: %s\n", c.first_problem.c_str());
  }
  std::printf(
      "result proto=%s rate=%.0f ok=%llu failed=%llu dropped=%llu malformed=%llu errors=%llu "
      "late=%llu gen_cpu_us=%.1f\n",
      o.proto == "udp" ? "udp" : (o.keepalive ? "http-keepalive" : "http"), rate,
      static_cast<unsigned long long>(c.ok), static_cast<unsigned long long>(c.failed),
      static_cast<unsigned long long>(c.dropped), static_cast<unsigned long long>(c.malformed),
      static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(c.late), cpu_us);
  return 0;
}
