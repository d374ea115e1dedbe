#pragma once
/// \file viz/svg.hpp
/// SVG pictures as plain text (no dependency): a heatmap with a colour bar and cell values, a
/// learning curve (one run, or several as a mean +- std band, with a moving average), and a
/// greedy policy as arrows on the grid. Every drawn datum carries a class and data-
/// attributes (class="cell" data-state="7" data-value="12"), so tests and scripts can read
/// the numbers back.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "../error.hpp"
#include "../io/binary.hpp"
#include "color.hpp"
#include "terminal.hpp"

namespace tabrl::viz {

/// Text made safe for XML character data and attribute values.
[[nodiscard]] inline std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/// Writes `text` to `path` atomically (see tabrl::atomic_write: a full disk leaves the old
/// file, never a truncated one). Throws tabrl::IoError naming the path and the cause.
inline void write_text_file(const std::string& path, std::string_view text) {
  atomic_write(path, [text](std::ostream& out) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  });
}

namespace detail {
inline constexpr std::string_view svg_font = "DejaVu Sans, Helvetica, Arial, sans-serif";

[[nodiscard]] inline std::string svg_open(double w, double h) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" "
      "font-family=\"{2}\">\n<rect class=\"background\" x=\"0\" y=\"0\" width=\"{0}\" "
      "height=\"{1}\" fill=\"#ffffff\"/>\n",
      w, h, svg_font);
}

[[nodiscard]] inline std::string svg_text(double x, double y, std::string_view text, double size,
                                          std::string_view anchor = "middle",
                                          std::string_view extra = "") {
  return fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{:.1f}\" text-anchor=\"{}\"{}{}>{}</text>\n", x,
      y, size, anchor, extra.empty() ? "" : " ", extra, xml_escape(text));
}

/// About `target` round numbers covering [lo, hi] (steps of 1, 2 or 5 times a power of ten).
[[nodiscard]] inline std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

// Width of `text` at `size` px in the pictures' sans-serif font, roughly (for laying out
// legends and notes; 0.6 em per character is generous for DejaVu Sans).
[[nodiscard]] inline double text_width_estimate(std::string_view text, double size) {
  std::size_t chars = 0;
  for (const char ch : text) chars += (static_cast<unsigned char>(ch) & 0xC0U) != 0x80U ? 1 : 0;
  return static_cast<double>(chars) * size * 0.6;
}

/// Compact tick labels: "1500", "2.5", "-200".
[[nodiscard]] inline std::string tick_label(double v) {
  if (v == std::round(v) && std::abs(v) < 1e9) return fmt::format("{:.0f}", v);
  return fmt::format("{:.3g}", v);
}
}  // namespace detail

/// How svg_heatmap draws.
struct SvgHeatmapOptions {
  std::string title;            ///< drawn above the grid (empty: none)
  std::string colorbar_label;   ///< drawn beside the colour bar
  int cell = 48;                ///< cell side in px
  int precision = -1;           ///< decimals of the cell values; -1: 0 for integers, else 1
  Scale scale = Scale::linear;  ///< linear or log colours
  double lo = NAN;  ///< colour range; NaN: the data's min / max (pass both to compare pictures)
  double hi = NAN;  ///< see lo
  /// Per state, a short label drawn in the cell's top-left corner ("S", "G", "C"...); empty
  /// strings (or an empty vector) draw none.
  std::vector<std::string> marks{};
  std::string marks_note{};  ///< a line under the grid that says what the marks mean
  bool axis_labels = true;   ///< row numbers at the left, column numbers under the grid
  std::string id_prefix{};   ///< prefix of the SVG's ids (distinct SVGs inlined in one page)
};

