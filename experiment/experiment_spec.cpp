#include "experiment/experiment_spec.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include "main/client_config.hpp"
#include "main/json_reader.hpp"
#include "main/read_file.hpp"
#include "protocol/host_port.hpp"

namespace actorrent {

namespace {

using json_reader::integer_in;
using json_reader::join_path;
using json_reader::json;
using json_reader::near;
using json_reader::problem;
using json_reader::unknown_key;
using json_reader::wrong_value;

constexpr double week_s = 7 * 24 * 3600;
constexpr std::uint32_t max_group_count = 1000;
constexpr std::uint64_t max_clients = 10000;
constexpr std::uint64_t max_kib_s = std::uint64_t{1} << 30;  // 1 TiB/s
constexpr double max_generate_mib = 1024 * 1024;             // 1 TiB
constexpr std::uint64_t max_piece_kib = 256 * 1024;          // as `actorrent create`

// The client config's top-level keys a group's "config" may not set, and why.
const std::vector<std::pair<std::string, std::string>>& reserved_config_keys() {
  static const std::vector<std::pair<std::string, std::string>> keys{
      {"torrents", "the experiment adds its torrent to each client"},
      {"faults", "use the group's \"faults\" (and \"faults_at_s\")"},
      {"listen", "the node gives each client its own listen port"},
      {"download_dir", "the node gives each client its own directory"},
      {"state_dir", "the node gives each client its own directory"},
  };
  return keys;
}

// 12, 0.5, 1e-07: as short as it can be written.
std::string number_text(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  return json(x).dump();
}

std::string in_quotes(const std::string& s) {
  return json_reader::found(json(s)).substr(std::string("string ").size());
}

// One key of an object: how to read its value, given the key's full path.
struct member {
  std::string key;
  std::function<problem(const json& value, const std::string& path)> read;
};

// Reads `object`'s keys in file order; a key not among `members` is an error listing them.
problem read_members(const json& object, const std::string& path,
                     const std::vector<member>& members) {
  if (!object.is_object())
    return wrong_value(path.empty() ? "the top level" : path, "an object", object);
  for (const auto& item : object.items()) {
    const std::string key_path = join_path(path, item.key());
    auto m = std::find_if(members.begin(), members.end(),
                          [&](const member& x) { return x.key == item.key(); });
    if (m == members.end()) {
      std::vector<std::string> known;
      for (const auto& x : members)
        known.push_back(x.key);
      return unknown_key(key_path, known);
    }
    if (auto p = m->read(item.value(), key_path)) return p;
  }
  return std::nullopt;
}

std::string missing(const std::string& path, const std::string& key, const std::string& what) {
  return (path.empty() ? "" : path + ": ") + "missing key '" + key + "' (" + what + ")";
}

// Seconds since the experiment's start (or a duration): a number, at least 0 (more than 0 when
// `positive`), at most a week.
problem read_seconds(const json& v, const std::string& path, double& out, bool positive) {
  const std::string expectation =
      std::string("a number of seconds ") + (positive ? "> 0" : ">= 0") + ", at most 604800";
  if (!v.is_number()) return wrong_value(path, expectation, v);
  const double x = v.get<double>();
  if (!(positive ? x > 0 : x >= 0) || x > week_s) return wrong_value(path, expectation, v);
  out = x;
  return std::nullopt;
}

problem read_optional_seconds(const json& v, const std::string& path, std::optional<double>& out) {
  double x = 0;
  if (auto p = read_seconds(v, path, x, false)) return p;
  out = x;
  return std::nullopt;
}

problem read_path(const json& v, const std::string& path, std::filesystem::path& out,
                  const std::filesystem::path& base) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty())
    return wrong_value(path, "a non-empty path", v);
  out = near(base, v.get<std::string>());
  return std::nullopt;
}

bool is_node_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// A name that is safe in a directory name (results/<name>-<time>).
bool is_experiment_name(const std::string& s) {
  return s != "." && s != ".." && !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
         });
}

bool is_file_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

