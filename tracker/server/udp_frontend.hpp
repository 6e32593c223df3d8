// The tracker's UDP listener (BEP 15): one asio socket on the caller's io_context, each
// datagram answered by answer_udp(). Single-threaded like the HTTP front end, sharing the
// same swarm_store.
//
// Memory is bounded by design: one receive buffer, no per-client state (connection ids are
// recomputed, see connection_ids.hpp), and answers are sent without queueing — when the
// socket's send buffer is full the answer is dropped, as UDP would drop it anyway.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <memory>
#include <string>

#include "protocol/expected.hpp"
#include "tracker/server/connection_ids.hpp"
#include "tracker/server/swarm_store.hpp"

namespace actorrent::server {

class udp_frontend {
 public:
  // Binds now; serving starts with start(). `store` must outlive the io_context's last run.
  static expected<std::unique_ptr<udp_frontend>, std::string> open(
      boost::asio::io_context& io, swarm_store& store, const boost::asio::ip::udp::endpoint& at,
      connection_ids ids = connection_ids{});
  ~udp_frontend();

  udp_frontend(const udp_frontend&) = delete;
  udp_frontend& operator=(const udp_frontend&) = delete;

  boost::asio::ip::udp::endpoint local_endpoint() const;
  void start();
  void stop();  // call on the io thread, or when it is not running

  struct state;  // shared with the pending receive, which may outlive this object

 private:
  explicit udp_frontend(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace actorrent::server
