// figure_8_2: Sutton & Barto (2nd ed.), Example 8.1 / Figure 8.2, reproduced.
//
// Dyna-Q on the Dyna maze (6 x 9, 14-step shortest path) with n = 0, 5 and 50 planning
// updates per real step: alpha 0.1, gamma 0.95, epsilon 0.1, Q = 0 at the start, 50
// episodes, averaged over 30 runs (the book's settings). n = 0 is plain Q-learning. Prints
// the steps per episode of each n and writes the figure as SVG (--svg) and the values as
// CSV (--csv). --check exits 1 unless the book's statements hold (see check_book). The runs
// are one sweep of the experiment engine on every core; run r of every n has the same seed,
// so the three agents walk the same first episode.

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <tabrl/experiment/experiment.hpp>
#include <tabrl/viz/svg.hpp>

#include "line_chart.hpp"

namespace {

namespace ex = tabrl::experiment;

const std::vector<int> planning_steps{0, 5, 50};
const char* const colors[] = {"#222222", "#1f4ec8", "#d6332a"};

/// Mean and standard error of the steps of each episode, for one n.
struct Curve {
  std::vector<double> mean, se;
  std::vector<double> first;  ///< the first episode's steps, run by run
};

/// Episode e (0-based) at which the mean first falls to `level` steps or fewer; -1: never.
int reaches(const Curve& c, double level) {
  for (std::size_t e = 0; e < c.mean.size(); ++e) {
    if (c.mean[e] <= level) return static_cast<int>(e);
  }
  return -1;
}

/// The book's statements, with room for the noise of 30 runs:
///  1. Episode 1 is the same for every n, run by run: until the first reward every
///     simulated update backs up zeros, so planning changes nothing.
///  2. From episode 2 on, more planning is faster: n = 50 < n = 5 < n = 0 at episode 2, each
///     by more than 3 standard errors.
///  3. The episodes to reach near-optimal behaviour (mean <= 20 steps; epsilon-greedy walks
///     the 14-step path in about 17): the book's "about 3" for n = 50 (here <= 4), "about 5"
///     for n = 5 (4..8) and "about 25" for n = 0 (15..40).
///  4. All three end near the path: mean steps over the last 10 episodes in [14, 20].
bool check_book(const std::vector<Curve>& c) {
  bool ok = true;
  const auto say = [&ok](bool pass, const std::string& what) {
    fmt::print("  [{}] {}\n", pass ? "ok" : "FAILED", what);
    ok = ok && pass;
  };
  say(c[0].first == c[1].first && c[1].first == c[2].first,
      fmt::format("episode 1 is the same walk for every n (mean {:.1f} steps)", c[0].mean[0]));
  const auto below = [](const Curve& a, const Curve& b, std::size_t e) {
    return b.mean[e] - a.mean[e] > 3.0 * std::sqrt(a.se[e] * a.se[e] + b.se[e] * b.se[e]);
  };
  say(below(c[2], c[1], 1) && below(c[1], c[0], 1),
      fmt::format("episode 2: n=50 {:.1f} < n=5 {:.1f} < n=0 {:.1f} steps", c[2].mean[1], c[1].mean[1], c[0].mean[1]));
  const int r50 = reaches(c[2], 20) + 1, r5 = reaches(c[1], 20) + 1, r0 = reaches(c[0], 20) + 1;
  say(r50 >= 1 && r50 <= 4, fmt::format("n=50 near-optimal by episode {} (book: about 3)", r50));
  say(r5 >= 4 && r5 <= 8, fmt::format("n=5 near-optimal by episode {} (book: about 5)", r5));
  say(r0 >= 15 && r0 <= 40, fmt::format("n=0 near-optimal by episode {} (book: about 25)", r0));
  for (std::size_t k = 0; k < c.size(); ++k) {
    double tail = 0;
    const std::size_t n = c[k].mean.size();
    for (std::size_t e = n - 10; e < n; ++e) tail += c[k].mean[e] / 10.0;
    say(tail >= 14 && tail <= 20, fmt::format("n={}: {:.1f} steps per episode over the last 10", planning_steps[k], tail));
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Sutton & Barto Figure 8.2: Dyna-Q with 0, 5 and 50 planning steps on the Dyna maze (tabrl)"};
  int runs = 30, episodes = 50, threads = 0;
  std::string svg = "figure_8_2.svg", csv;
  bool check = false;
  app.add_option("--runs", runs, "runs averaged (book: 30)")->check(CLI::Range(1, 1'000'000));
  app.add_option("--episodes", episodes, "episodes per run (book: 50)")->check(CLI::Range(20, 100'000));
  app.add_option("--threads", threads, "threads (0: all cores)")->check(CLI::Range(0, 4096));
  app.add_option("--svg", svg, "where to write the figure (empty: nowhere)");
  app.add_option("--csv", csv, "also write the values as CSV here");
  app.add_flag("--check", check, "exit 1 unless the book's statements about the figure hold");
  CLI11_PARSE(app, argc, argv);
  try {
    ex::Grid grid;
    grid.set("env", "dyna-maze");
    grid.set("agent", "dyna-q");
    grid.set("planning_steps", "0,5,50");
    grid.set("alpha", "0.1");
    grid.set("gamma", "0.95");
    grid.set("epsilon", "0.1");
    grid.set("episodes", std::to_string(episodes));
    grid.set("eval_episodes", "0");
    grid.set_runs(runs);
    ex::SweepOptions options;
    options.bootstrap = 0;
    options.extra_metrics = {"first_episode", "planning_updates"};
    options.run = [](const ex::RunSpec& spec) {
      return ex::visit_run_in<ex::DynaMazeKind>(spec, [&spec](auto& env, auto& agent, auto& memory) {
        tabrl::TrainingLog log = ex::train_run(spec, env, agent, memory);
        const auto first = static_cast<double>(log.lengths.front());
        ex::RunResult r = ex::standard_result(spec, env, agent, std::move(log));
        r.metrics.push_back(first);
        double planned = 0;
        if constexpr (requires { agent.planning_updates(); }) planned = static_cast<double>(agent.planning_updates());
        r.metrics.push_back(planned);
        return r;
      });
    };
    const ex::SweepResult result = ex::run_sweep(grid, ex::Threads{threads}, options);
    const std::size_t first_metric = ex::standard_metrics.size();
    std::vector<Curve> curves;
    double seconds = 0;
    for (const ex::CellStats& cell : result.cells) {
      Curve c;
      c.mean = cell.lengths.mean();
      for (std::size_t e = 0; e < c.mean.size(); ++e) {
        c.se.push_back(cell.lengths.count() > 1 ? cell.lengths.sd(e) / std::sqrt(static_cast<double>(cell.lengths.count())) : 0.0);
      }
      c.first = cell.metrics[first_metric];
      curves.push_back(std::move(c));
      seconds += cell.seconds;
    }
    fmt::print("Dyna maze, Dyna-Q, alpha 0.1, gamma 0.95, epsilon 0.1: steps per episode, mean (standard error) over {} runs\n",
               runs);
    fmt::print("{:>8}", "episode");
    for (const int n : planning_steps) fmt::print(" {:>18}", fmt::format("n = {}", n));
    fmt::print("\n");
    for (int e = 0; e < episodes; ++e) {
      if (!(e < 10 || (e + 1) % 5 == 0)) continue;
      fmt::print("{:>8}", e + 1);
      for (const Curve& c : curves) {
        fmt::print(" {:>18}", fmt::format("{:.1f} ({:.1f})", c.mean[static_cast<std::size_t>(e)], c.se[static_cast<std::size_t>(e)]));
      }
      fmt::print("\n");
    }
    fmt::print("training time: {:.2f} s of CPU over all runs\n", seconds);
    if (!svg.empty()) {
      std::vector<tabrl_examples::LineSeries> series;
      for (std::size_t k = 0; k < curves.size(); ++k) {
        tabrl_examples::LineSeries s{fmt::format("n = {} planning steps", planning_steps[k]), colors[k], {}, {}, {}, false, false};
        for (int e = 1; e < episodes; ++e) {  // the book leaves out episode 1 (the same for every n)
          s.x.push_back(e + 1);
          s.y.push_back(curves[k].mean[static_cast<std::size_t>(e)]);
          s.err.push_back(curves[k].se[static_cast<std::size_t>(e)]);
        }
        series.push_back(std::move(s));
      }
      tabrl_examples::LineChartOptions o;
      o.title = fmt::format("Dyna-Q on the Dyna maze: {} runs (band: +- 1 standard error)", runs);
      o.x_label = "episodes";
      o.y_label = "steps per episode";
      o.y_min = 0;
      o.y_max = 800;
      tabrl::viz::write_text_file(svg, tabrl_examples::line_chart_svg(series, o));
      fmt::print("wrote {}\n", svg);
    }
    if (!csv.empty()) {
      std::string text = "episode";
      for (const int n : planning_steps) text += fmt::format(",steps_n{0},se_n{0}", n);
      text += '\n';
      for (int e = 0; e < episodes; ++e) {
        text += std::to_string(e + 1);
        for (const Curve& c : curves) text += fmt::format(",{},{}", c.mean[static_cast<std::size_t>(e)], c.se[static_cast<std::size_t>(e)]);
        text += '\n';
      }
      tabrl::viz::write_text_file(csv, text);
      fmt::print("wrote {}\n", csv);
    }
    if (check) {
      fmt::print("the book's statements:\n");
      if (!check_book(curves)) {
        std::fprintf(stderr, "figure_8_2: the results do not show what the book says\n");
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "figure_8_2: %s\n", e.what());
    return 2;
  }
  return 0;
}
