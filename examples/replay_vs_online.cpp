// replay_vs_online: does experience replay change where the agent goes?
//
// The notebook asks whether Q-learning with a replay memory visits CliffWalking's states
// differently from plain (online) Q-learning. This program answers with numbers: it trains
// both on the same seeds (default 30 seeds x 100 episodes, the notebook's gamma 1, alpha 0.9,
// epsilon 0.1, memory 2000, batch 32) and prints, side by side, the mean visit-count grids,
// the share of visits along the cliff-edge row and on the optimal path, how many episodes
// each needs before its greedy policy is optimal (return -13), the mean return of the last 10
// episodes and the env steps used. It writes both heatmaps and the learning curves (mean +-
// std over seeds) as SVG into --out.
//
// The online agent runs tabrl::train_online (update(transition) after every step, no
// memory); the replay agent runs tabrl::train. Both reset episode e of seed s with
// derive_seed(s, e), so any difference comes from the learning rule alone.

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include <tabrl/tabrl.hpp>
#include <tabrl/training/train_online.hpp>
#include <tabrl/viz/viz.hpp>

namespace {

namespace viz = tabrl::viz;
using tabrl::CliffWalking;

/// Everything the command line controls.
struct Config {
  int seeds = 30;
  int episodes = 100;
  std::uint64_t first_seed = 0;
  std::size_t memory = 2000;
  std::size_t batch = 32;
  double gamma = 1.0;
  double alpha = 0.9;
  double epsilon = 0.1;
  std::string out = "replay_vs_online_out";
  bool no_color = false;
};

/// The optimal CliffWalking path: up from the start, along row 2, down into the goal.
constexpr double optimal_return = -13.0;
[[nodiscard]] bool on_optimal_path(int s) {
  return s == CliffWalking::start_state || s == CliffWalking::goal_state || (s >= 24 && s <= 35);
}

/// Watches the greedy policy after every episode: when was it first optimal, and from which
/// episode on did it stay optimal. The check uses its own generator (ties in the Q table are
/// broken the same way every time) so it never shifts the training draws.
template <class AgentT>
struct OptimalityWatch {
  const AgentT& agent;
  std::uint64_t seed;
  int first = -1;       ///< 1-based episode after which the greedy return was first -13
  int stays_from = -1;  ///< 1-based episode from which it was -13 through the end