/// A rows x cols heatmap of `values` (state = row * cols + col): one `<rect class="cell">` per
/// state, coloured by colormap(normalize(value, lo, hi, scale)), with data-state and
/// data-value attributes and a `<text class="value">` showing the value; a `<text class="mark">`
/// in the corner of marked cells; row and column numbers (`<text class="row-label">` /
/// "col-label"); a vertical colour bar with tick labels at the right. Throws if
/// values.size() != rows * cols or marks has another size.
[[nodiscard]] inline std::string svg_heatmap(std::span<const double> values, int rows, int cols,
                                             const SvgHeatmapOptions& options = {}) {
  detail::check_grid("viz::svg_heatmap", values.size(), rows, cols);
  if (options.cell < 8)
    tabrl::detail::throw_invalid("viz::svg_heatmap", "cell must be >= 8", options.cell);
  const int precision = detail::auto_precision(values, options.precision);
  auto [lo, hi] = detail::finite_range(values);
  if (!std::isnan(options.lo)) lo = options.lo;
  if (!std::isnan(options.hi)) hi = options.hi;
  if (!options.marks.empty() && options.marks.size() != values.size()) {
    tabrl::detail::throw_invalid("viz::svg_heatmap",
                                 "marks must be empty or have one entry per state",
                                 options.marks.size());
  }
  const double k = options.cell, x0 = options.axis_labels ? 40 : 16;
  const double y0 = options.title.empty() ? 16 : 44;
  const double bar_x = x0 + cols * k + 24, bar_w = 18, bar_h = rows * k;
  const double below = (options.axis_labels ? 18 : 0) + (options.marks_note.empty() ? 0 : 18);
  const double w =
      std::max(bar_x + bar_w + 90, x0 + detail::text_width_estimate(options.marks_note, 11) + 16);
  const double h = y0 + rows * k + 16 + below;
  std::string svg = detail::svg_open(w, h);
  if (!options.title.empty())
    svg += detail::svg_text(x0, 28, options.title, 16, "start", "class=\"title\"");
  const double font = std::max(8.0, k * 0.27);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const auto s = static_cast<std::size_t>(r * cols + c);
      const Rgb fill = colormap(normalize(values[s], lo, hi, options.scale));
      const std::string label = fmt::format("{:.{}f}", values[s], precision);
      svg += fmt::format(
          "<rect class=\"cell\" data-state=\"{}\" data-value=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" "
          "width=\"{:.1f}\" "
          "height=\"{:.1f}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n",
          s, label, x0 + c * k, y0 + r * k, k, k, to_hex(fill));
      svg += detail::svg_text(
          x0 + (c + 0.5) * k, y0 + (r + 0.5) * k + font * 0.35, label, font, "middle",
          fmt::format("class=\"value\" fill=\"{}\"", to_hex(text_color_on(fill))));
      if (!options.marks.empty() && !options.marks[s].empty()) {
        svg += detail::svg_text(x0 + c * k + 3, y0 + r * k + 11, options.marks[s], 10, "start",
                                fmt::format("class=\"mark\" data-state=\"{}\" font-weight=\"bold\" "
                                            "fill=\"{}\"",
                                            s, to_hex(text_color_on(fill))));
      }
    }
  }
  if (options.axis_labels) {
    for (int r = 0; r < rows; ++r) {
      svg += detail::svg_text(x0 - 6, y0 + (r + 0.5) * k + 4, std::to_string(r), 11, "end",
                              "class=\"row-label\" fill=\"#555555\"");
    }
    for (int c = 0; c < cols; ++c) {
      svg += detail::svg_text(x0 + (c + 0.5) * k, y0 + rows * k + 14, std::to_string(c), 11,
                              "middle", "class=\"col-label\" fill=\"#555555\"");
    }
    svg +=
        detail::svg_text(x0 - 6, y0 - 4, "row", 10, "end", "class=\"axis-name\" fill=\"#555555\"");
  }
  if (!options.marks_note.empty()) {
    svg += detail::svg_text(x0, y0 + rows * k + (options.axis_labels ? 32 : 14), options.marks_note,
                            11, "start", "class=\"marks-note\" fill=\"#555555\"");
  }
  // The colour bar runs from hi (top) to lo (bottom); ticks sit where their values map.
  svg +=
      fmt::format("<defs><linearGradient id=\"{}colorbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n",
                  options.id_prefix);
  for (int i = 0; i <= 16; ++i) {
    const double t = i / 16.0;
    svg += fmt::format("<stop offset=\"{:.4f}\" stop-color=\"{}\"/>\n", t, to_hex(colormap(t)));
  }
  svg += "</linearGradient></defs>\n";
  svg += fmt::format(
      "<rect class=\"colorbar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
      "fill=\"url(#{}colorbar)\" "
      "stroke=\"#444444\" stroke-width=\"0.5\"/>\n",
      bar_x, y0, bar_w, bar_h, options.id_prefix);
  std::vector<double> ticks;
  if (options.scale == Scale::log && hi > lo) {
    for (int i = 0; i <= 4; ++i) ticks.push_back(lo + std::expm1(i / 4.0 * std::log1p(hi - lo)));
  } else {
    ticks = detail::nice_ticks(lo, hi, 4);
    if (ticks.empty() || ticks.front() != lo) ticks.insert(ticks.begin(), lo);
  }
  for (double v : ticks) {
    const double y = y0 + bar_h * (1.0 - normalize(v, lo, hi, options.scale));
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#444444\"/>\n",
        bar_x + bar_w, y, bar_x + bar_w + 4);
    const std::string text =
        options.scale == Scale::log ? fmt::format("{:.0f}", v) : detail::tick_label(v);
    svg += detail::svg_text(bar_x + bar_w + 7, y + 4, text, 11, "start", "class=\"tick\"");
  }
  if (!options.colorbar_label.empty()) {
    const double cx = bar_x + bar_w + 70, cy = y0 + bar_h / 2;
    svg += detail::svg_text(
        cx, cy, options.colorbar_label, 12, "middle",
        fmt::format("class=\"colorbar-label\" transform=\"rotate(90 {:.1f} {:.1f})\"", cx, cy));
  }
  svg += "</svg>\n";
  return svg;
}

