#include "actors/io_thread.hpp"

namespace actorrent {

io_thread::io_thread() : guard_(boost::asio::make_work_guard(io_)) {
  thread_ = std::thread([this] { io_.run(); });
}

io_thread::~io_thread() {
  stop();
}

void io_thread::stop() {
  if (!thread_.joinable()) return;
  guard_.reset();
  io_.stop();
  thread_.join();
}

}  // namespace actorrent
