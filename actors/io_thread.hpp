// The one asio io_context that owns every socket and socket timer (CAF-NOTES.md: socket I/O
// runs on asio, CAF is for the actors), run on a dedicated thread. The work guard keeps
// run() from returning when every connection is paused for backpressure — without it, later
// posts would be silently lost.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>
#include <thread>

namespace actorrent {

class io_thread {
 public:
  io_thread();
  ~io_thread();  // stop() and join
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  boost::asio::io_context& context() { return io_; }
  // Lets pending handlers finish, then ends the thread. Idempotent.
  void stop();

 private:
  boost::asio::io_context io_{1};  // one thread: handlers never run concurrently
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::thread thread_;
};

}  // namespace actorrent
