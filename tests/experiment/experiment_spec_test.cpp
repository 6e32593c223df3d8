#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "experiment/experiment_spec.hpp"
#include "tests/support/temp_dir.hpp"

using namespace actorrent;

namespace spec_test {

using json = nlohmann::ordered_json;

// The smallest valid spec: one node, a generated torrent, one seeder group.
json minimal() {
  return json::parse(R"({
    "nodes": [{"name": "a"}],
    "torrent": {"generate_mib": 1},
    "groups": [{"node": "a", "role": "seeder"}]
  })");
}

// minimal() with a leecher group after the seeder: `leecher` is merged into it.
json with_leecher(const json& leecher = json::object()) {
  json spec = minimal();
  json group = {{"node", "a"}, {"role", "leecher"}};
  group.update(leecher);
  spec["groups"].push_back(group);
  return spec;
}

experiment_spec parsed_text(const std::string& text, const std::filesystem::path& base = {}) {
  auto spec = parse_experiment_spec(text, "spec.json", base);
  INFO(text);
  if (!spec) FAIL(spec.error());
  return *spec;
}

experiment_spec parsed(const json& spec) {
  return parsed_text(spec.dump());
}

std::string error_of_text(const std::string& text) {
  auto spec = parse_experiment_spec(text, "spec.json");
  INFO(text);
  REQUIRE_FALSE(spec);
  return spec.error();
}

std::string error_of(const json& spec) {
  return error_of_text(spec.dump());
}

// The error, checked to start with the source name and to name `path`.
std::string error_at(const json& spec, const std::string& path) {
  const std::string e = error_of(spec);
  INFO(e);
  CHECK(e.rfind("spec.json: " + path + ": ", 0) == 0);
  return e;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("spec: every key of a full spec is read", "[experiment][spec]") {
  const std::string text = R"({
    // Comments are allowed, as in the client config.
    "name": "full-demo.1",
    "duration_s": 300.5,
    "nodes": [
      {"name": "a", "address": "127.0.0.1:7001", "host": "10.0.0.1",
       "secret_file": "secret.txt",
       "tls": {"ca": "ca.pem", "cert": "/etc/c.pem", "key": "c.key"}},
      /* the second node: started with --local */
      {"name": "b_2"}
    ],
    "torrent": {"generate_mib": 0.5, "piece_kib": 64, "name": "data.bin", "seed": 18446744073709551615},
    "tracker": {"node": "b_2"},
    "groups": [
      {"node": "a", "role": "seeder", "count": 2, "download_kib_s": 10, "upload_kib_s": 20,
       "start_delay_s": 1.5, "churn": [{"leave_s": 10, "rejoin_s": 20, "crash": true}, {"leave_s": 30.25}],
       "limit_changes": [{"at_s": 4, "download_kib_s": 0}, {"at_s": 8.5, "upload_kib_s": 64}],
       "faults": {"kill_peer_every_ms": 500}, "faults_at_s": 5,
       "config": {"choker": {"upload_slots": 2}}, "must_finish": false},
      {"node": "b_2", "role": "leecher", "count": 1000, "must_finish": true}
    ]
  })";
  const auto s = parsed_text(text, "/base");
  CHECK(s.name == "full-demo.1");
  CHECK(s.duration_s == 300.5);
  REQUIRE(s.nodes.size() == 2);
  const auto& a = s.nodes[0];
  CHECK(a.name == "a");
  CHECK(a.address == "127.0.0.1:7001");
  CHECK(a.host == "10.0.0.1");
  CHECK(a.secret_file == "/base/secret.txt");
  REQUIRE(a.tls);
  CHECK(a.tls->ca == "/base/ca.pem");
  CHECK(a.tls->cert == "/etc/c.pem");
  CHECK(a.tls->key == "/base/c.key");
  const auto& b = s.nodes[1];
  CHECK(b.name == "b_2");
  CHECK(b.address.empty());
  CHECK(b.host == "127.0.0.1");
  CHECK(b.secret_file.empty());
  CHECK_FALSE(b.tls);

  CHECK(s.torrent.generated());
  CHECK(s.torrent.generate_bytes == 512 * 1024);
  CHECK(s.torrent.piece_size == 64 * 1024);
  CHECK(s.torrent.name == "data.bin");
  CHECK(s.torrent.seed == 18446744073709551615u);
  CHECK(s.torrent.file.empty());
  CHECK(s.torrent.data_dir.empty());

  CHECK(s.tracker.where == experiment_tracker::placement::node);
  CHECK(s.tracker.node == "b_2");

  REQUIRE(s.groups.size() == 2);
  const auto& g = s.groups[0];
  CHECK(g.node == "a");
  CHECK(g.role == client_role::seeder);
  CHECK(g.count == 2);
  CHECK(g.download_limit == 10 * 1024);
  CHECK(g.upload_limit == 20 * 1024);
  CHECK(g.start_delay_s == 1.5);
  REQUIRE(g.churn.size() == 2);
  CHECK(g.churn[0].leave_s == 10);
  CHECK(g.churn[0].rejoin_s == 20.0);
  CHECK(g.churn[0].crash);
  CHECK(g.churn[1].leave_s == 30.25);
  CHECK_FALSE(g.churn[1].rejoin_s);
  CHECK_FALSE(g.churn[1].crash);
  REQUIRE(g.limit_changes.size() == 2);
  CHECK(g.limit_changes[0].at_s == 4);
  CHECK(g.limit_changes[0].download_limit == std::uint64_t{0});
  CHECK_FALSE(g.limit_changes[0].upload_limit);
  CHECK(g.limit_changes[1].at_s == 8.5);
  CHECK_FALSE(g.limit_changes[1].download_limit);
  CHECK(g.limit_changes[1].upload_limit == std::uint64_t{64 * 1024});
  CHECK(nlohmann::json::parse(g.faults_json) == nlohmann::json{{"kill_peer_every_ms", 500}});
  CHECK(g.faults_at_s == 5.0);
  CHECK(nlohmann::json::parse(g.config_json) ==
        nlohmann::json::parse(R"({"choker": {"upload_slots": 2}})"));
  CHECK_FALSE(g.must_finish);
  const auto& l = s.groups[1];
  CHECK(l.node == "b_2");
  CHECK(l.role == client_role::leecher);
  CHECK(l.count == 1000);
  CHECK(l.must_finish);
}

