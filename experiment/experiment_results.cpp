#include "experiment/experiment_results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <unordered_map>

#include "main/chart_colour.hpp"
#include "main/html_escape.hpp"

namespace actorrent {

namespace {

constexpr double mib = 1024.0 * 1024.0;

bool on_lost_node(const experiment_results& r, const client_outcome& c) {
  if (c.lost) return true;
  for (const auto& n : r.lost_nodes)
    if (n.node == c.node) return true;
  return false;
}

bool must_finish_unfinished(const client_outcome& c) {
  return c.role == client_role::leecher && c.must_finish && !c.completed_s;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// An SVG coordinate or length: one decimal at most, no trailing ".0" (a page of 30 000
// points stays small).
void append_coord(std::string& out, double v) {
  if (!std::isfinite(v)) v = 0;
  long long tenths = std::llround(v * 10);
  if (tenths < 0) {
    out += '-';
    tenths = -tenths;
  }
  out += std::to_string(tenths / 10);
  if (tenths % 10 != 0) {
    out += '.';
    out += static_cast<char>('0' + tenths % 10);
  }
}

std::string coord(double v) {
  std::string s;
  append_coord(s, v);
  return s;
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---- plots ----------------------------------------------------------------------------------

constexpr double svg_w = 1000, svg_h = 360;
constexpr double margin_l = 64, margin_r = 18, margin_t = 14, margin_b = 46;
constexpr double plot_w = svg_w - margin_l - margin_r, plot_h = svg_h - margin_t - margin_b;

// A step of 1, 2 or 5 times a power of ten giving about `count` ticks up to `max`.
double nice_step(double max, int count) {
  if (!(max > 0)) return 1;
  double raw = max / count;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string tick_label(double v, double step) {
  int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fixed(v, std::min(decimals, 6));
}

struct axes {
  double x_max = 1, y_max = 100;
  double x(double t) const { return margin_l + std::clamp(t / x_max, 0.0, 1.0) * plot_w; }
  double y(double v) const { return margin_t + plot_h - std::clamp(v / y_max, 0.0, 1.0) * plot_h; }
};

void svg_open(std::string& out, const char* id, const std::string& label) {
  out += "<svg id=\"";
  out += id;
  out += "\" viewBox=\"0 0 " + coord(svg_w) + " " + coord(svg_h) + "\" role=\"img\" aria-label=\"" +
         html_escape(label) + "\">\n";
}

void draw_no_data(std::string& out) {
  out += "<rect class=\"frame\" x=\"" + coord(margin_l) + "\" y=\"" + coord(margin_t) +
         "\" width=\"" + coord(plot_w) + "\" height=\"" + coord(plot_h) + "\"/>\n";
  out += "<text class=\"no-data\" x=\"" + coord(margin_l + plot_w / 2) + "\" y=\"" +
         coord(margin_t + plot_h / 2) + "\" text-anchor=\"middle\">no data</text>\n";
}

// The frame, grid lines, ticks and both axes' labels.
void draw_axes(std::string& out, const axes& a, double y_step, const std::string& y_title,
               const std::string& y_unit) {
  out += "<rect class=\"frame\" x=\"" + coord(margin_l) + "\" y=\"" + coord(margin_t) +
         "\" width=\"" + coord(plot_w) + "\" height=\"" + coord(plot_h) + "\"/>\n";
  double x_step = nice_step(a.x_max, 10);
  for (int i = 0;; ++i) {
    double t = i * x_step;
    if (t > a.x_max * (1 + 1e-9)) break;
    std::string x = coord(a.x(t));
    out += "<line class=\"grid\" x1=\"" + x + "\" y1=\"" + coord(margin_t) + "\" x2=\"" + x +
           "\" y2=\"" + coord(margin_t + plot_h + 5) + "\"/><text class=\"tick\" x=\"" + x +
           "\" y=\"" + coord(margin_t + plot_h + 18) + "\" text-anchor=\"middle\">" +
           tick_label(t, x_step) + "</text>\n";
  }
  for (int i = 0;; ++i) {
    double v = i * y_step;
    if (v > a.y_max * (1 + 1e-9)) break;
    std::string y = coord(a.y(v));
    out += "<line class=\"grid\" x1=\"" + coord(margin_l - 5) + "\" y1=\"" + y + "\" x2=\"" +
           coord(margin_l + plot_w) + "\" y2=\"" + y + "\"/><text class=\"tick\" x=\"" +
           coord(margin_l - 8) + "\" y=\"" + coord(a.y(v) + 4) + "\" text-anchor=\"end\">" +
           tick_label(v, y_step) + y_unit + "</text>\n";
  }
  out += "<text class=\"axis-title\" x=\"" + coord(margin_l + plot_w / 2) + "\" y=\"" +
         coord(svg_h - 6) + "\" text-anchor=\"middle\">seconds since the start</text>\n";
  out += "<text class=\"axis-title\" transform=\"translate(14," + coord(margin_t + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(y_title) + "</text>\n";
}

struct point {
  double x, y;
};

// Rounded as they will be written, repeated and collinear horizontal points dropped (a client
// that is done stays at 100 % for most of the run): the drawn line is the same.
std::vector<point> simplify(const std::vector<point>& in) {
  std::vector<point> p;
  p.reserve(in.size());
  for (const auto& q : in) {
    point r{std::round(q.x * 10) / 10, std::round(q.y * 10) / 10};
    if (!p.empty() && p.back().x == r.x && p.back().y == r.y) continue;
    if (p.size() >= 2 && p[p.size() - 1].y == r.y && p[p.size() - 2].y == r.y &&
        p[p.size() - 2].x <= p[p.size() - 1].x && p[p.size() - 1].x <= r.x) {
      p.back() = r;
      continue;
    }
    p.push_back(r);
  }
  return p;
}

void append_points(std::string& out, const std::vector<point>& p) {
  out += " points=\"";
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i > 0) out += ' ';
    append_coord(out, p[i].x);
    out += ',';
    append_coord(out, p[i].y);
  }
  out += '"';
}

double distance(point a, point b) {
  return std::hypot(b.x - a.x, b.y - a.y);
}

// How a stretch between two samples of one client is drawn.
enum class stroke { solid, dashed, none };

stroke stroke_of(const std::string& from_state, const std::string& to_state) {
  auto absent = [](const std::string& s) { return s == "waiting" || s == "lost"; };
  if (absent(from_state) || absent(to_state)) return stroke::none;
  if (from_state == "left" || to_state == "left") return stroke::dashed;
  return stroke::solid;
}

// A stroke-dasharray that draws each segment of the polyline through `p` (rounded points) as
// `strokes[i]` says: one polyline per client, with gaps where it was not running and dashes
// where it was away. "" when every segment is solid. Positions are measured along the path
// and rounded cumulatively, so the pattern does not drift.
std::string dash_array(const std::vector<point>& p, const std::vector<stroke>& strokes) {
  if (std::all_of(strokes.begin(), strokes.end(), [](stroke s) { return s == stroke::solid; }))
    return "";
  constexpr double dash_on = 4, dash_off = 3;
  std::vector<double> marks;  // positions along the path where the pen toggles, from "on"
  bool on = true;
  auto toggle_at = [&](double pos, bool want_on) {
    if (on == want_on) return;
    marks.push_back(pos);
    on = want_on;
  };
  double pos = 0;
  for (std::size_t i = 0; i + 1 < p.size(); ++i) {
    double len = distance(p[i], p[i + 1]);
    switch (strokes[i]) {
      case stroke::solid:
        toggle_at(pos, true);
        break;
      case stroke::none:
        toggle_at(pos, false);
        break;
      case stroke::dashed:
        for (double d = 0; d < len; d += dash_on + dash_off) {
          toggle_at(pos + d, true);
          toggle_at(pos + std::min(len, d + dash_on), false);
        }
        break;
    }
    pos += len;
  }
  // Past the end: the pattern must not repeat, so its last entry runs beyond the path (an odd
  // count is repeated by the renderer, from beyond the path's end too).
  marks.push_back(pos + 1000);
  std::string out;
  long long previous = 0;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    long long at = std::llround(marks[i] * 10);
    if (i > 0) out += ' ';
    append_coord(out, static_cast<double>(std::max(0LL, at - previous)) / 10);
    previous = std::max(previous, at);
  }
  return out;
}

// The clients in the order of the outcomes, then any that only have samples.
std::vector<std::string> client_order(const experiment_results& r) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const auto& c : r.clients)
    if (seen.insert(c.client).second) order.push_back(c.client);
  for (const auto& s : r.samples)
    if (seen.insert(s.client).second) order.push_back(s.client);
  return order;
}

double sample_percent(const experiment_results& r, const client_sample& s) {
  std::uint32_t total = s.pieces_total > 0 ? s.pieces_total : r.torrent_pieces;
  if (total == 0) return 0;
  return std::clamp(100.0 * s.pieces / total, 0.0, 100.0);
}

double time_axis_max(const experiment_results& r) {
  double m = std::isfinite(r.duration_s) ? r.duration_s : 0;
  for (const auto& s : r.samples)
    if (std::isfinite(s.t_s)) m = std::max(m, s.t_s);
  return m > 0 ? m : 1;
}

void completion_plot(std::string& out, const experiment_results& r,
                     const std::vector<std::string>& order) {
  svg_open(out, "completion", "Completion over time: percent of pieces per client");
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < order.size(); ++i)
    index.emplace(order[i], i);
  std::vector<std::vector<const client_sample*>> series(order.size());
  for (const auto& s : r.samples)
    if (std::isfinite(s.t_s)) series[index.at(s.client)].push_back(&s);
  if (std::all_of(series.begin(), series.end(), [](const auto& v) { return v.empty(); })) {
    draw_no_data(out);
    out += "</svg>\n";
    return;
  }
  axes a;
  a.x_max = time_axis_max(r);
  a.y_max = 100;
  draw_axes(out, a, 20, "pieces verified", " %");
  for (std::size_t c = 0; c < order.size(); ++c) {
    auto& v = series[c];
    if (v.empty()) continue;
    std::stable_sort(v.begin(), v.end(), [](const client_sample* x, const client_sample* y) {
      return x->t_s < y->t_s;
    });
    // Rounded first, so that the dash pattern measures the path that is drawn.
    std::vector<point> raw;
    std::vector<stroke> strokes;
    for (std::size_t i = 0; i < v.size(); ++i) {
      point q{a.x(v[i]->t_s), a.y(sample_percent(r, *v[i]))};
      q = {std::round(q.x * 10) / 10, std::round(q.y * 10) / 10};
      if (!raw.empty() && raw.back().x == q.x && raw.back().y == q.y) {
        // Same place: the later state decides the next segment only.
        continue;
      }
      if (!raw.empty()) strokes.push_back(stroke_of(v[i - 1]->state, v[i]->state));
      raw.push_back(q);
    }
    std::string dashes = dash_array(raw, strokes);
    std::vector<point> pts = simplify(raw);
    std::string name = html_escape(order[c]);
    out += "<polyline class=\"client\" data-client=\"" + name + "\" stroke=\"" + chart_colour(c) +
           "\"";
    if (!dashes.empty()) out += " stroke-dasharray=\"" + dashes + "\"";
    append_points(out, pts);
    out += "><title>" + name + "</title></polyline>\n";
    if (pts.size() == 1 && v.front()->state != "waiting" && v.front()->state != "lost") {
      out += "<circle class=\"point\" cx=\"" + coord(pts[0].x) + "\" cy=\"" + coord(pts[0].y) +
             "\" r=\"3\" fill=\"" + chart_colour(c) + "\"/>\n";
    }
  }
  out += "</svg>\n";
}

