#include "engine/dht_routing_table.hpp"

#include <algorithm>
#include <set>

#include "protocol/bencode.hpp"
#include "protocol/bencode_value.hpp"

namespace actorrent {

const char* to_string(dht_node_state state) {
  switch (state) {
    case dht_node_state::good:
      return "good";
    case dht_node_state::questionable:
      return "questionable";
    case dht_node_state::bad:
      return "bad";
  }
  return "?";
}

std::string dht_table_error::to_string() const {
  return message + " at byte " + std::to_string(offset);
}

dht_routing_table::dht_routing_table(const dht_node_id& own, time_point now,
                                     dht_routing_config config)
    : own_(own), config_(config) {
  config_.bucket_size = std::max<std::size_t>(config_.bucket_size, 1);
  config_.max_buckets = std::clamp<std::size_t>(config_.max_buckets, 1, dht_id_bits);
  config_.bad_after_failures = std::max<std::uint32_t>(config_.bad_after_failures, 1);
  buckets_.push_back(bucket{{}, {}, now});
}

std::size_t dht_routing_table::bucket_index(const dht_node_id& id) const {
  return std::min(common_prefix_length(own_, id), buckets_.size() - 1);
}

dht_node_state dht_routing_table::state(const dht_node_entry& e, time_point now) const {
  if (e.failures >= config_.bad_after_failures) return dht_node_state::bad;
  if (e.last_response && (now - *e.last_response < config_.questionable_after ||
                          now - e.last_seen < config_.questionable_after))
    return dht_node_state::good;
  return dht_node_state::questionable;
}

void dht_routing_table::touch(dht_node_entry& e, bool response, time_point now) {
  e.last_seen = std::max(e.last_seen, now);
  if (response) {
    e.last_response = now;
    e.failures = 0;
    e.pinged_at.reset();
  }
}

namespace {

// Which of two entries to give up first: bad before not bad, never answered before answered,
// then the one quiet for longer.
bool worse(const dht_node_entry& a, const dht_node_entry& b, std::uint32_t bad_after) {
  const bool a_bad = a.failures >= bad_after, b_bad = b.failures >= bad_after;
  if (a_bad != b_bad) return a_bad;
  if (a.last_response.has_value() != b.last_response.has_value()) return !a.last_response;
  return a.last_seen < b.last_seen;
}

template <class List>
auto find_id(List& list, const dht_node_id& id) {
  return std::find_if(list.begin(), list.end(),
                      [&](const dht_node_entry& e) { return e.contact.id == id; });
}

}  // namespace

void dht_routing_table::erase_entry(std::vector<dht_node_entry>& list, std::size_t index) {
  by_address_.erase(list[index].contact.address);
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(index));
}

void dht_routing_table::promote_replacement(bucket& b) {
  while (b.live.size() < config_.bucket_size && !b.replacements.empty()) {
    auto best = std::max_element(b.replacements.begin(), b.replacements.end(),
                                 [&](const dht_node_entry& x, const dht_node_entry& y) {
                                   return worse(x, y, config_.bad_after_failures);
                                 });
    if (best->failures >= config_.bad_after_failures) return;  // nothing worth a place
    b.live.push_back(*best);
    b.replacements.erase(best);  // the address index is unchanged: the entry only moved
  }
}

void dht_routing_table::split_last_bucket() {
  const std::size_t depth = buckets_.size();  // entries sharing >= depth bits move on
  buckets_.push_back(bucket{{}, {}, buckets_.back().last_changed});
  bucket& near = buckets_.back();
  bucket& far = buckets_[depth - 1];
  for (auto lists : {&bucket::live, &bucket::replacements}) {
    auto& from = far.*lists;
    auto& to = near.*lists;
    auto moved = std::stable_partition(from.begin(), from.end(), [&](const dht_node_entry& e) {
      return common_prefix_length(own_, e.contact.id) < depth;
    });
    to.insert(to.end(), moved, from.end());
    from.erase(moved, from.end());
  }
  promote_replacement(far);
  promote_replacement(near);
}

