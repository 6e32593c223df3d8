#include "experiment/local_node.hpp"
#include "experiment/process_clock.hpp"
#include "protocol/host_port.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace actorrent {

namespace {

std::string log_tail(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i)
    out += "\n  " + lines[i];
  return out.empty() ? "" : " (its log:" + out + ")";
}

}  // namespace

expected<local_node, std::string> start_local_node(const std::filesystem::path& exe,
                                                   const std::string& host,
                                                   const std::filesystem::path& dir,
                                                   const std::filesystem::path& log_file,
                                                   std::chrono::seconds timeout) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return make_unexpected(std::string("pipe: ") + std::strerror(errno));
  const int log_fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    close(out[0]);
    close(out[1]);
    return make_unexpected(log_file.string() + ": " + std::strerror(errno));
  }
  const std::string listen = join_host_port(host, 0);
  const std::string exe_s = exe.string(), dir_s = dir.string();
  std::vector<const char*> argv{exe_s.c_str(), "node",        "--listen", listen.c_str(),
                                "--dir",       dir_s.c_str(), nullptr};
  const pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    close(log_fd);
    return make_unexpected(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(exe_s.c_str(), const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  close(out[1]);
  close(log_fd);
  local_node node;
  node.pid = pid;
  node.log_file = log_file;
  // Read its stdout until the line that names the address, or the deadline.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string buffer;
  static const std::string marker = "node listening on ";
  while (node.address.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[512];
    const auto n = read(out[0], chunk, sizeof chunk);
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
      auto line = buffer.substr(0, nl);
      if (line.rfind(marker, 0) == 0) node.address = line.substr(marker.size());
    }
  }
  close(out[0]);  // later lines of its stdout: none matter (a write to a closed pipe is ignored
                  // by the node, which ignores SIGPIPE)
  if (node.address.empty()) {
    int status = 0;
    const bool exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    return make_unexpected((exited ? std::string("the node exited before it listened")
                                   : "the node did not say where it listens within " +
                                         std::to_string(timeout.count()) + " s") +
                           log_tail(log_file));
  }
  return node;
}

bool local_node_exited(local_node& node) {
  if (node.pid <= 0) return true;
  int status = 0;
  if (waitpid(node.pid, &status, WNOHANG) == node.pid) {
    node.pid = -1;
    return true;
  }
  return false;
}

std::optional<double> wait_local_node(local_node& node, std::chrono::seconds timeout) {
  if (node.pid <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  rusage usage{};
  int status = 0;
  for (;;) {
    const pid_t r = wait4(node.pid, &status, WNOHANG, &usage);
    if (r == node.pid) break;
    if (r < 0) {
      node.pid = -1;
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(node.pid, SIGKILL);
      wait4(node.pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  node.pid = -1;
  return cpu_seconds(usage);
}

}  // namespace actorrent
