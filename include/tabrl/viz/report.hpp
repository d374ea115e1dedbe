#pragma once
/// \file viz/report.hpp
/// Self-contained HTML reports: one file that opens in any browser with no network (inline
/// SVG, CSS and script, the rollout GIF as a data URL), for one run (the trainer's --out) or
/// one sweep (tabrl_sweep's --out). The pictures are the SVGs of svg.hpp, so the page reads
/// without script; the script adds hover read-outs (heatmap cells, learning curves), a
/// step-by-step rollout player and writes its status into the page (`#status`,
/// data-status="ok" or "error"), which is what the browser test reads back.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "svg.hpp"

namespace tabrl::viz {

/// One table of the report: name / value rows.
struct ReportTable {
  std::string caption;                                    ///< the table's heading
  std::vector<std::pair<std::string, std::string>> rows;  ///< name, value
};

/// A grid picture (heatmap or policy) in a report, with what hovering a cell should say.
struct ReportGrid {
  std::string svg;                    ///< svg_heatmap / svg_policy output (empty: none)
  int rows = 0;                       ///< grid rows
  int cols = 0;                       ///< grid columns
  std::vector<double> values;         ///< per cell, shown on hover (empty: none)
  std::vector<std::string> marks;     ///< per cell: "S", "G"... shown on hover (empty: none)
  std::string cell_name = "state";    ///< "state" or e.g. "taxi cell"
  std::string value_name = "visits";  ///< what values are
};

/// One curve of a report's chart (hover shows mean, its moving average and, with several
/// runs, the standard error).
struct ReportCurve {
  std::string name;                    ///< legend and hover text
  std::vector<double> mean;            ///< per episode
  std::vector<double> moving_average;  ///< per episode
  std::vector<double> se;              ///< per episode (empty: one run)
};

/// A learning-curve chart in a report.
struct ReportChart {
  std::string svg;                  ///< svg_learning_curve output
  std::vector<ReportCurve> curves;  ///< the data behind it, for hover
};

/// The greedy rollout in a report: an embedded animation and a step slider that moves a
/// marker over `grid_target` and shows each step's caption.
struct ReportRollout {
  std::string gif;                     ///< GIF bytes (empty: none embedded)
  std::vector<int> cells;              ///< grid cell of each frame
  std::vector<std::string> captions;   ///< text of each frame
  std::string grid_target = "policy";  ///< id of the grid the marker moves on
};

/// Everything a run report shows.
struct RunReport {
  std::string title;                ///< page heading
  std::string subtitle;             ///< a line under it
  std::vector<ReportTable> tables;  ///< settings, figures...
  ReportGrid heatmap;               ///< where the agent went (id "heatmap")
  ReportChart curve;                ///< how it learned (id "curve")
  ReportGrid policy;                ///< what it learned (id "policy"; svg empty: none)
  ReportRollout rollout;            ///< one greedy episode (cells empty: none)
  std::vector<std::string> files;   ///< other files of the run, linked by name
};

/// A sweep report: a table of every cell's metrics, the cells' learning curves in one chart,
/// and one heatmap per cell.
struct SweepReportData {
  std::string title;                                         ///< page heading
  std::string subtitle;                                      ///< a line under it
  std::vector<ReportTable> tables;                           ///< the grid's settings, timings...
  std::vector<std::string> columns;                          ///< header of the cells table
  std::vector<std::vector<std::string>> cells;               ///< one row per cell
  ReportChart curve;                                         ///< all cells' curves
  std::vector<std::pair<std::string, ReportGrid>> heatmaps;  ///< per cell: label, heatmap
  std::vector<std::string> files;                            ///< the sweep's files, linked by name
};

namespace detail {

/// Text inside a JSON string, safe inside an HTML <script> element too ("<" is escaped).
inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(ch)));
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

/// A number in JSON: shortest round-trip text, null for NaN and infinities.
inline void append_json_number(std::string& out, double v) {
  if (std::isfinite(v)) {
    out += fmt::format("{}", v);
  } else {
    out += "null";
  }
}

inline void append_json_numbers(std::string& out, const std::vector<double>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    append_json_number(out, v[i]);
  }
  out += ']';
}

inline void append_json_strings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, v[i]);
  }
  out += ']';
}

/// RFC 4648 base64, for data URLs.
[[nodiscard]] inline std::string base64(std::string_view bytes) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U) |
                   static_cast<unsigned char>(bytes[i + 2]);
    for (const unsigned shift : {18U, 12U, 6U, 0U}) out += alphabet[(n >> shift) & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
    out += alphabet[(n >> 18U) & 63U];
    out += alphabet[(n >> 12U) & 63U];
    out += rest == 2 ? alphabet[(n >> 6U) & 63U] : '=';
    out += '=';
  }
  return out;
}

