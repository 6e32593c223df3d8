// What an experiment measured, and the three files it is written to in the results
// directory: stats.csv (one row per client per second), summary.json (completion times,
// totals, failures, what was lost) and report.html (plots drawn as inline SVG: the page
// fetches nothing). Pure: the controller fills experiment_results, these functions render it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "experiment/experiment_spec.hpp"

namespace actorrent {

// One client at one second of the experiment. Byte counts are payload bytes since the
// experiment started, summed over the client's sessions when churn restarted it.
struct client_sample {
  double t_s = 0;      // seconds since the experiment's start
  std::string client;  // "NODE/ROLE-N", e.g. "a/leecher-2"
  std::string node;
  client_role role = client_role::leecher;
  // A torrent_state's name ("checking", "downloading", "seeding", ...), or "waiting" (not
  // started yet), "left" (away by churn), "lost" (its node was lost), "failed".
  std::string state;
  std::int64_t bytes_down = 0;
  std::int64_t bytes_up = 0;
  std::uint32_t peers = 0;
  std::uint32_t pieces = 0;  // verified
  std::uint32_t pieces_total = 0;
  std::uint32_t restarts = 0;  // actors restarted by supervision, summed over sessions
};

// How one client's experiment ended.
struct client_outcome {
  std::string client;
  std::string node;
  client_role role = client_role::leecher;
  bool must_finish = false;           // a leecher expected to complete
  std::optional<double> completed_s;  // when a leecher first had every piece
  std::int64_t downloaded = 0;
  std::int64_t uploaded = 0;
  std::uint32_t restarts = 0;
  bool lost = false;  // its node was lost: nothing is known after lost_at_s
  double lost_at_s = 0;
  std::string final_state;  // as client_sample::state
  std::string error;        // why it failed, if it did ("" otherwise)
};

struct lost_node {
  std::string node;
  double at_s = 0;
  std::string reason;  // "connection to the node lost", ...
};

struct experiment_results {
  std::string name;
  std::string torrent_name;
  std::string info_hash;  // hex
  std::uint64_t torrent_bytes = 0;
  std::uint32_t torrent_pieces = 0;
  std::string started_at;              // ISO 8601, UTC
  double duration_s = 0;               // how long it ran
  bool timed_out = false;              // it reached the spec's duration_s with leechers unfinished
  std::vector<client_sample> samples;  // in time order, then client order
  std::vector<client_outcome> clients;
  std::vector<lost_node> lost_nodes;
  std::vector<std::string> failures;  // one line each: what went wrong, naming the client
};

// Leechers that must finish and did not, their node not lost.
std::vector<std::string> unfinished_leechers(const experiment_results& r);
// Leechers that must finish and could not be followed to the end because their node was lost.
std::vector<std::string> lost_leechers(const experiment_results& r);

// The process's exit code: 0 when every leecher that must finish did; 3 when all of them on
// nodes still there did but a node was lost; 4 when one did not finish.
int experiment_exit_code(const experiment_results& r);

// Header: t_s,client,node,role,state,bytes_down,bytes_up,peers,pieces,pieces_total,restarts
std::string stats_csv(const experiment_results& r);
std::string summary_json(const experiment_results& r);
std::string report_html(const experiment_results& r);

}  // namespace actorrent