TEST_CASE("spec: missing keys keep their defaults", "[experiment][spec]") {
  const auto s = parsed(with_leecher());
  CHECK(s.name == "experiment");
  CHECK(s.duration_s == 120);
  REQUIRE(s.nodes.size() == 1);
  CHECK(s.nodes[0].address.empty());
  CHECK(s.nodes[0].host == "127.0.0.1");
  CHECK(s.nodes[0].secret_file.empty());
  CHECK_FALSE(s.nodes[0].tls);
  CHECK(s.torrent.generate_bytes == 1024 * 1024);
  CHECK(s.torrent.piece_size == 256 * 1024);
  CHECK(s.torrent.name == "experiment.bin");
  CHECK(s.torrent.seed == 1);
  CHECK(s.tracker.where == experiment_tracker::placement::controller);
  REQUIRE(s.groups.size() == 2);
  for (const auto& g : s.groups) {
    CHECK(g.count == 1);
    CHECK(g.download_limit == 0);
    CHECK(g.upload_limit == 0);
    CHECK(g.start_delay_s == 0);
    CHECK(g.churn.empty());
    CHECK(g.faults_json.empty());
    CHECK_FALSE(g.faults_at_s);
    CHECK(g.config_json.empty());
  }
  CHECK_FALSE(s.groups[0].must_finish);  // the seeder
  CHECK(s.groups[1].must_finish);        // the leecher
}

TEST_CASE("spec: an existing torrent, its paths resolved against base_dir", "[experiment][spec]") {
  auto spec = minimal();
  spec["torrent"] = {{"file", "t/x.torrent"}, {"data_dir", "data"}};
  spec["nodes"][0]["secret_file"] = "../s.txt";
  {
    const auto s = parsed_text(spec.dump(), "/exp/dir");
    CHECK_FALSE(s.torrent.generated());
    CHECK(s.torrent.file == "/exp/dir/t/x.torrent");
    CHECK(s.torrent.data_dir == "/exp/dir/data");
    CHECK(s.nodes[0].secret_file == "/exp/s.txt");
  }
  {
    const auto s = parsed_text(spec.dump());  // no base_dir: as written
    CHECK(s.torrent.file == "t/x.torrent");
    CHECK(s.torrent.data_dir == "data");
    CHECK(s.nodes[0].secret_file == "../s.txt");
  }
  spec["torrent"]["data_dir"] = "/srv/data";
  CHECK(parsed_text(spec.dump(), "/exp").torrent.data_dir == "/srv/data");
}