/// svg_heatmap for integer values such as visit counts.
template <class Int>
requires std::is_integral_v<Int>
[[nodiscard]] std::string svg_heatmap(std::span<const Int> values, int rows, int cols,
                                      const SvgHeatmapOptions& options = {}) {
  const std::vector<double> v(values.begin(), values.end());
  return svg_heatmap(std::span<const double>(v), rows, cols, options);
}

/// One curve of a learning-curve chart: the per-episode returns of one or more runs (all the
/// same length), drawn as their mean with a band. A series may instead carry a summary of its
/// runs (what a sweep keeps): per-episode `mean`, `sd` and the run `count`, used when `runs` is
/// empty.
struct CurveSeries {
  std::string name;                       ///< legend text
  std::vector<std::vector<double>> runs;  ///< runs[i][e]: return of episode e in run i
  Rgb color{0x1f, 0x4e, 0xc8};            ///< line colour (the band uses it translucently)
  std::vector<double> mean{};             ///< summary: per-episode mean (when runs is empty)
  std::vector<double> sd{};               ///< summary: per-episode sample std (empty: 0)
  std::int64_t count = 0;                 ///< summary: runs behind mean and sd
};

/// Per-episode statistics of a series: mean, sample standard deviation over runs (0 for one
/// run) and standard error (std / sqrt(runs)), and the trailing moving average of the mean
/// (window w: mean of episodes max(0, e-w+1)..e).
struct CurveStats {
  std::vector<double> mean;            ///< per episode
  std::vector<double> std;             ///< per episode
  std::vector<double> moving_average;  ///< of the mean
  std::vector<double> se{};            ///< per episode: std / sqrt(runs)
  std::int64_t runs = 0;               ///< runs behind the statistics
};

/// Computes CurveStats. Throws when there are no runs (and no summary), runs differ in
/// length, a summary's sizes disagree or its count is < 1, or window < 1.
[[nodiscard]] inline CurveStats curve_stats(const CurveSeries& series, int window) {
  if (window < 1) tabrl::detail::throw_invalid("viz::curve_stats", "window must be >= 1", window);
  CurveStats st;
  if (series.runs.empty()) {
    if (series.mean.empty())
      tabrl::detail::throw_invalid("viz::curve_stats", "series must have at least one run", 0);
    if (!series.sd.empty() && series.sd.size() != series.mean.size()) {
      tabrl::detail::throw_invalid(
          "viz::curve_stats",
          tabrl::detail::concat("sd must be empty or have ", series.mean.size(), " episodes"),
          series.sd.size());
    }
    if (series.count < 1)
      tabrl::detail::throw_invalid("viz::curve_stats", "count must be >= 1", series.count);
    st.mean = series.mean;
    st.std = series.sd.empty() ? std::vector<double>(series.mean.size(), 0.0) : series.sd;
    st.runs = series.count;
  } else {
    const std::size_t n = series.runs.front().size();
    for (const auto& run : series.runs) {
      if (run.size() != n) {
        tabrl::detail::throw_invalid("viz::curve_stats",
                                     tabrl::detail::concat("every run must have ", n, " episodes"),
                                     run.size());
      }
    }
    st.mean.assign(n, 0.0);
    st.std.assign(n, 0.0);
    const auto m = static_cast<double>(series.runs.size());
    for (std::size_t e = 0; e < n; ++e) {
      double sum = 0;
      for (const auto& run : series.runs) sum += run[e];
      st.mean[e] = sum / m;
      if (series.runs.size() > 1) {
        double sq = 0;
        for (const auto& run : series.runs) sq += (run[e] - st.mean[e]) * (run[e] - st.mean[e]);
        st.std[e] = std::sqrt(sq / (m - 1));
      }
    }
    st.runs = static_cast<std::int64_t>(series.runs.size());
  }
  const std::size_t n = st.mean.size();
  st.moving_average.assign(n, 0.0);
  st.se.assign(n, 0.0);
  const double root = std::sqrt(static_cast<double>(st.runs));
  double acc = 0;
  for (std::size_t e = 0; e < n; ++e) {
    st.se[e] = st.std[e] / root;
    acc += st.mean[e];
    if (e >= static_cast<std::size_t>(window)) acc -= st.mean[e - static_cast<std::size_t>(window)];
    st.moving_average[e] =
        acc / static_cast<double>(std::min<std::size_t>(e + 1, static_cast<std::size_t>(window)));
  }
  return st;
}

