#include "engine/dht_lookup.hpp"

#include <algorithm>

namespace actorrent {

dht_lookup::dht_lookup(dht_lookup_kind kind, const dht_node_id& target, const dht_node_id& own_id,
                       const std::vector<dht_contact>& start,
                       const std::vector<peer_address>& bootstrap, dht_lookup_config config)
    : kind_(kind), target_(target), own_(own_id), config_(config) {
  config_.alpha = std::max<std::size_t>(config_.alpha, 1);
  config_.k = std::max<std::size_t>(config_.k, 1);
  config_.max_candidates = std::max(config_.max_candidates, config_.k);
  for (const auto& c : start)
    add_candidate(c);
  for (const auto& a : bootstrap)
    add_unknown(a);
}

bool dht_lookup::before(const candidate& a, const candidate& b) const {
  if (a.id.has_value() != b.id.has_value()) return a.id.has_value();
  return a.id && closer_to(target_, *a.id, *b.id);
}

dht_lookup::candidate* dht_lookup::find_address(const peer_address& address) {
  for (auto& c : candidates_)
    if (c.address == address) return &c;
  return nullptr;
}

void dht_lookup::insert_sorted(candidate c) {
  auto at = std::upper_bound(candidates_.begin(), candidates_.end(), c,
                             [&](const candidate& x, const candidate& y) { return before(x, y); });
  candidates_.insert(at, std::move(c));
  trim();
}

void dht_lookup::trim() {
  // Drop the farthest candidates never queried beyond the limit; queried ones stay (they are
  // bounded by max_queries), so an answer is never lost.
  std::size_t fresh = 0;
  for (const auto& c : candidates_)
    fresh += c.st == state::fresh;
  for (auto it = candidates_.end(); fresh > config_.max_candidates && it != candidates_.begin();) {
    --it;
    if (it->st != state::fresh) continue;
    it = candidates_.erase(it);
    --fresh;
  }
}

void dht_lookup::add_candidate(const dht_contact& node) {
  if (node.id == own_ || node.address.port == 0 || node.address.v6 != config_.ipv6) return;
  for (const auto& c : candidates_)
    if (c.address == node.address || (c.id && *c.id == node.id)) return;
  candidate c;
  c.address = node.address;
  c.id = node.id;
  insert_sorted(std::move(c));
}

void dht_lookup::add_unknown(const peer_address& address) {
  if (address.port == 0 || find_address(address)) return;
  candidate c;
  c.address = address;
  insert_sorted(std::move(c));
}

dht_lookup_query dht_lookup::query_for(const candidate& c) const {
  return {c.address, c.id,
          kind_ == dht_lookup_kind::get_peers ? krpc_method::get_peers : krpc_method::find_node,
          target_};
}

std::vector<dht_lookup_query> dht_lookup::next_queries(time_point now) {
  std::vector<dht_lookup_query> out;
  if (done()) return out;
  std::size_t window = 0;
  for (auto& c : candidates_) {
    if (c.st == state::failed) continue;
    if (++window > config_.k) break;
    if (in_flight_ >= config_.alpha || queries_sent_ >= config_.max_queries) break;
    if (c.st != state::fresh) continue;
    c.st = state::in_flight;
    c.sent = now;
    ++in_flight_;
    ++queries_sent_;
    out.push_back(query_for(c));
  }
  return out;
}

dht_lookup::response_result dht_lookup::on_response(const peer_address& from,
                                                    const krpc_response& response) {
  candidate* c = find_address(from);
  if (!c || !(c->st == state::in_flight || (c->st == state::failed && c->timed_out)))
    return response_result::unexpected;
  const bool was_in_flight = c->st == state::in_flight;
  if (was_in_flight) --in_flight_;

  bool id_ok = response.id != own_ && (!c->id || *c->id == response.id);
  if (id_ok && !c->id) {
    // A bootstrap node told us its id: it takes its place in the order, unless the id is
    // already listed at another address.
    for (const auto& other : candidates_)
      if (other.id && *other.id == response.id) id_ok = false;
  }
  if (!id_ok) {
    c->st = state::failed;
    c->timed_out = false;
    return response_result::id_mismatch;
  }

  candidate answered = *c;
  answered.st = state::responded;
  answered.timed_out = false;
  answered.id = response.id;
  if (kind_ == dht_lookup_kind::get_peers) answered.token = response.token;
  candidates_.erase(candidates_.begin() + (c - candidates_.data()));
  insert_sorted(std::move(answered));

  if (kind_ == dht_lookup_kind::get_peers) {
    for (const auto& p : response.values) {
      if (peers_.size() >= config_.max_peers) break;
      if (p.port == 0 || !peer_set_.insert(p).second) continue;
      peers_.push_back(p);
    }
  }
  for (const auto& n : config_.ipv6 ? response.nodes6 : response.nodes)
    add_candidate(n);
  return response_result::accepted;
}

bool dht_lookup::on_failure(const peer_address& from) {
  candidate* c = find_address(from);
  if (!c || !(c->st == state::in_flight || (c->st == state::failed && c->timed_out))) return false;
  if (c->st == state::in_flight) --in_flight_;
  c->st = state::failed;
  c->timed_out = false;
  return true;
}

std::vector<dht_lookup_query> dht_lookup::expire(time_point now) {
  std::vector<dht_lookup_query> out;
  for (auto& c : candidates_) {
    if (c.st != state::in_flight || now - c.sent < config_.query_timeout) continue;
    c.st = state::failed;
    c.timed_out = true;
    --in_flight_;
    out.push_back(query_for(c));
  }
  return out;
}

bool dht_lookup::done() const {
  std::size_t window = 0;
  bool can_ask = false;
  for (const auto& c : candidates_) {
    if (c.st == state::failed) continue;
    if (++window > config_.k) break;
    if (c.st != state::responded) {
      if (c.st == state::in_flight) return false;
      can_ask = true;  // fresh, within the window
    }
  }
  if (!can_ask) return true;  // the k closest that have not failed all answered
  return in_flight_ == 0 && queries_sent_ >= config_.max_queries;
}

std::vector<dht_contact> dht_lookup::closest_responded() const {
  std::vector<dht_contact> out;
  for (const auto& c : candidates_) {
    if (out.size() >= config_.k) break;
    if (c.st == state::responded) out.push_back({*c.id, c.address});
  }
  return out;
}

std::vector<dht_announce_target> dht_lookup::announce_targets() const {
  std::vector<dht_announce_target> out;
  for (const auto& c : candidates_) {
    if (out.size() >= config_.k) break;
    if (c.st == state::responded && c.token) out.push_back({{*c.id, c.address}, *c.token});
  }
  return out;
}

std::string dht_lookup::check_invariants() const {
  std::size_t flying = 0, fresh = 0;
  std::set<peer_address> addresses;
  std::set<dht_node_id> ids;
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    const auto& c = candidates_[i];
    flying += c.st == state::in_flight;
    fresh += c.st == state::fresh;
    if (!addresses.insert(c.address).second) return "an address is listed twice";
    if (c.id && !ids.insert(*c.id).second) return "an id is listed twice";
    if (c.id && *c.id == own_) return "our own id is a candidate";
    if (c.st == state::responded && !c.id) return "an answerer without an id";
    if (i > 0 && before(c, candidates_[i - 1])) return "candidates out of order";
  }
  if (flying != in_flight_) return "in-flight count disagrees";
  if (in_flight_ > config_.alpha) return "more than alpha queries in flight";
  if (fresh > config_.max_candidates) return "too many candidates";
  if (queries_sent_ > config_.max_queries) return "query budget exceeded";
  return {};
}

}  // namespace actorrent