void throughput_plot(std::string& out, const experiment_results& r) {
  svg_open(out, "throughput", "Swarm throughput: MiB/s downloaded and uploaded");
  // Per time, each client's counters (the last known, for a client without a sample then).
  std::map<double, std::vector<const client_sample*>> by_time;
  for (const auto& s : r.samples)
    if (std::isfinite(s.t_s)) by_time[s.t_s].push_back(&s);
  if (by_time.empty()) {
    draw_no_data(out);
    out += "</svg>\n";
    return;
  }
  struct rate {
    double t, down, up;
  };
  std::vector<rate> rates;
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>> last;
  std::int64_t total_down = 0, total_up = 0;
  double previous_t = 0;
  std::int64_t previous_down = 0, previous_up = 0;  // counters start at 0 with the experiment
  for (const auto& [t, samples] : by_time) {
    for (const auto* s : samples) {
      auto& l = last[s->client];
      total_down += s->bytes_down - l.first;
      total_up += s->bytes_up - l.second;
      l = {s->bytes_down, s->bytes_up};
    }
    double dt = t - previous_t;
    if (dt > 0)
      rates.push_back({t, std::max(0.0, (total_down - previous_down) / dt / mib),
                       std::max(0.0, (total_up - previous_up) / dt / mib)});
    else
      rates.push_back({t, 0, 0});
    previous_t = t;
    previous_down = total_down;
    previous_up = total_up;
  }
  double peak = 0;
  for (const auto& q : rates)
    peak = std::max({peak, q.down, q.up});
  axes a;
  a.x_max = time_axis_max(r);
  double y_step = nice_step(peak > 0 ? peak : 1, 5);
  a.y_max = std::max(1.0, std::ceil((peak > 0 ? peak : 1) / y_step - 1e-9)) * y_step;
  draw_axes(out, a, y_step, "MiB/s (whole swarm)", "");
  for (const char* series : {"download", "upload"}) {
    bool down = std::string_view(series) == "download";
    std::vector<point> pts;
    for (const auto& q : rates)
      pts.push_back({a.x(q.t), a.y(down ? q.down : q.up)});
    pts = simplify(pts);
    out += std::string("<polyline class=\"throughput\" data-series=\"") + series + "\" stroke=\"" +
           (down ? "#1f77b4\" stroke-width=\"2.4\"" : "#ff7f0e\" stroke-dasharray=\"6 4\"");
    append_points(out, pts);
    out += std::string("><title>") + series + "</title></polyline>\n";
    if (pts.size() == 1)
      out += "<circle class=\"point\" cx=\"" + coord(pts[0].x) + "\" cy=\"" + coord(pts[0].y) +
             "\" r=\"3\" fill=\"" + (down ? "#1f77b4" : "#ff7f0e") + "\"/>\n";
  }
  out += "</svg>\n";
}

