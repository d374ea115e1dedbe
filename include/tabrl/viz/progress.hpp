#pragma once
/// \file viz/progress.hpp
/// A live progress bar for tabrl::train / tabrl::train_online: episodes done, env steps per
/// second and the recent mean return, redrawn in place on one terminal line.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "../detail/platform.hpp"
#include "../training/train.hpp"
#include "terminal.hpp"

namespace tabrl::viz {

/// The bar's text (no escape codes): "[#####-----]  37/100 episodes  12.3k steps/s  mean
/// return (last 10)    -25.3", shortened to fit `max_width` columns (0: no limit): the bar
/// shrinks first, then the words go ("37/100 ep  12.3k/s  last 10: -25.3"), then the rate.
/// bar_width counts the characters between the brackets.
[[nodiscard]] inline std::string progress_line(int done, int total, double steps_per_second,
                                               double recent_mean, std::size_t recent,
                                               int bar_width = 24, int max_width = 0) {
  const std::string rate = steps_per_second >= 1e6 ? fmt::format("{:.1f}M", steps_per_second / 1e6)
                           : steps_per_second >= 1e3
                               ? fmt::format("{:.1f}k", steps_per_second / 1e3)
                               : fmt::format("{:.0f}", steps_per_second);
  const int digits = static_cast<int>(fmt::formatted_size("{}", total));
  const std::string counts = fmt::format("{:>{}}/{}", done, digits, total);
  const std::string long_tail =
      fmt::format(" {} episodes  {:>6} steps/s  mean return (last {}) {:>8.1f}", counts, rate,
                  recent, recent_mean);
  const std::string short_tail =
      fmt::format(" {} ep  {}/s  last {}: {:.1f}", counts, rate, recent, recent_mean);
  const std::string shortest_tail =
      fmt::format(" {} ep  last {}: {:.1f}", counts, recent, recent_mean);
  auto bar = [&](int width) {
    const double frac = total > 0 ? static_cast<double>(done) / total : 1.0;
    const int filled = static_cast<int>(frac * width + 1e-9);
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(width - filled), '-') + "]";
  };
  if (max_width <= 0) return bar(bar_width) + long_tail;
  for (const std::string* tail : {&long_tail, &short_tail, &shortest_tail}) {
    const int room =
        max_width - 1 - static_cast<int>(tail->size()) - 2;  // keep the last column free
    if (room >= 8) return bar(std::min(bar_width, room)) + *tail;
  }
  return shortest_tail.substr(1, static_cast<std::size_t>(std::max(0, max_width - 1)));
}

/// A training observer drawing progress_line() in place ("\r" + line + erase-to-end) after
/// each episode, at most every min_interval seconds plus always on the last episode, which
/// ends the line. When disabled it writes nothing at all, so pipes, logs and --json output
/// stay clean: use for_stdout() to enable it exactly when stdout is a terminal.
class ProgressBar {
 public:
  /// `out` must outlive the bar. recent: episodes in the mean return (>= 1).
  explicit ProgressBar(bool enabled, std::FILE* out = stdout, std::size_t recent = 10,
                       double min_interval = 0.1)
      : enabled_(enabled), out_(out), recent_(recent), min_interval_(min_interval) {
    if (recent < 1) tabrl::detail::throw_invalid("viz::ProgressBar", "recent must be >= 1", recent);
  }

  /// Enabled when stdout is a terminal and the program is not in machine-readable mode.
  [[nodiscard]] static ProgressBar for_stdout(bool json_mode) {
    return ProgressBar(!json_mode && is_terminal(stdout));
  }

  /// Whether it draws at all.
  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  /// Lines drawn so far (for tests).
  [[nodiscard]] int redraws() const noexcept { return redraws_; }

  /// Redraws the bar (observer hook).
  void on_episode_end(const EpisodeEvent& e) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      start_ = now;
      start_steps_ = e.log.env_steps - e.length;
    }
    const bool last = e.episode + 1 >= e.episodes_total;
    const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
    if (!last && redraws_ > 0 && since_draw < min_interval_) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate =
        elapsed > 0 ? static_cast<double>(e.log.env_steps - start_steps_) / elapsed : 0.0;
    // Fit the terminal, as wide as it is now: a wrapped line cannot be redrawn in place.
    const int columns = tabrl::detail::terminal_columns(out_);
    const std::string line =
        progress_line(e.episode + 1, e.episodes_total, rate, e.log.mean_return_last(recent_),
                      recent_, 24, columns > 0 ? columns : 80);
    fmt::print(out_, "\r{}\x1b[K{}", line, last ? "\n" : "");
    std::fflush(out_);
    ++redraws_;
  }

 private:
  bool enabled_;
  std::FILE* out_;
  std::size_t recent_;
  double min_interval_;
  bool started_ = false;
  std::int64_t start_steps_ = 0;
  int redraws_ = 0;
  std::chrono::steady_clock::time_point start_{};
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace tabrl::viz