/// An SVG document as an inline element (the XML declaration dropped).
[[nodiscard]] inline std::string inline_svg(std::string_view svg) {
  const auto at = svg.find("<svg");
  return std::string(at == std::string_view::npos ? svg : svg.substr(at));
}

inline void append_grid_json(std::string& out, const ReportGrid& g) {
  out += fmt::format("{{\"rows\":{},\"cols\":{},\"values\":", g.rows, g.cols);
  append_json_numbers(out, g.values);
  out += ",\"marks\":";
  append_json_strings(out, g.marks);
  out += ",\"cell_name\":";
  append_json_string(out, g.cell_name);
  out += ",\"value_name\":";
  append_json_string(out, g.value_name);
  out += '}';
}

inline void append_chart_json(std::string& out, const ReportChart& c) {
  out += "{\"curves\":[";
  for (std::size_t i = 0; i < c.curves.size(); ++i) {
    const ReportCurve& r = c.curves[i];
    if (i > 0) out += ',';
    out += "{\"name\":";
    append_json_string(out, r.name);
    out += ",\"mean\":";
    append_json_numbers(out, r.mean);
    out += ",\"moving_average\":";
    append_json_numbers(out, r.moving_average);
    out += ",\"se\":";
    append_json_numbers(out, r.se);
    out += '}';
  }
  out += "]}";
}

[[nodiscard]] inline std::string html_table(const ReportTable& t) {
  std::string out = "<table class=\"kv\"><caption>" + xml_escape(t.caption) + "</caption>\n";
  for (const auto& [name, value] : t.rows)
    out += "<tr><th>" + xml_escape(name) + "</th><td>" + xml_escape(value) + "</td></tr>\n";
  return out + "</table>\n";
}

[[nodiscard]] inline std::string html_files(const std::vector<std::string>& files) {
  if (files.empty()) return {};
  std::string out = "<p class=\"files\">Files beside this report: ";
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i > 0) out += ", ";
    const std::string f = xml_escape(files[i]);
    out.append("<a href=\"").append(f).append("\">").append(f).append("</a>");
  }
  return out + "</p>\n";
}

