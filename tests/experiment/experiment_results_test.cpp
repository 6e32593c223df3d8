#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "experiment/experiment_results.hpp"

// Everything in a named namespace, tests included: test files are compiled several to a
// translation unit, and these helpers' names (count, tag, sample...) are common.
namespace results_test {

using namespace actorrent;

constexpr std::int64_t mib = 1024 * 1024;

client_outcome outcome(std::string client, std::string node, client_role role) {
  client_outcome c;
  c.client = std::move(client);
  c.node = std::move(node);
  c.role = role;
  c.must_finish = role == client_role::leecher;
  c.final_state = role == client_role::seeder ? "seeding" : "downloading";
  return c;
}

client_sample sample(double t, std::string client, std::string node, client_role role,
                     std::string state, std::int64_t down, std::int64_t up, std::uint32_t pieces,
                     std::uint32_t total = 16) {
  client_sample s;
  s.t_s = t;
  s.client = std::move(client);
  s.node = std::move(node);
  s.role = role;
  s.state = std::move(state);
  s.bytes_down = down;
  s.bytes_up = up;
  s.peers = 2;
  s.pieces = pieces;
  s.pieces_total = total;
  return s;
}

// One seeder and four leechers over two nodes: a/leecher-1 and a/leecher-2 finish,
// a/leecher-3 does not, node b is lost with b/leecher-1 on it.
experiment_results swarm() {
  experiment_results r;
  r.name = "churn-test";
  r.torrent_name = "data.bin";
  r.info_hash = "0123456789abcdef0123456789abcdef01234567";
  r.torrent_bytes = 4 * mib;
  r.torrent_pieces = 16;
  r.started_at = "2026-11-22T10:00:00Z";
  r.duration_s = 30.5;
  r.timed_out = true;

  auto seeder = outcome("a/seeder-1", "a", client_role::seeder);
  seeder.uploaded = 9 * mib;
  auto l1 = outcome("a/leecher-1", "a", client_role::leecher);
  l1.completed_s = 12.5;
  l1.downloaded = 4 * mib;
  l1.uploaded = 1 * mib;
  l1.restarts = 1;
  l1.final_state = "seeding";
  auto l2 = outcome("a/leecher-2", "a", client_role::leecher);
  l2.completed_s = 20;
  l2.downloaded = 4 * mib;
  l2.uploaded = 2 * mib;
  l2.restarts = 2;
  l2.final_state = "seeding";
  auto l3 = outcome("a/leecher-3", "a", client_role::leecher);
  l3.downloaded = 2 * mib;
  l3.error = "stalled: no peer has piece 7";
  l3.final_state = "failed";
  auto lb = outcome("b/leecher-1", "b", client_role::leecher);
  lb.downloaded = 1 * mib;
  lb.lost = true;
  lb.lost_at_s = 15.25;
  lb.final_state = "lost";
  r.clients = {seeder, l1, l2, l3, lb};
  r.lost_nodes = {{"b", 15.25, "connection to the node lost"}};
  r.failures = {"a/leecher-3: stalled: no peer has piece 7", "node b: connection lost"};

  for (int t = 1; t <= 3; ++t) {
    r.samples.push_back(
        sample(t, "a/seeder-1", "a", client_role::seeder, "seeding", 0, t * 3 * mib / 2, 16));
    r.samples.push_back(
        sample(t, "a/leecher-1", "a", client_role::leecher, "downloading", t * mib / 2, 0, t * 2));
    r.samples.push_back(sample(t, "a/leecher-2", "a", client_role::leecher,
                               t == 2 ? "left" : "downloading", t * mib / 4, 0, t));
    r.samples.push_back(sample(t, "a/leecher-3", "a", client_role::leecher, "waiting", 0, 0, 0));
    r.samples.push_back(sample(t, "b/leecher-1", "b", client_role::leecher,
                               t == 3 ? "lost" : "downloading", t * mib / 4, 0, t));
  }
  return r;
}

// The same swarm, everyone finished and nothing lost.
experiment_results all_well() {
  auto r = swarm();
  r.timed_out = false;
  r.clients[3].completed_s = 14;
  r.clients[3].error.clear();
  r.clients[3].final_state = "seeding";
  r.clients[4].lost = false;
  r.clients[4].completed_s = 25;
  r.clients[4].final_state = "seeding";
  r.lost_nodes.clear();
  r.failures.clear();
  return r;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// The element that starts with `start` (its opening tag, up to '>').
std::string tag(const std::string& html, const std::string& start) {
  auto at = html.find(start);
  REQUIRE(at != std::string::npos);
  return html.substr(at, html.find('>', at) - at + 1);
}

std::string attribute(const std::string& element, const std::string& name) {
  auto at = element.find(" " + name + "=\"");
  if (at == std::string::npos) return "";
  at += name.size() + 3;
  return element.substr(at, element.find('"', at) - at);
}

struct xy {
  double x, y;
};

std::vector<xy> points(const std::string& element) {
  std::vector<xy> out;
  std::istringstream in(attribute(element, "points"));
  for (std::string pair; in >> pair;) {
    auto comma = pair.find(',');
    out.push_back({std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1))});
  }
  return out;
}