dht_routing_table::insert_result dht_routing_table::heard_from(const dht_contact& node,
                                                               bool response, time_point now) {
  if (node.id == own_) return insert_result::ignored;

  // An address already known under another id: that node restarted with a new id, or
  // someone spoofs its address. Only a bad entry gives way.
  if (auto at = by_address_.find(node.address); at != by_address_.end() && at->second != node.id) {
    bucket& other = buckets_[bucket_index(at->second)];
    bool removed = false;
    for (auto* list : {&other.live, &other.replacements}) {
      auto it = find_id(*list, at->second);
      if (it == list->end()) continue;
      if (state(*it, now) != dht_node_state::bad) return insert_result::ignored;
      erase_entry(*list, static_cast<std::size_t>(it - list->begin()));
      removed = true;
      break;
    }
    if (removed) promote_replacement(other);
  }

  std::size_t index = bucket_index(node.id);
  {
    bucket& b = buckets_[index];
    for (auto* list : {&b.live, &b.replacements}) {
      auto it = find_id(*list, node.id);
      if (it == list->end()) continue;
      if (it->contact.address != node.address) return insert_result::ignored;
      touch(*it, response, now);
      if (response && list == &b.live) b.last_changed = now;
      return insert_result::updated;
    }
  }

  dht_node_entry entry;
  entry.contact = node;
  touch(entry, response, now);
  for (;;) {
    bucket& b = buckets_[index];
    if (b.live.size() < config_.bucket_size) {
      b.live.push_back(entry);
      by_address_[node.address] = node.id;
      b.last_changed = now;
      return insert_result::added;
    }
    auto worst = std::min_element(b.live.begin(), b.live.end(),
                                  [&](const dht_node_entry& x, const dht_node_entry& y) {
                                    return worse(x, y, config_.bad_after_failures);
                                  });
    if (worst->failures >= config_.bad_after_failures) {
      by_address_.erase(worst->contact.address);
      *worst = entry;
      by_address_[node.address] = node.id;
      b.last_changed = now;
      return insert_result::added;
    }
    if (index + 1 == buckets_.size() && buckets_.size() < config_.max_buckets) {
      split_last_bucket();
      index = bucket_index(node.id);
      continue;
    }
    break;
  }

  bucket& b = buckets_[index];
  if (config_.replacement_size == 0) return insert_result::ignored;
  if (b.replacements.size() >= config_.replacement_size) {
    auto worst = std::min_element(b.replacements.begin(), b.replacements.end(),
                                  [&](const dht_node_entry& x, const dht_node_entry& y) {
                                    return worse(x, y, config_.bad_after_failures);
                                  });
    // A node that only queried us does not push out a candidate that has answered.
    if (!worse(*worst, entry, config_.bad_after_failures)) return insert_result::ignored;
    erase_entry(b.replacements, static_cast<std::size_t>(worst - b.replacements.begin()));
  }
  b.replacements.push_back(entry);
  by_address_[node.address] = node.id;
  return insert_result::replacement;
}

std::optional<dht_node_state> dht_routing_table::node_failed(const dht_contact& node,
                                                             time_point now) {
  if (node.id == own_) return std::nullopt;
  bucket& b = buckets_[bucket_index(node.id)];
  for (auto* list : {&b.live, &b.replacements}) {
    auto it = find_id(*list, node.id);
    if (it == list->end()) continue;
    if (it->contact.address != node.address) return std::nullopt;
    ++it->failures;
    it->pinged_at.reset();  // free to be pinged again: BEP 5's "try once more"
    const auto st = state(*it, now);
    if (st == dht_node_state::bad) {
      if (list == &b.replacements) {
        erase_entry(*list, static_cast<std::size_t>(it - list->begin()));
      } else if (!b.replacements.empty()) {
        erase_entry(*list, static_cast<std::size_t>(it - list->begin()));
        const auto before = b.live.size();
        promote_replacement(b);
        if (b.live.size() > before) b.last_changed = now;
      }
    }
    return st;
  }
  return std::nullopt;
}

const dht_node_entry* dht_routing_table::find(const dht_node_id& id) const {
  const bucket& b = buckets_[bucket_index(id)];
  auto it = find_id(b.live, id);
  return it == b.live.end() ? nullptr : &*it;
}

std::vector<dht_contact> dht_routing_table::closest(const dht_node_id& target, std::size_t count,
                                                    time_point now, bool confirmed_only) const {
  std::vector<const dht_node_entry*> candidates;
  for (const auto& b : buckets_)
    for (const auto& e : b.live) {
      if (state(e, now) == dht_node_state::bad) continue;
      if (confirmed_only && !e.last_response) continue;
      candidates.push_back(&e);
    }
  const auto by_distance = [&](const dht_node_entry* a, const dht_node_entry* b) {
    return closer_to(target, a->contact.id, b->contact.id);
  };
  const std::size_t n = std::min(count, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates.end(), by_distance);
  std::vector<dht_contact> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(candidates[i]->contact);
  return out;
}

std::vector<dht_contact> dht_routing_table::nodes_to_ping(time_point now) {
  std::vector<dht_contact> out;
  for (auto& b : buckets_) {
    dht_node_entry* pick = nullptr;
    for (auto& e : b.live) {
      if (state(e, now) != dht_node_state::questionable) continue;
      if (e.pinged_at && now - *e.pinged_at < config_.ping_retry) continue;
      if (!pick || e.last_seen < pick->last_seen) pick = &e;
    }
    if (!pick) continue;
    pick->pinged_at = now;
    out.push_back(pick->contact);
  }
  return out;
}