/// \cond TABRL_PAGE_TEXT
// (Doxygen reads the raw CSS and JavaScript strings below as C++: it skips them.)
inline constexpr std::string_view report_css = R"css(
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0;background:#f6f5f2;color:#222}
header{background:#2b2b2b;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#ccc;font-size:14px}
#status{font-size:12px;color:#9c9}#status[data-status=error]{color:#f88}
main{padding:12px 24px;display:flex;flex-wrap:wrap;gap:16px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;max-width:100%;overflow-x:auto}
section h2{font-size:16px;margin:0 0 8px}
table.kv,table.cells{border-collapse:collapse;font-size:13px}
table.kv caption,table.cells caption{text-align:left;font-weight:bold;padding:4px 0}
table.kv th,table.cells th{text-align:left;padding:2px 10px 2px 0;color:#555;font-weight:normal}
table.kv td,table.cells td{padding:2px 10px 2px 0;font-variant-numeric:tabular-nums}
table.cells th{border-bottom:1px solid #ccc;cursor:pointer}
#tooltip{position:absolute;background:#222;color:#fff;font-size:12px;padding:4px 8px;border-radius:4px;pointer-events:none;white-space:pre}
rect.cell:hover{stroke:#000;stroke-width:2}
.player{font-size:13px}.player input{width:260px;vertical-align:middle}
#rollout-caption{font-family:"DejaVu Sans Mono",monospace;font-size:13px;white-space:pre}
p.files{font-size:12px;color:#555;width:100%}
)css";

// The page's script: hover read-outs, the rollout player, the status line. With the URL
// fragment #selftest it also plays one hover on the heatmap and the curve and one step of the
// player, and records what they showed in #status's data- attributes (the browser test's
// way to check the handlers, since a DOM dump cannot move a mouse).
inline constexpr std::string_view report_script = R"js(
(function () {
  'use strict';
  var status = document.getElementById('status');
  function fail(message) {
    status.dataset.status = 'error';
    status.textContent = 'script error: ' + message;
  }
  window.addEventListener('error', function (e) { fail(e.message); });
  try {
    var data = JSON.parse(document.getElementById('report-data').textContent);
    var tip = document.getElementById('tooltip');
    function show(text, ev) {
      tip.textContent = text;
      tip.hidden = false;
      tip.style.left = (ev.pageX + 14) + 'px';
      tip.style.top = (ev.pageY + 14) + 'px';
    }
    function hide() { tip.hidden = true; }
    function fmt(v) {
      if (v === null || v === undefined) return '-';
      return Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : v.toFixed(2);
    }
    var grids = 0, cellCount = 0;
    function wireGrid(id, grid) {
      var box = document.getElementById(id);
      if (!box || !grid) return;
      grids += 1;
      box.querySelectorAll('rect.cell').forEach(function (rect) {
        cellCount += 1;
        rect.addEventListener('mousemove', function (ev) {
          var s = Number(rect.dataset.state);
          var r = Math.floor(s / grid.cols), c = s % grid.cols;
          var text = grid.cell_name + ' ' + s + ' (row ' + r + ', col ' + c + ')';
          if (grid.marks.length > s && grid.marks[s]) text += ' [' + grid.marks[s] + ']';
          if (grid.values.length > s) text += ': ' + fmt(grid.values[s]) + ' ' + grid.value_name;
          show(text, ev);
        });
        rect.addEventListener('mouseleave', hide);
      });
    }
    (data.grids || []).forEach(function (g) { wireGrid(g.id, g.grid); });

    var curveText = '';
    function wireChart(id, chart) {
      var box = document.getElementById(id);
      if (!box || !chart || !chart.curves.length) return;
      var svg = box.querySelector('svg');
      var frame = svg.querySelector('rect.frame');
      var n = chart.curves[0].mean.length;
      var fx = Number(frame.getAttribute('x')), fw = Number(frame.getAttribute('width'));
      var fy = Number(frame.getAttribute('y')), fh = Number(frame.getAttribute('height'));
      var line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
      line.setAttribute('class', 'hover-line');
      line.setAttribute('y1', fy);
      line.setAttribute('y2', fy + fh);
      line.setAttribute('stroke', '#888');
      line.setAttribute('visibility', 'hidden');
      svg.appendChild(line);
      svg.addEventListener('mousemove', function (ev) {
        var pt = svg.createSVGPoint();
        pt.x = ev.clientX;
        pt.y = ev.clientY;
        var p = pt.matrixTransform(svg.getScreenCTM().inverse());
        if (p.x < fx || p.x > fx + fw) { hide(); line.setAttribute('visibility', 'hidden'); return; }
        var e = n > 1 ? Math.round((p.x - fx) / fw * (n - 1)) : 0;
        var x = n > 1 ? fx + e / (n - 1) * fw : fx;
        line.setAttribute('x1', x);
        line.setAttribute('x2', x);
        line.setAttribute('visibility', 'visible');
        var lines = ['episode ' + (e + 1)];
        chart.curves.forEach(function (c) {
          var t = c.name + ': ' + fmt(c.mean[e]);
          if (c.se.length) t += ' \u00b1 ' + fmt(c.se[e]) + ' s.e.';
          t += ', moving average ' + fmt(c.moving_average[e]);
          lines.push(t);
        });
        curveText = lines.join('\n');
        show(curveText, ev);
      });
      svg.addEventListener('mouseleave', function () { hide(); line.setAttribute('visibility', 'hidden'); });
    }
    (data.charts || []).forEach(function (c) { wireChart(c.id, c.chart); });

    var player = document.getElementById('rollout-step');
    var caption = document.getElementById('rollout-caption');
    var marker = null;
    function showStep(i) {
      var ro = data.rollout;
      caption.textContent = ro.captions[i];
      var box = document.getElementById(ro.grid_target);
      if (!box) return;
      var rect = box.querySelector('rect.cell[data-state="' + ro.cells[i] + '"]');
      if (!rect) return;
      var svg = box.querySelector('svg');
      if (!marker) {
        marker = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
        marker.setAttribute('class', 'rollout-marker');
        marker.setAttribute('fill', '#d6336c');
        marker.setAttribute('stroke', '#fff');
        marker.setAttribute('stroke-width', '2');
        svg.appendChild(marker);
      }
      var w = Number(rect.getAttribute('width'));
      marker.setAttribute('cx', Number(rect.getAttribute('x')) + w / 2);
      marker.setAttribute('cy', Number(rect.getAttribute('y')) + w / 2);
      marker.setAttribute('r', w * 0.22);
      marker.dataset.state = ro.cells[i];
    }
    var timer = null;
    if (player && data.rollout) {
      player.addEventListener('input', function () { showStep(Number(player.value)); });
      document.getElementById('rollout-play').addEventListener('click', function () {
        if (timer) { clearInterval(timer); timer = null; return; }
        timer = setInterval(function () {
          var next = (Number(player.value) + 1) % data.rollout.cells.length;
          player.value = next;
          showStep(next);
        }, 400);
      });
      showStep(0);
    }

    status.dataset.status = 'ok';
    status.dataset.grids = grids;
    status.dataset.cells = cellCount;
    status.dataset.charts = (data.charts || []).length;
    status.textContent = 'interactive: hover a cell or a curve' +
        (player ? ', step through the rollout' : '');

    if (location.hash === '#selftest') {
      var first = data.grids && data.grids.length ? data.grids[0] : null;
      if (first) {
        var probe = document.querySelector('#' + first.id + ' rect.cell[data-state="' + first.probe + '"]');
        var b = probe.getBoundingClientRect();
        probe.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: b.left + 2, clientY: b.top + 2 }));
        status.dataset.heatTip = tip.textContent;
      }
      if (data.charts && data.charts.length) {
        var c0 = data.charts[0];
        var svg0 = document.querySelector('#' + c0.id + ' svg');
        var fr = svg0.querySelector('rect.frame');
        var m = c0.chart.curves[0].mean.length;
        var ex = Number(fr.getAttribute('x')) + (m > 1 ? (c0.probe - 1) / (m - 1) : 0) * Number(fr.getAttribute('width'));
        var sp = svg0.createSVGPoint();
        sp.x = ex;
        sp.y = Number(fr.getAttribute('y')) + 5;
        var q = sp.matrixTransform(svg0.getScreenCTM());
        svg0.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: q.x, clientY: q.y }));
        status.dataset.curveTip = curveText;
      }
      if (player && data.rollout) {
        player.value = data.rollout.cells.length - 1;
        player.dispatchEvent(new Event('input'));
        status.dataset.rolloutCaption = caption.textContent;
        status.dataset.rolloutMarker = marker ? marker.dataset.state : '';
      }
      status.dataset.selftest = 'done';
    }
  } catch (e) {
    fail(e.message);
  }
})();
)js";
/// \endcond

