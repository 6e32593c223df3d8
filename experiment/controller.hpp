// `actorrent experiment`: deploys a spec on its nodes, runs it, and measures it.
//
//   connect   each node: remote_actor (TLS when the spec says so), node_hello with its secret,
//             monitored (its loss is noticed at once)
//   prepare   the tracker (on a node, here, or the spec's URL); the torrent (generated on the
//             first seeder's node, or read from the spec's file); every client spawned
//   run       from t = 0: each client started after its start delay, stopped and started
//             again by its churn, faults turned on at faults_at_s; the nodes' stats (every
//             second) sampled into one row per client per second; until every leecher that
//             must finish has finished, or duration_s
//   finish    the clients removed; --local nodes shut down; the results returned
//
// A node lost mid-run (its process killed, its connection gone) does not end the experiment:
// its clients are reported lost from that moment and the rest goes on.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "experiment/experiment_results.hpp"
#include "experiment/experiment_spec.hpp"
#include "protocol/expected.hpp"

namespace actorrent {

struct controller_options {
  bool local = false;                           // start the nodes as local processes
  std::filesystem::path actorrent_exe;          // with `local`: the program to start them with
  std::filesystem::path work_dir;               // with `local`: where the nodes keep their files
  std::function<void(const std::string&)> say;  // progress lines for the user (may be empty)
};

struct controller_outcome {
  experiment_results results;
  // CPU seconds: the controller's own, and each local node's (summed over its clients).
  double controller_cpu_s = 0;
  std::vector<std::pair<std::string, double>> node_cpu_s;
};

// An error when the experiment could not be run at all (a node unreachable or refusing, the
// torrent not made, a client not spawned); otherwise what it measured, however it ended.
expected<controller_outcome, std::string> run_experiment(const experiment_spec& spec,
                                                         const controller_options& options);

}  // namespace actorrent
