#include "main/log_stats.hpp"

#include <algorithm>
#include <cstdio>

#include "main/log_format.hpp"

namespace actorrent::msglog {

namespace {

using counts = std::vector<std::pair<std::string, std::uint64_t>>;

counts sorted(const std::map<std::string, std::uint64_t>& m) {
  counts v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return v;
}

// Socket and client actors all have id 0: they are told apart by kind and address.
std::string actor_name(const actor_ref& a) {
  return a.kind + "@" + a.peer;
}

std::string label(const actor_ref& a, std::size_t source, std::size_t sources) {
  std::string s = format_actor(a);
  if (!a.torrent.empty() && a.kind != "peer" && a.kind != "socket")
    s += " " + short_torrent(a.torrent);
  if (sources > 1) s = std::to_string(source + 1) + ":" + s;
  return s;
}

std::string rate_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, r >= 100 ? "%.0f" : "%.2f", r);
  return buf;
}

std::string column(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

nlohmann::json actor_json(const actor_ref& a, std::size_t source) {
  nlohmann::json j{{"kind", a.kind}, {"id", a.id}, {"source", source}};
  if (!a.torrent.empty()) j["torrent"] = a.torrent;
  if (!a.peer.empty()) j["peer"] = a.peer;
  return j;
}

}  // namespace

log_stats::actor_count& log_stats::actor_slot(const actor_ref& a, std::size_t source) {
  auto key = std::make_tuple(source, a.id == 0 ? actor_name(a) : std::string(), a.id);
  auto& slot = actors_[key];
  if (!slot.actor.present || (slot.actor.kind == "unknown" && a.kind != "unknown")) {
    slot.actor = a;
    slot.source = source;
  }
  return slot;
}

void log_stats::add(const record& r) {
  if (records_ == 0) first_t_ = last_t_ = r.t;
  first_t_ = std::min(first_t_, r.t);
  last_t_ = std::max(last_t_, r.t);
  ++records_;
  ++events_[r.event];
  if (r.event == "message") {
    std::uint64_t n = 1;
    auto s = r.json.find("sampled");
    if (s != r.json.end() && s->is_number_integer() && s->get<std::int64_t>() > 0) {
      n = s->get<std::uint64_t>();
      sampled_types_[r.type] = true;
    }
    ++message_lines_;
    messages_ += n;
    types_[r.type.empty() ? "?" : r.type] += n;
    actor_ref from = r.from, to = r.to;
    if (!from.present) {
      from.present = true;
      from.kind = "unknown";
    }
    actor_slot(from, r.source).sent += n;
    if (to.present) actor_slot(to, r.source).received += n;
    auto key = std::make_tuple(r.source, from.id == 0 ? actor_name(from) : std::string(), from.id,
                               to.id == 0 ? actor_name(to) : std::string(), to.id);
    auto& p = pairs_[key];
    if (p.count == 0) {
      p.from = from;
      p.to = to;
      p.source = r.source;
    }
    p.count += n;
  } else if (r.event == "restarted") {
    ++restarts_[r.actor.present ? r.actor.kind : "unknown"];
  } else if (r.event == "terminated") {
    auto reason = r.json.find("reason");
    ++terminations_[reason != r.json.end() && reason->is_string() ? reason->get<std::string>()
                                                                  : std::string("?")];
  }
}

double log_stats::duration_s() const {
  return records_ < 2 ? 0.0 : static_cast<double>(last_t_ - first_t_) / 1e6;
}

double log_stats::rate(std::uint64_t count) const {
  double d = duration_s();
  return d > 0 ? static_cast<double>(count) / d : static_cast<double>(count);
}

counts log_stats::by_type() const {
  return sorted(types_);
}
counts log_stats::events() const {
  return sorted(events_);
}
counts log_stats::restarts_by_kind() const {
  return sorted(restarts_);
}
counts log_stats::terminations_by_reason() const {
  return sorted(terminations_);
}

std::vector<log_stats::actor_count> log_stats::by_actor() const {
  std::vector<actor_count> v;
  for (const auto& kv : actors_)
    v.push_back(kv.second);
  std::stable_sort(v.begin(), v.end(), [](const actor_count& a, const actor_count& b) {
    return a.sent + a.received > b.sent + b.received;
  });
  return v;
}

std::vector<log_stats::pair_count> log_stats::top_pairs() const {
  std::vector<pair_count> v;
  for (const auto& kv : pairs_)
    v.push_back(kv.second);
  std::stable_sort(v.begin(), v.end(),
                   [](const pair_count& a, const pair_count& b) { return a.count > b.count; });
  return v;
}

