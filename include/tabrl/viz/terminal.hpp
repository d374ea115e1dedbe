#pragma once
/// \file viz/terminal.hpp
/// Grids in the terminal: a heatmap of any per-state value (visit counts, max Q ...) and the
/// greedy policy as arrows. 24-bit colour only when it will be seen as colour; plain,
/// escape-free text otherwise (pipes, files, CI logs, NO_COLOR users).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <Eigen/Core>

#include "../error.hpp"
#include "color.hpp"

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace tabrl::viz {

/// The colour decision, as a pure function so it can be tested: colour only on a terminal,
/// never when the user asked for none (`--no-color`), never when NO_COLOR is set to a
/// non-empty value (https://no-color.org). `no_color_env` is getenv("NO_COLOR") (may be null).
[[nodiscard]] constexpr bool use_color(bool is_terminal, const char* no_color_env,
                                       bool no_color_flag) noexcept {
  const bool env_says_no = no_color_env != nullptr && no_color_env[0] != '\0';
  return is_terminal && !no_color_flag && !env_says_no;
}

/// True when `stream` is a terminal.
[[nodiscard]] inline bool is_terminal(std::FILE* stream) noexcept {
#if defined(_WIN32)
  return _isatty(_fileno(stream)) != 0;
#else
  return isatty(fileno(stream)) != 0;
#endif
}

/// use_color() for stdout and this process's environment.
[[nodiscard]] inline bool stdout_use_color(bool no_color_flag = false) noexcept {
  return use_color(is_terminal(stdout), std::getenv("NO_COLOR"), no_color_flag);
}

/// How a text heatmap looks.
struct TextHeatmapOptions {
  bool color = false;              ///< 24-bit background colours (else plain text)
  int precision = -1;              ///< decimals; -1: none when every value is an integer, else 1
  Scale scale = Scale::linear;     ///< linear or log colours
  double lo = NAN;                 ///< colour range; NaN: the data's minimum / maximum
  double hi = NAN;                 ///< see lo
  std::vector<std::string> marks;  ///< per state: when non-empty, shown instead of the value
};

namespace detail {
[[nodiscard]] inline int auto_precision(std::span<const double> values, int precision) {
  if (precision >= 0) return precision;
  const bool integral = std::all_of(values.begin(), values.end(), [](double v) {
    return std::isfinite(v) && v == std::round(v);
  });
  return integral ? 0 : 1;
}

inline void check_grid(const char* who, std::size_t n, int rows, int cols) {
  if (rows < 1) tabrl::detail::throw_invalid(who, "rows must be >= 1", rows);
  if (cols < 1) tabrl::detail::throw_invalid(who, "cols must be >= 1", cols);
  if (n != static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols)) {
    tabrl::detail::throw_invalid(
        who, tabrl::detail::concat("values must have rows * cols = ", rows * cols, " entries"), n);
  }
}

inline void append_colored(std::string& out, std::string_view text, Rgb bg) {
  const Rgb fg = text_color_on(bg);
  out += fmt::format("\x1b[48;2;{};{};{}m\x1b[38;2;{};{};{}m{}\x1b[0m", bg.r, bg.g, bg.b, fg.r,
                     fg.g, fg.b, text);
}

[[nodiscard]] inline std::pair<double, double> finite_range(std::span<const double> v) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  for (double x : v) {
    if (std::isfinite(x)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  }
  if (lo > hi) return {0.0, 0.0};
  return {lo, hi};
}
}  // namespace detail

/// A rows x cols grid of `values` (row-major, state = row * cols + col) as text, one line per
/// row, cells right-aligned to a common width and separated by one space. With
/// options.color each cell gets its colour-map colour as background (then cells are padded
/// by one space each side instead). Throws if values.size() != rows * cols.
[[nodiscard]] inline std::string heatmap_text(std::span<const double> values, int rows, int cols,
                                              const TextHeatmapOptions& options = {}) {
  detail::check_grid("viz::heatmap_text", values.size(), rows, cols);
  if (!options.marks.empty() && options.marks.size() != values.size()) {
    tabrl::detail::throw_invalid("viz::heatmap_text",
                                 "marks must be empty or have one entry per state",
                                 options.marks.size());
  }
  const int precision = detail::auto_precision(values, options.precision);
  auto [lo, hi] = detail::finite_range(values);
  if (!std::isnan(options.lo)) lo = options.lo;
  if (!std::isnan(options.hi)) hi = options.hi;
  std::vector<std::string> cells(values.size());
  std::size_t width = 1;
  for (std::size_t s = 0; s < values.size(); ++s) {
    cells[s] = !options.marks.empty() && !options.marks[s].empty()
                   ? options.marks[s]
                   : fmt::format("{:.{}f}", values[s], precision);
    width = std::max(width, cells[s].size());
  }
  std::string out;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const auto s = static_cast<std::size_t>(r * cols + c);
      if (options.color) {
        const std::string text = fmt::format(" {:>{}} ", cells[s], width);
        detail::append_colored(out, text, colormap(normalize(values[s], lo, hi, options.scale)));
      } else {
        out += fmt::format("{:>{}}", cells[s], width);
        if (c + 1 < cols) out += ' ';
      }
    }
    out += '\n';
  }
  return out;
}

