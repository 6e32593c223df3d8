#include "main/log_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <numeric>

#include "main/chart_colour.hpp"
#include "main/html_escape.hpp"
#include "main/log_format.hpp"

namespace actorrent::msglog {

namespace {

constexpr std::size_t max_text = 600;  // bytes of a tooltip's fields

// Cuts at a code point boundary.
std::string clip(std::string s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  s.resize(n);
  return s + "…";
}

int group_rank(const std::string& g) {
  if (g == "session") return 0;
  if (g == "torrent") return 1;
  if (g == "parts") return 2;
  if (g == "peers") return 3;
  return 4;
}

int kind_rank(const std::string& k) {
  static const char* order[] = {"client",      "session", "listener", "rate_limiter",
                                "disk_thread", "torrent", "tracker",  "piece_manager",
                                "disk_writer", "choker",  "peer",     "socket"};
  for (int i = 0; i < static_cast<int>(sizeof order / sizeof *order); ++i)
    if (k == order[i]) return i;
  return 100;
}

// JSON that can sit inside <script>: no "</script>", no "<!--", and no "//" (so not even a
// URL in the data reads like one): every '/' and '<' is escaped, which JSON allows.
std::string script_json(const nlohmann::json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size() + s.size() / 16);
  for (char c : s) {
    if (c == '/')
      out += "\\/";
    else if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

long utc_offset_s(std::int64_t t_us) {
  std::time_t tt = static_cast<std::time_t>(t_us / 1000000);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm.tm_gmtoff;
}

const char* page_head = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)PAGE";

const char* page_style = R"PAGE(</title>
<style>
:root { --label-w: 250px; --lane-h: 22px; --axis-h: 46px; }
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font: 13px system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fff; }
header { flex: none; padding: 8px 12px 6px; border-bottom: 1px solid #bbb; background: #f6f7f9; }
h1 { font-size: 16px; margin: 0 0 4px; }
#summary { color: #444; margin-bottom: 4px; }
#summary.truncated { color: #a40; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 4px 0; max-height: 96px; overflow: auto; }
.legend-item { cursor: pointer; user-select: none; white-space: nowrap; }
.legend-item.off { opacity: 0.35; text-decoration: line-through; }
.swatch { display: inline-block; width: 18px; height: 4px; vertical-align: middle; margin-right: 4px; border-radius: 2px; }
.legend-event { white-space: nowrap; color: #555; }
#controls button { font: inherit; padding: 1px 8px; margin-right: 4px; }
#controls span { color: #555; margin-left: 8px; }
#scroll { flex: 1; overflow: auto; position: relative; }
#grid { display: grid; width: max-content; min-width: 100%; grid-template-columns: var(--label-w) max-content; grid-template-rows: var(--axis-h) max-content; }
#corner { position: sticky; top: 0; left: 0; z-index: 4; background: #f6f7f9; border-right: 1px solid #bbb; border-bottom: 1px solid #bbb; padding: 4px 6px; font-size: 11px; color: #555; }
#axis { position: sticky; top: 0; z-index: 3; background: #f6f7f9; border-bottom: 1px solid #bbb; }
#labels { position: sticky; left: 0; z-index: 2; background: #fff; border-right: 1px solid #bbb; }
.lane-label, .group-label { height: var(--lane-h); line-height: var(--lane-h); padding: 0 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.lane-label { border-left: 4px solid #ccc; }
.lane-label .detail { color: #777; margin-left: 6px; font-size: 11px; }
.group-label { font-weight: 600; font-size: 11px; letter-spacing: 0.05em; text-transform: uppercase; background: #eceff4; color: #345; }
.g-session { border-left-color: #5b7db1; } .g-torrent { border-left-color: #b15b8f; }
.g-parts { border-left-color: #5ba37a; } .g-peers { border-left-color: #c09030; } .g-other { border-left-color: #999; }
#plot svg, #axis svg { display: block; }
.tick text { font-size: 10px; fill: #444; }
.arrow { stroke-width: 1.4; }
.arrow.hl, .selfmsg.hl { stroke-width: 3.5; }
.lane-line { stroke: #e3e6ea; stroke-width: 1; }
.lane-alive { stroke: #b9c2cc; stroke-width: 2; }
.group-band { fill: #f3f5f8; }
.gridline { stroke: #f0f0f0; }
#tip { position: fixed; display: none; z-index: 10; pointer-events: none; max-width: 560px; background: #fffff2; border: 1px solid #998; box-shadow: 0 2px 6px rgba(0,0,0,0.2); padding: 6px 8px; font: 12px ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all; }
#tip .tip-type { font-weight: bold; }
</style>
</head>
<body>
<header>
<h1>)PAGE";

const char* page_body = R"PAGE(
<div id="legend"></div>
<div id="controls"><button id="zoom-out" title="zoom out">−</button><button id="zoom-in" title="zoom in">+</button><button id="zoom-fit" title="fit the window">fit</button><span id="scale"></span><span>hover an arrow for its time, type and fields; click a type to hide it</span></div>
</header>
<div id="scroll"><div id="grid">
<div id="corner">actors</div>
<div id="axis"></div>
<div id="labels"></div>
<div id="plot"></div>
</div></div>
<div id="tip"></div>
<noscript>This page draws the timeline with JavaScript.</noscript>
<script type="application/json" id="data">)PAGE";

const char* page_script = R"PAGE(</script>
<script>
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var css = getComputedStyle(document.documentElement);
  var LANE_H = parseInt(css.getPropertyValue('--lane-h'), 10) || 22;
  var AXIS_H = parseInt(css.getPropertyValue('--axis-h'), 10) || 46;
  var PAD = 50;
  var scroll = document.getElementById('scroll');
  var labels = document.getElementById('labels');
  var plot = document.getElementById('plot');
  var axis = document.getElementById('axis');
  var tip = document.getElementById('tip');
  var legend = document.getElementById('legend');
  // Inline <svg> gets its namespace from the HTML parser: take it from one.
  var probe = document.createElement('div');
  probe.innerHTML = '<svg></svg>';
  var NS = probe.firstChild.namespaceURI;
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function div(cls, text, parent) {
    var e = document.createElement('div');
    e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }
  // Local time of the log's machine (its UTC offset at the window's start).
  function timeText(rel, digits) {
    var abs = D.start + rel;
    var secs = Math.floor(abs / 1e6), us = abs - secs * 1e6;
    var d = new Date((secs + D.utc_offset_s) * 1000);
    var s = d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1, 2) + '-' + pad(d.getUTCDate(), 2) + ' ' +
        pad(d.getUTCHours(), 2) + ':' + pad(d.getUTCMinutes(), 2) + ':' + pad(d.getUTCSeconds(), 2);
    if (digits === undefined) digits = 6;
    if (digits > 0) s += '.' + pad(Math.round(us), 6).slice(0, digits);
    return s;
  }
  function durationText(us) {
    if (us >= 1e6) return (us / 1e6).toFixed(us >= 1e7 ? 1 : 3) + ' s';
    if (us >= 1e3) return (us / 1e3).toFixed(us >= 1e4 ? 1 : 3) + ' ms';
    return us.toFixed(0) + ' µs';
  }

  // Rows: a header per group, then its lanes.
  var rows = [], laneY = [], lastGroup = null;
  D.lanes.forEach(function (l, i) {
    if (l.group !== lastGroup) { rows.push({ group: l.group }); lastGroup = l.group; }
    laneY[i] = rows.length * LANE_H + LANE_H / 2;
    rows.push({ lane: i });
  });
  var HEIGHT = rows.length * LANE_H + 8;
  rows.forEach(function (r) {
    if (r.group !== undefined) { div('group-label', r.group, labels); return; }
    var l = D.lanes[r.lane];
    var d = div('lane-label g-' + l.group + ' kind-' + l.kind, undefined, labels);
    d.appendChild(document.createTextNode(l.label));
    if (l.detail) { var s = document.createElement('span'); s.className = 'detail'; s.textContent = l.detail; d.appendChild(s); }
    d.title = l.label + (l.detail ? ' ' + l.detail : '');
  });

  // Legend: message types by count, then the event marks.
  var hidden = {};
  D.types.forEach(function (t, i) {
    var item = document.createElement('span');
    item.className = 'legend-item';
    item.dataset.type = t.name;
    var sw = document.createElement('span'); sw.className = 'swatch'; sw.style.background = t.color; item.appendChild(sw);
    item.appendChild(document.createTextNode(t.name + ' (' + t.count + ')'));
    item.addEventListener('click', function () {
      hidden[i] = !hidden[i];
      item.classList.toggle('off', !!hidden[i]);
      var g = document.getElementById('type-' + i);
      if (g) g.style.display = hidden[i] ? 'none' : '';
    });
    legend.appendChild(item);
  });
  [['●', '#2a2', 'spawned'], ['◆', '#e80', 'restarted'], ['✕', '#c22', 'terminated'], ['|', '#888', 'wire']].forEach(function (m) {
    var s = document.createElement('span'); s.className = 'legend-event';
    var g = document.createElement('span'); g.style.color = m[1]; g.textContent = m[0] + ' ';
    s.appendChild(g); s.appendChild(document.createTextNode(m[2])); legend.appendChild(s);
  });

  var span = Math.max(1, D.end - D.start);
  function fitWidth() { return Math.max(300, scroll.clientWidth - labels.offsetWidth - 2 * PAD - 4); }
  var width = Math.min(400000, Math.max(fitWidth(), D.msgs.length * 12));
  var items = [];  // hover targets sorted by x: [x, y1, y2, 'm' | 'e', index]
  function X(rel) { return PAD + rel / span * width; }

  function niceStep(minUs) {
    var p = Math.pow(10, Math.floor(Math.log10(Math.max(minUs, 1))));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= minUs) return steps[i] * p;
    return 10 * p;
  }

  function render() {
    plot.textContent = ''; axis.textContent = '';
    var W = width + 2 * PAD;
    var asvg = el('svg', { width: W, height: AXIS_H }, axis);
    var svg = el('svg', { width: W, height: HEIGHT, id: 'plot-svg' }, plot);
    var defs = el('defs', {}, svg);
    D.types.forEach(function (t, i) {
      var m = el('marker', { id: 'head-' + i, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, markerUnits: 'userSpaceOnUse', orient: 'auto' }, defs);
      el('path', { d: 'M0,0 L8,4 L0,8 z', fill: t.color }, m);
    });
    // Group bands, lane lines, each actor's lifetime within the window.
    rows.forEach(function (r, k) {
      if (r.group !== undefined) el('rect', { x: 0, y: k * LANE_H, width: W, height: LANE_H, 'class': 'group-band' }, svg);
    });
    // Time axis and grid.
    var step = niceStep(90 / width * span);
    var digits = step >= 1e6 ? 0 : step >= 1e3 ? 3 : 6;
    var gridG = el('g', {}, svg);
    for (var tt = 0; tt <= span + 1; tt += step) {
      var x = X(tt);
      var g = el('g', { 'class': 'tick' }, asvg);
      el('line', { x1: x, x2: x, y1: AXIS_H - 8, y2: AXIS_H, stroke: '#666' }, g);
      var full = timeText(tt, digits);
      var t1 = el('text', { x: x, y: 16, 'text-anchor': 'middle' }, g); t1.textContent = full.slice(11);
      var t2 = el('text', { x: x, y: 30, 'text-anchor': 'middle' }, g); t2.textContent = '+' + durationText(tt);
      el('line', { x1: x, x2: x, y1: 0, y2: HEIGHT, 'class': 'gridline' }, gridG);
    }
    D.lanes.forEach(function (l, i) {
      var y = laneY[i];
      el('line', { x1: 0, x2: W, y1: y, y2: y, 'class': 'lane-line' }, svg);
      el('line', { x1: X(l.alive[0]), x2: X(l.alive[1]), y1: y, y2: y, 'class': 'lane-alive' }, svg);
    });
    items = [];
    // Events: marks on their actor's lane.
    var evG = el('g', { id: 'events' }, svg);
    D.events.forEach(function (e, i) {
      var x = X(e[0]), y = laneY[e[1]], kind = e[2];
      if (kind === 'spawned') el('circle', { cx: x, cy: y, r: 4, fill: '#2a2', 'class': 'ev ev-spawned' }, evG);
      else if (kind === 'restarted') el('path', { d: 'M' + x + ',' + (y - 6) + ' l6,6 l-6,6 l-6,-6 z', fill: '#e80', 'class': 'ev ev-restarted' }, evG);
      else if (kind === 'terminated') el('path', { d: 'M' + (x - 4) + ',' + (y - 4) + ' l8,8 m0,-8 l-8,8', stroke: '#c22', 'stroke-width': 2, 'class': 'ev ev-terminated' }, evG);
      else el('line', { x1: x, x2: x, y1: y - 5, y2: y + 5, stroke: '#888', 'stroke-width': 1, 'class': 'ev ev-' + kind }, evG);
      items.push([x, y - 6, y + 6, 'e', i]);
    });
    // Messages: one group per type (the legend hides a group).
    var groups = D.types.map(function (t, i) {
      return el('g', { id: 'type-' + i, stroke: t.color, fill: t.color, style: hidden[i] ? 'display:none' : '' }, svg);
    });
    D.msgs.forEach(function (m, i) {
      var x = X(m[0]), y1 = laneY[m[1]], y2 = laneY[m[2]], g = groups[m[3]];
      var shape;
      if (m[1] === m[2]) {
        shape = el('circle', { cx: x, cy: y1 - 5, r: 3, fill: 'none', 'stroke-width': 1.4, 'class': 'selfmsg' }, g);
      } else {
        var dir = y2 > y1 ? 1 : -1;
        shape = el('line', { x1: x, y1: y1 + 2 * dir, x2: x, y2: y2 - 1 * dir, 'marker-end': 'url(#head-' + m[3] + ')', 'class': 'arrow' }, g);
      }
      shape.dataset.i = i;
      items.push([x, Math.min(y1, y2) - 8, Math.max(y1, y2) + 2, 'm', i]);
    });
    items.sort(function (a, b) { return a[0] - b[0]; });
    asvg.setAttribute('data-ticks', asvg.childNodes.length);
    plot.dataset.arrows = D.msgs.length;
    plot.dataset.lanes = D.lanes.length;
    document.getElementById('scale').textContent =
        durationText(span) + ' over ' + Math.round(width) + ' px (' + durationText(90 / width * span) + ' per 90 px)';
  }

  var highlighted = null;
  function hideTip() {
    tip.style.display = 'none';
    if (highlighted) { highlighted.classList.remove('hl'); highlighted = null; }
  }
  function showTip(it, clientX, clientY) {
    tip.textContent = '';
    var lines;
    if (it[3] === 'm') {
      var m = D.msgs[it[4]], t = D.types[m[3]];
      var head = document.createElement('div'); head.className = 'tip-type'; head.textContent = t.name; head.style.color = t.color;
      tip.appendChild(head);
      lines = [timeText(m[0]), D.lanes[m[1]].label + ' → ' + D.lanes[m[2]].label, m[4]];
      var shape = plot.querySelector('[data-i="' + it[4] + '"]');
      if (highlighted) highlighted.classList.remove('hl');
      if (shape) { shape.classList.add('hl'); highlighted = shape; }
    } else {
      var e = D.events[it[4]];
      var h = document.createElement('div'); h.className = 'tip-type'; h.textContent = e[2]; tip.appendChild(h);
      lines = [timeText(e[0]), D.lanes[e[1]].label, e[3]];
    }
    lines.forEach(function (s) { if (s) div('tip-line', s, tip); });
    tip.style.display = 'block';
    var x = clientX + 14, y = clientY + 14;
    var r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth) x = Math.max(0, clientX - r.width - 14);
    if (y + r.height > window.innerHeight) y = Math.max(0, clientY - r.height - 14);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  // The target nearest the pointer: arrows within 6 px across, the pointer within their span.
  function hit(px, py) {
    var lo = 0, hi = items.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (items[mid][0] < px - 6) lo = mid + 1; else hi = mid; }
    var best = null, bestD = 1e9;
    for (var i = lo; i < items.length && items[i][0] <= px + 6; i++) {
      var it = items[i];
      if (py < it[1] || py > it[2]) continue;
      if (it[3] === 'm' && hidden[D.msgs[it[4]][3]]) continue;
      var d = Math.abs(it[0] - px) + (it[3] === 'e' ? 0.5 : 0);
      if (d < bestD) { bestD = d; best = it; }
    }
    return best;
  }
  plot.addEventListener('mousemove', function (ev) {
    var r = plot.getBoundingClientRect();
    var it = hit(ev.clientX - r.left, ev.clientY - r.top);
    if (it) showTip(it, ev.clientX, ev.clientY); else hideTip();
  });
  plot.addEventListener('mouseleave', hideTip);

  function zoom(factor) {
    var center = (scroll.scrollLeft + scroll.clientWidth / 2 - labels.offsetWidth - PAD) / width;
    width = Math.max(fitWidth(), Math.min(2000000, width * factor));
    render();
    scroll.scrollLeft = center * width + labels.offsetWidth + PAD - scroll.clientWidth / 2;
  }
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(2); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(0.5); });
  document.getElementById('zoom-fit').addEventListener('click', function () { width = fitWidth(); render(); });

  render();
  // #probe=N shows the tooltip a pointer on message N's arrow shows (for tests).
  var probeMatch = /probe=(\d+)/.exec(location.hash);
  if (probeMatch) {
    var n = parseInt(probeMatch[1], 10);
    for (var i = 0; i < items.length; i++)
      if (items[i][3] === 'm' && items[i][4] === n) {
        // Through the pointer's hit test, at the middle of the arrow.
        var px = items[i][0], py = (items[i][1] + items[i][2]) / 2;
        var found = hit(px, py);
        var r = plot.getBoundingClientRect();
        if (found) showTip(found, r.left + px, r.top + py);
        break;
      }
  }
  // #at=SECONDS scrolls to that many seconds after the window's start.
  var atMatch = /at=([0-9.]+)/.exec(location.hash);
  if (atMatch) scroll.scrollLeft = Math.max(0, X(parseFloat(atMatch[1]) * 1e6) - PAD);
  // Where the lane labels are once scrolled: they stay at the left edge (for tests).
  document.body.dataset.scrollLeft = Math.round(scroll.scrollLeft);
  document.body.dataset.labelsLeft = Math.round(labels.getBoundingClientRect().left);
  document.body.dataset.rendered = 'yes';
})();
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string timeline_builder::group_of(const std::string& kind) {
  if (kind == "session" || kind == "client" || kind == "listener" || kind == "rate_limiter" ||
      kind == "disk_thread")
    return "session";
  if (kind == "torrent") return "torrent";
  if (kind == "piece_manager" || kind == "disk_writer" || kind == "choker" || kind == "tracker")
    return "parts";
  if (kind == "peer" || kind == "socket") return "peers";
  return "other";
}

std::size_t timeline_builder::lane_of(const actor_ref& a, std::size_t source, std::int64_t t) {
  actor_ref actor = a;
  if (!actor.present) {
    actor.present = true;
    actor.kind = "unknown";
  }
  // Sockets are not actors: all of a source's share one lane (the tooltip names the address).
  bool shared = actor.kind == "socket" || actor.kind == "client";
  auto key = std::make_tuple(source, actor.kind, shared ? 0 : actor.id);
  auto it = lane_index_.find(key);
  if (it != lane_index_.end()) {
    auto& l = lanes_[it->second];
    l.last_t = std::max(l.last_t, t);
    if (!shared) {
      if (l.actor.torrent.empty()) l.actor.torrent = actor.torrent;
      if (l.actor.peer.empty()) l.actor.peer = actor.peer;
    }
    return it->second;
  }
  lane l;
  l.actor = actor;
  if (shared) {
    l.actor.peer.clear();
    l.actor.torrent.clear();
  }
  l.source = source;
  l.first_t = l.last_t = t;
  lanes_.push_back(l);
  lane_index_[key] = lanes_.size() - 1;
  return lanes_.size() - 1;
}

std::size_t timeline_builder::type_of(const std::string& type) {
  auto it = type_index_.find(type);
  if (it != type_index_.end()) return it->second;
  types_.push_back(type);
  type_counts_.push_back(0);
  type_index_[type] = types_.size() - 1;
  return types_.size() - 1;
}

void timeline_builder::add(const record& r) {
  if (r.event == "message") ++messages_seen_;
  if (full_) return;
  if (r.event == "message" && messages_.size() >= max_messages_) {
    full_ = true;  // past the cap nothing more is drawn: the page ends where the cap did
    return;
  }
  if (!any_) first_t_ = r.t;
  any_ = true;
  first_t_ = std::min(first_t_, r.t);
  last_t_ = std::max(last_t_, r.t);
  const auto& j = r.json;
  if (r.event == "message") {
    message m;
    m.t = r.t;
    m.from = lane_of(r.from, r.source, r.t);
    m.to = lane_of(r.to, r.source, r.t);
    m.type = type_of(r.type.empty() ? "?" : r.type);
    ++type_counts_[m.type];
    std::string text;
    if (r.from.kind == "socket" || r.to.kind == "socket" || r.from.kind == "client")
      text = format_actor(r.from) + " → " + format_actor(r.to) + "\n";
    text += compact_fields(j.value("fields", nlohmann::json()));
    auto s = j.find("sampled");
    if (s != j.end()) text += "\n(sampled: stands for " + s->dump() + " messages)";
    m.text = clip(text, max_text);
    messages_.push_back(std::move(m));
    return;
  }
  if (!r.actor.present) return;
  event e;
  e.t = r.t;
  e.lane = lane_of(r.actor, r.source, r.t);
  e.kind = r.event;
  if (r.event == "spawned") {
    lanes_[e.lane].spawned_t = r.t;
    if (r.parent.present) e.text = "by " + format_actor(r.parent);
  } else if (r.event == "terminated") {
    lanes_[e.lane].terminated_t = r.t;
    e.text = "reason: " + j.value("reason", std::string("?"));
  } else if (r.event == "restarted") {
    lanes_[e.lane].spawned_t = r.t;
    e.text = "replaces #" + (j.count("replaces") ? j["replaces"].dump() : std::string("?")) +
             ", restart " + (j.count("restarts") ? j["restarts"].dump() : std::string("?")) +
             (r.parent.present ? " by " + format_actor(r.parent) : std::string()) +
             "\nreason: " + j.value("reason", std::string("?"));
  } else if (r.event == "wire") {
    e.text = j.value("dir", std::string("?")) + " " + r.type + " " +
             compact_fields(j.value("fields", nlohmann::json()));
  } else {
    e.text = clip(r.raw, max_text);
  }
  e.text = clip(e.text, max_text);
  events_.push_back(std::move(e));
}

std::string timeline_builder::html(const std::string& title, const std::vector<std::string>& files,
                                   std::optional<std::int64_t> window_since,
                                   std::optional<std::int64_t> window_until) const {
  std::int64_t start = any_ ? first_t_ : 0, end = any_ ? last_t_ : 0;
  if (window_since && (!any_ || *window_since > INT64_MIN)) start = *window_since;
  if (window_until && *window_until < INT64_MAX && !truncated()) end = *window_until;
  if (!any_ && !window_since) start = end = 0;
  if (end < start) end = start;

  // Lanes: grouped, then by torrent, kind, first appearance.
  std::vector<std::size_t> order(lanes_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    const auto& la = lanes_[a];
    const auto& lb = lanes_[b];
    auto ga = group_rank(group_of(la.actor.kind)), gb = group_rank(group_of(lb.actor.kind));
    if (ga != gb) return ga < gb;
    if (la.source != lb.source) return la.source < lb.source;
    bool sa = la.actor.kind == "socket", sb = lb.actor.kind == "socket";
    if (sa != sb) return sb;  // the sockets' shared lane after the peers
    if (la.actor.torrent != lb.actor.torrent) return la.actor.torrent < lb.actor.torrent;
    auto ka = kind_rank(la.actor.kind), kb = kind_rank(lb.actor.kind);
    if (ka != kb) return ka < kb;
    return la.first_t < lb.first_t;
  });
  std::vector<std::size_t> position(lanes_.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    position[order[i]] = i;

  bool many_sources = false;
  for (const auto& l : lanes_)
    many_sources = many_sources || l.source != 0;
  nlohmann::json lanes = nlohmann::json::array();
  for (auto i : order) {
    const auto& l = lanes_[i];
    std::string label;
    if (l.actor.kind == "socket")
      label = "socket (peer connections)";
    else if (l.actor.kind == "client")
      label = "client";
    else
      label = l.actor.kind + "#" + std::to_string(l.actor.id);
    if (many_sources) label = std::to_string(l.source + 1) + ":" + label;
    std::string detail = l.actor.peer;
    if (!l.actor.torrent.empty())
      detail += (detail.empty() ? "" : " ") + short_torrent(l.actor.torrent);
    std::int64_t from = l.spawned_t ? *l.spawned_t : start;
    std::int64_t to = l.terminated_t ? *l.terminated_t : end;
    lanes.push_back(
        {{"label", label},
         {"detail", detail},
         {"kind", l.actor.kind},
         {"group", group_of(l.actor.kind)},
         {"alive", {std::max<std::int64_t>(0, from - start), std::max(from, to) - start}}});
  }

  // Types by count: the commonest get the clearest colours.
  std::vector<std::size_t> type_order(types_.size());
  std::iota(type_order.begin(), type_order.end(), 0);
  std::stable_sort(type_order.begin(), type_order.end(), [this](std::size_t a, std::size_t b) {
    return type_counts_[a] > type_counts_[b];
  });
  std::vector<std::size_t> type_position(types_.size());
  nlohmann::json types = nlohmann::json::array();
  for (std::size_t i = 0; i < type_order.size(); ++i) {
    type_position[type_order[i]] = i;
    types.push_back({{"name", types_[type_order[i]]},
                     {"count", type_counts_[type_order[i]]},
                     {"color", chart_colour(i)}});
  }

  nlohmann::json msgs = nlohmann::json::array();
  for (const auto& m : messages_)
    msgs.push_back({m.t - start, position[m.from], position[m.to], type_position[m.type], m.text});
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : events_)
    events.push_back({e.t - start, position[e.lane], e.kind, e.text});

  nlohmann::json data{{"start", start},
                      {"end", end},
                      {"utc_offset_s", utc_offset_s(start)},
                      {"lanes", std::move(lanes)},
                      {"types", std::move(types)},
                      {"msgs", std::move(msgs)},
                      {"events", std::move(events)}};

  std::string summary = std::to_string(messages_.size()) + " messages";
  if (truncated())
    summary += " (the first " + std::to_string(messages_.size()) + " of " +
               std::to_string(messages_seen_) +
               " in the window: narrow it with --since/--until or raise --max-messages)";
  summary += ", " + std::to_string(events_.size()) + " events, " + std::to_string(lanes_.size()) +
             " actors; " + format_time(start) + " to " + format_time(end);
  char dur[32];
  std::snprintf(dur, sizeof dur, " (%.3f s)", static_cast<double>(end - start) / 1e6);
  summary += dur;
  std::string file_list;
  for (const auto& f : files)
    file_list += (file_list.empty() ? "" : ", ") + f;

  std::string out;
  out.reserve(messages_.size() * 160 + 32768);
  out += page_head;
  out += html_escape(title);
  out += page_style;
  out += html_escape(title);
  out += "</h1>\n<div id=\"summary\"";
  if (truncated()) out += " class=\"truncated\"";
  out += ">" + html_escape(summary) + "<br>" + html_escape(file_list) + "</div>";
  out += page_body;
  out += script_json(data);
  out += page_script;
  return out;
}

}  // namespace actorrent::msglog
