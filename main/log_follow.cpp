#include "main/log_follow.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <thread>

#include "main/log_format.hpp"
#include "main/log_records.hpp"

namespace actorrent::msglog {

log_tailer::log_tailer(std::string path) : path_(std::move(path)) {}

log_tailer::~log_tailer() {
  close_fd();
}

void log_tailer::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool log_tailer::open_fd(std::string& error) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path_ + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    error = path_ + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  close_fd();
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = 0;
  partial_.clear();
  line_ = 0;
  return true;
}

bool log_tailer::open(bool from_start, std::string& error) {
  if (!open_fd(error)) return false;
  if (from_start) return true;
  // Skip every complete line, counting them (warnings name line numbers).
  char buf[1 << 16];
  off_t end_of_last_line = 0, pos = 0;
  for (;;) {
    ssize_t n = ::pread(fd_, buf, sizeof buf, pos);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] == '\n') {
        ++line_;
        end_of_last_line = pos + i + 1;
      }
    pos += n;
  }
  offset_ = end_of_last_line;
  return true;
}

void log_tailer::drain(std::vector<tailed_line>& out) {
  if (fd_ < 0) return;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::pread(fd_, buf, sizeof buf, offset_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    offset_ += n;
    const char* p = buf;
    const char* end = buf + n;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (!nl) {
        partial_.append(p, end);
        break;
      }
      partial_.append(p, nl);
      out.push_back({std::move(partial_), ++line_});
      partial_.clear();
      p = nl + 1;
    }
  }
}

bool log_tailer::poll(std::vector<tailed_line>& out) {
  drain(out);
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) return false;  // between the rename and the new file
  if (st.st_dev != dev_ || st.st_ino != ino_) {
    drain(out);  // the rest of the old file, now under another name
    if (!partial_.empty()) out.push_back({std::move(partial_), ++line_});
    std::string error;
    if (open_fd(error)) drain(out);
    return true;
  }
  if (st.st_size < offset_) {  // truncated in place: start over
    offset_ = 0;
    partial_.clear();
    line_ = 0;
    drain(out);
    return true;
  }
  return false;
}

int follow(const follow_options& o, record_filter& filter, std::ostream& out, std::ostream& err,
           const std::atomic<bool>& stop) {
  std::vector<log_source> sources;
  std::string error;
  if (!resolve_sources(o.files, sources, error)) {
    err << "actorrent log follow: " << error << "\n";
    return 1;
  }
  // `+SECONDS` counts from the first record the files hold, rotated siblings included.
  std::optional<std::int64_t> first;
  for (const auto& s : sources) {
    auto t = first_time(s);
    if (t && (!first || *t < *first)) first = t;
  }
  if (first) filter.set_first_time(*first);

  std::vector<std::unique_ptr<log_tailer>> tailers;
  for (const auto& f : o.files) {
    tailers.push_back(std::make_unique<log_tailer>(f));
    if (!tailers.back()->open(o.last > 0, error)) {
      err << "actorrent log follow: " << error << "\n";
      return 1;
    }
  }

  auto emit = [&](const record& r) {
    if (o.json)
      out << r.raw << "\n";
    else
      out << format_record(r) << "\n";
  };
  // Parses and filters a batch of lines of one file, appending the matches.
  auto parse = [&](const log_tailer& tl, std::vector<tailed_line>& lines,
                   std::vector<record>& matched) {
    for (auto& l : lines) {
      if (!l.text.empty() && l.text.back() == '\r') l.text.pop_back();
      if (l.text.find_first_not_of(" \t") == std::string::npos) continue;
      record r;
      std::string why;
      if (!parse_record(std::move(l.text), r, why)) {
        err << "actorrent log: warning: " << tl.path() << ":" << l.line << ": " << why
            << " (line skipped)\n";
        continue;
      }
      r.file = tl.path();
      r.line = l.line;
      if (!first) {
        first = r.t;
        filter.set_first_time(r.t);
      }
      if (filter.matches(r)) matched.push_back(std::move(r));
    }
    lines.clear();
  };

  std::vector<tailed_line> lines;
  std::vector<record> batch;
  if (o.last > 0) {
    for (auto& tl : tailers) {
      tl->poll(lines);
      std::vector<record> matched;
      parse(*tl, lines, matched);
      std::size_t from = matched.size() > o.last ? matched.size() - o.last : 0;
      for (std::size_t i = from; i < matched.size(); ++i)
        batch.push_back(std::move(matched[i]));
    }
    std::stable_sort(batch.begin(), batch.end(),
                     [](const record& a, const record& b) { return a.t < b.t; });
    for (const auto& r : batch)
      emit(r);
    out.flush();
    batch.clear();
  }

  using clock = std::chrono::steady_clock;
  auto last_line = clock::now();
  auto period = std::chrono::microseconds(static_cast<std::int64_t>(o.poll_s * 1e6));
  while (!stop.load()) {
    std::this_thread::sleep_for(period);
    bool any = false;
    for (auto& tl : tailers) {
      tl->poll(lines);
      any = any || !lines.empty();
      parse(*tl, lines, batch);
    }
    std::stable_sort(batch.begin(), batch.end(),
                     [](const record& a, const record& b) { return a.t < b.t; });
    for (const auto& r : batch)
      emit(r);
    if (!batch.empty()) out.flush();
    err.flush();
    batch.clear();
    if (any) last_line = clock::now();
    if (o.idle_exit_s > 0 &&
        std::chrono::duration<double>(clock::now() - last_line).count() >= o.idle_exit_s)
      break;
  }
  out.flush();
  return 0;
}

}  // namespace actorrent::msglog
