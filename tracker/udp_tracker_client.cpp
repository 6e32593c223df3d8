#include "tracker/udp_tracker_client.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "tracker/udp_tracker_protocol.hpp"

namespace actorrent {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

namespace {

using clock = std::chrono::steady_clock;
using kind = tracker_error::kind;

struct operation {
  std::variant<announce_request, std::vector<sha1_hash>> what;
  udp_tracker_client::announce_callback on_announce;
  udp_tracker_client::scrape_callback on_scrape;
  response_fault fault = response_fault::none;
};

void deliver(operation& op, udp_tracker_outcome outcome) {
  if (std::holds_alternative<announce_request>(op.what)) {
    if (!op.on_announce) return;
    if (!outcome) return op.on_announce(make_unexpected(outcome.error()));
    return op.on_announce(std::get<announce_response>(std::move(outcome).value()));
  }
  if (!op.on_scrape) return;
  if (!outcome) return op.on_scrape(make_unexpected(outcome.error()));
  op.on_scrape(std::get<std::vector<scrape_entry>>(std::move(outcome).value()));
}

unexpected<tracker_error> error(kind k, const std::string& who, const std::string& what) {
  return make_unexpected(tracker_error{k, who + ": " + what});
}

// An IPv4-mapped IPv6 address reaches the tracker over IPv4, and BEP 15 then answers with
// IPv4 peers: treat it as the IPv4 address it is.
udp::endpoint normalized(const udp::endpoint& e) {
  const auto a = e.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return {asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()), e.port()};
  return e;
}

// What fault injection treats as the tracker's answer: anything but the connection
// handshake, which is plumbing (a real tracker saw the request whose answer is lost).
bool is_answer(std::string_view datagram) {
  const auto header = udp_tracker::peek_response_header(datagram);
  return header && header->action != static_cast<std::uint32_t>(udp_tracker::action::connect);
}

std::string describe(const error_code& ec) {
  if (ec == asio::error::connection_refused)
    return "connection refused (ICMP port unreachable: nothing listens there)";
  return ec.message();
}

}  // namespace

struct udp_tracker_client::impl : std::enable_shared_from_this<impl> {
  struct tracker {
    tracker(asio::io_context& io, udp_tracker_url u)
        : url(std::move(u)),
          socket(io),
          timer(io),
          resolver(io),
          rx(udp_tracker::max_response_size + 1) {}

    udp_tracker_url url;
    udp::socket socket;
    asio::steady_timer timer;  // the session's next deadline, or the idle expiry
    udp::resolver resolver;
    std::vector<char> rx;  // one datagram, at most max_response_size + 1 bytes
    std::optional<udp_tracker_session> session;  // exists while a socket is open
    std::vector<udp::endpoint> endpoints;
    std::size_t endpoint_index = 0;
    std::deque<operation> queue;  // front() is the running one when `running`
    bool running = false;
    // Bumped when an operation ends or is cancelled: a resolver answer for an operation
    // that is gone is dropped.
    std::uint64_t generation = 0;
    // Bumped when the socket is closed: completions of its last receive are dropped.
    std::uint64_t socket_generation = 0;
    clock::time_point idle_since{};
  };
  using tracker_ptr = std::shared_ptr<tracker>;