// How much of the line between x0 and x1 a polyline's stroke-dasharray draws (1 without one),
// sampled every 0.05 units along the path.
double drawn(const std::vector<xy>& p, const std::string& dasharray, double x0, double x1) {
  std::vector<double> dashes;
  std::istringstream in(dasharray);
  for (double d; in >> d;)
    dashes.push_back(d);
  if (dashes.empty()) return 1;
  if (dashes.size() % 2 == 1) dashes.insert(dashes.end(), dashes.begin(), dashes.end());
  double period = 0;
  for (double d : dashes)
    period += d;
  auto on_at = [&](double pos) {
    pos = std::fmod(pos, period);
    for (std::size_t k = 0; k < dashes.size(); ++k) {
      if (pos < dashes[k]) return k % 2 == 0;
      pos -= dashes[k];
    }
    return false;
  };
  int on = 0, all = 0;
  double from = 0;
  for (std::size_t k = 0; k + 1 < p.size(); ++k) {
    double len = std::hypot(p[k + 1].x - p[k].x, p[k + 1].y - p[k].y);
    for (double d = 0.025; d < len; d += 0.05) {
      double x = p[k].x + (p[k + 1].x - p[k].x) * d / len;
      if (x <= x0 || x >= x1) continue;
      ++all;
      on += on_at(from + d);
    }
    from += len;
  }
  REQUIRE(all > 0);
  return static_cast<double>(on) / all;
}

// The part of the page that is the SVG with this id.
std::string svg(const std::string& html, const std::string& id) {
  auto from = html.find("<svg id=\"" + id + "\"");
  REQUIRE(from != std::string::npos);
  auto to = html.find("</svg>", from);
  REQUIRE(to != std::string::npos);
  return html.substr(from, to - from);
}

// The plot area's top and bottom y.
std::pair<double, double> frame(const std::string& svg_text) {
  auto rect = tag(svg_text, "<rect class=\"frame\"");
  double top = std::stod(attribute(rect, "y"));
  return {top, top + std::stod(attribute(rect, "height"))};
}

TEST_CASE("Unfinished and lost leechers, and the exit code", "[experiment][results]") {
  auto r = swarm();
  CHECK(unfinished_leechers(r) == std::vector<std::string>{"a/leecher-3"});
  CHECK(lost_leechers(r) == std::vector<std::string>{"b/leecher-1"});
  CHECK(experiment_exit_code(r) == 4);

  SECTION("a node lost, everyone else finished: 3") {
    r.clients[3].completed_s = 14;
    CHECK(unfinished_leechers(r).empty());
    CHECK(lost_leechers(r) == std::vector<std::string>{"b/leecher-1"});
    CHECK(experiment_exit_code(r) == 3);
  }
  SECTION("a leecher that need not finish, and seeders, are never unfinished") {
    r.clients[3].must_finish = false;
    r.lost_nodes.clear();
    r.clients[4].lost = false;
    r.clients[4].completed_s = 9;
    CHECK(unfinished_leechers(r).empty());
    CHECK(lost_leechers(r).empty());
    CHECK(experiment_exit_code(r) == 0);
  }
  SECTION("a node lost after its leechers finished still gives 3") {
    r = all_well();
    r.lost_nodes = {{"b", 28, "connection to the node lost"}};
    CHECK(lost_leechers(r).empty());
    CHECK(experiment_exit_code(r) == 3);
  }
  SECTION("every leecher finished: 0") {
    r = all_well();
    CHECK(unfinished_leechers(r).empty());
    CHECK(lost_leechers(r).empty());
    CHECK(experiment_exit_code(r) == 0);
  }
  SECTION("nothing at all: 0") {
    CHECK(experiment_exit_code(experiment_results{}) == 0);
  }
}