problem read_name(const json& v, const std::string& path, std::string& out,
                  const std::function<bool(const std::string&)>& valid,
                  const std::string& expectation) {
  if (!v.is_string() || !valid(v.get_ref<const std::string&>()))
    return wrong_value(path, expectation, v);
  out = v.get<std::string>();
  return std::nullopt;
}

// ---- nodes

problem read_tls(const json& v, const std::string& path, experiment_node_tls& tls,
                 const std::filesystem::path& base) {
  const auto file = [&](std::filesystem::path& field) {
    return [&field, &base](const json& x, const std::string& p) {
      return read_path(x, p, field, base);
    };
  };
  if (auto p = read_members(
          v, path, {{"ca", file(tls.ca)}, {"cert", file(tls.cert)}, {"key", file(tls.key)}}))
    return p;
  if (!v.contains("ca")) return missing(path, "ca", "the certificate authority both sides trust");
  if (!v.contains("cert")) return missing(path, "cert", "the controller's certificate");
  if (!v.contains("key")) return missing(path, "key", "the controller's private key");
  return std::nullopt;
}

problem read_node(const json& v, const std::string& path, experiment_node& node,
                  const std::filesystem::path& base) {
  auto p = read_members(v, path,
                        {{"name",
                          [&](const json& x, const std::string& at) {
                            return read_name(x, at, node.name, is_node_name,
                                             "a name of letters, digits, _ and -");
                          }},
                         {"address",
                          [&](const json& x, const std::string& at) -> problem {
                            if (!x.is_string()) return wrong_value(at, "\"HOST:PORT\"", x);
                            if (auto hp = split_host_port(x.get_ref<const std::string&>()); !hp)
                              return at + ": " + hp.error();
                            node.address = x.get<std::string>();
                            return std::nullopt;
                          }},
                         {"host",
                          [&](const json& x, const std::string& at) -> problem {
                            const std::string expectation = "an IP address or a host name";
                            if (!x.is_string()) return wrong_value(at, expectation, x);
                            const auto& h = x.get_ref<const std::string&>();
                            // An IPv6 literal is written without brackets here.
                            const std::string as_address =
                                h.find(':') == std::string::npos ? h + ":1" : "[" + h + "]:1";
                            if (h.empty() || !split_host_port(as_address))
                              return wrong_value(at, expectation, x);
                            node.host = h;
                            return std::nullopt;
                          }},
                         {"secret_file",
                          [&](const json& x, const std::string& at) {
                            return read_path(x, at, node.secret_file, base);
                          }},
                         {"tls", [&](const json& x, const std::string& at) {
                            node.tls.emplace();
                            return read_tls(x, at, *node.tls, base);
                          }}});
  if (p) return p;
  if (!v.contains("name")) return missing(path, "name", "the node's name, used by groups");
  return std::nullopt;
}

problem read_nodes(const json& v, const std::string& path, std::vector<experiment_node>& nodes,
                   const std::filesystem::path& base) {
  if (!v.is_array() || v.empty()) return wrong_value(path, "a non-empty list of nodes", v);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    experiment_node node;
    if (auto p = read_node(v[i], at, node, base)) return p;
    for (std::size_t j = 0; j < nodes.size(); ++j)
      if (nodes[j].name == node.name)
        return at + ".name: " + in_quotes(node.name) + " is already the name of " + path + "[" +
               std::to_string(j) + "]";
    nodes.push_back(std::move(node));
  }
  return std::nullopt;
}

// ---- torrent