  impl(asio::io_context& io, udp_tracker_client_options o)
      : io(io), strand(asio::make_strand(io)), options(std::move(o)), seed(options.seed) {
    options.max_queued_per_tracker = std::max<std::size_t>(options.max_queued_per_tracker, 1);
    options.max_trackers = std::max<std::size_t>(options.max_trackers, 1);
    options.max_endpoints = std::max<std::size_t>(options.max_endpoints, 1);
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;
  udp_tracker_client_options options;
  std::uint32_t seed;
  std::map<std::string, tracker_ptr> trackers;
  bool closed = false;

  template <class F>
  auto on_strand(F&& f) {
    return asio::bind_executor(strand, std::forward<F>(f));
  }

  std::uint32_t next_seed() {
    if (seed == 0) return 0;  // random per session
    return ++seed == 0 ? ++seed : seed;
  }

  // ---- operations ------------------------------------------------------------------------

  void submit(const std::string& url_text, operation op) {
    if (closed) return;
    auto url = parse_udp_tracker_url(url_text);
    if (!url) return deliver(op, make_unexpected(url.error()));
    auto it = trackers.find(url_text);
    if (it == trackers.end()) {
      if (trackers.size() >= options.max_trackers && !evict_idle())
        return deliver(op, error(kind::network, url->display,
                                 "too many UDP trackers busy at once (limit " +
                                     std::to_string(options.max_trackers) + ")"));
      it = trackers.emplace(url_text, std::make_shared<tracker>(io, *url)).first;
    }
    const tracker_ptr t = it->second;
    if (t->queue.size() >= options.max_queued_per_tracker)
      return deliver(op, error(kind::network, t->url.display,
                               "too many operations queued for this tracker (limit " +
                                   std::to_string(options.max_queued_per_tracker) + ")"));
    t->queue.push_back(std::move(op));
    start_next(t);
  }

  void start_next(const tracker_ptr& t) {
    if (closed || t->running || t->queue.empty()) return;
    t->running = true;
    // While the connection id is good, the address it belongs to is still the one to use;
    // otherwise look the name up again, so that a tracker that moved is followed.
    if (t->session && t->socket.is_open() && t->session->has_connection_id(clock::now()))
      return begin_operation(t);
    resolve(t);
  }

  void resolve(const tracker_ptr& t) {
    const std::uint64_t gen = t->generation;
    t->resolver.async_resolve(
        t->url.host, std::to_string(t->url.port), udp::resolver::numeric_service,
        on_strand([self = shared_from_this(), t, gen](const error_code& ec,
                                                      udp::resolver::results_type results) {
          self->on_resolved(t, gen, ec, std::move(results));
        }));
  }

  void on_resolved(const tracker_ptr& t, std::uint64_t gen, const error_code& ec,
                   udp::resolver::results_type results) {
    if (closed || gen != t->generation || !t->running) return;
    if (ec)
      return finish(t,
                    error(kind::network, t->url.display, "cannot resolve host: " + ec.message()));
    std::vector<udp::endpoint> found;
    for (const auto& entry : results) {
      const udp::endpoint e = normalized(entry.endpoint());
      if (std::find(found.begin(), found.end(), e) == found.end()) found.push_back(e);
      if (found.size() == options.max_endpoints) break;
    }
    if (found.empty())
      return finish(t, error(kind::network, t->url.display, "host has no address"));
    if (t->session && t->socket.is_open() && t->endpoint_index < t->endpoints.size()) {
      auto same = std::find(found.begin(), found.end(), t->endpoints[t->endpoint_index]);
      if (same != found.end()) {
        t->endpoint_index = static_cast<std::size_t>(same - found.begin());
        t->endpoints = std::move(found);
        return begin_operation(t);
      }
    }
    t->endpoints = std::move(found);
    if (open_endpoint(t, 0)) begin_operation(t);
  }

  // Opens a connected socket to the first endpoint from `first` on that accepts one, with
  // a fresh session (a connection id belongs to the address it came from). False after
  // finishing the operation when none does.
  bool open_endpoint(const tracker_ptr& t, std::size_t first) {
    error_code last;
    for (std::size_t i = first; i < t->endpoints.size(); ++i) {
      close_socket(t);
      const udp::endpoint& e = t->endpoints[i];
      error_code ec;
      t->socket.open(e.protocol(), ec);
      if (!ec) t->socket.non_blocking(true, ec);
      if (!ec) t->socket.connect(e, ec);
      if (ec) {
        last = ec;
        continue;
      }
      t->endpoint_index = i;
      t->session.emplace(
          t->url,
          e.address().is_v6() ? udp_tracker::address_family::v6 : udp_tracker::address_family::v4,
          options.session, next_seed());
      start_receive(t);
      return true;
    }
    close_socket(t);
    finish(t, error(kind::network, t->url.display, "cannot open a UDP socket: " + describe(last)));
    return false;
  }

  void begin_operation(const tracker_ptr& t) {
    const operation& op = t->queue.front();
    const auto now = clock::now();
    if (auto* a = std::get_if<announce_request>(&op.what))
      t->session->start_announce(*a, now);
    else
      t->session->start_scrape(std::get<std::vector<sha1_hash>>(op.what), now);
    pump(t);
  }

  // Sends what the session wants sent, delivers its result, or sleeps until its deadline.
  void pump(const tracker_ptr& t) {
    if (closed || !t->running || !t->session) return;
    const auto now = clock::now();
    // At most one datagram is due per call; the bound only guards against a session bug.
    for (int i = 0; i < 4; ++i) {
      auto d = t->session->next_datagram(now);
      if (!d) break;
      error_code ec;
      t->socket.send(asio::buffer(*d), 0, ec);
      // A full send buffer loses the datagram like the network would; retransmission
      // covers it.
      if (ec && ec != asio::error::would_block && ec != asio::error::no_buffer_space)
        return on_socket_error(t, ec);
    }
    if (auto r = t->session->take_result()) return finish(t, std::move(*r));
    if (auto deadline = t->session->next_deadline()) arm_timer(t, std::max(*deadline, now));
  }

  void start_receive(const tracker_ptr& t) {
    const std::uint64_t gen = t->socket_generation;
    t->socket.async_receive(
        asio::buffer(t->rx),
        on_strand([self = shared_from_this(), t, gen](const error_code& ec, std::size_t n) {
          self->on_receive(t, gen, ec, n);
        }));
  }

  void on_receive(const tracker_ptr& t, std::uint64_t gen, const error_code& ec, std::size_t n) {
    if (closed || gen != t->socket_generation || ec == asio::error::operation_aborted) return;
    if (ec) return on_socket_error(t, ec);
    std::string_view datagram(t->rx.data(), std::min(n, t->rx.size()));
    // Fault injection acts on the answers the running operation receives, as a lossy or
    // corrupting network would; the session's handling of them is the real one.
    const response_fault fault =
        t->running && is_answer(datagram) ? t->queue.front().fault : response_fault::none;
    if (fault == response_fault::corrupt) datagram = garbled(datagram);
    if (t->session && fault != response_fault::drop)
      t->session->on_datagram(datagram, clock::now());
    start_receive(t);
    pump(t);
  }

  // Refused, unreachable and the like: try the host's next address, else fail. With
  // nothing outstanding (a late ICMP error), just close: the next operation reopens.
  void on_socket_error(const tracker_ptr& t, const error_code& ec) {
    if (!t->running) {
      close_socket(t);
      return;
    }
    if (t->endpoint_index + 1 < t->endpoints.size()) {
      if (open_endpoint(t, t->endpoint_index + 1)) begin_operation(t);
      return;
    }
    close_socket(t);
    finish(t, error(kind::network, t->url.display, describe(ec)));
  }

  void finish(const tracker_ptr& t, udp_tracker_outcome outcome) {
    ++t->generation;
    t->running = false;
    if (t->session && t->session->busy()) {
      t->session->cancel();
      t->session->take_result();
    }
    operation op = std::move(t->queue.front());
    t->queue.pop_front();
    // The callback first: operations of one tracker complete in call order.
    deliver(op, std::move(outcome));
    start_next(t);
    if (!t->running) go_idle(t);
  }

  // ---- timers, idleness, closing ---------------------------------------------------------

  void arm_timer(const tracker_ptr& t, clock::time_point when) {
    t->timer.expires_at(when);
    t->timer.async_wait(on_strand([self = shared_from_this(), t](const error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      self->on_timer(t);
    }));
  }

  void on_timer(const tracker_ptr& t) {
    if (closed) return;
    if (t->running) return pump(t);
    if (t->queue.empty() && clock::now() >= t->idle_since + options.session.connection_id_lifetime)
      retire(t);
  }

  // An idle tracker keeps its socket while its connection id may still be used.
  void go_idle(const tracker_ptr& t) {
    if (closed) return;
    t->idle_since = clock::now();
    arm_timer(t, t->idle_since + options.session.connection_id_lifetime);
  }

  void close_socket(const tracker_ptr& t) {
    error_code ignored;
    t->socket.close(ignored);
    ++t->socket_generation;
  }

  void retire(const tracker_ptr& t) {
    close_socket(t);
    t->timer.cancel();
    t->resolver.cancel();
    for (auto it = trackers.begin(); it != trackers.end(); ++it) {
      if (it->second == t) {
        trackers.erase(it);
        break;
      }
    }
  }

  bool evict_idle() {
    for (auto& [key, t] : trackers) {
      if (!t->running && t->queue.empty()) {
        retire(tracker_ptr(t));  // a copy: retire() erases the map entry holding `t`
        return true;
      }
    }
    return false;
  }

  void cancel_all() {
    if (closed) return;
    std::vector<std::pair<operation, std::string>> cancelled;
    for (auto& [key, t] : trackers) {
      if (t->queue.empty()) continue;
      ++t->generation;
      t->running = false;
      t->resolver.cancel();
      if (t->session && t->session->busy()) {
        t->session->cancel();
        t->session->take_result();
      }
      for (operation& op : t->queue)
        cancelled.emplace_back(std::move(op), t->url.display);
      t->queue.clear();
      go_idle(t);
    }
    for (auto& [op, who] : cancelled)
      deliver(op, error(kind::cancelled, who, "cancelled"));
  }

  void shutdown() {
    closed = true;
    for (auto& [key, t] : trackers) {
      close_socket(t);
      t->timer.cancel();
      t->resolver.cancel();
      t->queue.clear();
    }
    trackers.clear();
  }
};

udp_tracker_client::udp_tracker_client(asio::io_context& io, udp_tracker_client_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

udp_tracker_client::~udp_tracker_client() {
  asio::post(impl_->strand, [self = impl_] { self->shutdown(); });
}

void udp_tracker_client::announce(std::string url, announce_request request,
                                  announce_callback callback, response_fault fault) {
  operation op{std::move(request), std::move(callback), {}, fault};
  asio::post(impl_->strand, [self = impl_, url = std::move(url), op = std::move(op)]() mutable {
    self->submit(url, std::move(op));
  });
}

void udp_tracker_client::scrape(std::string url, std::vector<sha1_hash> info_hashes,
                                scrape_callback callback, response_fault fault) {
  operation op{std::move(info_hashes), {}, std::move(callback), fault};
  asio::post(impl_->strand, [self = impl_, url = std::move(url), op = std::move(op)]() mutable {
    self->submit(url, std::move(op));
  });
}

void udp_tracker_client::cancel() {
  asio::post(impl_->strand, [self = impl_] { self->cancel_all(); });
}

// ---- blocking wrappers ---------------------------------------------------------------------

namespace {

// Never the whole URL in messages: its path or query may hold a passkey.
std::string display_name(const std::string& url) {
  auto parsed = parse_udp_tracker_url(url);
  return parsed ? parsed->display : std::string("udp tracker");
}

template <class T, class Start>
expected<T, tracker_error> run_blocking(const std::string& url,
                                        const udp_tracker_blocking_options& options, Start start) {
  asio::io_context io;
  std::optional<expected<T, tracker_error>> out;
  auto client = std::make_unique<udp_tracker_client>(io, options.client);
  start(*client, [&out](expected<T, tracker_error> r) { out = std::move(r); });

  const auto started = clock::now();
  bool timed_out = false;
  bool cancel_sent = false;
  // Wakes every 50 ms to look at the cancel flag and the total timeout; the loop ends when
  // the callback has run, which cancel() guarantees promptly.
  while (!out) {
    io.run_one_for(std::chrono::milliseconds(50));
    // Cannot happen while the client has an operation; guards against spinning forever.
    if (io.stopped() && !out)
      out = error(kind::network, display_name(url), "internal error: the I/O loop ran out of work");
    if (out || cancel_sent) continue;
    if (options.cancel && options.cancel->load()) {
      client->cancel();
      cancel_sent = true;
    } else if (options.total_timeout && clock::now() - started >= *options.total_timeout) {
      timed_out = true;
      client->cancel();
      cancel_sent = true;
    }
  }
  // Closing the client cancels its handlers; run them so that nothing outlives `io` in an
  // unfinished state. A DNS lookup in progress cannot be interrupted and is waited for.
  client.reset();
  io.run();

  if (timed_out && !*out && out->error().what == kind::cancelled) {
    return error(kind::network, display_name(url),
                 "timed out after " + std::to_string(options.total_timeout->count()) + " ms");
  }
  return std::move(*out);
}

}  // namespace

expected<announce_response, tracker_error> udp_announce(
    const std::string& url, const announce_request& request,
    const udp_tracker_blocking_options& options) {
  return run_blocking<announce_response>(url, options, [&](udp_tracker_client& c, auto done) {
    c.announce(url, request, std::move(done), options.fault);
  });
}

expected<std::vector<scrape_entry>, tracker_error> udp_scrape(
    const std::string& url, const std::vector<sha1_hash>& info_hashes,
    const udp_tracker_blocking_options& options) {
  return run_blocking<std::vector<scrape_entry>>(
      url, options, [&](udp_tracker_client& c, auto done) {
        c.scrape(url, info_hashes, std::move(done), options.fault);
      });
}

}  // namespace actorrent
