// line_chart.hpp: the x-y line chart the reproductions of Sutton & Barto's chapters 8 and 12
// draw (figure_8_2, figure_8_4_8_5, lambda_study): several series of points over a shared
// numeric x axis, each with an optional band (mean +- standard error), dashed or solid,
// vertical markers (a maze's wall change), a clipped y range, and a legend. It uses viz's
// SVG helpers, so the pictures look like the library's others.

#pragma once

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/viz/svg.hpp>

namespace tabrl_examples {

/// One line of a chart.
struct LineSeries {
  std::string name;        ///< legend text
  std::string color;       ///< CSS colour
  std::vector<double> x;   ///< abscissae (increasing)
  std::vector<double> y;   ///< ordinates, one per x
  std::vector<double> err; ///< optional half-width of a band around y (same length), e.g. 1 se
  bool dashed = false;     ///< drawn dashed
  bool dots = false;       ///< a dot on every point
};

/// A vertical line across the plot at `x`, labelled.
struct Marker {
  double x;
  std::string label;
};

/// What the chart shows around the series.
struct LineChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  double y_min = NAN;  ///< NaN: from the data; points outside are clipped to the frame
  double y_max = NAN;
  std::vector<Marker> markers;
  double width = 760, height = 440;
};

/// The chart as a standalone SVG document.
[[nodiscard]] inline std::string line_chart_svg(const std::vector<LineSeries>& series, const LineChartOptions& o) {
  namespace vd = tabrl::viz::detail;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const LineSeries& s : series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const double e = s.err.empty() ? 0.0 : s.err[i];
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i] - e);
      y_hi = std::max(y_hi, s.y[i] + e);
    }
  }
  if (!std::isnan(o.y_min)) y_lo = o.y_min;
  if (!std::isnan(o.y_max)) y_hi = o.y_max;
  if (!(x_hi > x_lo)) x_hi = x_lo + 1;
  if (!(y_hi > y_lo)) y_hi = y_lo + 1;
  const double left = 72, right = 190, top = o.title.empty() ? 24 : 48, bottom = 56;
  const double pw = o.width - left - right, ph = o.height - top - bottom;
  const auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * pw; };
  const auto py = [&](double y) { return top + (y_hi - std::clamp(y, y_lo, y_hi)) / (y_hi - y_lo) * ph; };
  std::string s = vd::svg_open(o.width, o.height);
  if (!o.title.empty()) s += vd::svg_text(o.width / 2 - right / 2 + left / 2, 26, o.title, 14);
  for (const double t : vd::nice_ticks(y_lo, y_hi, 6)) {
    s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e2e2e2\"/>\n", left, py(t),
                     left + pw, py(t));
    s += vd::svg_text(left - 6, py(t) + 4, vd::tick_label(t), 11, "end");
  }
  for (const double t : vd::nice_ticks(x_lo, x_hi, 8)) {
    s += vd::svg_text(px(t), top + ph + 18, vd::tick_label(t), 11);
  }
  s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#444\"/>\n", left,
                   top, pw, ph);
  s += vd::svg_text(left + pw / 2, o.height - 16, o.x_label, 13);
  s += vd::svg_text(18, top + ph / 2, o.y_label, 13, "middle",
                    fmt::format("transform=\"rotate(-90 18 {:.1f})\"", top + ph / 2));
  for (const Marker& m : o.markers) {
    s += fmt::format(
        "<line class=\"marker\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#888\" "
        "stroke-dasharray=\"3 3\"/>\n",
        px(m.x), top, top + ph);
    s += vd::svg_text(px(m.x) + 4, top + 14, m.label, 11, "start");
  }
  double legend_y = top + 10;
  for (const LineSeries& l : series) {
    if (!l.err.empty()) {
      std::string band;
      for (std::size_t i = 0; i < l.x.size(); ++i) band += fmt::format("{:.1f},{:.1f} ", px(l.x[i]), py(l.y[i] + l.err[i]));
      for (std::size_t i = l.x.size(); i-- > 0;) band += fmt::format("{:.1f},{:.1f} ", px(l.x[i]), py(l.y[i] - l.err[i]));
      s += fmt::format("<polygon class=\"band\" points=\"{}\" fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n", band,
                       l.color);
    }
    std::string points;
    for (std::size_t i = 0; i < l.x.size(); ++i) points += fmt::format("{:.1f},{:.1f} ", px(l.x[i]), py(l.y[i]));
    const char* dash = l.dashed ? " stroke-dasharray=\"6 4\"" : "";
    s += fmt::format("<polyline class=\"series\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", points,
                     l.color, dash);
    if (l.dots) {
      for (std::size_t i = 0; i < l.x.size(); ++i)
        s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", px(l.x[i]), py(l.y[i]), l.color);
    }
    s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n",
                     left + pw + 10, legend_y, left + pw + 34, legend_y, l.color, dash);
    s += vd::svg_text(left + pw + 40, legend_y + 4, l.name, 11, "start");
    legend_y += 18;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace tabrl_examples