problem read_torrent(const json& v, const std::string& path, experiment_torrent& t,
                     const std::filesystem::path& base) {
  auto p = read_members(
      v, path,
      {{"generate_mib",
        [&](const json& x, const std::string& at) -> problem {
          const std::string expectation = "a size in MiB > 0 (at most 1048576)";
          if (!x.is_number()) return wrong_value(at, expectation, x);
          const double mib = x.get<double>();
          if (!(mib > 0) || mib > max_generate_mib) return wrong_value(at, expectation, x);
          t.generate_bytes = static_cast<std::uint64_t>(std::llround(mib * 1024 * 1024));
          if (t.generate_bytes == 0)
            return at + ": " + number_text(mib) + " MiB is less than a byte";
          return std::nullopt;
        }},
       {"piece_kib",
        [&](const json& x, const std::string& at) -> problem {
          auto kib = integer_in(x, 16, max_piece_kib);
          if (!kib || (*kib & (*kib - 1)) != 0)
            return wrong_value(at, "a power of two from 16 to 262144 (KiB)", x);
          t.piece_size = static_cast<std::uint32_t>(*kib * 1024);
          return std::nullopt;
        }},
       {"name",
        [&](const json& x, const std::string& at) {
          return read_name(x, at, t.name, is_file_name,
                           "a file name (not empty, no '/', not . or ..)");
        }},
       {"seed",
        [&](const json& x, const std::string& at) -> problem {
          auto seed = integer_in(x, 0, std::numeric_limits<std::uint64_t>::max());
          if (!seed) return wrong_value(at, "a non-negative integer", x);
          t.seed = *seed;
          return std::nullopt;
        }},
       {"file",
        [&](const json& x, const std::string& at) { return read_path(x, at, t.file, base); }},
       {"data_dir",
        [&](const json& x, const std::string& at) { return read_path(x, at, t.data_dir, base); }}});
  if (p) return p;
  const bool generated = v.contains("generate_mib");
  const bool existing = v.contains("file");
  if (generated && existing)
    return path + ": give generate_mib (random data) or file (an existing .torrent), not both";
  if (!generated && !existing)
    return missing(path, "generate_mib' or 'file",
                   "random data of that many MiB, or an existing .torrent");
  if (existing) {
    for (const char* key : {"piece_kib", "name", "seed"})
      if (v.contains(key))
        return join_path(path, key) + ": only with generate_mib (an existing torrent has its own)";
    if (!v.contains("data_dir"))
      return missing(path, "data_dir",
                     "with file: the directory holding its data on the seeders' nodes");
  } else if (v.contains("data_dir")) {
    return join_path(path, "data_dir") + ": only with file (generated data is made on each node)";
  }
  return std::nullopt;
}

// ---- tracker

problem read_tracker(const json& v, const std::string& path, experiment_tracker& t) {
  const std::string expectation = "\"controller\", {\"node\": NAME} or {\"url\": URL}";
  if (v.is_string()) {
    if (v != "controller") return wrong_value(path, expectation, v);
    t.where = experiment_tracker::placement::controller;
    return std::nullopt;
  }
  if (!v.is_object()) return wrong_value(path, expectation, v);
  auto p = read_members(
      v, path,
      {{"node",
        [&](const json& x, const std::string& at) -> problem {
          if (!x.is_string()) return wrong_value(at, "a node's name", x);
          t.where = experiment_tracker::placement::node;
          t.node = x.get<std::string>();
          return std::nullopt;
        }},
       {"url", [&](const json& x, const std::string& at) -> problem {
          const std::string url_expectation = "an http://, https:// or udp:// announce URL";
          if (!x.is_string()) return wrong_value(at, url_expectation, x);
          const auto& url = x.get_ref<const std::string&>();
          bool ok = false;
          for (const std::string scheme : {"http://", "https://", "udp://"})
            ok = ok || (url.size() > scheme.size() && url.compare(0, scheme.size(), scheme) == 0);
          if (!ok) return wrong_value(at, url_expectation, x);
          t.where = experiment_tracker::placement::url;
          t.url = url;
          return std::nullopt;
        }}});
  if (p) return p;
  if (v.contains("node") && v.contains("url"))
    return path + ": give node (a tracker run there) or url (an external one), not both";
  if (!v.contains("node") && !v.contains("url"))
    return missing(path, "node' or 'url", "where the tracker runs; or write \"controller\"");
  return std::nullopt;
}

// ---- groups

// The client config parser's message for `text`, its path placed under `path`.
problem client_config_problem(const std::string& text, const std::string& path) {
  auto parsed = parse_client_config(text, "");
  if (parsed) return std::nullopt;
  std::string message = parsed.error();
  if (message.rfind(": ", 0) == 0) message.erase(0, 2);  // the empty source name
  return join_path(path, message);
}