TEST_CASE("stats.csv: a header, then one line per sample in order", "[experiment][results]") {
  auto r = swarm();
  auto csv = stats_csv(r);
  auto l = lines(csv);
  REQUIRE(l.size() == 1 + r.samples.size());
  CHECK(l[0] ==
        "t_s,client,node,role,state,bytes_down,bytes_up,peers,pieces,pieces_total,restarts");
  CHECK(l[1] == "1.0,a/seeder-1,a,seeder,seeding,0,1572864,2,16,16,0");
  CHECK(l[2] == "1.0,a/leecher-1,a,leecher,downloading,524288,0,2,2,16,0");
  CHECK(l[8] == "2.0,a/leecher-2,a,leecher,left,524288,0,2,2,16,0");
  CHECK(l[15] == "3.0,b/leecher-1,b,leecher,lost,786432,0,2,3,16,0");
  CHECK(csv.back() == '\n');
  CHECK(csv.find('\r') == std::string::npos);

  SECTION("one decimal") {
    r.samples = {sample(12, "x", "n", client_role::leecher, "checking", 1, 2, 3, 4),
                 sample(0.04, "x", "n", client_role::leecher, "checking", 1, 2, 3, 4),
                 sample(599.96, "x", "n", client_role::leecher, "checking", 1, 2, 3, 4)};
    r.samples[0].restarts = 7;
    r.samples[0].peers = 11;
    auto m = lines(stats_csv(r));
    REQUIRE(m.size() == 4);
    CHECK(m[1] == "12.0,x,n,leecher,checking,1,2,11,3,4,7");
    CHECK(m[2].rfind("0.0,", 0) == 0);
    CHECK(m[3].rfind("600.0,", 0) == 0);
  }
  SECTION("fields with a comma, a quote or a line break are quoted") {
    r.samples = {sample(1, "we,ird \"x\"", "n\nb", client_role::seeder, "seeding", 0, 0, 1, 1)};
    CHECK(stats_csv(r) ==
          "t_s,client,node,role,state,bytes_down,bytes_up,peers,pieces,pieces_total,restarts\n"
          "1.0,\"we,ird \"\"x\"\"\",\"n\nb\",seeder,seeding,0,0,2,1,1,0\n");
  }
  SECTION("no samples: the header alone") {
    CHECK(stats_csv(experiment_results{}) ==
          "t_s,client,node,role,state,bytes_down,bytes_up,peers,pieces,pieces_total,restarts\n");
  }
}