TEST_CASE("spec: load_experiment_spec reads the file, paths relative to its directory",
          "[experiment][spec]") {
  test::temp_dir dir("actorrent-spec");
  auto spec = minimal();
  spec["nodes"][0]["tls"] = {{"ca", "ca.pem"}, {"cert", "sub/c.pem"}, {"key", "c.key"}};
  const auto file = dir.path / "spec.json";
  std::ofstream(file) << "// a comment\n" << spec.dump(2);
  auto s = load_experiment_spec(file);
  REQUIRE(s);
  REQUIRE(s->nodes[0].tls);
  CHECK(s->nodes[0].tls->ca == dir.path / "ca.pem");
  CHECK(s->nodes[0].tls->cert == dir.path / "sub/c.pem");

  spec["duration_s"] = "long";
  std::ofstream(dir.path / "bad.json") << spec.dump();
  auto bad = load_experiment_spec(dir.path / "bad.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().rfind((dir.path / "bad.json").string() + ": duration_s: ", 0) == 0);

  auto missing = load_experiment_spec(dir.path / "nope.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().rfind((dir.path / "nope.json").string() + ": ", 0) == 0);
}

TEST_CASE("spec: invalid JSON and duplicate keys", "[experiment][spec]") {
  CHECK(contains(error_of_text("{\"nodes\": [}"), "spec.json: invalid JSON at line 1"));
  CHECK(error_of_text(R"({"nodes": [{"name": "a", "name": "b"}]})") ==
        "spec.json: nodes[0].name: key given twice");
  CHECK(error_of_text("[1]") == "spec.json: the top level: expected an object, got an array");
}

TEST_CASE("spec: an unknown key lists the known ones", "[experiment][spec]") {
  auto spec = minimal();
  spec["duration"] = 5;
  CHECK(error_of(spec) ==
        "spec.json: duration: unknown key (known: name, duration_s, nodes, torrent, tracker, "
        "groups)");

  spec = minimal();
  spec["nodes"][0]["adress"] = "x:1";
  CHECK(error_of(spec) ==
        "spec.json: nodes[0].adress: unknown key (known: name, address, host, secret_file, tls)");

  spec = minimal();
  spec["nodes"][0]["tls"] = {{"ca", "a"}, {"crt", "b"}};
  CHECK(contains(error_at(spec, "nodes[0].tls.crt"), "(known: ca, cert, key)"));

  spec = minimal();
  spec["torrent"]["size"] = 3;
  CHECK(contains(error_at(spec, "torrent.size"),
                 "(known: generate_mib, piece_kib, name, seed, file, data_dir)"));

  spec = minimal();
  spec["tracker"] = {{"host", "a"}};
  CHECK(contains(error_at(spec, "tracker.host"), "(known: node, url)"));

  spec = minimal();
  spec["groups"][0]["delay_s"] = 1;
  CHECK(contains(error_at(spec, "groups[0].delay_s"),
                 "(known: node, role, count, download_kib_s, upload_kib_s, start_delay_s, churn, "
                 "limit_changes, faults, faults_at_s, config, must_finish)"));

  CHECK(contains(error_at(with_leecher({{"churn", {{{"leave_s", 1}, {"rejoin", 2}}}}}),
                          "groups[1].churn[0].rejoin"),
                 "(known: leave_s, rejoin_s, crash)"));
  CHECK(contains(error_at(with_leecher({{"limit_changes", {{{"at_s", 1}, {"download", 2}}}}}),
                          "groups[1].limit_changes[0].download"),
                 "(known: at_s, download_kib_s, upload_kib_s)"));
}

TEST_CASE("spec: wrong types", "[experiment][spec]") {
  auto spec = minimal();
  spec["duration_s"] = "long";
  CHECK(error_of(spec) ==
        "spec.json: duration_s: expected a number of seconds > 0, at most 604800, got string "
        "\"long\"");
  spec = minimal();
  spec["name"] = 3;
  CHECK(contains(error_at(spec, "name"), "got 3"));
  spec = minimal();
  spec["nodes"] = {{"name", "a"}};
  CHECK(contains(error_at(spec, "nodes"), "a non-empty list of nodes"));
  spec = minimal();
  spec["nodes"][0]["name"] = true;
  error_at(spec, "nodes[0].name");
  spec = minimal();
  spec["nodes"][0]["tls"] = "tls.pem";
  CHECK(contains(error_at(spec, "nodes[0].tls"), "expected an object, got string"));
  spec = minimal();
  spec["torrent"] = "x.torrent";
  error_at(spec, "torrent");
  spec = minimal();
  spec["torrent"]["generate_mib"] = "64";
  error_at(spec, "torrent.generate_mib");
  spec = minimal();
  spec["groups"] = json::object();
  CHECK(contains(error_at(spec, "groups"), "a non-empty list of groups, got an object"));
  spec = minimal();
  spec["groups"][0]["count"] = "2";
  CHECK(error_of(spec) ==
        "spec.json: groups[0].count: expected an integer from 1 to 1000, got string \"2\"");
  spec = minimal();
  spec["groups"][0]["role"] = "peer";
  CHECK(contains(error_at(spec, "groups[0].role"), "\"seeder\" or \"leecher\""));
  spec = minimal();
  spec["groups"][0]["must_finish"] = 0;
  CHECK(contains(error_at(spec, "groups[0].must_finish"), "true or false, got 0"));
  spec = minimal();
  spec["groups"][0]["churn"] = {{"leave_s", 3}};
  error_at(spec, "groups[0].churn");
  spec = minimal();
  spec["groups"][0]["churn"] = json::array({5});
  error_at(spec, "groups[0].churn[0]");
  spec = minimal();
  spec["groups"][0]["faults"] = "kill";
  error_at(spec, "groups[0].faults");
  spec = minimal();
  spec["groups"][0]["config"] = json::array();
  error_at(spec, "groups[0].config");
}

TEST_CASE("spec: values out of range", "[experiment][spec]") {
  auto with = [](const std::string& section, const std::string& key, const json& v) {
    auto spec = minimal();
    if (section.empty())
      spec[key] = v;
    else if (section == "node")
      spec["nodes"][0][key] = v;
    else if (section == "group")
      spec["groups"][0][key] = v;
    else
      spec[section][key] = v;
    return spec;
  };
  error_at(with("", "duration_s", 0), "duration_s");
  error_at(with("", "duration_s", -1), "duration_s");
  error_at(with("", "duration_s", 604801), "duration_s");
  CHECK(parsed(with("", "duration_s", 0.5)).duration_s == 0.5);
  error_at(with("", "name", ""), "name");
  error_at(with("", "name", "a/b"), "name");
  error_at(with("", "name", ".."), "name");
  error_at(with("node", "name", "a.b"), "nodes[0].name");
  error_at(with("node", "name", ""), "nodes[0].name");
  CHECK(
      contains(error_at(with("node", "address", "127.0.0.1"), "nodes[0].address"), "missing port"));
  error_at(with("node", "address", "127.0.0.1:0"), "nodes[0].address");
  CHECK(parsed(with("node", "address", "[::1]:7001")).nodes[0].address == "[::1]:7001");
  error_at(with("node", "host", ""), "nodes[0].host");
  error_at(with("node", "host", "a b"), "nodes[0].host");
  CHECK(parsed(with("node", "host", "::1")).nodes[0].host == "::1");
  CHECK(parsed(with("node", "host", "node-1.example.org")).nodes[0].host == "node-1.example.org");
  error_at(with("node", "secret_file", ""), "nodes[0].secret_file");
  error_at(with("torrent", "generate_mib", 0), "torrent.generate_mib");
  error_at(with("torrent", "generate_mib", -2), "torrent.generate_mib");
  CHECK(contains(error_at(with("torrent", "generate_mib", 1e-9), "torrent.generate_mib"),
                 "less than a byte"));
  CHECK(parsed(with("torrent", "generate_mib", 1.5)).torrent.generate_bytes == 1536 * 1024);
  error_at(with("torrent", "seed", -1), "torrent.seed");
  error_at(with("torrent", "seed", 1.5), "torrent.seed");
  error_at(with("group", "count", 0), "groups[0].count");
  error_at(with("group", "count", 1001), "groups[0].count");
  error_at(with("group", "download_kib_s", -1), "groups[0].download_kib_s");
  error_at(with("group", "upload_kib_s", 1.5), "groups[0].upload_kib_s");
  error_at(with("group", "start_delay_s", -1), "groups[0].start_delay_s");
  error_at(with("group", "faults_at_s", -0.5), "groups[0].faults_at_s");
}

TEST_CASE("spec: piece_kib is a power of two of at least 16", "[experiment][spec]") {
  auto with_piece = [](const json& kib) {
    auto spec = minimal();
    spec["torrent"]["piece_kib"] = kib;
    return spec;
  };
  CHECK(parsed(with_piece(16)).torrent.piece_size == 16 * 1024);
  CHECK(parsed(with_piece(262144)).torrent.piece_size == 256u * 1024 * 1024);
  for (const auto& bad : {json(8), json(0), json(48), json(524288), json(16.5), json("16")}) {
    INFO(bad.dump());
    CHECK(contains(error_at(with_piece(bad), "torrent.piece_kib"), "a power of two"));
  }
}

TEST_CASE("spec: the torrent's name is a plain file name", "[experiment][spec]") {
  for (const char* bad : {"", ".", "..", "a/b", "/x"}) {
    auto spec = minimal();
    spec["torrent"]["name"] = bad;
    INFO(bad);
    CHECK(contains(error_at(spec, "torrent.name"), "a file name"));
  }
  auto spec = minimal();
  spec["torrent"]["name"] = "my data.bin";
  CHECK(parsed(spec).torrent.name == "my data.bin");
}

TEST_CASE("spec: exactly one of generate_mib and file", "[experiment][spec]") {
  auto spec = minimal();
  spec["torrent"] = {{"generate_mib", 1}, {"file", "x.torrent"}, {"data_dir", "d"}};
  CHECK(error_of(spec) ==
        "spec.json: torrent: give generate_mib (random data) or file (an existing .torrent), "
        "not both");
  spec["torrent"] = json::object();
  CHECK(contains(error_of(spec), "spec.json: torrent: missing key 'generate_mib' or 'file'"));
  spec["torrent"] = {{"file", "x.torrent"}};
  CHECK(contains(error_of(spec), "spec.json: torrent: missing key 'data_dir'"));
  spec["torrent"] = {{"generate_mib", 1}, {"data_dir", "d"}};
  CHECK(contains(error_at(spec, "torrent.data_dir"), "only with file"));
  for (const char* key : {"piece_kib", "name", "seed"}) {
    spec["torrent"] = {{"file", "x.torrent"}, {"data_dir", "d"}};
    spec["torrent"][key] = key == std::string("name") ? json("n") : json(16);
    CHECK(contains(error_at(spec, std::string("torrent.") + key), "only with generate_mib"));
  }
  spec["torrent"] = {{"file", ""}, {"data_dir", "d"}};
  error_at(spec, "torrent.file");
}

TEST_CASE("spec: required keys", "[experiment][spec]") {
  for (const char* key : {"nodes", "torrent", "groups"}) {
    auto spec = minimal();
    spec.erase(key);
    INFO(key);
    CHECK(contains(error_of(spec), std::string("spec.json: missing key '") + key + "'"));
  }
  auto spec = minimal();
  spec["nodes"][0].erase("name");
  CHECK(contains(error_of(spec), "spec.json: nodes[0]: missing key 'name'"));
  spec = minimal();
  spec["groups"][0].erase("role");
  CHECK(contains(error_of(spec), "spec.json: groups[0]: missing key 'role'"));
  spec = minimal();
  spec["groups"][0].erase("node");
  CHECK(contains(error_of(spec), "spec.json: groups[0]: missing key 'node'"));
  spec = minimal();
  spec["nodes"][0]["tls"] = {{"ca", "ca.pem"}, {"cert", "c.pem"}};
  CHECK(contains(error_of(spec), "spec.json: nodes[0].tls: missing key 'key'"));
  spec = minimal();
  spec["nodes"] = json::array();
  error_at(spec, "nodes");
  spec = minimal();
  spec["groups"] = json::array();
  error_at(spec, "groups");
}

TEST_CASE("spec: node names are unique and every reference names a declared node",
          "[experiment][spec]") {
  auto spec = minimal();
  spec["nodes"].push_back({{"name", "b"}});
  spec["nodes"].push_back({{"name", "a"}});
  CHECK(error_of(spec) == "spec.json: nodes[2].name: \"a\" is already the name of nodes[0]");

  spec = with_leecher({{"node", "c"}});
  spec["nodes"].push_back({{"name", "b"}});
  CHECK(error_of(spec) == "spec.json: groups[1].node: no node named \"c\" (declared: a, b)");

  spec = minimal();
  spec["tracker"] = {{"node", "z"}};
  CHECK(error_of(spec) == "spec.json: tracker.node: no node named \"z\" (declared: a)");
}

TEST_CASE("spec: the tracker's three placements", "[experiment][spec]") {
  auto spec = minimal();
  spec["tracker"] = "controller";
  CHECK(parsed(spec).tracker.where == experiment_tracker::placement::controller);
  spec["tracker"] = {{"node", "a"}};
  CHECK(parsed(spec).tracker.where == experiment_tracker::placement::node);
  spec["tracker"] = {{"url", "udp://tracker.example.org:6969/announce"}};
  const auto s = parsed(spec);
  CHECK(s.tracker.where == experiment_tracker::placement::url);
  CHECK(s.tracker.url == "udp://tracker.example.org:6969/announce");

  spec["tracker"] = "node";
  CHECK(contains(error_at(spec, "tracker"), "\"controller\", {\"node\": NAME} or {\"url\": URL}"));
  spec["tracker"] = 1;
  error_at(spec, "tracker");
  spec["tracker"] = {{"url", "ftp://x/announce"}};
  CHECK(contains(error_at(spec, "tracker.url"), "announce URL"));
  spec["tracker"] = {{"url", "http://"}};
  error_at(spec, "tracker.url");
  spec["tracker"] = {{"node", "a"}, {"url", "http://x/announce"}};
  CHECK(contains(error_at(spec, "tracker"), "not both"));
  spec["tracker"] = json::object();
  CHECK(contains(error_of(spec), "spec.json: tracker: missing key 'node' or 'url'"));
}

TEST_CASE("spec: churn periods are ordered and do not overlap", "[experiment][spec]") {
  const auto churn = [](json periods, double start_delay = 0) {
    return with_leecher({{"start_delay_s", start_delay}, {"churn", std::move(periods)}});
  };
  {
    const auto s = parsed(churn(
        json::parse(R"([{"leave_s": 10, "rejoin_s": 20}, {"leave_s": 20.5, "rejoin_s": 30}])"), 5));
    REQUIRE(s.groups[1].churn.size() == 2);
    CHECK(s.groups[1].churn[1].leave_s == 20.5);
  }
  // The brief's example: the third group's first period.
  auto spec = minimal();
  spec["groups"].push_back({{"node", "a"}, {"role", "leecher"}});
  spec["groups"].push_back({{"node", "a"},
                            {"role", "leecher"},
                            {"churn", json::parse(R"([{"leave_s": 12, "rejoin_s": 12}])")}});
  CHECK(error_of(spec) == "spec.json: groups[2].churn[0].rejoin_s: must be after leave_s (12)");

  CHECK(error_of(churn(json::parse(R"([{"leave_s": 5}])"), 5)) ==
        "spec.json: groups[1].churn[0].leave_s: must be after start_delay_s (5)");
  CHECK(error_of(churn(json::parse(R"([{"leave_s": 0}])"))) ==
        "spec.json: groups[1].churn[0].leave_s: must be after start_delay_s (0)");
  CHECK(error_of(churn(json::parse(R"([{"leave_s": 10, "rejoin_s": 9.5}])"))) ==
        "spec.json: groups[1].churn[0].rejoin_s: must be after leave_s (10)");
  CHECK(error_of(churn(json::parse(R"([{"leave_s": 10, "rejoin_s": 20.5}, {"leave_s": 20}])"))) ==
        "spec.json: groups[1].churn[1].leave_s: must be after the previous rejoin_s (20.5)");
  CHECK(error_of(churn(json::parse(R"([{"leave_s": 10}, {"leave_s": 20}])"))) ==
        "spec.json: groups[1].churn[0]: missing key 'rejoin_s' (only the last period may leave "
        "for good)");
  CHECK(contains(error_of(churn(json::parse(R"([{"rejoin_s": 20}])"))),
                 "spec.json: groups[1].churn[0]: missing key 'leave_s'"));
  error_at(churn(json::parse(R"([{"leave_s": 10, "rejoin_s": -1}])")),
           "groups[1].churn[0].rejoin_s");
  // The start delay may follow the churn in the file: the order is checked on the whole group.
  CHECK(contains(error_of_text(R"({"nodes": [{"name": "a"}], "torrent": {"generate_mib": 1},
      "groups": [{"node": "a", "role": "seeder", "churn": [{"leave_s": 3}], "start_delay_s": 4}]})"),
                 "groups[0].churn[0].leave_s: must be after start_delay_s (4)"));
}

TEST_CASE("spec: a crash is true or false; limit changes are ordered and change something",
          "[experiment][spec]") {
  error_at(with_leecher({{"churn", json::parse(R"([{"leave_s": 1, "rejoin_s": 2, "crash": 1}])")}}),
           "groups[1].churn[0].crash");
  const auto changes = [](const char* list) {
    return with_leecher({{"limit_changes", json::parse(list)}});
  };
  CHECK(parsed(changes(R"([{"at_s": 0, "download_kib_s": 5}, {"at_s": 1, "upload_kib_s": 0}])"))
            .groups[1]
            .limit_changes.size() == 2);
  CHECK(
      error_of(changes(R"([{"at_s": 3, "download_kib_s": 5}, {"at_s": 3, "upload_kib_s": 1}])")) ==
      "spec.json: groups[1].limit_changes[1].at_s: must be after the previous change's (3)");
  CHECK(error_of(changes(R"([{"at_s": 3}])")) ==
        "spec.json: groups[1].limit_changes[0]: nothing to change (give download_kib_s, "
        "upload_kib_s or both)");
  CHECK(contains(error_of(changes(R"([{"download_kib_s": 3}])")),
                 "spec.json: groups[1].limit_changes[0]: missing key 'at_s'"));
  error_at(changes(R"([{"at_s": 1, "download_kib_s": -1}])"),
           "groups[1].limit_changes[0].download_kib_s");
  error_at(changes(R"({"at_s": 1})"), "groups[1].limit_changes");
  CHECK(error_of(changes(R"([{"at_s": 120, "upload_kib_s": 1}])")) ==
        "spec.json: groups[1].limit_changes[0].at_s: 120 is not before duration_s (120)");
}

TEST_CASE("spec: at least one seeder, at most 10000 clients", "[experiment][spec]") {
  auto spec = minimal();
  spec["groups"][0]["role"] = "leecher";
  CHECK(error_of(spec) ==
        "spec.json: groups: no seeder group (the data must be somewhere at the start)");
  spec["torrent"] = {{"file", "x.torrent"}, {"data_dir", "d"}};
  CHECK(contains(error_at(spec, "groups"), "no seeder group"));

  spec = minimal();
  spec["groups"][0]["count"] = 1000;
  for (int i = 0; i < 9; ++i)
    spec["groups"].push_back({{"node", "a"}, {"role", "leecher"}, {"count", 1000}});
  CHECK(parsed(spec).groups.size() == 10);
  spec["groups"].push_back({{"node", "a"}, {"role", "leecher"}});
  CHECK(error_of(spec) == "spec.json: groups: 10001 clients in all, at most 10000");
}

TEST_CASE("spec: faults are an object, faults_at_s needs them", "[experiment][spec]") {
  auto spec = with_leecher({{"faults_at_s", 5}});
  CHECK(error_of(spec) ==
        "spec.json: groups[1].faults_at_s: needs \"faults\" (what to apply from then)");
  spec = with_leecher({{"faults", {{"kill_peer_every_ms", 100}}}});
  const auto s = parsed(spec);
  CHECK(s.groups[1].faults_json == R"({"kill_peer_every_ms":100})");
  CHECK_FALSE(s.groups[1].faults_at_s);
  // The client config's parser checks the keys.
  spec = with_leecher({{"faults", {{"kill_peer_every", 100}}}});
  CHECK(contains(error_at(spec, "groups[1].faults.kill_peer_every"), "unknown key (known: "));
  spec = with_leecher({{"faults", {{"disk_write_error", "full"}}}});
  CHECK(error_of(spec) ==
        "spec.json: groups[1].faults.disk_write_error: expected \"eio\" or "
        "\"enospc\", got string \"full\"");
}

TEST_CASE("spec: a group's config takes client config keys, not those the node sets",
          "[experiment][spec]") {
  auto spec = with_leecher({{"config", json::parse(R"({"pex": {"enabled": false},
      "picker": {"sequential": true}})")}});
  CHECK(nlohmann::json::parse(parsed(spec).groups[1].config_json) ==
        nlohmann::json::parse(R"({"pex": {"enabled": false}, "picker": {"sequential": true}})"));

  const std::pair<const char*, json> reserved[] = {{"torrents", json::array()},
                                                   {"faults", json::object()},
                                                   {"listen", json::object()},
                                                   {"download_dir", "d"},
                                                   {"state_dir", "s"}};
  for (const auto& [key, value] : reserved) {
    spec = with_leecher({{"config", {{key, value}}}});
    const auto e = error_at(spec, std::string("groups[1].config.") + key);
    INFO(e);
    CHECK(contains(e, "not allowed here"));
  }
  CHECK(contains(error_of(with_leecher({{"config", {{"faults", json::object()}}}})),
                 "use the group's \"faults\""));

  spec = with_leecher({{"config", json::parse(R"({"choker": {"uplod_slots": 2}})")}});
  CHECK(contains(error_at(spec, "groups[1].config.choker.uplod_slots"),
                 "unknown key (known: upload_slots,"));
  spec = with_leecher({{"config", json::parse(R"({"pipeline": {"min_depth": 0}})")}});
  error_at(spec, "groups[1].config.pipeline.min_depth");
  spec =
      with_leecher({{"config", json::parse(R"({"pipeline": {"max_depth": 3, "min_depth": 4}})")}});
  error_at(spec, "groups[1].config.pipeline.min_depth");
}

TEST_CASE("spec: must_finish defaults and rules", "[experiment][spec]") {
  CHECK(parsed(with_leecher()).groups[1].must_finish);
  CHECK_FALSE(parsed(with_leecher({{"must_finish", false}})).groups[1].must_finish);
  // Leaving and coming back: still expected to finish.
  CHECK(parsed(with_leecher({{"churn", json::parse(R"([{"leave_s": 1, "rejoin_s": 2}])")}}))
            .groups[1]
            .must_finish);
  // Leaving for good: not, unless it says so (then it must finish before it leaves).
  CHECK_FALSE(
      parsed(with_leecher({{"churn", json::parse(R"([{"leave_s": 1}])")}})).groups[1].must_finish);
  CHECK(parsed(with_leecher({{"churn", json::parse(R"([{"leave_s": 1}])")}, {"must_finish", true}}))
            .groups[1]
            .must_finish);

  auto spec = minimal();
  spec["groups"][0]["must_finish"] = false;
  CHECK_FALSE(parsed(spec).groups[0].must_finish);
  spec["groups"][0]["must_finish"] = true;
  CHECK(error_of(spec) ==
        "spec.json: groups[0].must_finish: a seeder has nothing to download (must_finish is for "
        "leechers)");
}

TEST_CASE("spec: every time comes before duration_s", "[experiment][spec]") {
  auto spec = with_leecher({{"start_delay_s", 120}});
  CHECK(error_of(spec) == "spec.json: groups[1].start_delay_s: 120 is not before duration_s (120)");
  spec = with_leecher({{"start_delay_s", 119.5}});
  CHECK(parsed(spec).groups[1].start_delay_s == 119.5);

  spec = with_leecher({{"churn", json::parse(R"([{"leave_s": 10, "rejoin_s": 130}])")}});
  CHECK(error_of(spec) ==
        "spec.json: groups[1].churn[0].rejoin_s: 130 is not before duration_s (120)");
  spec = with_leecher(
      {{"churn", json::parse(R"([{"leave_s": 10, "rejoin_s": 20}, {"leave_s": 60}])")}});
  spec["duration_s"] = 50;
  CHECK(error_of(spec) ==
        "spec.json: groups[1].churn[1].leave_s: 60 is not before duration_s (50)");
  spec = with_leecher({{"faults", {{"kill_peer_every_ms", 10}}}, {"faults_at_s", 30}});
  spec["duration_s"] = 20.5;
  CHECK(error_of(spec) == "spec.json: groups[1].faults_at_s: 30 is not before duration_s (20.5)");
  // duration_s may come after the groups.
  CHECK(contains(error_of_text(R"({"nodes": [{"name": "a"}], "torrent": {"generate_mib": 1},
      "groups": [{"node": "a", "role": "seeder", "start_delay_s": 10}], "duration_s": 10})"),
                 "groups[0].start_delay_s: 10 is not before duration_s (10)"));
}

}  // namespace spec_test