// A rate limit given in KiB/s, stored in bytes per second.
problem read_kib_s(const json& x, const std::string& path, std::uint64_t& bytes_per_s) {
  auto kib = integer_in(x, 0, max_kib_s);
  if (!kib)
    return wrong_value(path, "an integer from 0 to 1073741824 (KiB per second, 0 = unlimited)", x);
  bytes_per_s = *kib * 1024;
  return std::nullopt;
}

problem read_churn(const json& v, const std::string& path, std::vector<churn_period>& churn) {
  if (!v.is_array()) return wrong_value(path, "a list of {\"leave_s\": …, \"rejoin_s\": …}", v);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    churn_period period;
    auto p = read_members(v[i], at,
                          {{"leave_s",
                            [&](const json& x, const std::string& key_path) {
                              return read_seconds(x, key_path, period.leave_s, false);
                            }},
                           {"rejoin_s",
                            [&](const json& x, const std::string& key_path) {
                              return read_optional_seconds(x, key_path, period.rejoin_s);
                            }},
                           {"crash", [&](const json& x, const std::string& key_path) -> problem {
                              if (!x.is_boolean()) return wrong_value(key_path, "true or false", x);
                              period.crash = x.get<bool>();
                              return std::nullopt;
                            }}});
    if (p) return p;
    if (!v[i].contains("leave_s")) return missing(at, "leave_s", "when the clients leave");
    churn.push_back(period);
  }
  return std::nullopt;
}

problem read_limit_changes(const json& v, const std::string& path,
                           std::vector<limit_change>& changes) {
  if (!v.is_array())
    return wrong_value(path, "a list of {\"at_s\": …, \"download_kib_s\": …, \"upload_kib_s\": …}",
                       v);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    limit_change change;
    const auto kib_s = [](std::optional<std::uint64_t>& field) {
      return [&field](const json& x, const std::string& key_path) -> problem {
        std::uint64_t bytes = 0;
        if (auto p = read_kib_s(x, key_path, bytes)) return p;
        field = bytes;
        return std::nullopt;
      };
    };
    auto p = read_members(v[i], at,
                          {{"at_s",
                            [&](const json& x, const std::string& key_path) {
                              return read_seconds(x, key_path, change.at_s, false);
                            }},
                           {"download_kib_s", kib_s(change.download_limit)},
                           {"upload_kib_s", kib_s(change.upload_limit)}});
    if (p) return p;
    if (!v[i].contains("at_s")) return missing(at, "at_s", "when the limits change");
    if (!change.download_limit && !change.upload_limit)
      return at + ": nothing to change (give download_kib_s, upload_kib_s or both)";
    if (!changes.empty() && !(change.at_s > changes.back().at_s))
      return at + ".at_s: must be after the previous change's (" +
             number_text(changes.back().at_s) + ")";
    changes.push_back(change);
  }
  return std::nullopt;
}

// Churn periods in order, each after the previous one, the clients started.
problem check_churn(const client_group& g, const std::string& path) {
  for (std::size_t i = 0; i < g.churn.size(); ++i) {
    const std::string at = path + ".churn[" + std::to_string(i) + "]";
    const auto& c = g.churn[i];
    if (i == 0) {
      if (!(c.leave_s > g.start_delay_s))
        return at + ".leave_s: must be after start_delay_s (" + number_text(g.start_delay_s) + ")";
    } else {
      const auto& previous = g.churn[i - 1];
      if (!previous.rejoin_s)
        return path + ".churn[" + std::to_string(i - 1) +
               "]: missing key 'rejoin_s' (only the last period may leave for good)";
      if (!(c.leave_s > *previous.rejoin_s))
        return at + ".leave_s: must be after the previous rejoin_s (" +
               number_text(*previous.rejoin_s) + ")";
    }
    if (c.rejoin_s && !(*c.rejoin_s > c.leave_s))
      return at + ".rejoin_s: must be after leave_s (" + number_text(c.leave_s) + ")";
  }
  return std::nullopt;
}