/// What the band around a multi-run series' mean shows.
enum class Band : std::uint8_t {
  std_dev,         ///< mean +- one sample standard deviation: how much runs differ
  standard_error,  ///< mean +- one standard error: how well the mean is known
};

/// How a chart's y axis maps values.
enum class AxisScale : std::uint8_t {
  linear,  ///< evenly spaced values
  symlog,  ///< sign(v) * log10(1 + |v|): returns from -5000 to -13 all readable, 0 allowed
};

/// How svg_learning_curve draws.
struct LearningCurveOptions {
  std::string title;                ///< drawn on top
  std::string x_label = "episode";  ///< under the x axis
  std::string y_label = "return";   ///< beside the y axis
  int window = 10;                  ///< moving-average window in episodes
  double y_min = NAN;  ///< axis range; NaN: from the data. Points outside are clipped (and the
  double y_max = NAN;  ///< chart says so), which keeps -5000 outliers from flattening the rest.
  int width = 760;     ///< px
  int height = 420;    ///< px
  bool bands = true;   ///< draw bands for series with several runs
  Band band = Band::std_dev;              ///< what the bands show
  AxisScale y_scale = AxisScale::linear;  ///< linear or symmetric-log y axis
  std::string id_prefix{};  ///< prefix of the SVG's ids (distinct SVGs inlined in one page)
};

namespace detail {
[[nodiscard]] inline double symlog(double v) noexcept {
  return v < 0 ? -std::log10(1.0 - v) : std::log10(1.0 + v);
}

// Ticks of a symmetric-log axis: 0 and +-1, 3, 10, 30, ... inside [lo, hi]; only powers of ten
// when that gives more than 9, and only every k-th power (10^0, 10^k, ...) when those are
// still more than 9.
[[nodiscard]] inline std::vector<double> symlog_ticks(double lo, double hi) {
  std::vector<double> all, tens;
  for (int k = 9; k >= 0; --k) {
    const double p = std::pow(10.0, k);
    for (const double v : {-3 * p, -p}) all.push_back(v);
    tens.push_back(-p);
  }
  all.push_back(0.0);
  tens.push_back(0.0);
  for (int k = 0; k <= 9; ++k) {
    const double p = std::pow(10.0, k);
    for (const double v : {p, 3 * p}) all.push_back(v);
    tens.push_back(p);
  }
  auto inside = [lo, hi](const std::vector<double>& v) {
    std::vector<double> out;
    for (const double t : v) {
      if (t >= lo && t <= hi) out.push_back(t);
    }
    return out;
  };
  std::vector<double> ticks = inside(all);
  if (ticks.size() <= 9) return ticks;
  ticks = inside(tens);
  if (ticks.size() <= 9) return ticks;
  // Still too many: the powers of ten whose exponent is a multiple of k (and 0).
  const int k = static_cast<int>((ticks.size() + 8) / 9);
  std::vector<double> thinned;
  for (const double t : ticks) {
    if (t == 0.0 || static_cast<int>(std::lround(std::log10(std::abs(t)))) % k == 0)
      thinned.push_back(t);
  }
  return thinned;
}

// One legend item: a sample (thin line, thick line or band swatch) and its text.
struct LegendItem {
  enum class Sample : std::uint8_t { thin, thick, band } sample;
  Rgb color;
  std::string text;
  std::string css_class;
};
}  // namespace detail

