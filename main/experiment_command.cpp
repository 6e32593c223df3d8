#include "main/experiment_command.hpp"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "actors/log.hpp"
#include "experiment/controller.hpp"
#include "experiment/experiment_results.hpp"
#include "experiment/experiment_spec.hpp"
#include "experiment/process_clock.hpp"
#include "main/exit_codes.hpp"

namespace actorrent {

namespace {

namespace fs = std::filesystem;

int experiment_exit(int status, const std::string& message) {
  std::cerr << "actorrent experiment: " << message << "\n";
  return status;
}

bool write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

// summary.json with what it cost: the controller's CPU seconds and each node's.
std::string summary_with_cpu(const controller_outcome& o) {
  auto summary = nlohmann::json::parse(summary_json(o.results));
  summary["cpu_s"]["controller"] = o.controller_cpu_s;
  for (const auto& [node, cpu] : o.node_cpu_s)
    summary["cpu_s"]["nodes"][node] = cpu;
  return summary.dump(2) + "\n";
}

}  // namespace

int run_experiment_command(const experiment_command_options& options) {
  auto spec = load_experiment_spec(options.spec);
  if (!spec) return experiment_exit(exit_bad_input, spec.error());
  if (!options.local)
    for (const auto& n : spec->nodes)
      if (n.address.empty())
        return experiment_exit(exit_bad_input,
                               options.spec + ": nodes: " + n.name +
                                   " has no address (start the nodes with --local, or give "
                                   "each the address of a running `actorrent node`)");
  const fs::path out =
      options.output.empty()
          ? fs::path("results") / (spec->name + "-" + utc_now_text("%Y%m%dT%H%M%SZ"))
          : fs::path(options.output);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return experiment_exit(exit_failure, out.string() + ": " + ec.message());
  if (auto logged = configure_log(log_level::warn, ""); !logged)
    return experiment_exit(exit_failure, logged.error());

  controller_options co;
  co.local = options.local;
  co.actorrent_exe = fs::read_symlink("/proc/self/exe", ec);
  co.work_dir = fs::absolute(out);
  co.say = [](const std::string& line) { std::cout << line << std::endl; };
  auto outcome = run_experiment(*spec, co);
  if (!outcome) return experiment_exit(exit_failure, outcome.error());
  const auto& r = outcome->results;
  if (!write_text(out / "stats.csv", stats_csv(r)) ||
      !write_text(out / "summary.json", summary_with_cpu(*outcome)) ||
      !write_text(out / "report.html", report_html(r)))
    return experiment_exit(exit_failure, out.string() + ": cannot write the results");
  const int status = experiment_exit_code(r);
  std::size_t finished = 0, must = 0;
  for (const auto& c : r.clients) {
    if (!c.must_finish) continue;
    ++must;
    if (c.completed_s) ++finished;
  }
  std::cout << "experiment " << r.name << ": " << finished << "/" << must
            << " leechers finished in " << r.duration_s << " s";
  if (!r.lost_nodes.empty()) std::cout << "; " << r.lost_nodes.size() << " node(s) lost";
  for (const auto& name : unfinished_leechers(r))
    std::cout << "\n  unfinished: " << name;
  for (const auto& line : r.failures)
    std::cout << "\n  failure: " << line;
  std::cout << "\nresults in " << out.string() << " (stats.csv, summary.json, report.html)"
            << std::endl;
  return status;
}

}  // namespace actorrent