// ---- the page -------------------------------------------------------------------------------

const char* page_style = R"PAGE(<style>
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 20px 40px; font: 14px system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 4px 0 10px; }
h2 { font-size: 16px; margin: 26px 0 8px; }
table { border-collapse: collapse; }
th, td { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
table.facts th { color: #555; font-weight: 600; white-space: nowrap; }
table.clients { width: 100%; }
table.clients th { border-bottom: 1px solid #999; }
table.clients td { border-bottom: 1px solid #e4e4e4; }
table.clients td.num, table.clients th.num { text-align: right; padding-right: 14px; }
tr.unfinished td { background: #fde8e8; }
tr.lost td { background: #fff3dc; }
.outcome.ok { color: #1a7f37; font-weight: 600; }
.outcome.fail { color: #b42318; font-weight: 600; }
.outcome.warn { color: #b25e09; font-weight: 600; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
svg { display: block; width: 100%; max-width: 1100px; height: auto; }
svg .frame { fill: none; stroke: #888; stroke-width: 1; }
svg .grid { stroke: #e2e2e2; stroke-width: 1; }
svg .tick { font-size: 12px; fill: #444; }
svg .axis-title { font-size: 13px; fill: #333; }
svg .no-data { font-size: 18px; fill: #888; }
svg polyline { fill: none; stroke-width: 1.8; stroke-linejoin: round; stroke-linecap: butt; }
svg.dim polyline.client { opacity: 0.15; }
svg.dim polyline.client.hl { opacity: 1; stroke-width: 3; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0; max-width: 1100px; }
.legend-item { white-space: nowrap; cursor: default; }
.swatch { display: inline-block; width: 18px; height: 4px; margin: 0 5px 3px 0; vertical-align: middle; }
.swatch.dashed { height: 0; border-top: 3px dashed; background: none; }
.note { color: #666; font-size: 12px; margin: 4px 0 0; }
.error { color: #b42318; }
ul.failures li { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
</style>
)PAGE";

// Hovering a legend item picks its client's line out.
const char* page_script = R"PAGE(<script>
(function () {
  var svg = document.getElementById('completion');
  document.querySelectorAll('.legend-item[data-client]').forEach(function (item) {
    var name = item.getAttribute('data-client');
    item.addEventListener('mouseenter', function () {
      svg.classList.add('dim');
      svg.querySelectorAll('polyline.client').forEach(function (p) {
        p.classList.toggle('hl', p.getAttribute('data-client') === name);
      });
    });
    item.addEventListener('mouseleave', function () { svg.classList.remove('dim'); });
  });
})();
</script>
)PAGE";

std::string mib_text(double bytes) {
  return fixed(bytes / mib, 2);
}

std::string seconds_text(double s) {
  return fixed(s, 1) + " s";
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::vector<std::string> unfinished_leechers(const experiment_results& r) {
  std::vector<std::string> out;
  for (const auto& c : r.clients)
    if (must_finish_unfinished(c) && !on_lost_node(r, c)) out.push_back(c.client);
  return out;
}

std::vector<std::string> lost_leechers(const experiment_results& r) {
  std::vector<std::string> out;
  for (const auto& c : r.clients)
    if (must_finish_unfinished(c) && on_lost_node(r, c)) out.push_back(c.client);
  return out;
}

int experiment_exit_code(const experiment_results& r) {
  if (!unfinished_leechers(r).empty()) return 4;
  bool any_lost =
      !r.lost_nodes.empty() || std::any_of(r.clients.begin(), r.clients.end(),
                                           [](const client_outcome& c) { return c.lost; });
  return any_lost ? 3 : 0;
}

std::string stats_csv(const experiment_results& r) {
  std::string out =
      "t_s,client,node,role,state,bytes_down,bytes_up,peers,pieces,pieces_total,restarts\n";
  out.reserve(out.size() + r.samples.size() * 72);
  for (const auto& s : r.samples) {
    out += fixed(s.t_s, 1);
    out += ',';
    out += csv_field(s.client);
    out += ',';
    out += csv_field(s.node);
    out += ',';
    out += to_string(s.role);
    out += ',';
    out += csv_field(s.state);
    out += ',' + std::to_string(s.bytes_down) + ',' + std::to_string(s.bytes_up) + ',' +
           std::to_string(s.peers) + ',' + std::to_string(s.pieces) + ',' +
           std::to_string(s.pieces_total) + ',' + std::to_string(s.restarts) + '\n';
  }
  return out;
}

std::string summary_json(const experiment_results& r) {
  using json = nlohmann::ordered_json;
  json clients = json::array();
  std::int64_t downloaded = 0, uploaded = 0;
  std::uint64_t restarts = 0;
  std::size_t seeders = 0, leechers = 0, finished = 0;
  std::vector<double> completions;
  for (const auto& c : r.clients) {
    json j{{"client", c.client},
           {"node", c.node},
           {"role", to_string(c.role)},
           {"must_finish", c.must_finish},
           {"finished", c.completed_s.has_value()},
           {"completion_s", c.completed_s ? json(*c.completed_s) : json(nullptr)},
           {"downloaded", c.downloaded},
           {"uploaded", c.uploaded},
           {"restarts", c.restarts},
           {"lost", c.lost}};
    if (c.lost) j["lost_at_s"] = c.lost_at_s;
    j["final_state"] = c.final_state;
    if (!c.error.empty()) j["error"] = c.error;
    clients.push_back(std::move(j));
    downloaded += c.downloaded;
    uploaded += c.uploaded;
    restarts += c.restarts;
    if (c.role == client_role::seeder) {
      ++seeders;
    } else {
      ++leechers;
      if (c.completed_s) {
        ++finished;
        completions.push_back(*c.completed_s);
      }
    }
  }
  json completion = nullptr;
  if (!completions.empty())
    completion = json{{"min", *std::min_element(completions.begin(), completions.end())},
                      {"median", median_of(completions)},
                      {"max", *std::max_element(completions.begin(), completions.end())}};

  json lost_nodes = json::array();
  for (const auto& n : r.lost_nodes)
    lost_nodes.push_back({{"node", n.node}, {"at_s", n.at_s}, {"reason", n.reason}});
  json lost_clients = json::array();
  for (const auto& c : r.clients)
    if (on_lost_node(r, c)) lost_clients.push_back(c.client);

  int exit_code = experiment_exit_code(r);
  json j{{"name", r.name},
         {"started_at", r.started_at},
         {"duration_s", r.duration_s},
         {"timed_out", r.timed_out},
         {"torrent",
          {{"name", r.torrent_name},
           {"info_hash", r.info_hash},
           {"bytes", r.torrent_bytes},
           {"pieces", r.torrent_pieces}}},
         {"clients", std::move(clients)},
         {"totals",
          {{"clients", r.clients.size()},
           {"seeders", seeders},
           {"leechers", leechers},
           {"leechers_finished", finished},
           {"downloaded", downloaded},
           {"uploaded", uploaded},
           {"restarts", restarts},
           {"completion_s", std::move(completion)}}},
         {"unfinished", unfinished_leechers(r)},
         {"lost", {{"nodes", std::move(lost_nodes)}, {"clients", std::move(lost_clients)}}},
         {"failures", r.failures},
         {"exit_code", exit_code},
         {"ok", exit_code == 0}};
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string report_html(const experiment_results& r) {
  const std::vector<std::string> order = client_order(r);
  std::unordered_map<std::string, std::size_t> colour_index;
  for (std::size_t i = 0; i < order.size(); ++i)
    colour_index.emplace(order[i], i);
  const auto unfinished = unfinished_leechers(r);
  const auto lost = lost_leechers(r);
  const int exit_code = experiment_exit_code(r);

  std::string out;
  out.reserve(r.samples.size() * 24 + 32768);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + html_escape(r.name) + " (actorrent experiment)</title>\n";
  out += page_style;
  out += "</head>\n<body>\n";
  out += "<h1>Experiment " + html_escape(r.name) + "</h1>\n";

  // The facts, and the outcome.
  std::string outcome_class = "ok", outcome;
  if (!unfinished.empty()) {
    outcome_class = "fail";
    outcome = std::to_string(unfinished.size()) + " unfinished: " + joined(unfinished);
  }
  if (!r.lost_nodes.empty() || exit_code == 3) {
    if (outcome_class == "ok") outcome_class = "warn";
    std::vector<std::string> names;
    for (const auto& n : r.lost_nodes)
      names.push_back(n.node);
    std::string part = std::to_string(r.lost_nodes.size()) +
                       (r.lost_nodes.size() == 1 ? " node lost" : " nodes lost");
    if (!names.empty()) part += " (" + joined(names) + ")";
    if (!lost.empty())
      part += ", " + std::to_string(lost.size()) + " leecher" + (lost.size() == 1 ? "" : "s") +
              " on them not followed to the end";
    outcome += (outcome.empty() ? "" : "; ") + part;
  }
  if (outcome.empty()) {
    std::size_t must = 0;
    for (const auto& c : r.clients)
      must += c.role == client_role::leecher && c.must_finish;
    outcome = "OK: every leecher that had to finish did (" + std::to_string(must) + ")";
  }
  auto fact = [&out](const char* name, const std::string& value, const char* cls = nullptr) {
    out += "<tr><th>";
    out += name;
    out += "</th><td";
    if (cls) out += std::string(" class=\"") + cls + "\"";
    out += ">" + value + "</td></tr>\n";
  };
  out += "<table class=\"facts\">\n";
  fact("Torrent", html_escape(r.torrent_name));
  fact("Size", mib_text(static_cast<double>(r.torrent_bytes)) + " MiB (" +
                   std::to_string(r.torrent_bytes) + " bytes)");
  fact("Pieces", std::to_string(r.torrent_pieces));
  fact("Info-hash", html_escape(r.info_hash), "mono");
  fact("Started", html_escape(r.started_at));
  fact("Duration", seconds_text(r.duration_s));
  fact("Timed out", r.timed_out ? "yes" : "no");
  fact("Outcome",
       html_escape(outcome) + " <span class=\"exit-code\">(exit code " + std::to_string(exit_code) +
           ")</span>",
       ("outcome " + outcome_class).c_str());
  out += "</table>\n";

  // Plot 1 and its legend.
  out += "<h2>Completion over time</h2>\n";
  completion_plot(out, r, order);
  out += "<div class=\"legend\" id=\"completion-legend\">\n";
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::string name = html_escape(order[i]);
    out += "<span class=\"legend-item\" data-client=\"" + name +
           "\"><span class=\"swatch\" style=\"background:" + chart_colour(i) + "\"></span>" + name +
           "</span>\n";
  }
  out +=
      "</div>\n<p class=\"note\">Percent of the torrent's pieces each client has verified. "
      "Dashed: away (churn); no line: not started yet, or its node was lost.</p>\n";

  // Plot 2.
  out += "<h2>Swarm throughput</h2>\n";
  throughput_plot(out, r);
  out +=
      "<div class=\"legend\" id=\"throughput-legend\">\n"
      "<span class=\"legend-item\"><span class=\"swatch\" style=\"background:#1f77b4\">"
      "</span>download</span>\n"
      "<span class=\"legend-item\"><span class=\"swatch dashed\" style=\"color:#ff7f0e\">"
      "</span>upload</span>\n</div>\n"
      "<p class=\"note\">Payload bytes per second summed over every client, from the "
      "increase of their counters between samples. Within the swarm the two match, unless "
      "peers outside it take part.</p>\n";

  // The clients' outcomes.
  out += "<h2>Clients</h2>\n";
  if (r.clients.empty()) {
    out += "<p>No clients.</p>\n";
  } else {
    out +=
        "<table class=\"clients\">\n<tr><th>Client</th><th>Role</th><th>Node</th>"
        "<th class=\"num\">Completion</th><th class=\"num\">Downloaded (MiB)</th>"
        "<th class=\"num\">Uploaded (MiB)</th><th class=\"num\">Restarts</th>"
        "<th>Final state</th><th>Error</th></tr>\n";
    for (const auto& c : r.clients) {
      bool is_unfinished = must_finish_unfinished(c) && !on_lost_node(r, c);
      bool is_lost = on_lost_node(r, c);
      out += "<tr";
      if (is_unfinished)
        out += " class=\"unfinished\"";
      else if (is_lost)
        out += " class=\"lost\"";
      out += "><td><span class=\"swatch\" style=\"background:" +
             chart_colour(colour_index.at(c.client)) + "\"></span>" + html_escape(c.client) +
             "</td><td>" + to_string(c.role) + "</td><td>" + html_escape(c.node) +
             "</td><td class=\"num\">";
      if (c.completed_s)
        out += seconds_text(*c.completed_s);
      else if (c.role == client_role::leecher)
        out += c.must_finish ? "not finished" : "not finished (not required)";
      else
        out += "&ndash;";
      out += "</td><td class=\"num\">" + mib_text(static_cast<double>(c.downloaded)) +
             "</td><td class=\"num\">" + mib_text(static_cast<double>(c.uploaded)) +
             "</td><td class=\"num\">" + std::to_string(c.restarts) + "</td><td>" +
             html_escape(c.final_state);
      if (c.lost) out += " (lost at " + seconds_text(c.lost_at_s) + ")";
      out += "</td><td class=\"error\">" + html_escape(c.error) + "</td></tr>\n";
    }
    out += "</table>\n";
  }

  out += "<h2>Lost nodes</h2>\n";
  if (r.lost_nodes.empty()) {
    out += "<p>None.</p>\n";
  } else {
    out += "<ul class=\"lost-nodes\">\n";
    for (const auto& n : r.lost_nodes) {
      std::vector<std::string> on_it;
      for (const auto& c : r.clients)
        if (c.node == n.node) on_it.push_back(c.client);
      out += "<li><b>" + html_escape(n.node) + "</b> at " + seconds_text(n.at_s) + ": " +
             html_escape(n.reason);
      if (!on_it.empty()) out += " (clients: " + html_escape(joined(on_it)) + ")";
      out += "</li>\n";
    }
    out += "</ul>\n";
  }

  out += "<h2>Failures</h2>\n";
  if (r.failures.empty()) {
    out += "<p>None.</p>\n";
  } else {
    out += "<ul class=\"failures\">\n";
    for (const auto& f : r.failures)
      out += "<li>" + html_escape(f) + "</li>\n";
    out += "</ul>\n";
  }

  out += page_script;
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace actorrent
