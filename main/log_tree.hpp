// `actorrent log tree`: the supervision tree as the `spawned`, `terminated` and `restarted`
// events built it up to a time, with each actor's restart count. Holds one node per actor.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "main/log_records.hpp"

namespace actorrent::msglog {

class supervision_tree {
 public:
  using key = std::pair<std::size_t, std::uint64_t>;  // source, actor id

  struct node {
    actor_ref actor;
    std::size_t source = 0;
    std::optional<key> parent;
    std::int64_t first_t = 0;  // spawned (or first named)
    bool spawned = false;      // a `spawned` or `restarted` line named it
    std::optional<std::int64_t> terminated_t;
    std::string reason;
    std::uint64_t restarts = 0;  // of its role, counting the restart that made it
    std::optional<std::uint64_t> replaces;
    std::vector<key> children;  // in the order they appeared
  };

  // Takes the supervision events (other records are ignored). The caller passes those up to
  // the time the tree is wanted at.
  void add(const record& r);

  const std::map<key, node>& nodes() const { return nodes_; }
  std::size_t alive() const;
  std::size_t terminated() const;
  std::uint64_t restart_events() const { return restart_events_; }

  // Indented; `all` also shows actors that had terminated, marked so. A terminated actor
  // with living descendants is always shown (marked).
  void print(std::ostream& out, bool all, std::size_t sources) const;
  nlohmann::json to_json(bool all) const;

 private:
  node& touch(const actor_ref& a, std::size_t source, std::int64_t t);
  void set_parent(node& n, const key& k, const actor_ref& parent, std::size_t source,
                  std::int64_t t);
  bool shown(const key& k, bool all) const;
  std::vector<key> roots() const;
  void print_node(std::ostream& out, const key& k, const std::string& prefix, bool last, bool root,
                  bool all) const;
  nlohmann::json node_json(const key& k, bool all) const;

  std::map<key, node> nodes_;
  std::uint64_t restart_events_ = 0;
};

}  // namespace actorrent::msglog