/// heatmap_text for integer values such as visit counts.
template <class Int>
requires std::is_integral_v<Int>
[[nodiscard]] std::string heatmap_text(std::span<const Int> values, int rows, int cols,
                                       const TextHeatmapOptions& options = {}) {
  const std::vector<double> v(values.begin(), values.end());
  return heatmap_text(std::span<const double>(v), rows, cols, options);
}

/// Symbols for actions 0 up, 1 right, 2 down, 3 left (the CliffWalking / FrozenLake order).
[[nodiscard]] inline std::string_view arrow_symbol(int action, bool unicode) noexcept {
  static constexpr std::string_view ascii[] = {"^", ">", "v", "<"};
  static constexpr std::string_view fancy[] = {"\u2191", "\u2192", "\u2193", "\u2190"};
  if (action < 0 || action > 3) return "?";
  return unicode ? fancy[action] : ascii[action];
}

/// The greedy policy as arrows on a rows x cols grid; a non-empty marks[s] (e.g. "C" for a
/// cliff, "G" for the goal) replaces the arrow. With `color`, arrows are Unicode and marked
/// cells are highlighted; without, everything is ASCII. Throws on a size mismatch.
[[nodiscard]] inline std::string policy_text(std::span<const int> actions, int rows, int cols,
                                             std::span<const std::string> marks = {},
                                             bool color = false) {
  detail::check_grid("viz::policy_text", actions.size(), rows, cols);
  if (!marks.empty() && marks.size() != actions.size()) {
    tabrl::detail::throw_invalid("viz::policy_text",
                                 "marks must be empty or have one entry per state", marks.size());
  }
  std::string out;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const auto s = static_cast<std::size_t>(r * cols + c);
      const bool marked = !marks.empty() && !marks[s].empty();
      if (color && marked) {
        detail::append_colored(out, marks[s], Rgb{0x5b, 0x2a, 0x1e});
      } else {
        out += marked ? std::string_view(marks[s]) : arrow_symbol(actions[s], color);
      }
      if (c + 1 < cols) out += ' ';
    }
    out += '\n';
  }
  return out;
}

/// Joins two multi-line blocks side by side with `gap` spaces, padding the left block to its
/// widest visible line (escape sequences do not count). For comparing two grids.
[[nodiscard]] inline std::string side_by_side(std::string_view left, std::string_view right,
                                              int gap = 4) {
  auto lines = [](std::string_view t) {
    std::vector<std::string_view> v;
    while (!t.empty()) {
      const auto nl = t.find('\n');
      v.push_back(t.substr(0, nl));
      if (nl == std::string_view::npos) break;
      t.remove_prefix(nl + 1);
    }
    return v;
  };
  auto visible = [](std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\x1b') {
        while (i < s.size() && s[i] != 'm') ++i;
        continue;
      }
      if ((static_cast<unsigned char>(s[i]) & 0xC0U) != 0x80U) ++n;  // count UTF-8 code points
    }
    return n;
  };
  const auto l = lines(left), r = lines(right);
  std::size_t width = 0;
  for (auto s : l) width = std::max(width, visible(s));
  std::string out;
  for (std::size_t i = 0; i < std::max(l.size(), r.size()); ++i) {
    const std::string_view a = i < l.size() ? l[i] : std::string_view{};
    out += a;
    if (i < r.size()) {
      out.append(width - visible(a) + static_cast<std::size_t>(gap), ' ');
      out += r[i];
    }
    out += '\n';
  }
  return out;
}

/// Per-state max_a Q(s, a) of a row-major Q table, for heatmaps of learned values.
template <class Table>
[[nodiscard]] std::vector<double> max_q(const Table& q) {
  std::vector<double> out(static_cast<std::size_t>(q.rows()));
  for (Eigen::Index s = 0; s < q.rows(); ++s)
    out[static_cast<std::size_t>(s)] = static_cast<double>(q.row(s).maxCoeff());
  return out;
}

}  // namespace tabrl::viz
