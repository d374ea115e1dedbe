// lambda_study: how eligibility traces change early learning on CliffWalking, in the manner
// of Sutton & Barto's Figures 12.10 and 12.11 (Mountain Car there).
//
// Online control, epsilon 0.1, gamma 1, each episode capped at --time-limit steps: the mean
// return over the first --episodes episodes ("early performance"), averaged over --runs runs,
// against the step size alpha, for several lambda, for SARSA(lambda) with accumulating and
// with replacing traces, true online SARSA(lambda) and Watkins's Q(lambda). A run whose table
// diverges (a TD error that is no longer finite) is counted, and a point with any diverged
// run is left out of the figure, as the book leaves out the step sizes where accumulating
// traces diverge. Each method is one sweep of the experiment engine (run r of every cell has
// the same seed). Prints the tables, writes one SVG per method (--svg-dir) and the values as
// CSV (--csv); --check exits 1 unless the book's statements hold (see check_book).

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/experiment/experiment.hpp>
#include <tabrl/viz/svg.hpp>

#include "line_chart.hpp"

namespace {

namespace ex = tabrl::experiment;

/// One learning rule of the study.
struct Method {
  const char* agent;  ///< the engine's agent name
  const char* trace;  ///< the trace setting
  const char* label;  ///< for tables and files
  const char* file;   ///< SVG file name
};
const Method methods[] = {{"sarsa-lambda", "accumulating", "SARSA(lambda), accumulating traces", "lambda_sarsa_accumulating.svg"},
                          {"sarsa-lambda", "replacing", "SARSA(lambda), replacing traces", "lambda_sarsa_replacing.svg"},
                          {"true-online-sarsa", "accumulating", "true online SARSA(lambda)", "lambda_true_online.svg"},
                          {"q-lambda", "replacing", "Watkins's Q(lambda), replacing traces", "lambda_q.svg"}};
const char* const colors[] = {"#222222", "#1f4ec8", "#2a9d4a", "#d6332a", "#8e44ad", "#e08a00"};

/// A method's early performance: [lambda][alpha] mean and standard error over the runs that
/// did not diverge, and how many diverged.
struct Table {
  std::vector<std::vector<double>> mean, se;
  std::vector<std::vector<int>> diverged;
};

Table study(const Method& m, const std::vector<std::string>& lambdas, const std::vector<std::string>& alphas, int runs,
            int episodes, int time_limit, int threads) {
  ex::Grid grid;
  grid.set("agent", m.agent);
  grid.set("trace", m.trace);
  grid.set_values("lambda", lambdas);  // run_fields order: alpha before lambda, so cells are alpha-major
  grid.set_values("alpha", alphas);
  grid.set("epsilon", "0.1");
  grid.set("gamma", "1");
  grid.set("time_limit", std::to_string(time_limit));
  grid.set("episodes", std::to_string(episodes));
  grid.set("eval_episodes", "0");
  grid.set_runs(runs);
  ex::SweepOptions options;
  options.bootstrap = 0;
  options.extra_metrics = {"early_return", "diverged"};
  options.run = [](const ex::RunSpec& spec) {
    return ex::visit_run_in<ex::CliffKind>(spec, [&spec](auto& env, auto& agent, auto& memory) {
      ex::RunResult r;
      r.metrics.assign(ex::standard_metrics.size(), NAN);
      try {
        const tabrl::TrainingLog log = ex::train_run(spec, env, agent, memory);
        double sum = 0;
        for (const double x : log.returns) sum += x;
        r.metrics.push_back(sum / static_cast<double>(log.returns.size()));
        r.metrics.push_back(0.0);
      } catch (const tabrl::InvalidArgument&) {  // the table diverged: a TD error overflowed
        r.metrics.push_back(NAN);
        r.metrics.push_back(1.0);
      }
      return r;  // no curves: only the metrics are averaged
    });
  };
  const ex::SweepResult sweep = ex::run_sweep(grid, ex::Threads{threads}, options);
  const std::size_t early = ex::standard_metrics.size(), div = early + 1;
  Table t;
  t.mean.assign(lambdas.size(), std::vector<double>(alphas.size()));
  t.se = t.mean;
  t.diverged.assign(lambdas.size(), std::vector<int>(alphas.size()));
  for (std::size_t c = 0; c < sweep.cells.size(); ++c) {
    const std::size_t a = c / lambdas.size(), l = c % lambdas.size();
    const auto& values = sweep.cells[c].metrics[early];
    double sum = 0, sq = 0;
    int n = 0, bad = 0;
    for (std::size_t r = 0; r < values.size(); ++r) {
      if (sweep.cells[c].metrics[div][r] != 0.0) {
        ++bad;
        continue;
      }
      sum += values[r];
      ++n;
    }
    const double mean = n > 0 ? sum / n : NAN;
    for (std::size_t r = 0; r < values.size(); ++r) {
      if (sweep.cells[c].metrics[div][r] == 0.0) sq += (values[r] - mean) * (values[r] - mean);
    }
    t.mean[l][a] = mean;
    t.se[l][a] = n > 1 ? std::sqrt(sq / (n - 1) / n) : 0.0;
    t.diverged[l][a] = bad;
  }
  return t;
}

bool say(bool pass, const std::string& what) {
  fmt::print("  [{}] {}\n", pass ? "ok" : "FAILED", what);
  return pass;
}

/// The best (largest) early return over alpha of row `l`, among points without divergence.
std::pair<double, double> best(const Table& t, std::size_t l) {
  double m = -std::numeric_limits<double>::infinity(), s = 0;
  for (std::size_t a = 0; a < t.mean[l].size(); ++a) {
    if (t.diverged[l][a] == 0 && t.mean[l][a] > m) {
      m = t.mean[l][a];
      s = t.se[l][a];
    }
  }
  return {m, s};
}

/// The book's statements (Sutton & Barto 12.7 and Figures 12.10, 12.11), each with a margin
/// of 3 standard errors:
///  1. Traces speed up early learning: for every method, the best early return over alpha of
///     some lambda > 0 beats the best of lambda = 0.
///  2. Accumulating traces are the unstable ones: at the largest alpha and lambda,
///     SARSA(lambda) with accumulating traces diverges in some run or does worse than with
///     replacing traces, while replacing traces and true online SARSA(lambda) never diverge.
///  3. True online SARSA(lambda) does at least as well as SARSA(lambda) with replacing traces
///     at its best (within 3 se), and better than with accumulating traces.
bool check_book(const std::vector<Table>& t, const std::vector<double>& lambda) {
  bool ok = true;
  const auto beats = [](std::pair<double, double> a, std::pair<double, double> b) {
    return a.first - b.first > 3.0 * std::hypot(a.second, b.second);
  };
  for (std::size_t k = 0; k < t.size(); ++k) {
    std::size_t winner = 0;
    for (std::size_t l = 1; l < lambda.size(); ++l) {
      if (beats(best(t[k], l), best(t[k], 0)) && (winner == 0 || best(t[k], l).first > best(t[k], winner).first)) winner = l;
    }
    ok &= say(winner > 0, fmt::format("{}: lambda {} ({:.1f}) beats lambda 0 ({:.1f}) at their best alpha", methods[k].label,
                                      lambda[winner], best(t[k], winner).first, best(t[k], 0).first));
  }
  const std::size_t top_l = lambda.size() - 1, top_a = t[0].mean[top_l].size() - 1;
  const bool unstable = t[0].diverged[top_l][top_a] > 0 ||
                        beats({t[1].mean[top_l][top_a], t[1].se[top_l][top_a]}, {t[0].mean[top_l][top_a], t[0].se[top_l][top_a]});
  ok &= say(unstable, fmt::format("accumulating traces at the largest alpha and lambda: {} diverged runs, {:.1f} vs replacing {:.1f}",
                                  t[0].diverged[top_l][top_a], t[0].mean[top_l][top_a], t[1].mean[top_l][top_a]));
  int stable_bad = 0;
  for (const std::size_t k : {std::size_t{1}, std::size_t{2}}) {
    for (const auto& row : t[k].diverged) {
      for (const int d : row) stable_bad += d;
    }
  }
  ok &= say(stable_bad == 0, fmt::format("replacing traces and true online SARSA(lambda) never diverge ({} runs did)", stable_bad));
  std::pair<double, double> online{-1e300, 0}, replacing{-1e300, 0}, accumulating{-1e300, 0};
  for (std::size_t l = 0; l < lambda.size(); ++l) {
    if (best(t[2], l).first > online.first) online = best(t[2], l);
    if (best(t[1], l).first > replacing.first) replacing = best(t[1], l);
    if (best(t[0], l).first > accumulating.first) accumulating = best(t[0], l);
  }
  ok &= say(!beats(replacing, online), fmt::format("true online SARSA(lambda) at its best ({:.1f}) is not beaten by replacing traces ({:.1f})",
                                                   online.first, replacing.first));
  ok &= say(!beats(accumulating, online),
            fmt::format("nor by accumulating traces ({:.1f})", accumulating.first));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Eligibility traces on CliffWalking: early performance against alpha for several lambda (tabrl)"};
  int runs = 100, episodes = 50, time_limit = 1000, threads = 0;
  std::vector<double> lambda{0.0, 0.5, 0.8, 0.9, 0.95};
  std::vector<double> alpha{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  std::string svg_dir = ".", csv;
  bool check = false;
  app.add_option("--runs", runs, "runs per point")->check(CLI::Range(2, 1'000'000));
  app.add_option("--episodes", episodes, "early episodes averaged per run")->check(CLI::Range(1, 1'000'000));
  app.add_option("--time-limit", time_limit, "steps per episode before it is cut")->check(CLI::Range(20, 1'000'000));
  app.add_option("--lambda", lambda, "values of lambda (the first must be 0)")->check(CLI::Range(0.0, 1.0));
  app.add_option("--alpha", alpha, "values of alpha, increasing")->check(CLI::Range(1e-6, 1.0));
  app.add_option("--threads", threads, "threads (0: all cores)")->check(CLI::Range(0, 4096));
  app.add_option("--svg-dir", svg_dir, "directory for the SVG files (empty: write none)");
  app.add_option("--csv", csv, "also write the values as CSV here");
  app.add_flag("--check", check, "exit 1 unless the book's statements hold");
  CLI11_PARSE(app, argc, argv);
  try {
    if (lambda.empty() || lambda.front() != 0.0) throw tabrl::InvalidArgument("--lambda: the first value must be 0");
    if (!std::is_sorted(alpha.begin(), alpha.end())) throw tabrl::InvalidArgument("--alpha: the values must increase");
    std::vector<std::string> lt, at;
    for (const double x : lambda) lt.push_back(ex::number_text(x));
    for (const double x : alpha) at.push_back(ex::number_text(x));
    fmt::print("CliffWalking, online, epsilon 0.1, gamma 1, episodes cut at {} steps: mean return over the first {} episodes, {} runs\n",
               time_limit, episodes, runs);
    std::vector<Table> tables;
    std::string csv_text = "method,lambda,alpha,early_return,se,diverged\n";
    if (!svg_dir.empty()) std::filesystem::create_directories(svg_dir);
    for (const Method& m : methods) {
      tables.push_back(study(m, lt, at, runs, episodes, time_limit, threads));
      const Table& t = tables.back();
      fmt::print("\n{} (standard error; D: runs that diverged)\n{:>8}", m.label, "alpha");
      for (const double l : lambda) fmt::print(" {:>18}", fmt::format("lambda {}", l));
      fmt::print("\n");
      for (std::size_t a = 0; a < alpha.size(); ++a) {
        fmt::print("{:>8}", alpha[a]);
        for (std::size_t l = 0; l < lambda.size(); ++l) {
          const std::string cell = t.diverged[l][a] > 0 ? fmt::format("{} D", t.diverged[l][a])
                                                        : fmt::format("{:.1f} ({:.1f})", t.mean[l][a], t.se[l][a]);
          fmt::print(" {:>18}", cell);
          csv_text += fmt::format("{}-{},{},{},{},{},{}\n", m.agent, m.trace, lambda[l], alpha[a], t.mean[l][a], t.se[l][a],
                                  t.diverged[l][a]);
        }
        fmt::print("\n");
      }
      if (!svg_dir.empty()) {
        std::vector<tabrl_examples::LineSeries> series;
        for (std::size_t l = 0; l < lambda.size(); ++l) {
          tabrl_examples::LineSeries s{fmt::format("lambda = {}", lambda[l]), colors[l % 6], {}, {}, {}, false, true};
          for (std::size_t a = 0; a < alpha.size() && t.diverged[l][a] == 0; ++a) {
            s.x.push_back(alpha[a]);
            s.y.push_back(t.mean[l][a]);
            s.err.push_back(t.se[l][a]);
          }
          if (!s.x.empty()) series.push_back(std::move(s));
        }
        tabrl_examples::LineChartOptions o;
        o.title = fmt::format("{}: first {} episodes, {} runs", m.label, episodes, runs);
        o.x_label = "alpha";
        o.y_label = fmt::format("mean return per episode (first {})", episodes);
        o.y_min = -300;
        o.y_max = 0;
        const std::string path = (std::filesystem::path(svg_dir) / m.file).string();
        tabrl::viz::write_text_file(path, tabrl_examples::line_chart_svg(series, o));
        fmt::print("wrote {}\n", path);
      }
    }
    if (!csv.empty()) {
      tabrl::viz::write_text_file(csv, csv_text);
      fmt::print("wrote {}\n", csv);
    }
    if (check) {
      fmt::print("\nthe book's statements:\n");
      if (!check_book(tables, lambda)) {
        std::fprintf(stderr, "lambda_study: the results do not show what the book says\n");
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambda_study: %s\n", e.what());
    return 2;
  }
  return 0;
}