[[nodiscard]] inline std::string html_page(std::string_view title, std::string_view subtitle,
                                           std::string_view body, std::string_view json) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + xml_escape(title) + "</title>\n<style>";
  out += report_css;
  out += "</style>\n</head>\n<body>\n<header><h1>" + xml_escape(title) + "</h1>\n";
  if (!subtitle.empty()) out += "<p>" + xml_escape(subtitle) + "</p>\n";
  out +=
      "<p id=\"status\" data-status=\"no-script\">the pictures are static until the script "
      "runs</p>\n</header>\n<main>\n";
  out += body;
  out += "</main>\n<div id=\"tooltip\" hidden></div>\n";
  out += "<script type=\"application/json\" id=\"report-data\">";
  out += json;
  out += "</script>\n<script>";
  out += report_script;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace detail

namespace detail {
// The page script's data up to the value of its "rollout" key: each grid with an image (its
// element id, the state the browser test probes, the grid), then the learning-curve chart.
[[nodiscard]] inline std::string page_data_head(
    const std::vector<std::pair<std::string, const ReportGrid*>>& grids, int probe_state,
    const ReportChart& curve, int probe_episode) {
  std::string json = "{\"grids\":[";
  bool first = true;
  for (const auto& [id, g] : grids) {
    if (g->svg.empty()) continue;
    if (!first) json += ',';
    first = false;
    json += fmt::format("{{\"id\":\"{}\",\"probe\":{},\"grid\":", id, probe_state);
    append_grid_json(json, *g);
    json += '}';
  }
  json += "],\"charts\":[";
  if (!curve.svg.empty()) {
    json += fmt::format("{{\"id\":\"curve\",\"probe\":{},\"chart\":", probe_episode);
    append_chart_json(json, curve);
    json += '}';
  }
  json += "],\"rollout\":";
  return json;
}
}  // namespace detail

