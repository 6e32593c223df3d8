#include "main/read_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace actorrent {

expected<std::string, std::string> read_file(const std::string& path, std::size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_unexpected(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_unexpected(path + ": not a regular file");
  }
  if (static_cast<std::size_t>(st.st_size) > max_size) {
    ::close(fd);
    return make_unexpected(path + ": larger than " + std::to_string(max_size) + " bytes");
  }
  std::string data(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string reason = n < 0 ? std::strerror(errno) : "file shrank while reading";
      ::close(fd);
      return make_unexpected(path + ": " + reason);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return data;
}

}  // namespace actorrent