/// A learning-curve chart of one or more series. Per series: a `<polygon class="band">` with
/// dashed `<polyline class="band-edge">` edges (mean +- std or +- standard error, when it has
/// several runs), a thin `<polyline class="mean">` of the per-episode (mean) return and a thick
/// `<polyline class="moving-average">`. The legend sits above the plot, never on the data: one
/// `<text class="legend-entry">` per series (a single one-run series gets a thin and a thick
/// entry), keys for the line widths and the band, and a `<text class="note">` that says when
/// the y axis is clipped or logarithmic.
[[nodiscard]] inline std::string svg_learning_curve(std::span<const CurveSeries> series,
                                                    const LearningCurveOptions& options = {}) {
  if (series.empty())
    tabrl::detail::throw_invalid("viz::svg_learning_curve", "series must not be empty", 0);
  std::vector<CurveStats> stats;
  std::size_t episodes = 0;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  const bool se = options.band == Band::standard_error;
  auto spread = [se](const CurveStats& st, std::size_t e) { return se ? st.se[e] : st.std[e]; };
  for (const auto& s : series) {
    stats.push_back(curve_stats(s, options.window));
    const CurveStats& st = stats.back();
    episodes = std::max(episodes, st.mean.size());
    for (std::size_t e = 0; e < st.mean.size(); ++e) {
      const double d = options.bands ? spread(st, e) : 0.0;
      lo = std::min({lo, st.mean[e] - d, st.mean[e]});
      hi = std::max({hi, st.mean[e] + d, st.mean[e]});
    }
  }
  if (episodes == 0)
    tabrl::detail::throw_invalid("viz::svg_learning_curve", "runs must not be empty", 0);
  const bool clipped_low = !std::isnan(options.y_min) && options.y_min > lo;
  const bool clipped_high = !std::isnan(options.y_max) && options.y_max < hi;
  if (!std::isnan(options.y_min)) lo = options.y_min;
  if (!std::isnan(options.y_max)) hi = options.y_max;
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const bool symlog = options.y_scale == AxisScale::symlog;
  auto ty = [symlog](double v) { return symlog ? detail::symlog(v) : v; };
  if (symlog) {  // a little room above and below the data, as the linear axis has at its ticks
    const double pad = 0.04 * (detail::symlog(hi) - detail::symlog(lo));
    auto inverse = [](double t) {
      return t < 0 ? 1.0 - std::pow(10.0, -t) : std::pow(10.0, t) - 1.0;
    };
    if (std::isnan(options.y_min)) lo = inverse(detail::symlog(lo) - pad);
    if (std::isnan(options.y_max)) hi = inverse(detail::symlog(hi) + pad);
  }

  // The legend: what each colour is, what the line widths and the band mean, and the note.
  std::vector<detail::LegendItem> items;
  using Sample = detail::LegendItem::Sample;
  const Rgb grey{0x55, 0x55, 0x55};
  const bool single = series.size() == 1 && stats.front().runs <= 1;
  const std::string ma = fmt::format("{}-episode moving average", options.window);
  bool any_band = false;
  if (single) {
    items.push_back({Sample::thin, series.front().color, series.front().name, "legend-entry"});
    items.push_back({Sample::thick, series.front().color, ma, "legend-key"});
  } else {
    for (std::size_t i = 0; i < series.size(); ++i) {
      const std::int64_t runs = stats[i].runs;
      const bool band = runs > 1 && options.bands;
      any_band = any_band || band;
      const std::string suffix =
          runs <= 1 ? ""
          : band    ? fmt::format(" (mean \u00b1 {} of {} runs)", se ? "s.e." : "std", runs)
                    : fmt::format(" (mean of {} runs)", runs);
      items.push_back({Sample::thick, series[i].color, series[i].name + suffix, "legend-entry"});
    }
    items.push_back({Sample::thin, grey, "thin: per episode", "legend-key"});
    items.push_back({Sample::thick, grey, "thick: " + ma, "legend-key"});
    if (any_band) {
      items.push_back({Sample::band, grey,
                       se ? "band: \u00b1 1 standard error" : "band: \u00b1 1 standard deviation",
                       "legend-key"});
    }
  }
  std::string note;
  if (clipped_low || clipped_high) {
    note = fmt::format("y clipped to [{}, {}]", detail::tick_label(lo), detail::tick_label(hi));
  }
  if (symlog) note += std::string(note.empty() ? "" : "; ") + "y on a symmetric log scale";

  const double W = options.width, H = options.height;
  const double left = 70, right = 20, bottom = 56;
  const double pw = W - left - right;
  // Lay the items out in rows across the plot's width.
  std::vector<std::pair<double, double>> at;  // x, y of each item
  const double legend_top = options.title.empty() ? 16 : 44;
  double lx = left, ly = legend_top + 10;
  for (const auto& it : items) {
    const double wi = 30 + detail::text_width_estimate(it.text, 11) + 18;
    if (lx > left && lx + wi > left + pw) {
      lx = left;
      ly += 16;
    }
    at.emplace_back(lx, ly);
    lx += wi;
  }
  const double note_y = ly + 16;
  const double top = (note.empty() ? ly : note_y) + 12;
  const double ph = H - top - bottom;
  if (ph < 40) {
    tabrl::detail::throw_invalid("viz::svg_learning_curve",
                                 "height must leave >= 40 px for the plot below the legend",
                                 options.height);
  }
  const double x_hi = episodes > 1 ? static_cast<double>(episodes) : 2.0;
  auto px = [&](double episode) { return left + (episode - 1.0) / (x_hi - 1.0) * pw; };
  const double tlo = ty(lo), thi = ty(hi);
  auto py = [&](double v) { return top + (thi - ty(v)) / (thi - tlo) * ph; };

  std::string svg = detail::svg_open(W, H);
  if (!options.title.empty())
    svg += detail::svg_text(left, 30, options.title, 16, "start", "class=\"title\"");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    const auto [x, y] = at[i];
    const std::string c = to_hex(it.color);
    if (it.sample == Sample::band) {
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"24\" height=\"10\" fill=\"{}\" "
          "fill-opacity=\"0.14\" stroke=\"{}\" stroke-dasharray=\"4 3\"/>\n",
          x, y - 9, c, c);
    } else {
      svg += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
          "stroke-width=\"{}\"{}/>\n",
          x, y - 4, x + 24, y - 4, c, it.sample == Sample::thick ? "2.5" : "1",
          it.sample == Sample::thin ? " stroke-opacity=\"0.55\"" : "");
    }
    svg += detail::svg_text(x + 30, y, it.text, 11, "start",
                            fmt::format("class=\"{}\"", it.css_class));
  }
  svg += detail::svg_text(left, note_y, note, 10, "start", "class=\"note\" fill=\"#555555\"");
  svg += fmt::format(
      "<defs><clipPath id=\"{}plot\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
      "height=\"{:.1f}\"/></clipPath></defs>\n",
      options.id_prefix, left, top, pw, ph);
  // Grid and axes.
  const std::vector<double> yticks =
      symlog ? detail::symlog_ticks(lo, hi) : detail::nice_ticks(lo, hi, 6);
  for (double t : yticks) {
    svg += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"#e3e3e3\"/>\n",
        left, py(t), left + pw, py(t));
    svg +=
        detail::svg_text(left - 6, py(t) + 4, detail::tick_label(t), 11, "end", "class=\"tick\"");
  }
  for (double t : detail::nice_ticks(1, x_hi, 8)) {
    if (t < 1) continue;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#444444\"/>\n",
        px(t), top + ph, top + ph + 4);
    svg += detail::svg_text(px(t), top + ph + 17, detail::tick_label(t), 11, "middle",
                            "class=\"tick\"");
  }
  svg += fmt::format(
      "<rect class=\"frame\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
      "fill=\"none\" stroke=\"#444444\"/>\n",
      left, top, pw, ph);
  svg +=
      detail::svg_text(left + pw / 2, H - 14, options.x_label, 13, "middle", "class=\"x-label\"");
  svg += detail::svg_text(
      18, top + ph / 2, options.y_label, 13, "middle",
      fmt::format("class=\"y-label\" transform=\"rotate(-90 18 {:.1f})\"", top + ph / 2));

  // Off-axis values are drawn at the edge of the clip region (the clip path hides the rest),
  // so a huge outlier cannot overflow the coordinates.
  const double y_lo_px = top + ph + 50, y_hi_px = top - 50;
  auto clamp_y = [&](double v) { return std::min(y_lo_px, std::max(y_hi_px, py(v))); };
  auto points = [&](const std::vector<double>& v) {
    std::string p;
    for (std::size_t e = 0; e < v.size(); ++e)
      p += fmt::format("{}{:.2f},{:.2f}", e != 0 ? " " : "", px(static_cast<double>(e + 1)),
                       clamp_y(v[e]));
    return p;
  };
  svg += fmt::format("<g clip-path=\"url(#{}plot)\">\n", options.id_prefix);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const CurveStats& st = stats[i];
    const std::string color = to_hex(series[i].color);
    if (st.runs > 1 && options.bands) {
      std::vector<double> upper(st.mean.size()), lower(st.mean.size());
      for (std::size_t e = 0; e < st.mean.size(); ++e) {
        upper[e] = st.mean[e] + spread(st, e);
        lower[e] = st.mean[e] - spread(st, e);
      }
      std::string p;
      for (std::size_t e = 0; e < st.mean.size(); ++e)
        p += fmt::format("{:.2f},{:.2f} ", px(static_cast<double>(e + 1)), clamp_y(upper[e]));
      for (std::size_t e = st.mean.size(); e-- > 0;)
        p += fmt::format("{:.2f},{:.2f} ", px(static_cast<double>(e + 1)), clamp_y(lower[e]));
      p.pop_back();
      // A light fill and dashed edges: where two bands overlap, both edges stay readable
      // instead of the fills mixing into one colour.
      svg += fmt::format(
          "<polygon class=\"band\" data-series=\"{}\" points=\"{}\" fill=\"{}\" "
          "fill-opacity=\"0.14\" stroke=\"none\"/>\n",
          i, p, color);
      for (const auto* edge : {&upper, &lower}) {
        svg += fmt::format(
            "<polyline class=\"band-edge\" data-series=\"{}\" points=\"{}\" fill=\"none\" "
            "stroke=\"{}\" stroke-width=\"1\" stroke-dasharray=\"4 3\" stroke-opacity=\"0.8\"/>\n",
            i, points(*edge), color);
      }
    }
    svg += fmt::format(
        "<polyline class=\"mean\" data-series=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
        "stroke-width=\"1\" stroke-opacity=\"0.55\"/>\n",
        i, points(st.mean), color);
    svg += fmt::format(
        "<polyline class=\"moving-average\" data-series=\"{}\" points=\"{}\" fill=\"none\" "
        "stroke=\"{}\" stroke-width=\"2.5\"/>\n",
        i, points(st.moving_average), color);
  }
  svg += "</g>\n";
  svg += "</svg>\n";
  return svg;
}

