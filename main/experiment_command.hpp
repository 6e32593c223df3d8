// `actorrent experiment SPEC.json [--local] [-o RESULTS_DIR]`: runs an experiment
// (experiment/controller.hpp) and writes stats.csv, summary.json and report.html.
#pragma once

#include <string>

namespace actorrent {

struct experiment_command_options {
  std::string spec;
  bool local = false;
  std::string output;  // empty: results/NAME-UTCTIME
};

// 0: every leecher that must finish did; 3: a node was lost (the rest finished); 4: a leecher
// did not finish; 1: the experiment could not be run; 2: bad spec or arguments.
int run_experiment_command(const experiment_command_options& options);

}  // namespace actorrent
