#include "tracker/server/http_frontend.hpp"

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "tracker/server/listen_address.hpp"
#include "tracker/server/tracker_response.hpp"

namespace actorrent::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct http_frontend::state {
  state(net::io_context& io, swarm_store& s, http_frontend_options o)
      : acceptor(io), retry(io), store(&s), options(std::move(o)) {}
  tcp::acceptor acceptor;
  net::steady_timer retry;
  swarm_store* store;
  http_frontend_options options;
  std::size_t connections = 0;
  bool stopped = false;
};

namespace {

using state = http_frontend::state;

std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket socket, std::shared_ptr<state> st, peer_address remote)
      : stream_(std::move(socket)),
        st_(std::move(st)),
        // Room for a whole header plus the start of a pipelined next request; the parser's
        // header_limit is what refuses oversized requests.
        buffer_(st_->options.header_limit + 4096),
        remote_(remote) {
    ++st_->connections;
  }
  ~http_session() { --st_->connections; }

  void start() { read_request(); }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(st_->options.header_limit));
    parser_->body_limit(0);
    stream_.expires_after(st_->options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (st_->stopped) return close();
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return send({200, "text/plain",
                   bencode_failure("request too large (header limit " +
                                   std::to_string(st_->options.header_limit) + " bytes)")},
                  11, false);
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec) {
      // A malformed request gets a plain 400; a transport error just ends the connection.
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return send({400, "text/plain", "bad request\n"}, 11, false);
      return close();
    }
    const auto& req = parser_->get();
    http_answer a = route_request(sv(req.method_string()), sv(req.target()), remote_, *st_->store,
                                  st_->options.routes, tracker_clock::now());
    const bool keep = req.keep_alive() && ++served_ < st_->options.max_requests;
    send(std::move(a), req.version(), keep);
  }

  void send(http_answer a, unsigned version, bool keep) {
    res_ = {};
    res_.version(version);
    res_.result(a.status);
    res_.set(http::field::server, "actorrent");
    res_.set(http::field::content_type, a.content_type);
    res_.keep_alive(keep);
    res_.body() = std::move(a.body);
    res_.prepare_payload();
    stream_.expires_after(st_->options.write_timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                        if (ec || self->st_->stopped) return self->close();
                        if (keep) return self->read_request();
                        self->linger_close();
                      });
  }

  // Closing with unread input makes the kernel send RST, which can destroy the answer
  // before the client reads it; so stop sending, then discard input for a bounded time.
  void linger_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > 256 * 1024) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<state> st_;
  beast::flat_buffer buffer_;
  peer_address remote_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> res_;
  std::size_t served_ = 0;
  std::array<char, 4096> discard_{};
  std::size_t drained_ = 0;
};

void accept_next(const std::shared_ptr<state>& st);

void on_accept(const std::shared_ptr<state>& st, beast::error_code ec, tcp::socket socket) {
  if (st->stopped || ec == net::error::operation_aborted) return;
  if (ec) {
    // Typically EMFILE: accepting again at once would spin; give descriptors time to free.
    st->retry.expires_after(std::chrono::milliseconds(100));
    st->retry.async_wait([st](beast::error_code e) {
      if (!e && !st->stopped) accept_next(st);
    });
    return;
  }
  beast::error_code rec;
  auto remote = socket.remote_endpoint(rec);
  if (!rec && st->connections < st->options.max_connections) {
    std::make_shared<http_session>(std::move(socket), st,
                                   to_peer_address(remote.address(), remote.port()))
        ->start();
  } else {
    socket.close(rec);
  }
  accept_next(st);
}

void accept_next(const std::shared_ptr<state>& st) {
  st->acceptor.async_accept(
      [st](beast::error_code ec, tcp::socket socket) { on_accept(st, ec, std::move(socket)); });
}

}  // namespace

expected<std::unique_ptr<http_frontend>, std::string> http_frontend::open(
    net::io_context& io, swarm_store& store, const tcp::endpoint& at,
    http_frontend_options options) {
  auto st = std::make_shared<state>(io, store, std::move(options));
  beast::error_code ec;
  const std::string where = "http: cannot listen on " + to_string(at.address(), at.port()) + ": ";
  st->acceptor.open(at.protocol(), ec);
  if (!ec) st->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) st->acceptor.bind(at, ec);
  if (!ec) st->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_unexpected(where + ec.message());
  return std::unique_ptr<http_frontend>(new http_frontend(std::move(st)));
}

http_frontend::http_frontend(std::shared_ptr<state> s) : state_(std::move(s)) {}

http_frontend::~http_frontend() {
  stop();
}

tcp::endpoint http_frontend::local_endpoint() const {
  beast::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

void http_frontend::start() {
  accept_next(state_);
}

void http_frontend::stop() {
  state_->stopped = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  state_->retry.cancel();
}

std::size_t http_frontend::open_connections() const {
  return state_->connections;
}

}  // namespace actorrent::server