/// svg_learning_curve of a single run's returns: a thin line per episode ("return per
/// episode") and its thick moving average, each named in the legend.
[[nodiscard]] inline std::string svg_learning_curve(const std::vector<double>& returns,
                                                    const LearningCurveOptions& options = {}) {
  const CurveSeries s{"return per episode", {returns}, Rgb{0x1f, 0x4e, 0xc8}};
  return svg_learning_curve(std::span<const CurveSeries>(&s, 1), options);
}

/// How svg_policy draws.
struct SvgPolicyOptions {
  std::string title;               ///< drawn on top
  int cell = 48;                   ///< cell side in px
  std::vector<std::string> marks;  ///< per state: when non-empty, drawn instead of an arrow
  std::vector<Rgb> fills;          ///< per state cell colour (empty: all light grey)
  std::vector<int> path;           ///< states to highlight (e.g. the greedy rollout)
  int start = -1;  ///< the start state: an "S" in its corner (its arrow stays); -1: none
};

/// The greedy policy as arrows (actions 0 up, 1 right, 2 down, 3 left) on a rows x cols grid:
/// one `<rect class="cell">` per state, one `<path class="arrow" data-state data-action>` per
/// unmarked state, a `<text class="mark">` per marked one, a `<text class="start-mark">` "S" in the
/// start cell's corner; path states get a `<rect class="path">` highlight (marked cells keep
/// their own fill). Throws on a size mismatch or a start outside the grid.
[[nodiscard]] inline std::string svg_policy(std::span<const int> actions, int rows, int cols,
                                            const SvgPolicyOptions& options = {}) {
  detail::check_grid("viz::svg_policy", actions.size(), rows, cols);
  const std::size_t n = actions.size();
  if (!options.marks.empty() && options.marks.size() != n) {
    tabrl::detail::throw_invalid(
        "viz::svg_policy", "marks must be empty or have one entry per state", options.marks.size());
  }
  if (!options.fills.empty() && options.fills.size() != n) {
    tabrl::detail::throw_invalid(
        "viz::svg_policy", "fills must be empty or have one entry per state", options.fills.size());
  }
  if (options.cell < 8)
    tabrl::detail::throw_invalid("viz::svg_policy", "cell must be >= 8", options.cell);
  std::vector<bool> on_path(n, false);
  for (int s : options.path) {
    if (s < 0 || static_cast<std::size_t>(s) >= n)
      tabrl::detail::throw_invalid("viz::svg_policy", "path states must be in range", s);
    on_path[static_cast<std::size_t>(s)] = true;
  }
  if (options.start < -1 || options.start >= static_cast<int>(n)) {
    tabrl::detail::throw_invalid("viz::svg_policy",
                                 tabrl::detail::concat("start must be -1 or in [0, ", n, ")"),
                                 options.start);
  }
  const double k = options.cell, x0 = 16, y0 = options.title.empty() ? 16 : 44;
  std::string svg = detail::svg_open(x0 * 2 + cols * k, y0 + rows * k + 16);
  if (!options.title.empty())
    svg += detail::svg_text(x0, 28, options.title, 16, "start", "class=\"title\"");
  for (std::size_t s = 0; s < n; ++s) {
    const double x = x0 + static_cast<double>(static_cast<int>(s) % cols) * k;
    const int row = static_cast<int>(s) / cols;  // integer division on purpose: the row index
    const double y = y0 + static_cast<double>(row) * k;
    const Rgb fill = options.fills.empty() ? Rgb{0xf4, 0xf1, 0xea} : options.fills[s];
    svg += fmt::format(
        "<rect class=\"cell\" data-state=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
        "height=\"{:.1f}\" fill=\"{}\" stroke=\"#9a948a\"/>\n",
        s, x, y, k, k, to_hex(fill));
    const bool marked = !options.marks.empty() && !options.marks[s].empty();
    if (on_path[s] && !marked) {
      svg += fmt::format(
          "<rect class=\"path\" data-state=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
          "height=\"{:.1f}\" fill=\"#8fb3f0\" fill-opacity=\"0.55\"/>\n",
          s, x + 3, y + 3, k - 6, k - 6);
    }
    const double cx = x + k / 2, cy = y + k / 2;
    if (static_cast<int>(s) == options.start) {
      svg += detail::svg_text(x + 3, y + 11, "S", 10, "start",
                              fmt::format("class=\"start-mark\" data-state=\"{}\" "
                                          "font-weight=\"bold\" fill=\"{}\"",
                                          s, to_hex(text_color_on(fill))));
    }
    if (marked) {
      svg += detail::svg_text(cx, cy + k * 0.12, options.marks[s], k * 0.34, "middle",
                              fmt::format("class=\"mark\" data-state=\"{}\" fill=\"{}\"", s,
                                          to_hex(text_color_on(fill))));
      continue;
    }
    const int a = actions[s];
    if (a < 0 || a > 3)
      tabrl::detail::throw_invalid("viz::svg_policy", "actions must be in [0, 4) on unmarked cells",
                                   a);
    // An upward arrow (shaft + head) rotated by 90 degrees per action.
    const double L = k * 0.32, head = k * 0.16;
    svg += fmt::format(
        "<path class=\"arrow\" data-state=\"{}\" data-action=\"{}\" d=\"M{:.1f},{:.1f} "
        "L{:.1f},{:.1f} M{:.1f},{:.1f} L{:.1f},{:.1f} L{:.1f},{:.1f}\" "
        "fill=\"none\" stroke=\"{}\" stroke-width=\"{:.1f}\" stroke-linecap=\"round\" "
        "stroke-linejoin=\"round\" transform=\"rotate({} {:.1f} {:.1f})\"/>\n",
        s, a, cx, cy + L, cx, cy - L, cx - head, cy - L + head, cx, cy - L, cx + head,
        cy - L + head, on_path[s] ? "#0b2a7a" : "#555555", on_path[s] ? 3.0 : 2.0, 90 * a, cx, cy);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace tabrl::viz