void log_stats::print(std::ostream& out, std::size_t top, std::size_t sources) const {
  out << records_ << " records, " << messages_ << " messages";
  if (messages_ != message_lines_) out << " (" << message_lines_ << " lines, some sampled)";
  if (records_) {
    char d[32];
    std::snprintf(d, sizeof d, "%.3f", duration_s());
    out << ", " << format_time(first_t_) << " to " << format_time(last_t_) << " (" << d << " s, "
        << rate_text(rate(messages_)) << " msg/s)";
  }
  out << "\n";
  out << "records by event:";
  for (const auto& e : events())
    out << " " << e.first << " " << e.second;
  out << "\n";

  out << "\nmessages by type:\n" << column("count", 10) << column("msg/s", 10) << "  type\n";
  for (const auto& t : by_type())
    out << column(std::to_string(t.second), 10) << column(rate_text(rate(t.second)), 10) << "  "
        << t.first << (type_sampled(t.first) ? "  (sampled)" : "") << "\n";

  auto actors = by_actor();
  out << "\nmessages by actor (" << actors.size() << " actors"
      << (top && actors.size() > top ? ", top " + std::to_string(top) : std::string()) << "):\n"
      << column("sent", 10) << column("received", 10) << column("msg/s", 10) << "  actor\n";
  for (std::size_t i = 0; i < actors.size() && (top == 0 || i < top); ++i) {
    const auto& a = actors[i];
    out << column(std::to_string(a.sent), 10) << column(std::to_string(a.received), 10)
        << column(rate_text(rate(a.sent + a.received)), 10) << "  "
        << label(a.actor, a.source, sources) << "\n";
  }

  auto pairs = top_pairs();
  out << "\ntop talkers (sender → receiver" +
             (top && pairs.size() > top
                  ? ", top " + std::to_string(top) + " of " + std::to_string(pairs.size())
                  : std::string()) +
             "):\n"
      << column("count", 10) << column("msg/s", 10) << "  pair\n";
  for (std::size_t i = 0; i < pairs.size() && (top == 0 || i < top); ++i) {
    const auto& p = pairs[i];
    out << column(std::to_string(p.count), 10) << column(rate_text(rate(p.count)), 10) << "  "
        << label(p.from, p.source, sources) << " → " << label(p.to, p.source, sources) << "\n";
  }

  out << "\nrestarts by kind:" << (restarts_.empty() ? " none" : "") << "\n";
  for (const auto& r : restarts_by_kind())
    out << column(std::to_string(r.second), 10) << "  " << r.first << "\n";
  out << "\nterminations by reason:" << (terminations_.empty() ? " none" : "") << "\n";
  for (const auto& r : terminations_by_reason())
    out << column(std::to_string(r.second), 10) << "  " << r.first << "\n";
}

nlohmann::json log_stats::to_json(std::size_t top) const {
  nlohmann::json j;
  j["records"] = records_;
  j["messages"] = messages_;
  j["message_lines"] = message_lines_;
  j["first_t"] = records_ ? nlohmann::json(first_t_) : nlohmann::json();
  j["last_t"] = records_ ? nlohmann::json(last_t_) : nlohmann::json();
  j["duration_s"] = duration_s();
  j["messages_per_s"] = rate(messages_);
  j["events"] = nlohmann::json::object();
  for (const auto& e : events_)
    j["events"][e.first] = e.second;
  j["by_type"] = nlohmann::json::array();
  for (const auto& t : by_type())
    j["by_type"].push_back({{"type", t.first},
                            {"count", t.second},
                            {"per_s", rate(t.second)},
                            {"sampled", type_sampled(t.first)}});
  j["by_actor"] = nlohmann::json::array();
  auto actors = by_actor();
  for (std::size_t i = 0; i < actors.size() && (top == 0 || i < top); ++i) {
    const auto& a = actors[i];
    j["by_actor"].push_back({{"actor", actor_json(a.actor, a.source)},
                             {"sent", a.sent},
                             {"received", a.received},
                             {"per_s", rate(a.sent + a.received)}});
  }
  j["top_talkers"] = nlohmann::json::array();
  auto pairs = top_pairs();
  for (std::size_t i = 0; i < pairs.size() && (top == 0 || i < top); ++i) {
    const auto& p = pairs[i];
    j["top_talkers"].push_back({{"from", actor_json(p.from, p.source)},
                                {"to", actor_json(p.to, p.source)},
                                {"count", p.count},
                                {"per_s", rate(p.count)}});
  }
  j["restarts_by_kind"] = nlohmann::json::object();
  for (const auto& r : restarts_)
    j["restarts_by_kind"][r.first] = r.second;
  j["terminations_by_reason"] = nlohmann::json::object();
  for (const auto& r : terminations_)
    j["terminations_by_reason"][r.first] = r.second;
  return j;
}

}  // namespace actorrent::msglog
