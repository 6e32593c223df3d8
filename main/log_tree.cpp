#include "main/log_tree.hpp"

#include <algorithm>

#include "main/log_format.hpp"

namespace actorrent::msglog {

supervision_tree::node& supervision_tree::touch(const actor_ref& a, std::size_t source,
                                                std::int64_t t) {
  auto& n = nodes_[key{source, a.id}];
  if (!n.actor.present) {
    n.actor = a;
    n.source = source;
    n.first_t = t;
  } else {
    // Later lines may say more (a kind, an address) than the first mention.
    if (n.actor.kind == "unknown" && a.kind != "unknown") n.actor.kind = a.kind;
    if (n.actor.torrent.empty()) n.actor.torrent = a.torrent;
    if (n.actor.peer.empty()) n.actor.peer = a.peer;
  }
  return n;
}

void supervision_tree::set_parent(node& n, const key& k, const actor_ref& parent,
                                  std::size_t source, std::int64_t t) {
  if (!parent.present) return;
  key pk{source, parent.id};
  if (pk == k || (n.parent && *n.parent == pk)) return;
  // A parent that descends from this actor would make a cycle: a malformed log; ignore it.
  for (auto up = nodes_.find(pk); up != nodes_.end() && up->second.parent;
       up = nodes_.find(*up->second.parent))
    if (*up->second.parent == k) return;
  if (n.parent) {  // moved: leave the old parent's list
    auto& siblings = nodes_[*n.parent].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), k), siblings.end());
  }
  n.parent = pk;
  touch(parent, source, t).children.push_back(k);
}

void supervision_tree::add(const record& r) {
  if (!r.actor.present) return;
  key k{r.source, r.actor.id};
  if (r.event == "spawned") {
    auto& n = touch(r.actor, r.source, r.t);
    if (!n.spawned) n.first_t = r.t;
    n.spawned = true;
    set_parent(nodes_[k], k, r.parent, r.source, r.t);
  } else if (r.event == "terminated") {
    auto& n = touch(r.actor, r.source, r.t);
    if (!n.terminated_t) {
      n.terminated_t = r.t;
      auto reason = r.json.find("reason");
      n.reason = reason != r.json.end() && reason->is_string() ? reason->get<std::string>() : "?";
    }
  } else if (r.event == "restarted") {
    ++restart_events_;
    std::optional<std::uint64_t> old_id;
    auto rep = r.json.find("replaces");
    if (rep != r.json.end() && rep->is_number_integer()) old_id = rep->get<std::uint64_t>();
    std::uint64_t previous = 0;
    if (old_id) {
      actor_ref old = r.actor;
      old.id = *old_id;
      auto& o = touch(old, r.source, r.t);
      previous = o.restarts;
      if (!o.terminated_t) {
        o.terminated_t = r.t;
        auto reason = r.json.find("reason");
        o.reason =
            reason != r.json.end() && reason->is_string() ? reason->get<std::string>() : "failed";
      }
    }
    auto& n = touch(r.actor, r.source, r.t);
    if (!n.spawned) n.first_t = r.t;
    n.spawned = true;
    auto count = r.json.find("restarts");
    n.restarts = count != r.json.end() && count->is_number_integer() ? count->get<std::uint64_t>()
                                                                     : previous + 1;
    n.replaces = old_id;
    set_parent(nodes_[k], k, r.parent, r.source, r.t);
  }
}

std::size_t supervision_tree::alive() const {
  return static_cast<std::size_t>(std::count_if(
      nodes_.begin(), nodes_.end(), [](const auto& kv) { return !kv.second.terminated_t; }));
}

std::size_t supervision_tree::terminated() const {
  return nodes_.size() - alive();
}

bool supervision_tree::shown(const key& k, bool all) const {
  const auto& n = nodes_.at(k);
  if (all || !n.terminated_t) return true;
  for (const auto& c : n.children)
    if (shown(c, all)) return true;
  return false;
}

std::vector<supervision_tree::key> supervision_tree::roots() const {
  std::vector<key> out;
  for (const auto& kv : nodes_)
    if (!kv.second.parent) out.push_back(kv.first);
  std::stable_sort(out.begin(), out.end(), [this](const key& a, const key& b) {
    if (a.first != b.first) return a.first < b.first;
    return nodes_.at(a).first_t < nodes_.at(b).first_t;
  });
  return out;
}

void supervision_tree::print_node(std::ostream& out, const key& k, const std::string& prefix,
                                  bool last, bool root, bool all) const {
  const auto& n = nodes_.at(k);
  std::string line = root ? std::string() : prefix + (last ? "└─ " : "├─ ");
  line += format_actor(actor_ref{true, n.actor.kind, n.actor.id, {}, {}});
  if (!n.actor.torrent.empty()) line += " " + short_torrent(n.actor.torrent);
  if (!n.actor.peer.empty()) line += " " + n.actor.peer;
  if (n.restarts) line += "  restarts " + std::to_string(n.restarts);
  if (n.replaces) line += " (replaced #" + std::to_string(*n.replaces) + ")";
  if (!n.spawned) line += "  (spawn not logged)";
  if (n.terminated_t) line += "  terminated " + format_time(*n.terminated_t) + ": " + n.reason;
  out << line << "\n";
  std::vector<key> kids;
  for (const auto& c : n.children)
    if (shown(c, all)) kids.push_back(c);
  std::string child_prefix = root ? std::string() : prefix + (last ? "   " : "│  ");
  for (std::size_t i = 0; i < kids.size(); ++i)
    print_node(out, kids[i], child_prefix, i + 1 == kids.size(), false, all);
}

void supervision_tree::print(std::ostream& out, bool all, std::size_t sources) const {
  std::size_t last_source = SIZE_MAX;
  for (const auto& r : roots()) {
    if (!shown(r, all)) continue;
    if (sources > 1 && r.first != last_source) {
      out << "[source " << r.first + 1 << "]\n";
      last_source = r.first;
    }
    print_node(out, r, "", true, true, all);
  }
}

nlohmann::json supervision_tree::node_json(const key& k, bool all) const {
  const auto& n = nodes_.at(k);
  nlohmann::json j{{"kind", n.actor.kind}, {"id", n.actor.id}, {"restarts", n.restarts}};
  if (!n.actor.torrent.empty()) j["torrent"] = n.actor.torrent;
  if (!n.actor.peer.empty()) j["peer"] = n.actor.peer;
  if (n.replaces) j["replaces"] = *n.replaces;
  j["spawned_t"] = n.spawned ? nlohmann::json(n.first_t) : nlohmann::json();
  if (n.terminated_t) {
    j["terminated_t"] = *n.terminated_t;
    j["reason"] = n.reason;
  }
  j["source"] = n.source;
  j["children"] = nlohmann::json::array();
  for (const auto& c : n.children)
    if (shown(c, all)) j["children"].push_back(node_json(c, all));
  return j;
}

nlohmann::json supervision_tree::to_json(bool all) const {
  nlohmann::json roots_json = nlohmann::json::array();
  for (const auto& r : roots())
    if (shown(r, all)) roots_json.push_back(node_json(r, all));
  return roots_json;
}

}  // namespace actorrent::msglog