problem read_group(const json& v, const std::string& path, client_group& g) {
  std::optional<bool> must_finish;
  const auto kib_s = [](std::uint64_t& field) {
    return [&field](const json& x, const std::string& at) { return read_kib_s(x, at, field); };
  };
  auto p = read_members(
      v, path,
      {{"node",
        [&](const json& x, const std::string& at) -> problem {
          if (!x.is_string()) return wrong_value(at, "a node's name", x);
          g.node = x.get<std::string>();
          return std::nullopt;
        }},
       {"role",
        [&](const json& x, const std::string& at) -> problem {
          if (x == "seeder")
            g.role = client_role::seeder;
          else if (x == "leecher")
            g.role = client_role::leecher;
          else
            return wrong_value(at, "\"seeder\" or \"leecher\"", x);
          return std::nullopt;
        }},
       {"count",
        [&](const json& x, const std::string& at) -> problem {
          auto n = integer_in(x, 1, max_group_count);
          if (!n) return wrong_value(at, "an integer from 1 to 1000", x);
          g.count = static_cast<std::uint32_t>(*n);
          return std::nullopt;
        }},
       {"download_kib_s", kib_s(g.download_limit)},
       {"upload_kib_s", kib_s(g.upload_limit)},
       {"start_delay_s",
        [&](const json& x, const std::string& at) {
          return read_seconds(x, at, g.start_delay_s, false);
        }},
       {"churn", [&](const json& x, const std::string& at) { return read_churn(x, at, g.churn); }},
       {"limit_changes",
        [&](const json& x, const std::string& at) {
          return read_limit_changes(x, at, g.limit_changes);
        }},
       {"faults",
        [&](const json& x, const std::string& at) -> problem {
          if (!x.is_object())
            return wrong_value(at, "an object of client config \"faults\" keys", x);
          if (auto q = client_config_problem(json{{"faults", x}}.dump(), path)) return q;
          g.faults_json = x.dump(-1, ' ', false, json::error_handler_t::replace);
          return std::nullopt;
        }},
       {"faults_at_s",
        [&](const json& x, const std::string& at) {
          return read_optional_seconds(x, at, g.faults_at_s);
        }},
       {"config",
        [&](const json& x, const std::string& at) -> problem {
          if (!x.is_object()) return wrong_value(at, "an object of client config keys", x);
          for (const auto& [key, why] : reserved_config_keys())
            if (x.contains(key)) return join_path(at, key) + ": not allowed here: " + why;
          const std::string text = x.dump(-1, ' ', false, json::error_handler_t::replace);
          if (auto q = client_config_problem(text, at)) return q;
          g.config_json = text;
          return std::nullopt;
        }},
       {"must_finish", [&](const json& x, const std::string& at) -> problem {
          if (!x.is_boolean()) return wrong_value(at, "true or false", x);
          must_finish = x.get<bool>();
          return std::nullopt;
        }}});
  if (p) return p;
  if (!v.contains("node")) return missing(path, "node", "the name of the node the clients run on");
  if (!v.contains("role")) return missing(path, "role", "\"seeder\" or \"leecher\"");
  if (auto q = check_churn(g, path)) return q;
  if (g.faults_at_s && g.faults_json.empty())
    return path + ".faults_at_s: needs \"faults\" (what to apply from then)";
  if (g.role == client_role::seeder) {
    if (must_finish.value_or(false))
      return path + ".must_finish: a seeder has nothing to download (must_finish is for leechers)";
    g.must_finish = false;
  } else {
    const bool leaves_for_good = !g.churn.empty() && !g.churn.back().rejoin_s;
    g.must_finish = must_finish.value_or(!leaves_for_good);
  }
  return std::nullopt;
}

problem read_groups(const json& v, const std::string& path, std::vector<client_group>& groups) {
  if (!v.is_array() || v.empty()) return wrong_value(path, "a non-empty list of groups", v);
  for (std::size_t i = 0; i < v.size(); ++i) {
    client_group g;
    if (auto p = read_group(v[i], path + "[" + std::to_string(i) + "]", g)) return p;
    groups.push_back(std::move(g));
  }
  return std::nullopt;
}

// ---- the whole spec

problem node_reference(const experiment_spec& s, const std::string& name, const std::string& path) {
  std::string declared;
  for (const auto& n : s.nodes) {
    if (n.name == name) return std::nullopt;
    declared += (declared.empty() ? "" : ", ") + n.name;
  }
  return path + ": no node named " + in_quotes(name) + " (declared: " + declared + ")";
}