TEST_CASE("summary.json: every field", "[experiment][results]") {
  auto r = swarm();
  auto text = summary_json(r);
  CHECK(text.find("\n  \"name\": \"churn-test\"") != std::string::npos);  // 2-space indent
  auto j = nlohmann::json::parse(text);

  CHECK(j["name"] == "churn-test");
  CHECK(j["started_at"] == "2026-11-22T10:00:00Z");
  CHECK(j["duration_s"] == 30.5);
  CHECK(j["timed_out"] == true);
  CHECK(j["torrent"] == nlohmann::json{{"name", "data.bin"},
                                       {"info_hash", "0123456789abcdef0123456789abcdef01234567"},
                                       {"bytes", 4 * mib},
                                       {"pieces", 16}});

  const auto& c = j["clients"];
  REQUIRE(c.size() == 5);
  CHECK(c[0] == nlohmann::json{{"client", "a/seeder-1"},
                               {"node", "a"},
                               {"role", "seeder"},
                               {"must_finish", false},
                               {"finished", false},
                               {"completion_s", nullptr},
                               {"downloaded", 0},
                               {"uploaded", 9 * mib},
                               {"restarts", 0},
                               {"lost", false},
                               {"final_state", "seeding"}});
  CHECK(c[1] == nlohmann::json{{"client", "a/leecher-1"},
                               {"node", "a"},
                               {"role", "leecher"},
                               {"must_finish", true},
                               {"finished", true},
                               {"completion_s", 12.5},
                               {"downloaded", 4 * mib},
                               {"uploaded", 1 * mib},
                               {"restarts", 1},
                               {"lost", false},
                               {"final_state", "seeding"}});
  CHECK(c[3]["finished"] == false);
  CHECK(c[3]["completion_s"].is_null());
  CHECK(c[3]["error"] == "stalled: no peer has piece 7");
  CHECK(c[3]["final_state"] == "failed");
  CHECK_FALSE(c[3].contains("lost_at_s"));
  CHECK_FALSE(c[1].contains("error"));
  CHECK(c[4]["lost"] == true);
  CHECK(c[4]["lost_at_s"] == 15.25);
  CHECK(c[4]["final_state"] == "lost");

  const auto& t = j["totals"];
  CHECK(t["clients"] == 5);
  CHECK(t["seeders"] == 1);
  CHECK(t["leechers"] == 4);
  CHECK(t["leechers_finished"] == 2);
  CHECK(t["downloaded"] == 11 * mib);
  CHECK(t["uploaded"] == 12 * mib);
  CHECK(t["restarts"] == 3);
  CHECK(t["completion_s"] == nlohmann::json{{"min", 12.5}, {"median", 16.25}, {"max", 20.0}});

  CHECK(j["unfinished"] == nlohmann::json{"a/leecher-3"});
  CHECK(
      j["lost"] ==
      nlohmann::json{
          {"nodes", {{{"node", "b"}, {"at_s", 15.25}, {"reason", "connection to the node lost"}}}},
          {"clients", {"b/leecher-1"}}});
  CHECK(j["failures"] ==
        nlohmann::json{"a/leecher-3: stalled: no peer has piece 7", "node b: connection lost"});
  CHECK(j["exit_code"] == 4);
  CHECK(j["ok"] == false);

  SECTION("a lost node alone: 3, and an odd count's median") {
    r.clients[3].completed_s = 14;
    auto k = nlohmann::json::parse(summary_json(r));
    CHECK(k["exit_code"] == 3);
    CHECK(k["ok"] == false);
    CHECK(k["unfinished"] == nlohmann::json::array());
    CHECK(k["totals"]["leechers_finished"] == 3);
    CHECK(k["totals"]["completion_s"] ==
          nlohmann::json{{"min", 12.5}, {"median", 14.0}, {"max", 20.0}});
  }
  SECTION("all well: 0, ok") {
    auto k = nlohmann::json::parse(summary_json(all_well()));
    CHECK(k["exit_code"] == 0);
    CHECK(k["ok"] == true);
    CHECK(k["lost"] ==
          nlohmann::json{{"nodes", nlohmann::json::array()}, {"clients", nlohmann::json::array()}});
    CHECK(k["failures"] == nlohmann::json::array());
    CHECK(k["totals"]["completion_s"]["median"] == 17.0);  // 12.5 14 20 25
  }
  SECTION("no leecher finished: completion_s is null") {
    for (auto& o : r.clients)
      o.completed_s.reset();
    auto k = nlohmann::json::parse(summary_json(r));
    CHECK(k["totals"]["completion_s"].is_null());
    CHECK(k["totals"]["leechers_finished"] == 0);
  }
  SECTION("nothing at all") {
    auto k = nlohmann::json::parse(summary_json(experiment_results{}));
    CHECK(k["clients"] == nlohmann::json::array());
    CHECK(k["totals"]["clients"] == 0);
    CHECK(k["totals"]["completion_s"].is_null());
    CHECK(k["exit_code"] == 0);
    CHECK(k["ok"] == true);
  }
  SECTION("a name that is not UTF-8 does not throw") {
    r.name = "bad \xff name";
    CHECK_NOTHROW(nlohmann::json::parse(summary_json(r)));
  }
}

