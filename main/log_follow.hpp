// `actorrent log follow`: a log file read as it grows, like `tail -F`. A tailer notices
// rotation (the path now names another inode: the old file was renamed to .1 and a new one
// created), finishes the old file and reopens the path from its start; a file cut shorter is
// read again from its start.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "main/log_filter.hpp"

namespace actorrent::msglog {

struct tailed_line {
  std::string text;
  std::size_t line = 0;  // 1-based within the file it was read from
};

class log_tailer {
 public:
  explicit log_tailer(std::string path);
  ~log_tailer();
  log_tailer(const log_tailer&) = delete;
  log_tailer& operator=(const log_tailer&) = delete;

  // `from_start`: every line of the file; else only lines completed after the file's last
  // complete line. False with a reason when the file cannot be opened.
  bool open(bool from_start, std::string& error);

  // The complete lines written since the last call, rotations included; true when a
  // rotation or truncation was seen.
  bool poll(std::vector<tailed_line>& out);

  const std::string& path() const { return path_; }

 private:
  bool open_fd(std::string& error);
  void drain(std::vector<tailed_line>& out);
  void close_fd();
  std::string path_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t offset_ = 0;
  std::string partial_;
  std::size_t line_ = 0;
};

struct follow_options {
  std::vector<std::string> files;
  std::size_t last = 0;  // -n: start with the last N matching records of each file
  bool json = false;
  double idle_exit_s = 0;  // 0: never
  double poll_s = 0.2;
};

// Runs until `stop` becomes true or `idle_exit_s` passes without a new line. Returns the
// exit status (1 when a file is missing at the start).
int follow(const follow_options& o, record_filter& filter, std::ostream& out, std::ostream& err,
           const std::atomic<bool>& stop);

}  // namespace actorrent::msglog