problem before_end(const experiment_spec& s, double t, const std::string& path) {
  if (t < s.duration_s) return std::nullopt;
  return path + ": " + number_text(t) + " is not before duration_s (" + number_text(s.duration_s) +
         ")";
}

problem check_spec(const experiment_spec& s, const json& root) {
  if (!root.contains("nodes")) return missing("", "nodes", "the machines the clients run on");
  if (!root.contains("torrent")) return missing("", "torrent", "what the clients share");
  if (!root.contains("groups")) return missing("", "groups", "the clients on each node");
  if (s.tracker.where == experiment_tracker::placement::node)
    if (auto p = node_reference(s, s.tracker.node, "tracker.node")) return p;
  std::uint64_t clients = 0;
  bool seeder = false;
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    const auto& g = s.groups[i];
    const std::string path = "groups[" + std::to_string(i) + "]";
    if (auto p = node_reference(s, g.node, path + ".node")) return p;
    if (auto p = before_end(s, g.start_delay_s, path + ".start_delay_s")) return p;
    for (std::size_t j = 0; j < g.churn.size(); ++j) {
      const std::string at = path + ".churn[" + std::to_string(j) + "]";
      if (auto p = before_end(s, g.churn[j].leave_s, at + ".leave_s")) return p;
      if (g.churn[j].rejoin_s)
        if (auto p = before_end(s, *g.churn[j].rejoin_s, at + ".rejoin_s")) return p;
    }
    if (g.faults_at_s)
      if (auto p = before_end(s, *g.faults_at_s, path + ".faults_at_s")) return p;
    for (std::size_t j = 0; j < g.limit_changes.size(); ++j)
      if (auto p = before_end(s, g.limit_changes[j].at_s,
                              path + ".limit_changes[" + std::to_string(j) + "].at_s"))
        return p;
    clients += g.count;
    seeder = seeder || g.role == client_role::seeder;
  }
  if (!seeder) return "groups: no seeder group (the data must be somewhere at the start)";
  if (clients > max_clients)
    return "groups: " + std::to_string(clients) + " clients in all, at most " +
           std::to_string(max_clients);
  return std::nullopt;
}

problem read_spec(const json& root, experiment_spec& s, const std::filesystem::path& base) {
  auto p = read_members(
      root, "",
      {{"name",
        [&](const json& x, const std::string& at) {
          return read_name(x, at, s.name, is_experiment_name,
                           "a name of letters, digits, ., _ and -");
        }},
       {"duration_s",
        [&](const json& x, const std::string& at) {
          return read_seconds(x, at, s.duration_s, true);
        }},
       {"nodes",
        [&](const json& x, const std::string& at) { return read_nodes(x, at, s.nodes, base); }},
       {"torrent",
        [&](const json& x, const std::string& at) { return read_torrent(x, at, s.torrent, base); }},
       {"tracker",
        [&](const json& x, const std::string& at) { return read_tracker(x, at, s.tracker); }},
       {"groups",
        [&](const json& x, const std::string& at) { return read_groups(x, at, s.groups); }}});
  if (p) return p;
  return check_spec(s, root);
}

}  // namespace

expected<experiment_spec, std::string> parse_experiment_spec(
    std::string_view json_text, const std::string& source_name,
    const std::filesystem::path& base_dir) {
  const auto fail = [&](const std::string& message) {
    return make_unexpected(source_name + ": " + message);
  };
  auto root = json_reader::parse(json_text);
  if (!root) return fail(root.error());
  experiment_spec spec;
  if (auto p = read_spec(*root, spec, base_dir)) return fail(*p);
  return spec;
}

expected<experiment_spec, std::string> load_experiment_spec(const std::filesystem::path& file) {
  auto text = read_file(file.string(), std::size_t{1} << 20);
  if (!text) return make_unexpected(text.error());
  auto base = file.parent_path();
  if (base.empty()) base = ".";
  return parse_experiment_spec(*text, file.string(), base);
}

}  // namespace actorrent
