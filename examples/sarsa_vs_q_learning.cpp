// sarsa_vs_q_learning: Sutton & Barto (2nd ed.), Example 6.6 / Figure 6.4, reproduced.
//
// Online TD control on CliffWalking with epsilon 0.1, alpha 0.5, gamma 1, 500 episodes,
// averaged over many independent runs: the sum of rewards per episode of SARSA, Q-learning,
// Expected SARSA and Double Q-learning. The book's point: SARSA learns the longer, safe path
// and earns more online; Q-learning learns the optimal path along the cliff edge but falls
// more often while it explores. Prints the mean return over episodes 100..500 per method and
// writes the curves as SVG (--svg) and as CSV (--csv: episode, then the mean return of each
// method). With --check it exits non-zero unless the book's shape holds (see check_shape).

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <type_traits>
#include <vector>

#include <tabrl/tabrl.hpp>
#include <tabrl/viz/svg.hpp>

namespace {

// Run r uses seed r for the environment resets and the behaviour policy; Double Q-learning's
// coin gets its own stream derived from the same seed.
template <class AgentT>
std::vector<std::vector<double>> runs_of(int runs, int episodes, const tabrl::TDOptions& cfg) {
  std::vector<std::vector<double>> out;
  tabrl::CliffWalking env;
  for (int r = 0; r < runs; ++r) {
    const auto seed = static_cast<std::uint64_t>(r);
    auto agent = [&] {
      if constexpr (std::is_same_v<AgentT, tabrl::DoubleQLearningAgent<>>) {
        return AgentT(48, 4, cfg, tabrl::derive_seed(seed, 77));
      } else {
        return AgentT(48, 4, cfg);
      }
    }();
    out.push_back(tabrl::train_online(agent, env, {.episodes = episodes, .seed = seed}).returns);
  }
  return out;
}

double mean_over(const std::vector<std::vector<double>>& runs, int first, int last) {
  double sum = 0;
  int n = 0;
  for (const auto& run : runs) {
    for (int e = first; e < last && e < static_cast<int>(run.size()); ++e) {
      sum += run[static_cast<std::size_t>(e)];
      ++n;
    }
  }
  return n > 0 ? sum / n : 0.0;
}

// The per-episode mean over runs of every series, one row per episode.
void write_csv(const std::string& path, const std::vector<tabrl::viz::CurveSeries>& series, int episodes) {
  std::ofstream out(path);
  out << "episode";
  for (const auto& s : series) out << ',' << s.name;
  out << '\n';
  for (int e = 0; e < episodes; ++e) {
    out << e + 1;
    for (const auto& s : series) out << ',' << fmt::format("{:.4f}", mean_over(s.runs, e, e + 1));
    out << '\n';
  }
  if (!out) throw tabrl::Error("sarsa_vs_q_learning: cannot write '" + path + "'");
}

// The book's shape, with room for run-to-run noise at >= 100 runs (1000 runs measure SARSA
// -27.7, Q-learning -49.7): SARSA earns clearly more online than Q-learning, each near the
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
  std::string svg = "figure_6_4.svg";
  std::string csv;
  bool check = false;
  app.add_option("--runs", runs, "independent runs to average")->check(CLI::PositiveNumber);
  app.add_option("--episodes", episodes, "episodes per run (>= 100)")->check(CLI::Range(100, 1000000));
  app.add_option("--svg", svg, "where to write the curves (empty: nowhere)");
  app.add_option("--csv", csv, "also write the mean curves as CSV here");
  app.add_flag("--check", check, "exit 1 unless SARSA beats Q-learning online as in the book");
  CLI11_PARSE(app, argc, argv);

  const tabrl::TDOptions cfg{.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1};
  const std::vector<tabrl::viz::CurveSeries> series = {
      {"SARSA", runs_of<tabrl::SarsaAgent<>>(runs, episodes, cfg), tabrl::viz::Rgb{0x1f, 0x4e, 0xc8}},
      {"Q-learning", runs_of<tabrl::QLearningAgent<>>(runs, episodes, cfg), tabrl::viz::Rgb{0xd6, 0x3a, 0x2f}},
      {"Expected SARSA", runs_of<tabrl::ExpectedSarsaAgent<>>(runs, episodes, cfg),
       tabrl::viz::Rgb{0x2a, 0x9d, 0x4a}},
      {"Double Q-learning", runs_of<tabrl::DoubleQLearningAgent<>>(runs, episodes, cfg),
       tabrl::viz::Rgb{0x8e, 0x44, 0xad}},
  };
  fmt::print("CliffWalking, online, epsilon 0.1, alpha 0.5, gamma 1, {} runs x {} episodes\n", runs, episodes);
  fmt::print("mean sum of rewards per episode over episodes 100..{}:\n", episodes);
  std::vector<double> means;
  for (const auto& s : series) {
    means.push_back(mean_over(s.runs, 99, episodes));
    fmt::print("  {:<18} {:8.2f}\n", s.name, means.back());
  }
  if (!svg.empty()) {
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
    write_csv(csv, series, episodes);
    fmt::print("wrote {}\n", csv);
  }
  if (check && !check_shape(means)) {
    std::fprintf(stderr, "sarsa_vs_q_learning: the curves do not have the book's shape\n");
    return 1;
  }
  return 0;
}