TEST_CASE("report.html: plots, legend and tables", "[experiment][results]") {
  auto r = swarm();
  auto html = report_html(r);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<title>churn-test") != std::string::npos);
  CHECK(html.find("data.bin") != std::string::npos);
  CHECK(html.find("4.00 MiB") != std::string::npos);
  CHECK(html.find("0123456789abcdef0123456789abcdef01234567") != std::string::npos);
  CHECK(html.find("1 unfinished: a/leecher-3") != std::string::npos);
  CHECK(html.find("1 node lost (b)") != std::string::npos);
  CHECK(html.find("stalled: no peer has piece 7") != std::string::npos);
  CHECK(html.find("connection to the node lost") != std::string::npos);
  CHECK(html.find("node b: connection lost") != std::string::npos);

  auto completion = svg(html, "completion");
  CHECK(count(completion, "<polyline class=\"client\"") == 5);
  for (const auto& o : r.clients) {
    CHECK(count(completion, "<polyline class=\"client\" data-client=\"" + o.client + "\"") == 1);
    CHECK(count(html, "<span class=\"legend-item\" data-client=\"" + o.client + "\"") == 1);
  }
  CHECK(completion.find("no data") == std::string::npos);

  // Percent of pieces: a/leecher-1 has 2, 4 and 6 of 16.
  auto [top, bottom] = frame(completion);
  auto p = points(tag(completion, "<polyline class=\"client\" data-client=\"a/leecher-1\""));
  REQUIRE(p.size() == 3);
  CHECK(p[0].x < p[1].x);
  CHECK(p[1].x < p[2].x);
  CHECK((bottom - p[0].y) / (bottom - top) == Approx(0.125).margin(0.002));
  CHECK((bottom - p[2].y) / (bottom - top) == Approx(0.375).margin(0.002));
  // The seeder is at 100 % throughout: one flat line, drawn solid.
  auto seeder = tag(completion, "<polyline class=\"client\" data-client=\"a/seeder-1\"");
  for (const auto& q : points(seeder))
    CHECK(q.y == Approx(top));
  CHECK(attribute(seeder, "stroke-dasharray").empty());
  // Away (churn) is dashed, not started and lost are gaps: a dash pattern either way.
  for (const char* name : {"a/leecher-2", "a/leecher-3", "b/leecher-1"})
    CHECK_FALSE(attribute(tag(completion, std::string("<polyline class=\"client\" data-client=\"") +
                                              name + "\""),
                          "stroke-dasharray")
                    .empty());
  // a/leecher-3 never started: nothing of its line is drawn.
  auto waiting =
      attribute(tag(completion, "<polyline class=\"client\" data-client=\"a/leecher-3\""),
                "stroke-dasharray");
  CHECK(waiting.rfind("0 ", 0) == 0);

  // Distinct colours.
  std::vector<std::string> colours;
  for (const auto& o : r.clients)
    colours.push_back(attribute(
        tag(completion, "<polyline class=\"client\" data-client=\"" + o.client + "\""), "stroke"));
  std::sort(colours.begin(), colours.end());
  CHECK(std::unique(colours.begin(), colours.end()) == colours.end());

  auto throughput = svg(html, "throughput");
  CHECK(count(throughput, "<polyline class=\"throughput\" data-series=\"download\"") == 1);
  CHECK(count(throughput, "<polyline class=\"throughput\" data-series=\"upload\"") == 1);
}

