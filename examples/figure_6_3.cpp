// figure_6_3: Sutton & Barto (2nd ed.), Figure 6.3, reproduced at the book's scale.
//
// Interim and asymptotic performance of SARSA, Expected SARSA and Q-learning on CliffWalking
// (online, epsilon 0.1, gamma 1) against the step size alpha = 0.1, 0.2, ..., 1.0:
//   interim    = mean return per episode over the first 100 episodes, averaged over 50,000 runs;
//   asymptotic = mean return per episode over 100,000 episodes, averaged over 10 runs.
// Both are sweeps of the experiment engine (tabrl::experiment::run_sweep) on every core, with
// common random numbers: run r of every method and alpha has the same seed. Prints the table,
// writes an SVG like the book's figure (--svg) and the values as CSV (--csv). --check exits 1
// unless the book's statements hold (see check_book): Expected SARSA's asymptotic performance
// holds up over alpha, alpha = 1 included, while SARSA's degrades at large alpha, and Expected
// SARSA beats SARSA's interim performance over a wide range of alpha. Smaller --interim-runs /
// --asymptotic-episodes give a quicker, noisier figure (the check allows for the noise).

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <tabrl/experiment/experiment.hpp>
#include <tabrl/viz/svg.hpp>

namespace {

namespace ex = tabrl::experiment;

/// The methods, in the book's legend order, and their line colours.
struct Method {
  const char* agent;
  const char* label;
  const char* color;
};
constexpr Method methods[] = {
    {"sarsa", "Sarsa", "#1f4ec8"}, {"expected-sarsa", "Expected Sarsa", "#d6332a"}, {"q", "Q-learning", "#222222"}};
constexpr int num_methods = 3;

/// Mean and standard error of one method at one alpha.
struct Point {
  double mean = 0, se = 0;
};
/// points[method][alpha index]
using Curve = std::vector<std::vector<Point>>;

/// One sweep over method x alpha; returns each cell's mean return per episode (over runs).
Curve sweep(int runs, int episodes, const std::vector<std::string>& alphas, int threads, bool progress, double& seconds) {
  ex::Grid grid;
  grid.set("agent", "sarsa,expected-sarsa,q");  // run_fields order: agent, then alpha
  grid.set_values("alpha", alphas);
  grid.set("epsilon", "0.1");
  grid.set("gamma", "1");
  grid.set("episodes", std::to_string(episodes));
  grid.set("eval_episodes", "0");  // the figure needs the training returns only
  grid.set_runs(runs);
  ex::SweepOptions o;
  o.bootstrap = 0;
  const bool bar = progress && isatty(STDERR_FILENO) == 1;
  auto last = std::chrono::steady_clock::now();
  o.progress = [&](std::int64_t done, std::int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (!bar || (done < total && now - last < std::chrono::milliseconds(200))) return;
    last = now;
    fmt::print(stderr, "\r  {} runs x {} episodes: {}/{} runs\x1b[K{}", runs, episodes, done, total, done == total ? "\n" : "");
  };
  const auto t0 = std::chrono::steady_clock::now();
  const ex::SweepResult r = ex::run_sweep(grid, ex::Threads{threads}, o);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto summaries = ex::summarize_cells(grid, r, 0);
  Curve out(num_methods, std::vector<Point>(alphas.size()));
  for (std::size_t c = 0; c < summaries.size(); ++c) {
    const ex::MetricSummary& s = summaries[c][0];  // mean_return: the mean over all episodes
    out[c / alphas.size()][c % alphas.size()] = {s.mean, std::isnan(s.se) ? 0.0 : s.se};
  }
  return out;
}

/// The book's statements, each tested with room for the noise of the chosen scale: a
/// difference counts when it exceeds 3 standard errors plus a fixed margin.
///  1. Expected SARSA's asymptotic return at alpha = 1 is within 2 of its best over alpha.
///  2. SARSA's asymptotic return at alpha = 1 is at least 10 below its best over alpha, and
///     below Expected SARSA's at alpha = 1 by as much.
///  3. Expected SARSA's interim return beats SARSA's at every alpha >= 0.2 (a wide range).
bool check_book(const Curve& interim, const Curve& asym, const std::vector<double>& alpha) {
  const auto beats = [](Point a, Point b, double margin) {
    return a.mean - b.mean > margin + 3.0 * std::sqrt(a.se * a.se + b.se * b.se);
  };
  const std::size_t last = alpha.size() - 1;
  const auto best = [](const std::vector<Point>& v) {
    return *std::max_element(v.begin(), v.end(), [](Point a, Point b) { return a.mean < b.mean; });
  };
  bool ok = true;
  const auto say = [&ok](bool pass, const std::string& what) {
    fmt::print("  [{}] {}\n", pass ? "ok" : "FAILED", what);
    ok = ok && pass;
  };
  const Point es_best = best(asym[1]), es_1 = asym[1][last];
  say(!beats(es_best, es_1, 2.0), fmt::format("Expected Sarsa asymptotic holds up: alpha 1 {:.2f} vs best {:.2f}", es_1.mean, es_best.mean));
  const Point sarsa_best = best(asym[0]), sarsa_1 = asym[0][last];
  say(beats(sarsa_best, sarsa_1, 10.0),
      fmt::format("Sarsa asymptotic degrades: alpha 1 {:.2f} vs best {:.2f}", sarsa_1.mean, sarsa_best.mean));
  say(beats(es_1, sarsa_1, 10.0), fmt::format("at alpha 1 Expected Sarsa {:.2f} beats Sarsa {:.2f} asymptotically", es_1.mean, sarsa_1.mean));
  bool wide = true;
  for (std::size_t i = 0; i < alpha.size(); ++i) {
    if (alpha[i] >= 0.2 - 1e-9) wide = wide && beats(interim[1][i], interim[0][i], 0.0);
  }
  say(wide, "Expected Sarsa's interim return beats Sarsa's at every alpha from 0.2 to 1");
  return ok;
}

std::string figure_svg(const Curve& interim, const Curve& asym, const std::vector<double>& alpha, const std::string& title) {
  namespace viz = tabrl::viz;
  const auto text = [](double x, double y, const std::string& t, int size, const char* anchor) {
    return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"{}\">{}</text>\n", x, y, size, anchor,
                       viz::xml_escape(t));
  };
  const double w = 720, h = 460, left = 70, right = 180, top = 40, bottom = 60;
  const double y_lo = -160, y_hi = 0;
  const auto px = [&](double a) { return left + (a - 0.1) / 0.9 * (w - left - right); };
  const auto py = [&](double v) { return top + (y_hi - std::clamp(v, y_lo, y_hi)) / (y_hi - y_lo) * (h - top - bottom); };
  std::string s = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
      w, h);
  s += text(w / 2, 22, title, 14, "middle");
  for (double t = y_lo; t <= y_hi; t += 20) {
    s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", left, py(t), w - right, py(t));
    s += text(left - 6, py(t) + 4, fmt::format("{:.0f}", t), 11, "end");
  }
  for (const double a : alpha) {
    s += text(px(a), h - bottom + 18, fmt::format("{:.1f}", a), 11, "middle");
  }
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", left, top, w - left - right,
                   h - top - bottom);
  s += text((left + w - right) / 2, h - 18, "alpha", 13, "middle");
  s += fmt::format("<text x=\"18\" y=\"{}\" font-size=\"13\" font-family=\"{}\" transform=\"rotate(-90 18 {})\" "
                   "text-anchor=\"middle\">sum of rewards per episode</text>\n",
                   (top + h - bottom) / 2, "DejaVu Sans, Helvetica, Arial, sans-serif", (top + h - bottom) / 2);
  double legend_y = top + 10;
  for (int m = 0; m < num_methods; ++m) {
    for (int kind = 0; kind < 2; ++kind) {
      const Curve& c = kind == 0 ? asym : interim;
      std::string points;
      for (std::size_t i = 0; i < alpha.size(); ++i) points += fmt::format("{:.1f},{:.1f} ", px(alpha[i]), py(c[m][i].mean));
      const char* dash = kind == 0 ? "" : " stroke-dasharray=\"6 4\"";
      s += fmt::format("<polyline class=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n",
                       kind == 0 ? "asymptotic" : "interim", points, methods[m].color, dash);
      for (std::size_t i = 0; i < alpha.size(); ++i)
        s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", px(alpha[i]), py(c[m][i].mean), methods[m].color);
      s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", w - right + 10, legend_y,
                       w - right + 34, legend_y, methods[m].color, dash);
      s += text(w - right + 40, legend_y + 4,
                         fmt::format("{} ({})", methods[m].label, kind == 0 ? "asymptotic" : "interim"), 11, "start");
      legend_y += 18;
    }
  }
  s += "</svg>\n";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Sutton & Barto Figure 6.3: interim and asymptotic performance of TD control methods (tabrl)"};
  int interim_runs = 50'000, interim_episodes = 100, asym_runs = 10, asym_episodes = 100'000, threads = 0;
  std::string svg = "figure_6_3.svg", csv;
  bool check = false;
  app.add_option("--interim-runs", interim_runs, "runs averaged for the interim curves (book: 50000)")->check(CLI::Range(1, 10'000'000));
  app.add_option("--interim-episodes", interim_episodes, "episodes of an interim run (book: 100)")->check(CLI::Range(1, 100'000));
  app.add_option("--asymptotic-runs", asym_runs, "runs averaged for the asymptotic curves (book: 10)")->check(CLI::Range(1, 100'000));
  app.add_option("--asymptotic-episodes", asym_episodes, "episodes of an asymptotic run (book: 100000)")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--threads", threads, "threads (0: all cores)")->check(CLI::Range(0, 4096));
  app.add_option("--svg", svg, "where to write the figure (empty: nowhere)");
  app.add_option("--csv", csv, "also write the values as CSV here");
  app.add_flag("--check", check, "exit 1 unless the book's statements about the figure hold");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> alpha_text;
  std::vector<double> alpha;
  for (int i = 1; i <= 10; ++i) {
    alpha.push_back(i / 10.0);
    alpha_text.push_back(ex::number_text(i / 10.0));
  }
  try {
    fmt::print("CliffWalking, online, epsilon 0.1, gamma 1; interim: {} runs x {} episodes; asymptotic: {} runs x {} episodes\n",
               interim_runs, interim_episodes, asym_runs, asym_episodes);
    std::fflush(stdout);
    double t_interim = 0, t_asym = 0;
    const Curve interim = sweep(interim_runs, interim_episodes, alpha_text, threads, true, t_interim);
    const Curve asym = sweep(asym_runs, asym_episodes, alpha_text, threads, true, t_asym);
    fmt::print("\nmean sum of rewards per episode (standard error in parentheses)\n{:>6}", "alpha");
    for (const auto& m : methods) fmt::print(" {:>24}", fmt::format("{} interim", m.label));
    for (const auto& m : methods) fmt::print(" {:>26}", fmt::format("{} asymptotic", m.label));
    fmt::print("\n");
    for (std::size_t i = 0; i < alpha.size(); ++i) {
      fmt::print("{:>6.1f}", alpha[i]);
      for (int m = 0; m < num_methods; ++m) fmt::print(" {:>24}", fmt::format("{:.2f} ({:.2f})", interim[m][i].mean, interim[m][i].se));
      for (int m = 0; m < num_methods; ++m) fmt::print(" {:>26}", fmt::format("{:.2f} ({:.2f})", asym[m][i].mean, asym[m][i].se));
      fmt::print("\n");
    }
    const int cores = ex::detail::thread_count(threads);
    fmt::print("time: interim {:.1f} s, asymptotic {:.1f} s, total {:.1f} s on {} thread(s)\n", t_interim, t_asym, t_interim + t_asym, cores);
    if (!svg.empty()) {
      tabrl::viz::write_text_file(
          svg, figure_svg(interim, asym, alpha,
                          fmt::format("Interim ({} runs x {} episodes) and asymptotic ({} runs x {} episodes) performance",
                                      interim_runs, interim_episodes, asym_runs, asym_episodes)));
      fmt::print("wrote {}\n", svg);
    }
    if (!csv.empty()) {
      std::string text = "method,alpha,interim_mean,interim_se,asymptotic_mean,asymptotic_se\n";
      for (int m = 0; m < num_methods; ++m) {
        for (std::size_t i = 0; i < alpha.size(); ++i) {
          text += fmt::format("{},{},{},{},{},{}\n", methods[m].agent, alpha_text[i], interim[m][i].mean, interim[m][i].se,
                              asym[m][i].mean, asym[m][i].se);
        }
      }
      tabrl::viz::write_text_file(csv, text);
      fmt::print("wrote {}\n", csv);
    }
    if (check) {
      fmt::print("the book's statements:\n");
      if (!check_book(interim, asym, alpha)) {
        std::fprintf(stderr, "figure_6_3: the results do not show what the book says\n");
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "figure_6_3: %s\n", e.what());
    return 2;
  }
  return 0;
}