  void on_episode_end(const tabrl::EpisodeEvent& e) {
    CliffWalking env;
    tabrl::Rng rng(tabrl::derive_seed(seed, 0xE7A1));
    const auto r = tabrl::greedy_rollout(agent, env, rng, 100);
    const bool optimal = r.terminated && r.total_return == optimal_return;
    if (optimal && first < 0) first = e.episode + 1;
    if (optimal && stays_from < 0) stays_from = e.episode + 1;
    if (!optimal) stays_from = -1;
  }
};

/// One method's results over all seeds.
struct MethodResults {
  std::string name;
  std::vector<tabrl::TrainingLog> logs;
  std::vector<int> first_optimal, stays_optimal;
  std::vector<double> final_greedy_return;
};

struct Summary {
  double mean = 0, std = 0;
};
[[nodiscard]] Summary summarize(const std::vector<double>& v) {
  Summary s;
  if (v.empty()) return s;
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (v.size() > 1) {
    double sq = 0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(sq / static_cast<double>(v.size() - 1));
  }
  return s;
}
[[nodiscard]] double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

[[nodiscard]] std::vector<double> mean_visits(const MethodResults& m) {
  std::vector<double> v(static_cast<std::size_t>(CliffWalking::num_states()), 0.0);
  for (const auto& log : m.logs) {
    for (std::size_t s = 0; s < v.size(); ++s) v[s] += static_cast<double>(log.visit_counts[s]);
  }
  for (double& x : v) x /= static_cast<double>(m.logs.size());
  return v;
}

/// Per run: the share of all visits that fall on states where pred(s) holds.
template <class Pred>
[[nodiscard]] std::vector<double> visit_share(const MethodResults& m, Pred pred) {
  std::vector<double> out;
  for (const auto& log : m.logs) {
    double in = 0, total = 0;
    for (int s = 0; s < CliffWalking::num_states(); ++s) {
      const auto c = static_cast<double>(log.visit_counts[static_cast<std::size_t>(s)]);
      total += c;
      if (pred(s)) in += c;
    }
    out.push_back(in / total);
  }
  return out;
}

template <class F>
[[nodiscard]] std::vector<double> per_run(const MethodResults& m, F f) {
  std::vector<double> out;
  for (const auto& log : m.logs) out.push_back(f(log));
  return out;
}

/// "x of n" for runs that reached optimality, and the median episode among them.
[[nodiscard]] std::string optimal_summary(const std::vector<int>& episodes) {
  std::vector<double> reached;
  for (int e : episodes) {
    if (e > 0) reached.push_back(e);
  }
  if (reached.empty()) return fmt::format("never (0/{})", episodes.size());
  const Summary s = summarize(reached);
  return fmt::format("{:.1f} +- {:.1f} (median {:.0f}; {}/{} runs)", s.mean, s.std, median(reached), reached.size(),
                     episodes.size());
}

int run(const Config& c) {
  const tabrl::TDOptions td{.gamma = c.gamma, .alpha = c.alpha, .epsilon = c.epsilon};
  MethodResults online{"online Q-learning", {}, {}, {}, {}};
  MethodResults replay{"Q-learning + replay", {}, {}, {}, {}};
  for (int i = 0; i < c.seeds; ++i) {
    const std::uint64_t seed = c.first_seed + static_cast<std::uint64_t>(i);
    const tabrl::TrainOptions options{.episodes = c.episodes, .batch_size = c.batch, .seed = seed};
    {
      CliffWalking env;
      tabrl::QLearningAgent<> agent(env.num_states(), env.num_actions(), td);
      OptimalityWatch<tabrl::QLearningAgent<>> watch{agent, seed};
      online.logs.push_back(tabrl::train_online(agent, env, options, watch));
      online.first_optimal.push_back(watch.first);
      online.stays_optimal.push_back(watch.stays_from);
    }
    {
      CliffWalking env;
      tabrl::QLearningAgent<> agent(env.num_states(), env.num_actions(), td);
      tabrl::ReplayMemory<> memory(c.memory);
      OptimalityWatch<tabrl::QLearningAgent<>> watch{agent, seed};
      replay.logs.push_back(tabrl::train(agent, env, memory, options, watch));
      replay.first_optimal.push_back(watch.first);
      replay.stays_optimal.push_back(watch.stays_from);
    }
  }

  const bool color = viz::stdout_use_color(c.no_color);
  const auto v_online = mean_visits(online), v_replay = mean_visits(replay);
  // One colour scale for both grids, so equal colours mean equal counts.
  double hi = 0;
  for (double x : v_online) hi = std::max(hi, x);
  for (double x : v_replay) hi = std::max(hi, x);
  viz::TextHeatmapOptions text_opts;
  text_opts.color = color;
  text_opts.precision = 0;
  text_opts.scale = viz::Scale::log;
  text_opts.lo = 0;
  text_opts.hi = hi;

  fmt::print("replay vs online Q-learning on CliffWalking: {} seeds ({}..{}), {} episodes each\n", c.seeds,
             c.first_seed, c.first_seed + static_cast<std::uint64_t>(c.seeds) - 1, c.episodes);
  fmt::print("gamma {}, alpha {}, epsilon {}; replay: memory {}, batch {}, one minibatch update per step\n\n", c.gamma,
             c.alpha, c.epsilon, c.memory, c.batch);
  fmt::print("{}", viz::side_by_side(fmt::format("mean visits per state, {}:\n", online.name) +
                                         viz::heatmap_text(std::span<const double>(v_online), 4, 12, text_opts),
                                     fmt::format("mean visits per state, {}:\n", replay.name) +
                                         viz::heatmap_text(std::span<const double>(v_replay), 4, 12, text_opts)));

  auto row2 = [](int s) { return s >= 24 && s <= 35; };
  struct Row {
    std::string label;
    std::string a, b;
  };
  auto pm = [](const std::vector<double>& v, const char* spec) {
    const Summary s = summarize(v);
    return fmt::format(fmt::runtime(spec), s.mean, s.std);
  };
  auto percent = [](std::vector<double> v) {
    for (double& x : v) x *= 100.0;
    return v;
  };
  auto ret10 = [](const tabrl::TrainingLog& l) { return l.mean_return_last(10); };
  auto steps = [](const tabrl::TrainingLog& l) { return static_cast<double>(l.env_steps); };
  auto updates = [](const tabrl::TrainingLog& l) { return static_cast<double>(l.updates); };
  auto ms = [](const tabrl::TrainingLog& l) { return l.seconds * 1e3; };
  // Each fall costs -100 instead of -1: return = -(length) - 99 * falls, per episode.
  auto falls = [](const tabrl::TrainingLog& l) {
    double f = 0;
    for (std::size_t e = 0; e < l.returns.size(); ++e) f += (-l.returns[e] - static_cast<double>(l.lengths[e])) / 99.0;
    return f;
  };
  const std::vector<Row> rows{
      {"share of visits on the cliff-edge row (row 2)", pm(percent(visit_share(online, row2)), "{:.1f}% +- {:.1f}%"),
       pm(percent(visit_share(replay, row2)), "{:.1f}% +- {:.1f}%")},
      {"share of visits on the optimal path (14 cells)", pm(percent(visit_share(online, on_optimal_path)), "{:.1f}% +- {:.1f}%"),
       pm(percent(visit_share(replay, on_optimal_path)), "{:.1f}% +- {:.1f}%")},
      {"episodes until greedy policy first optimal", optimal_summary(online.first_optimal),
       optimal_summary(replay.first_optimal)},
      {"episode from which it stays optimal", optimal_summary(online.stays_optimal),
       optimal_summary(replay.stays_optimal)},
      {"mean return, last 10 episodes", pm(per_run(online, ret10), "{:.1f} +- {:.1f}"),
       pm(per_run(replay, ret10), "{:.1f} +- {:.1f}")},
      {"cliff falls per run", pm(per_run(online, falls), "{:.1f} +- {:.1f}"),
       pm(per_run(replay, falls), "{:.1f} +- {:.1f}")},
      {"env steps used", pm(per_run(online, steps), "{:.0f} +- {:.0f}"), pm(per_run(replay, steps), "{:.0f} +- {:.0f}")},
      {"updates (online: 1 per step; replay: minibatches)", pm(per_run(online, updates), "{:.0f} +- {:.0f}"),
       pm(per_run(replay, updates), "{:.0f} +- {:.0f}")},
      {"training time per run (ms)", pm(per_run(online, ms), "{:.2f} +- {:.2f}"), pm(per_run(replay, ms), "{:.2f} +- {:.2f}")},
  };
  fmt::print("\n{:<50} {:<40} {}\n", "(mean +- std over seeds)", online.name, replay.name);
  for (const Row& r : rows) fmt::print("{:<50} {:<40} {}\n", r.label, r.a, r.b);

  if (!c.out.empty()) {
    std::filesystem::create_directories(c.out);
    const auto path = [&c](const char* name) { return (std::filesystem::path(c.out) / name).string(); };
    viz::SvgHeatmapOptions h;
    h.scale = viz::Scale::log;
    h.lo = 0;
    h.hi = hi;
    h.precision = 0;
    h.colorbar_label = "mean visits (log scale)";
    h.title = fmt::format("{}: mean visits per state ({} seeds x {} episodes)", online.name, c.seeds, c.episodes);
    viz::write_text_file(path("visit_counts_online.svg"), viz::svg_heatmap(std::span<const double>(v_online), 4, 12, h));
    h.title = fmt::format("{}: mean visits per state ({} seeds x {} episodes)", replay.name, c.seeds, c.episodes);
    viz::write_text_file(path("visit_counts_replay.svg"), viz::svg_heatmap(std::span<const double>(v_replay), 4, 12, h));

    auto series = [](const MethodResults& m, viz::Rgb line) {
      viz::CurveSeries s{m.name, {}, line};
      for (const auto& log : m.logs) s.runs.push_back(log.returns);
      return s;
    };
    const std::vector<viz::CurveSeries> both{series(online, {0xd9, 0x54, 0x1e}), series(replay, {0x1f, 0x4e, 0xc8})};
    viz::LearningCurveOptions lc;
    lc.y_min = -300;
    lc.y_max = 0;
    lc.title = fmt::format("return per episode, mean +- std over {} seeds", c.seeds);
    viz::write_text_file(path("learning_curves.svg"), viz::svg_learning_curve(both, lc));
    lc.title = fmt::format("{}: return per episode ({} seeds)", online.name, c.seeds);
    viz::write_text_file(path("learning_curve_online.svg"), viz::svg_learning_curve(std::span(both.data(), 1), lc));
    lc.title = fmt::format("{}: return per episode ({} seeds)", replay.name, c.seeds);
    viz::write_text_file(path("learning_curve_replay.svg"), viz::svg_learning_curve(std::span(both.data() + 1, 1), lc));
    fmt::print(
        "\nwrote {0}/visit_counts_online.svg, {0}/visit_counts_replay.svg, {0}/learning_curves.svg, "
        "{0}/learning_curve_online.svg, {0}/learning_curve_replay.svg\n",
        c.out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Experience replay vs plain online Q-learning on CliffWalking, on the same seeds (tabrl)"};
  Config c;
  app.add_option("--seeds", c.seeds, "number of seeds (runs per method)")->check(CLI::PositiveNumber);
  app.add_option("--episodes", c.episodes, "episodes per run")->check(CLI::PositiveNumber);
  app.add_option("--first-seed", c.first_seed, "seeds are first-seed .. first-seed + seeds - 1");
  app.add_option("--memory", c.memory, "replay memory capacity")->check(CLI::PositiveNumber);
  app.add_option("--batch", c.batch, "minibatch size")->check(CLI::PositiveNumber);
  app.add_option("--gamma", c.gamma, "discount factor in [0, 1]");
  app.add_option("--alpha", c.alpha, "learning rate in (0, 1]");
  app.add_option("--epsilon", c.epsilon, "exploration rate in [0, 1]");
  app.add_option("--out", c.out, "directory for the SVG files (empty: write none)");
  app.add_flag("--no-color", c.no_color, "plain text even on a terminal (NO_COLOR is honoured too)");
  try {
    app.parse(argc, argv);
    if (c.batch > c.memory) {
      throw tabrl::InvalidArgument(fmt::format("--batch ({}) must not exceed --memory ({})", c.batch, c.memory));
    }
    return run(c);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "replay_vs_online: {}\n", e.what());
    return 2;
  }
}