std::vector<dht_node_id> dht_routing_table::refresh_targets(time_point now, std::mt19937_64& rng) {
  std::vector<dht_node_id> out;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    bucket& b = buckets_[i];
    if (now - b.last_changed < config_.refresh_after) continue;
    if (i + 1 < buckets_.size()) {
      out.push_back(random_id_at_prefix(own_, i, rng));
    } else {
      // The last bucket covers every id sharing at least i bits with ours.
      dht_node_id id = random_node_id(rng);
      for (std::size_t bit = 0; bit < i; ++bit) {
        const auto mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
        auto& byte = id.bytes[bit / 8];
        byte = static_cast<std::uint8_t>(id_bit(own_, bit) ? (byte | mask) : (byte & ~mask));
      }
      out.push_back(id);
    }
    b.last_changed = now;
  }
  return out;
}

std::size_t dht_routing_table::size() const {
  std::size_t n = 0;
  for (const auto& b : buckets_)
    n += b.live.size();
  return n;
}

std::size_t dht_routing_table::replacement_count() const {
  std::size_t n = 0;
  for (const auto& b : buckets_)
    n += b.replacements.size();
  return n;
}

// --- Saving and reloading -------------------------------------------------------------------

std::string dht_routing_table::save() const {
  std::string nodes, nodes6;
  for (auto b = buckets_.rbegin(); b != buckets_.rend(); ++b)
    for (const auto& e : b->live)
      if (e.failures < config_.bad_after_failures)
        append_compact_node(e.contact, e.contact.address.v6 ? nodes6 : nodes);
  bvalue::dict d;
  d["id"] = bvalue(own_.view());
  d["nodes"] = bvalue(std::move(nodes));
  d["nodes6"] = bvalue(std::move(nodes6));
  return bencode(bvalue(std::move(d)));
}

expected<dht_routing_table, dht_table_error> dht_routing_table::load(std::string_view blob,
                                                                     time_point now,
                                                                     dht_routing_config config) {
  const auto fail = [](std::size_t offset, std::string message) {
    return make_unexpected(dht_table_error{std::move(message), offset});
  };
  if (blob.size() > config.max_saved_size)
    return fail(config.max_saved_size, "saved table of " + std::to_string(blob.size()) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(config.max_saved_size));
  bdecode_limits limits;
  limits.max_depth = 8;
  limits.max_tokens = 10'000;
  auto doc = bdecode(blob, limits);
  if (!doc) return fail(doc.error().offset, std::string("bencode: ") + to_string(doc.error().code));
  const auto root = doc->root();
  if (!root.is_dict()) return fail(0, "saved table is not a dictionary");

  const auto id = root.find("id");
  if (!id.valid()) return fail(0, "id: missing");
  if (!id.is_string()) return fail(id.offset(), "id: not a string");
  if (id.string().size() != dht_node_id::size)
    return fail(id.offset(), "id: " + std::to_string(id.string().size()) + " bytes, expected 20");

  std::vector<dht_contact> contacts;
  for (const bool v6 : {false, true}) {
    const char* key = v6 ? "nodes6" : "nodes";
    const auto list = root.find(key);
    if (!list.valid()) continue;
    if (!list.is_string()) return fail(list.offset(), std::string(key) + ": not a string");
    auto parsed =
        v6 ? parse_compact_nodes_v6(list.string()) : parse_compact_nodes_v4(list.string());
    if (!parsed)
      return fail(list.offset(),
                  std::string(key) + ": " + std::to_string(list.string().size()) +
                      " bytes, not a multiple of " +
                      std::to_string(v6 ? compact_node_v6_size : compact_node_v4_size));
    contacts.insert(contacts.end(), parsed->begin(), parsed->end());
  }

  dht_routing_table table(dht_node_id::from_bytes(id.string()), now, config);
  for (const auto& c : contacts)
    if (c.address.port != 0) table.heard_from(c, false, now);
  return table;
}

// --- Invariants ------------------------------------------------------------------------------

std::string dht_routing_table::check_invariants() const {
  if (buckets_.empty() || buckets_.size() > config_.max_buckets) return "bucket count out of range";
  std::set<dht_node_id> ids;
  std::size_t entries = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    const bucket& b = buckets_[i];
    const auto where = "bucket " + std::to_string(i) + ": ";
    if (b.live.size() > config_.bucket_size) return where + "more than k nodes";
    if (b.replacements.size() > config_.replacement_size) return where + "replacement cache full";
    if (b.live.size() < config_.bucket_size && !b.replacements.empty()) {
      for (const auto& r : b.replacements)
        if (r.failures < config_.bad_after_failures)
          return where + "room left while a candidate waits";
    }
    for (const auto* list : {&b.live, &b.replacements})
      for (const auto& e : *list) {
        ++entries;
        if (e.contact.id == own_) return where + "holds our own id";
        if (bucket_index(e.contact.id) != i) return where + "holds a node of another bucket";
        if (!ids.insert(e.contact.id).second) return where + "an id appears twice";
        auto at = by_address_.find(e.contact.address);
        if (at == by_address_.end() || at->second != e.contact.id)
          return where + "address index disagrees for " + e.contact.address.to_string();
      }
  }
  if (entries != by_address_.size()) return "address index holds stale addresses";
  return {};
}

}  // namespace actorrent