TEST_CASE("report.html: a line has gaps where its client was not running, dashes where away",
          "[experiment][results]") {
  experiment_results r;
  r.duration_s = 10;
  const char* states[] = {"waiting", "waiting",     "downloading", "downloading", "left",
                          "left",    "downloading", "downloading", "lost",        "lost"};
  const std::uint32_t pieces[] = {0, 0, 2, 4, 4, 4, 6, 8, 8, 8};
  for (int t = 0; t < 10; ++t)
    r.samples.push_back(
        sample(t + 1, "x", "n", client_role::leecher, states[t], 0, 0, pieces[t], 16));
  auto completion = svg(report_html(r), "completion");
  auto rect = tag(completion, "<rect class=\"frame\"");
  auto x_of = [&](double t) {
    return std::stod(attribute(rect, "x")) + t / 10 * std::stod(attribute(rect, "width"));
  };
  auto line = tag(completion, "<polyline class=\"client\" data-client=\"x\"");
  auto p = points(line);
  auto dashes = attribute(line, "stroke-dasharray");
  // From sample i + 1 to sample i + 2 (t is 1 to 10); the pattern is rounded to 0.1.
  auto stretch = [&](int i) { return drawn(p, dashes, x_of(i + 1), x_of(i + 2)); };
  CHECK(stretch(0) == Approx(0).margin(0.01));       // waiting
  CHECK(stretch(1) == Approx(0).margin(0.01));       // waiting → downloading
  CHECK(stretch(2) == Approx(1).margin(0.01));       // downloading
  CHECK(stretch(3) == Approx(4.0 / 7).margin(0.1));  // → left
  CHECK(stretch(4) == Approx(4.0 / 7).margin(0.1));  // left
  CHECK(stretch(5) == Approx(4.0 / 7).margin(0.1));  // left → downloading
  CHECK(stretch(6) == Approx(1).margin(0.01));       // downloading
  CHECK(stretch(7) == Approx(0).margin(0.01));       // → lost
  CHECK(stretch(8) == Approx(0).margin(0.01));       // lost
}

TEST_CASE("report.html: the swarm's throughput from its counters", "[experiment][results]") {
  experiment_results r;
  r.name = "rates";
  r.duration_s = 10;
  // Two clients: 1 MiB each by t=1 (2 MiB/s for the swarm), 3 MiB each by t=2 (4 MiB/s), then
  // one client is missing at t=3 (its counter is taken as unchanged) and the other gets 1 MiB.
  r.samples = {sample(1, "x", "n", client_role::leecher, "downloading", mib, mib / 2, 1),
               sample(1, "y", "n", client_role::leecher, "downloading", mib, mib / 2, 1),
               sample(2, "x", "n", client_role::leecher, "downloading", 3 * mib, mib, 2),
               sample(2, "y", "n", client_role::leecher, "downloading", 3 * mib, mib, 2),
               sample(3, "x", "n", client_role::leecher, "downloading", 4 * mib, mib, 3)};
  auto throughput = svg(report_html(r), "throughput");
  auto [top, bottom] = frame(throughput);
  auto down = points(tag(throughput, "<polyline class=\"throughput\" data-series=\"download\""));
  auto up = points(tag(throughput, "<polyline class=\"throughput\" data-series=\"upload\""));
  REQUIRE(down.size() == 3);
  REQUIRE(up.size() == 3);
  auto height = [bottom = bottom](xy q) { return bottom - q.y; };
  CHECK(height(down[1]) == Approx(bottom - top));  // the peak at the top
  CHECK(height(down[0]) / height(down[1]) == Approx(0.5).margin(0.002));
  CHECK(height(down[2]) / height(down[1]) == Approx(0.25).margin(0.002));
  CHECK(height(up[0]) / height(down[1]) == Approx(0.25).margin(0.002));
  CHECK(height(up[1]) / height(down[1]) == Approx(0.25).margin(0.002));
  CHECK(height(up[2]) == Approx(0));
}

TEST_CASE("report.html: text is escaped", "[experiment][results]") {
  auto r = swarm();
  r.name = "<script>alert(1)</script>";
  r.torrent_name = "a & b \"quoted\"";
  r.clients[1].client = "a/<script>x</script>";
  for (auto& s : r.samples)
    if (s.client == "a/leecher-1") s.client = "a/<script>x</script>";
  r.clients[3].error = "<b>bold</b>";
  r.failures.push_back("<img src=x onerror=alert(1)>");
  auto html = report_html(r);
  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(html.find("<script>x") == std::string::npos);
  CHECK(html.find("<b>bold") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(count(html, "<script") == 1);  // the page's own
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("a &amp; b &quot;quoted&quot;") != std::string::npos);
  CHECK(count(html, "data-client=\"a/&lt;script&gt;x&lt;/script&gt;\"") == 2);  // line, legend
}

