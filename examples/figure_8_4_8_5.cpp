// figure_8_4_8_5: Sutton & Barto (2nd ed.), Examples 8.2 and 8.3 / Figures 8.4 and 8.5.
//
// Cumulative reward of Dyna-Q and Dyna-Q+ on the blocking maze (the short path on the right
// is blocked after 1000 steps and a longer one opens on the left; 3000 steps) and on the
// shortcut maze (a shorter path opens on the right after 3000 steps; 6000 steps). The book
// gives no settings for these figures; this program uses alpha 1 (a deterministic maze),
// gamma 0.95, epsilon 0.1, 50 planning steps and Dyna-Q+'s kappa 1e-3, averaged over 30
// runs, all flags. Each run is a fixed number of time steps (episodes restart at the start
// cell), a custom run of the experiment engine: run r of both agents has the same seed.
// Prints the cumulative reward every 500 steps, writes both figures as SVG (--svg-dir) and
// --check exits 1 unless the book's statements hold (see check_blocking, check_shortcut).

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <tabrl/experiment/experiment.hpp>
#include <tabrl/viz/svg.hpp>

#include "line_chart.hpp"

namespace {

namespace ex = tabrl::experiment;

/// One of the two figures.
struct Maze {
  const char* env;    ///< the engine's name
  const char* title;  ///< for the output
  int steps;          ///< time steps per run
  int change;         ///< when the walls change
};
constexpr Maze blocking{"blocking-maze", "Blocking maze (Figure 8.4)", 3000, 1000};
constexpr Maze shortcut{"shortcut-maze", "Shortcut maze (Figure 8.5)", 6000, 3000};

/// Stops the run after `budget` steps, recording the cumulative reward after each step.
struct StepBudget {
  std::int64_t budget;
  std::vector<double> cumulative;
  tabrl::Control on_step(const tabrl::StepEvent& e) {
    cumulative.push_back((cumulative.empty() ? 0.0 : cumulative.back()) + e.result.reward);
    return static_cast<std::int64_t>(cumulative.size()) >= budget ? tabrl::Control::stop : tabrl::Control::proceed;
  }
};

/// The metrics a run adds: cumulative reward at a few steps (for paired comparisons) and the
/// length of the greedy path at the end (the walls then are the changed ones).
const std::vector<std::string> extra_metrics{"reward_before_change", "reward_at_change", "reward_200_after", "reward_1000_before_end",
                                             "reward_at_end",        "greedy_length"};

ex::RunFunction run_for(const Maze& m) {
  return [m](const ex::RunSpec& spec) {
    // The runs of the maze kinds only (both are GridMazes: one instantiation serves both).
    const auto body = [&](auto& env, auto& agent, auto& memory) {
      StepBudget budget{m.steps, {}};
      (void)ex::train_run(spec, env, agent, memory, budget);
      tabrl::Rng rng(tabrl::derive_seed(spec.seed, 0xE7A1));
      const tabrl::Rollout greedy = tabrl::greedy_rollout(agent, env, rng, 100);
      const auto& c = budget.cumulative;
      const auto at = [&c](int step) { return c[static_cast<std::size_t>(step - 1)]; };
      ex::RunResult r;
      r.metrics.assign(ex::standard_metrics.size(), NAN);
      r.metrics.insert(r.metrics.end(), {at(m.change - 200), at(m.change), at(m.change + 200), at(m.steps - 1000), at(m.steps),
                                         greedy.terminated ? static_cast<double>(greedy.length()) : NAN});
      r.returns = c;  // the per-index series the sweep averages: cumulative reward by step
      return r;
    };
    return spec.env == ex::BlockingMazeKind::name ? ex::visit_run_in<ex::BlockingMazeKind>(spec, body)
                                                  : ex::visit_run_in<ex::ShortcutMazeKind>(spec, body);
  };
}

/// The two agents' results on one maze: mean cumulative reward by step and per-run metrics.
struct Result {
  std::vector<std::vector<double>> mean, se;             ///< [agent][step]
  std::vector<std::vector<std::vector<double>>> metric;  ///< [agent][extra metric][run]
};

Result run_maze(const Maze& m, int runs, int n, double kappa, double alpha, int threads) {
  ex::Grid grid;
  grid.set("env", m.env);
  grid.set("agent", "dyna-q,dyna-q-plus");
  grid.set("planning_steps", std::to_string(n));
  grid.set("kappa", ex::number_text(kappa));
  grid.set("alpha", ex::number_text(alpha));
  grid.set("gamma", "0.95");
  grid.set("epsilon", "0.1");
  grid.set("episodes", std::to_string(m.steps));  // every episode takes a step: the budget ends the run
  grid.set("eval_episodes", "0");
  grid.set_runs(runs);
  ex::SweepOptions options;
  options.bootstrap = 0;
  options.extra_metrics = extra_metrics;
  options.run = run_for(m);
  const ex::SweepResult sweep = ex::run_sweep(grid, ex::Threads{threads}, options);
  Result out;
  for (const ex::CellStats& cell : sweep.cells) {
    out.mean.push_back(cell.returns.mean());
    std::vector<double> se;
    for (std::size_t t = 0; t < cell.returns.size(); ++t)
      se.push_back(cell.returns.count() > 1 ? cell.returns.sd(t) / std::sqrt(static_cast<double>(cell.returns.count())) : 0.0);
    out.se.push_back(std::move(se));
    out.metric.emplace_back(cell.metrics.begin() + static_cast<std::ptrdiff_t>(ex::standard_metrics.size()), cell.metrics.end());
  }
  return out;
}

/// Mean and standard error of f(run) over paired runs.
template <class F>
std::pair<double, double> paired(std::size_t runs, F f) {
  double sum = 0, sq = 0;
  for (std::size_t r = 0; r < runs; ++r) sum += f(r);
  const double mean = sum / static_cast<double>(runs);
  for (std::size_t r = 0; r < runs; ++r) sq += (f(r) - mean) * (f(r) - mean);
  return {mean, runs > 1 ? std::sqrt(sq / static_cast<double>(runs - 1) / static_cast<double>(runs)) : 0.0};
}

bool say(bool pass, const std::string& what) {
  fmt::print("  [{}] {}\n", pass ? "ok" : "FAILED", what);
  return pass;
}

// Metric indices in extra_metrics.
enum : std::size_t { before, at_change, after200, end_minus_1000, at_end, greedy_length };

/// Figure 8.4: after the block both agents stall (less reward in the 200 steps after the
/// change than in the 200 before, by 3 standard errors of the paired difference); then both
/// average curves climb again (mean reward over the last 1000 steps, which only the new path
/// on the left earns, above 3 se); Dyna-Q+ finds the new path in at least 80% of runs, and
/// gains more than Dyna-Q from the change to the end (3 se). (Plain Dyna-Q finds it in only
/// about half the runs within the 2000 steps shown: the count is printed.)
bool check_blocking(const Result& r) {
  bool ok = true;
  const std::size_t runs = r.metric[0][0].size();
  const char* names[] = {"Dyna-Q", "Dyna-Q+"};
  for (std::size_t a = 0; a < 2; ++a) {
    const auto& m = r.metric[a];
    const auto [d, se] = paired(runs, [&](std::size_t i) {
      return (m[at_change][i] - m[before][i]) - (m[after200][i] - m[at_change][i]);
    });
    ok &= say(d > 3 * se, fmt::format("{} stalls after the block: {:.2f} less reward in the 200 steps after it than before (se {:.2f})",
                                      names[a], d, se));
    const auto [late, late_se] = paired(runs, [&](std::size_t i) { return m[at_end][i] - m[end_minus_1000][i]; });
    ok &= say(late > 3 * late_se,
              fmt::format("{}'s curve climbs again: {:.2f} reward over the last 1000 steps (se {:.2f})", names[a], late, late_se));
    std::size_t found = 0;
    for (std::size_t i = 0; i < runs; ++i) found += m[at_end][i] > m[end_minus_1000][i] ? 1 : 0;
    const std::string uses = fmt::format("{} uses the new path in the last 1000 steps in {}/{} runs", names[a], found, runs);
    if (a == 0) {
      fmt::print("  [info] {}\n", uses);
    } else {
      ok &= say(found * 5 >= runs * 4, uses);
    }
  }
  const auto [d, se] = paired(runs, [&](std::size_t i) {
    return (r.metric[1][at_end][i] - r.metric[1][at_change][i]) - (r.metric[0][at_end][i] - r.metric[0][at_change][i]);
  });
  ok &= say(d > 3 * se, fmt::format("Dyna-Q+ gains {:.1f} more reward than Dyna-Q after the change (se {:.1f})", d, se));
  return ok;
}

/// Figure 8.5: Dyna-Q+ finds the shortcut (its final greedy path takes 10 steps in at least
/// 80% of runs) and Dyna-Q does not (in at most 20%; the book: never); over the last 1000
/// steps Dyna-Q+ earns more than Dyna-Q (3 standard errors of the paired difference).
bool check_shortcut(const Result& r) {
  bool ok = true;
  const std::size_t runs = r.metric[0][0].size();
  std::size_t q = 0, plus = 0;
  for (std::size_t i = 0; i < runs; ++i) {
    q += r.metric[0][greedy_length][i] == 10.0 ? 1 : 0;
    plus += r.metric[1][greedy_length][i] == 10.0 ? 1 : 0;
  }
  ok &= say(plus * 5 >= runs * 4, fmt::format("Dyna-Q+ takes the shortcut at the end in {}/{} runs", plus, runs));
  ok &= say(q * 5 <= runs, fmt::format("Dyna-Q takes it in {}/{} runs (the book: never)", q, runs));
  const auto [d, se] = paired(runs, [&](std::size_t i) {
    return (r.metric[1][at_end][i] - r.metric[1][end_minus_1000][i]) - (r.metric[0][at_end][i] - r.metric[0][end_minus_1000][i]);
  });
  ok &= say(d > 3 * se, fmt::format("over the last 1000 steps Dyna-Q+ earns {:.1f} more than Dyna-Q (se {:.1f})", d, se));
  return ok;
}

void print_table(const Maze& m, const Result& r) {
  fmt::print("\n{}: cumulative reward, mean (standard error) over {} runs; walls change after step {}\n", m.title,
             r.metric[0][0].size(), m.change);
  fmt::print("{:>6} {:>16} {:>16}\n", "step", "Dyna-Q", "Dyna-Q+");
  for (int t = 500; t <= m.steps; t += 500) {
    const auto i = static_cast<std::size_t>(t - 1);
    fmt::print("{:>6} {:>16} {:>16}\n", t, fmt::format("{:.1f} ({:.1f})", r.mean[0][i], r.se[0][i]),
               fmt::format("{:.1f} ({:.1f})", r.mean[1][i], r.se[1][i]));
  }
}

void write_svg(const std::string& path, const Maze& m, const Result& r, int n, double kappa) {
  const char* names[] = {"Dyna-Q", "Dyna-Q+"};
  const char* colors[] = {"#1f4ec8", "#d6332a"};
  std::vector<tabrl_examples::LineSeries> series;
  for (std::size_t a = 0; a < 2; ++a) {
    tabrl_examples::LineSeries s{names[a], colors[a], {}, {}, {}, false, false};
    for (int t = 0; t <= m.steps; t += 20) {  // every 20th step keeps the file small
      const auto i = static_cast<std::size_t>(t == 0 ? 0 : t - 1);
      s.x.push_back(t);
      s.y.push_back(t == 0 ? 0.0 : r.mean[a][i]);
      s.err.push_back(t == 0 ? 0.0 : r.se[a][i]);
    }
    series.push_back(std::move(s));
  }
  tabrl_examples::LineChartOptions o;
  o.title = fmt::format("{}: {} runs, n = {}, kappa = {}", m.title, r.metric[0][0].size(), n, kappa);
  o.x_label = "time steps";
  o.y_label = "cumulative reward";
  o.y_min = 0;
  o.markers = {{static_cast<double>(m.change), "walls change"}};
  tabrl::viz::write_text_file(path, tabrl_examples::line_chart_svg(series, o));
  fmt::print("wrote {}\n", path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Sutton & Barto Figures 8.4 and 8.5: Dyna-Q and Dyna-Q+ on the blocking and shortcut mazes (tabrl)"};
  int runs = 30, n = 50, threads = 0;
  double kappa = 1e-3, alpha = 1.0;
  std::string svg_dir = ".", which = "both";
  bool check = false;
  app.add_option("--runs", runs, "runs averaged per agent")->check(CLI::Range(2, 1'000'000));
  app.add_option("--planning-steps", n, "planning updates per real step")->check(CLI::Range(0, 100'000));
  app.add_option("--kappa", kappa, "Dyna-Q+'s exploration bonus weight")->check(CLI::Range(0.0, 1e6));
  app.add_option("--alpha", alpha, "step size in (0, 1]")->check(CLI::Range(1e-9, 1.0));
  app.add_option("--maze", which, "blocking, shortcut or both")->check(CLI::IsMember({"blocking", "shortcut", "both"}));
  app.add_option("--threads", threads, "threads (0: all cores)")->check(CLI::Range(0, 4096));
  app.add_option("--svg-dir", svg_dir, "directory for figure_8_4.svg and figure_8_5.svg (empty: write none)");
  app.add_flag("--check", check, "exit 1 unless the book's statements about the figures hold");
  CLI11_PARSE(app, argc, argv);
  try {
    fmt::print("Dyna-Q and Dyna-Q+: alpha {}, gamma 0.95, epsilon 0.1, {} planning steps, kappa {}\n", alpha, n, kappa);
    if (!svg_dir.empty()) std::filesystem::create_directories(svg_dir);
    bool ok = true;
    for (const Maze* m : {&blocking, &shortcut}) {
      if (which != "both" && which + "-maze" != m->env) continue;
      const Result r = run_maze(*m, runs, n, kappa, alpha, threads);
      print_table(*m, r);
      if (!svg_dir.empty()) {
        write_svg((std::filesystem::path(svg_dir) / (m == &blocking ? "figure_8_4.svg" : "figure_8_5.svg")).string(), *m, r, n, kappa);
      }
      if (check) {
        fmt::print("the book's statements:\n");
        ok = (m == &blocking ? check_blocking(r) : check_shortcut(r)) && ok;
      }
    }
    if (!ok) {
      std::fprintf(stderr, "figure_8_4_8_5: the results do not show what the book says\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "figure_8_4_8_5: %s\n", e.what());
    return 2;
  }
  return 0;
}
