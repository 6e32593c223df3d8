#include "main/node_command.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "actors/actor_setup.hpp"
#include "actors/client_version.hpp"
#include "actors/error_text.hpp"
#include "actors/log.hpp"
#include "experiment/node_actor.hpp"
#include "experiment/node_messages.hpp"
#include "experiment/secret_file.hpp"
#include "main/exit_codes.hpp"
#include "protocol/host_port.hpp"
#include "tracker/server/listen_address.hpp"

namespace actorrent {

namespace {

int node_exit(int status, const std::string& message) {
  std::cerr << "actorrent node: " << message << "\n";
  return status;
}

}  // namespace

int run_node(const node_command_options& o) {
  auto listen = server::parse_listen_address(o.listen);
  if (!listen) return node_exit(exit_bad_input, "--listen: " + listen.error());
  const std::string host = listen->ip.to_string();
  const bool tls = !o.tls_cert.empty() || !o.tls_key.empty() || !o.tls_ca.empty();
  if (tls && (o.tls_cert.empty() || o.tls_key.empty() || o.tls_ca.empty()))
    return node_exit(exit_bad_input, "TLS needs all three of --tls-cert, --tls-key and --tls-ca");
  if (!listen->ip.is_loopback() && !tls && o.secret_file.empty())
    return node_exit(
        exit_bad_input,
        "--listen " + o.listen +
            " is reachable from other hosts: give --secret-file or --tls-cert/--tls-key/"
            "--tls-ca, or anyone who reaches the port could control this node");
  std::string secret;
  if (!o.secret_file.empty()) {
    auto read = read_secret_file(o.secret_file);
    if (!read) return node_exit(exit_bad_input, "--secret-file: " + read.error());
    secret = std::move(*read);
  }
  auto level = parse_log_level(o.log_level);
  if (!level) return node_exit(exit_bad_input, "--log-level: " + level.error());
  if (auto logged = configure_log(*level, ""); !logged)
    return node_exit(exit_failure, logged.error());

  namespace fs = std::filesystem;
  fs::path dir = o.dir.empty()
                     ? fs::temp_directory_path() / ("actorrent-node-" + std::to_string(getpid()))
                     : fs::path(o.dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return node_exit(exit_failure, dir.string() + ": " + ec.message());

  // The signals that end the node are taken by sigwait below, in this thread only; SIGUSR1 is
  // how the node actor says a controller shut it down.
  signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  actorrent_config cfg;
  register_node_message_types(cfg);
  cfg.load<caf::io::middleman>();
  if (tls) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = o.tls_cert;
    cfg.openssl_key = o.tls_key;
    cfg.openssl_cafile = o.tls_ca;
  }
  caf::actor_system system{cfg};
  node_actor_config nc;
  nc.secret = secret;
  nc.dir = fs::absolute(dir);
  nc.host = host;
  nc.on_shutdown = [] { kill(getpid(), SIGUSR1); };
  // The port is known once published: the description is completed by a first message.
  nc.description = nc.host + " pid " + std::to_string(getpid()) + " " + client_name();
  auto node = spawn_node(system, nc);
  auto port = tls ? caf::openssl::publish(node, listen->port, host.c_str(), true)
                  : system.middleman().publish(node, listen->port, host.c_str(), true);
  if (!port) {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    return node_exit(exit_failure,
                     "cannot listen on " + o.listen + ": " + error_text(system, port.error()));
  }
  // Controllers (and `experiment --local`) read the address from this line.
  const auto address = join_host_port(host, *port);
  std::cout << "node listening on " << address << std::endl;
  log_info("node: listening on " + address + ", files in " + nc.dir.string() +
           (tls ? ", TLS" : "") + (secret.empty() ? "" : ", secret required"));
  int sig = 0;
  sigwait(&signals, &sig);
  if (sig != SIGUSR1) log_info("node: signal " + std::to_string(sig) + ": stopping every client");
  // The node's exit ends its client hosts, each of which stops its session on the way. The
  // published port holds the node too: the actor system would wait for it forever.
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  if (tls)  // (caf/openssl/unpublish.hpp does not compile in 0.17.6: the manager directly)
    caf::make_function_view(system.openssl_manager().actor_handle())(caf::unpublish_atom::value,
                                                                     node.address(), *port);
  else
    system.middleman().unpublish(node, *port);
  return exit_ok;
}

}  // namespace actorrent