TEST_CASE("report.html: fetches nothing", "[experiment][results]") {
  for (const auto& r : {swarm(), all_well(), experiment_results{}}) {
    auto html = report_html(r);
    CHECK(html.find("http") == std::string::npos);
    CHECK(html.find("//") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("href=") == std::string::npos);
    CHECK(html.find("url(") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
  }
}

TEST_CASE("report.html: little or odd data", "[experiment][results]") {
  SECTION("no samples at all") {
    auto r = swarm();
    r.samples.clear();
    auto html = report_html(r);
    CHECK(svg(html, "completion").find("no data") != std::string::npos);
    CHECK(svg(html, "throughput").find("no data") != std::string::npos);
    CHECK(html.find("<polyline") == std::string::npos);
    CHECK(count(html, "<span class=\"legend-item\" data-client=") == 5);  // still listed
    CHECK(html.find("</html>") != std::string::npos);
  }
  SECTION("nothing at all") {
    auto html = report_html(experiment_results{});
    CHECK(svg(html, "completion").find("no data") != std::string::npos);
    CHECK(svg(html, "throughput").find("no data") != std::string::npos);
    CHECK(html.find("OK") != std::string::npos);
  }
  SECTION("one sample") {
    experiment_results r;
    r.samples = {sample(0, "x", "n", client_role::seeder, "seeding", 0, 0, 4, 4)};
    auto html = report_html(r);
    CHECK(count(svg(html, "completion"), "<polyline class=\"client\" data-client=\"x\"") == 1);
    CHECK(svg(html, "completion").find("<circle") != std::string::npos);
    CHECK(count(svg(html, "throughput"), "<polyline class=\"throughput\"") == 2);
    for (const char* id : {"completion", "throughput"}) {
      CHECK(svg(html, id).find("nan") == std::string::npos);
      CHECK(svg(html, id).find("inf") == std::string::npos);
    }
  }
  SECTION("no piece count: 0 %") {
    experiment_results r;
    r.duration_s = 5;
    r.samples = {sample(1, "x", "n", client_role::leecher, "checking", 0, 0, 0, 0),
                 sample(2, "x", "n", client_role::leecher, "checking", 0, 0, 3, 0)};
    auto completion = svg(report_html(r), "completion");
    auto bottom = frame(completion).second;
    auto p = points(tag(completion, "<polyline class=\"client\" data-client=\"x\""));
    REQUIRE_FALSE(p.empty());
    for (const auto& q : p)
      CHECK(q.y == Approx(bottom));
    CHECK(completion.find("nan") == std::string::npos);
  }
  SECTION("non-ASCII names pass through") {
    auto r = swarm();
    r.name = "Übung – 試験";
    r.clients[1].client = "ä/leecher-ß";
    for (auto& s : r.samples)
      if (s.client == "a/leecher-1") s.client = "ä/leecher-ß";
    auto html = report_html(r);
    CHECK(html.find("Übung – 試験") != std::string::npos);
    CHECK(count(html, "data-client=\"ä/leecher-ß\"") == 2);
  }
}

TEST_CASE("report.html: 50 clients for 600 s stay small and quick", "[experiment][results]") {
  experiment_results r;
  r.name = "big";
  r.duration_s = 600;
  r.torrent_pieces = 400;
  for (int c = 0; c < 50; ++c) {
    auto name = "n" + std::to_string(c % 5) + "/leecher-" + std::to_string(c);
    auto o = outcome(name, "n" + std::to_string(c % 5), client_role::leecher);
    o.completed_s = 100 + c * 5;
    r.clients.push_back(o);
  }
  for (int t = 1; t <= 600; ++t)
    for (int c = 0; c < 50; ++c) {
      std::uint32_t pieces = std::min<std::uint32_t>(400, t * 400 / (100 + c * 5));
      r.samples.push_back(sample(t, r.clients[c].client, r.clients[c].node, client_role::leecher,
                                 t % 97 == c ? "left" : "downloading",
                                 std::int64_t{pieces} * 256 * 1024, std::int64_t{pieces} * 1024,
                                 pieces, 400));
    }
  auto start = std::chrono::steady_clock::now();
  auto html = report_html(r);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 2000);
  CHECK(count(html, "<polyline class=\"client\"") == 50);
  CHECK(html.size() < 1500 * 1024);
  CHECK(stats_csv(r).size() > 30000 * 20);
}

}  // namespace results_test