/// The HTML of a run report: header with a status line, the tables, the visit heatmap
/// (id "heatmap"), the learning curve (id "curve"), the policy (id "policy"), the rollout
/// (embedded GIF, step slider "rollout-step", caption "rollout-caption") and links to the
/// run's other files. `probe_state` and `probe_episode` are what the page hovers when opened
/// with the URL fragment `\#selftest`.
[[nodiscard]] inline std::string html_run_report(const RunReport& r, int probe_state = 0,
                                                 int probe_episode = 1) {
  std::string body;
  body += "<section id=\"tables\"><h2>The run</h2>\n";
  for (const ReportTable& t : r.tables) body += detail::html_table(t);
  body += "</section>\n";
  if (!r.heatmap.svg.empty()) {
    body += "<section><h2>Where the agent went</h2><div id=\"heatmap\">" +
            detail::inline_svg(r.heatmap.svg) + "</div></section>\n";
  }
  if (!r.curve.svg.empty()) {
    body += "<section><h2>How it learned</h2><div id=\"curve\">" + detail::inline_svg(r.curve.svg) +
            "</div></section>\n";
  }
  if (!r.policy.svg.empty()) {
    body += "<section><h2>What it learned</h2><div id=\"policy\">" +
            detail::inline_svg(r.policy.svg) + "</div></section>\n";
  }
  const bool rollout = !r.rollout.cells.empty();
  if (rollout) {
    body += "<section id=\"rollout\"><h2>One greedy episode</h2>\n";
    if (!r.rollout.gif.empty()) {
      body +=
          "<p><img id=\"rollout-gif\" alt=\"the greedy rollout, one frame per step\" "
          "src=\"data:image/gif;base64," +
          detail::base64(r.rollout.gif) + "\"></p>\n";
    }
    body += fmt::format(
        "<p class=\"player\"><button id=\"rollout-play\" type=\"button\">play / pause</button> "
        "<input id=\"rollout-step\" type=\"range\" min=\"0\" max=\"{}\" value=\"0\" "
        "aria-label=\"rollout step\"> <span id=\"rollout-caption\"></span></p>\n"
        "<p class=\"player\">The slider moves the marker on the {}.</p>\n</section>\n",
        r.rollout.cells.size() - 1, r.rollout.grid_target == "policy" ? "policy" : "heatmap");
  }
  body += detail::html_files(r.files);

  std::string json = detail::page_data_head({{"heatmap", &r.heatmap}, {"policy", &r.policy}},
                                            probe_state, r.curve, probe_episode);
  if (rollout) {
    json += "{\"cells\":[";
    for (std::size_t i = 0; i < r.rollout.cells.size(); ++i)
      json += fmt::format("{}{}", i > 0 ? "," : "", r.rollout.cells[i]);
    json += "],\"captions\":";
    detail::append_json_strings(json, r.rollout.captions);
    json += ",\"grid_target\":";
    detail::append_json_string(json, r.rollout.grid_target);
    json += '}';
  } else {
    json += "null";
  }
  json += '}';
  return detail::html_page(r.title, r.subtitle, body, json);
}

/// The HTML of a sweep report: the tables, a table of every cell (click a header to sort),
/// all cells' learning curves in one chart (id "curve", hover lists each cell's mean +- s.e.)
/// and one heatmap per cell (ids "heatmap-0", "heatmap-1"...).
[[nodiscard]] inline std::string html_sweep_report(const SweepReportData& r, int probe_state = 0,
                                                   int probe_episode = 1) {
  std::string body;
  body += "<section id=\"tables\"><h2>The sweep</h2>\n";
  for (const ReportTable& t : r.tables) body += detail::html_table(t);
  body += "</section>\n";
  body += "<section id=\"cells\"><h2>Cells</h2>\n<table class=\"cells\"><thead><tr>";
  for (const auto& c : r.columns) body += "<th>" + xml_escape(c) + "</th>";
  body += "</tr></thead><tbody>\n";
  for (const auto& row : r.cells) {
    body += "<tr>";
    for (const auto& v : row) body += "<td>" + xml_escape(v) + "</td>";
    body += "</tr>\n";
  }
  body += "</tbody></table></section>\n";
  if (!r.curve.svg.empty()) {
    body += "<section><h2>Learning curves</h2><div id=\"curve\">" +
            detail::inline_svg(r.curve.svg) + "</div></section>\n";
  }
  for (std::size_t i = 0; i < r.heatmaps.size(); ++i) {
    body += fmt::format("<section><h2>{}</h2><div id=\"heatmap-{}\">{}</div></section>\n",
                        xml_escape(r.heatmaps[i].first), i,
                        detail::inline_svg(r.heatmaps[i].second.svg));
  }
  body += detail::html_files(r.files);
  // Sorting the cells table by a clicked column (numbers numerically).
  body += R"js(<script>
document.querySelectorAll('table.cells th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var up = th.dataset.order !== 'up';
    th.dataset.order = up ? 'up' : 'down';
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var d = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return up ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
</script>
)js";
  std::vector<std::pair<std::string, const ReportGrid*>> grids;
  for (std::size_t i = 0; i < r.heatmaps.size(); ++i)
    grids.emplace_back(fmt::format("heatmap-{}", i), &r.heatmaps[i].second);
  std::string json = detail::page_data_head(grids, probe_state, r.curve, probe_episode);
  json += "null}";
  return detail::html_page(r.title, r.subtitle, body, json);
}

}  // namespace tabrl::viz
