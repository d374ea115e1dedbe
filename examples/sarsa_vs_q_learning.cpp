// sarsa_vs_q_learning: Sutton & Barto (2nd ed.), Example 6.6 / Figure 6.4, reproduced.
//
// Online TD control on CliffWalking with epsilon 0.1, alpha 0.5, gamma 1, 500 episodes,
// averaged over many independent runs: the sum of rewards per episode of SARSA, Q-learning,
// Expected SARSA and Double Q-learning. The book's point: SARSA learns the longer, safe path
// and earns more online; Q-learning learns the optimal path along the cliff edge but falls
// more often while it explores. Prints the mean return over episodes 100..500 per method and
// writes the curves as SVG (--svg) and as CSV (--csv: episode, then the mean return of each
// method). With --check it exits non-zero unless the book's shape holds (see check_shape).
// The runs are one sweep of the experiment engine (tabrl::experiment) on every core.

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <tabrl/error.hpp>
#include <tabrl/experiment/experiment.hpp>
#include <tabrl/viz/svg.hpp>

namespace {

namespace ex = tabrl::experiment;

// One sweep of the experiment engine: the four agents (in this order) x `runs` runs, online,
// on every core. Run r of every agent has seed derive_seed(0, r) (the engine's seed rule), so
// the methods are compared on paired runs; Double Q-learning's coin is seeded from the run's
// seed. Returns each agent's per-episode mean return over the runs.
std::vector<std::vector<double>> mean_curves(int runs, int episodes, int threads) {
  ex::Grid grid;
  grid.set("agent", "sarsa,q,expected-sarsa,double-q");
  grid.set("alpha", "0.5");
  grid.set("epsilon", "0.1");
  grid.set("gamma", "1");
  grid.set("episodes", std::to_string(episodes));
  grid.set("eval_episodes", "0");
  grid.set_runs(runs);
  ex::SweepOptions options;
  options.bootstrap = 0;
  const ex::SweepResult result = ex::run_sweep(grid, ex::Threads{threads}, options);
  std::vector<std::vector<double>> out;
  for (const ex::CellStats& cell : result.cells) out.push_back(cell.returns.mean());
  return out;
}

double mean_over(const std::vector<double>& curve, int first, int last) {
  double sum = 0;
  int n = 0;
  for (int e = first; e < last && e < static_cast<int>(curve.size()); ++e) {
    sum += curve[static_cast<std::size_t>(e)];
    ++n;
  }
  return n > 0 ? sum / n : 0.0;
}

// The per-episode mean over runs of every method, one row per episode.
void write_csv(const std::string& path, const std::vector<std::string>& names,
               const std::vector<std::vector<double>>& curves, int episodes) {
  std::ofstream out(path);
  out << "episode";
  for (const auto& name : names) out << ',' << name;
  out << '\n';
  for (int e = 0; e < episodes; ++e) {
    out << e + 1;
    for (const auto& c : curves) out << ',' << fmt::format("{:.4f}", c[static_cast<std::size_t>(e)]);
    out << '\n';
  }
  if (!out) throw tabrl::Error("sarsa_vs_q_learning: cannot write '" + path + "'");
}

// The book's shape, with room for run-to-run noise at >= 100 runs (1000 runs measure SARSA
// -27.8, Q-learning -49.7): SARSA earns clearly more online than Q-learning, each near the
// book's level (about -25 and -50), and every method has learned (better than -60).
bool check_shape(const std::vector<double>& means) {
  const double sarsa = means[0], q = means[1];
  bool ok = sarsa > q + 10.0 && sarsa > -35.0 && sarsa < -20.0 && q > -60.0 && q < -40.0;
  for (const double m : means) ok = ok && m > -60.0;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Sutton & Barto Figure 6.4: SARSA vs Q-learning on CliffWalking (tabrl)"};
  int runs = 100;
  int episodes = 500;
  int threads = 0;
  std::string svg = "figure_6_4.svg";
  std::string csv;
  bool check = false;
  app.add_option("--runs", runs, "independent runs to average")->check(CLI::Range(1, 1'000'000));
  app.add_option("--episodes", episodes, "episodes per run (>= 100)")->check(CLI::Range(100, 1000000));
  app.add_option("--threads", threads, "threads (0: all cores)")->check(CLI::Range(0, 4096));
  app.add_option("--svg", svg, "where to write the curves (empty: nowhere)");
  app.add_option("--csv", csv, "also write the mean curves as CSV here");
  app.add_flag("--check", check, "exit 1 unless SARSA beats Q-learning online as in the book");
  CLI11_PARSE(app, argc, argv);

  const std::vector<std::string> names{"SARSA", "Q-learning", "Expected SARSA", "Double Q-learning"};
  const std::vector<tabrl::viz::Rgb> colors{
      {0x1f, 0x4e, 0xc8}, {0xd6, 0x3a, 0x2f}, {0x2a, 0x9d, 0x4a}, {0x8e, 0x44, 0xad}};
  const auto curves = mean_curves(runs, episodes, threads);
  fmt::print("CliffWalking, online, epsilon 0.1, alpha 0.5, gamma 1, {} runs x {} episodes\n", runs, episodes);
  fmt::print("mean sum of rewards per episode over episodes 100..{}:\n", episodes);
  std::vector<double> means;
  for (std::size_t m = 0; m < names.size(); ++m) {
    means.push_back(mean_over(curves[m], 99, episodes));
    fmt::print("  {:<18} {:8.2f}\n", names[m], means.back());
  }
  if (!svg.empty()) {
    // The chart draws means only (no bands), so each series is its mean curve.
    std::vector<tabrl::viz::CurveSeries> series;
    for (std::size_t m = 0; m < names.size(); ++m) series.push_back({names[m], {curves[m]}, colors[m]});
    tabrl::viz::LearningCurveOptions options;
    options.title = fmt::format("Sum of rewards per episode (mean of {} runs, 10-episode moving average)", runs);
    options.y_label = "sum of rewards during episode";
    options.y_min = -100;
    options.y_max = 0;
    options.bands = false;  // the spread of single runs would hide the means the book compares
    tabrl::viz::write_text_file(svg, tabrl::viz::svg_learning_curve(series, options));
    fmt::print("wrote {}\n", svg);
  }
  if (!csv.empty()) {
    write_csv(csv, names, curves, episodes);
    fmt::print("wrote {}\n", csv);
  }
  if (check && !check_shape(means)) {
    std::fprintf(stderr, "sarsa_vs_q_learning: the curves do not have the book's shape\n");
    return 1;
  }
  return 0;
}
