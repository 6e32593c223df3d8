// `actorrent node`: publishes a node actor (experiment/node_actor.hpp) for experiment
// controllers, over CAF's middleman (TLS with --tls-*), and runs until SIGINT/SIGTERM or a
// controller's node_shutdown.
#pragma once

#include <string>

namespace actorrent {

struct node_command_options {
  std::string listen;  // HOST:PORT (port 0: any free port)
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  std::string secret_file;
  std::string dir;  // empty: a new directory in the temporary directory
  std::string log_level = "info";
};

int run_node(const node_command_options& options);

}  // namespace actorrent
