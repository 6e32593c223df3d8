// The DHT's UDP socket on the asio thread (CAF-NOTES.md: socket I/O runs on asio): it reads
// datagrams and hands each to the DHT actor as a dht_datagram, and sends what the actor
// posts. One unconnected socket serves every node: KRPC queries go to many addresses from
// the one port other nodes know us by.
//
// Bounded: at most `max_queued` datagrams may wait in the actor's mailbox (the actor calls
// consumed() for each it handled); beyond that, datagrams are read and dropped, and counted —
// a flood costs the reads, never memory. Each is read into a buffer one byte longer than
// the KRPC limit, so that an oversized datagram arrives as such (the kernel truncates it
// silently otherwise) and is refused by the decoder. Sends waiting on the asio thread are
// bounded likewise; a send the kernel will not take at once (EWOULDBLOCK) is dropped: a DHT
// query is retried or replaced anyway, and a reply lost is a lost UDP packet like any other.
#pragma once

#include <caf/actor.hpp>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/peer_address.hpp"

namespace actorrent {

struct dht_socket_options {
  std::size_t max_datagram = 1500;  // KRPC's limit (krpc_limits::max_message_size)
  std::size_t max_queued = 256;     // datagrams in the actor's mailbox
  std::size_t max_sends = 512;      // sends posted, not yet handed to the kernel
};

class dht_socket {
 public:
  // Binds at once, so that a port in use is an error here, naming the address.
  static expected<std::shared_ptr<dht_socket>, std::string> open(boost::asio::io_context& io,
                                                                 const std::string& address,
                                                                 std::uint16_t port,
                                                                 dht_socket_options options = {});
  ~dht_socket();

  // Starts reading; every datagram goes to `owner`. Call once.
  void start(caf::actor owner);
  // Thread-safe: the datagram is sent from the asio thread.
  void send(const peer_address& to, std::string bytes);
  // The owner handled one dht_datagram: one more may be queued.
  void consumed();
  // Thread-safe; idempotent (only the first call touches the io_context). Reading stops, the
  // port is released.
  void close();
  // Resolves "host" (a name or an IP literal) on the asio thread; `done` runs there, with
  // the IPv4 addresses found (or none), at most `max` of them.
  void resolve(std::string host, std::uint16_t port, std::size_t max,
               std::function<void(std::vector<peer_address>)> done);

  std::uint16_t port() const { return port_; }
  std::uint64_t dropped() const;        // datagrams read and thrown away (max_queued)
  std::uint64_t send_failures() const;  // sends refused by the kernel or max_sends

  struct impl;

 private:
  dht_socket(std::shared_ptr<impl> i, std::uint16_t port) : impl_(std::move(i)), port_(port) {}
  std::shared_ptr<impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace actorrent
