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
// memory); the replay agent runs tabrl::train. Both are cells of one sweep of the experiment
// engine (tabrl::experiment, on every core): run r of both has the seed derive_seed(--seed,
// r) and resets episode e with derive_seed(that seed, e), so any difference comes from the
// learning rule alone.
//
// --planning adds the model-based counterpart of replay (issue 19): Dyna-Q and prioritized
// sweeping, each making as many updates per env step from its learned model as the replay
// agent makes from its memory (--planning-steps, default the batch size, 32), on the same
// paired seeds, in a second table, heatmaps and learning curves. Without --planning the
// output is what it always was.

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/experiment/experiment.hpp>
#include <tabrl/training/evaluate.hpp>
#include <tabrl/viz/viz.hpp>

namespace {

namespace viz = tabrl::viz;
using tabrl::CliffWalking;

/// Everything the command line controls.
struct Config {
  int seeds = 30;
  int episodes = 100;
  std::uint64_t seed = 0;  ///< the grid seed (the sweep's seed rule derives each run's)
  int threads = 0;         ///< 0: all cores
  std::size_t memory = 2000;
  std::size_t batch = 32;
  double gamma = 1.0;
  double alpha = 0.9;
  double epsilon = 0.1;
  std::string out = "replay_vs_online_out";
  bool no_color = false;
  bool planning = false;   ///< also run Dyna-Q and prioritized sweeping
  int planning_steps = 0;  ///< their updates per env step (0: the batch size)
  double theta = 1e-4;     ///< prioritized sweeping's queue threshold
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

namespace ex = tabrl::experiment;

/// The metrics this program adds to the engine's standard ones (NaN where a run never
/// reached an optimal greedy policy).
const std::vector<std::string> extra_metrics{"first_optimal", "stays_optimal", "row2_share", "path_share",
                                             "return_last10", "cliff_falls", "train_ms", "planning_updates"};

/// Share of all visits that fall on states where pred(s) holds.
template <class Pred>
[[nodiscard]] double visit_share(const tabrl::TrainingLog& log, Pred pred) {
  double in = 0, total = 0;
  for (int s = 0; s < CliffWalking::num_states(); ++s) {
    const auto c = static_cast<double>(log.visit_counts[static_cast<std::size_t>(s)]);
    total += c;
    if (pred(s)) in += c;
  }
  return in / total;
}

/// One run for the engine: trains with OptimalityWatch as the observer, then appends
/// extra_metrics to the standard result.
ex::RunResult watched_run(const ex::RunSpec& spec) {
  return ex::visit_run_in<ex::CliffKind>(spec, [&spec](auto& env, auto& agent, auto& memory) {
    OptimalityWatch<std::decay_t<decltype(agent)>> watch{agent, spec.seed};
    tabrl::TrainingLog log = ex::train_run(spec, env, agent, memory, watch);
    // Each fall costs -100 instead of -1: return = -(length) - 99 * falls, per episode.
    double falls = 0;
    for (std::size_t e = 0; e < log.returns.size(); ++e)
      falls += (-log.returns[e] - static_cast<double>(log.lengths[e])) / 99.0;
    const auto episode_or_nan = [](int e) { return e > 0 ? static_cast<double>(e) : NAN; };
    double planned = 0;  // the updates a model-based agent made from its model
    if constexpr (requires { agent.planning_updates(); }) planned = static_cast<double>(agent.planning_updates());
    const std::vector<double> extra{episode_or_nan(watch.first),
                                    episode_or_nan(watch.stays_from),
                                    visit_share(log, [](int s) { return s >= 24 && s <= 35; }),
                                    visit_share(log, on_optimal_path),
                                    log.mean_return_last(10),
                                    falls,
                                    log.seconds * 1e3,
                                    planned};
    ex::RunResult r = ex::standard_result(spec, env, agent, std::move(log));
    r.metrics.insert(r.metrics.end(), extra.begin(), extra.end());
    return r;
  });
}

/// One method's results over all seeds: its cell of the sweep and the metric summaries.
struct MethodResults {
  std::string name;
  const ex::CellStats* cell = nullptr;
  std::vector<ex::MetricSummary> summary;  ///< one per metric name
};

/// A learning-curve series of a method's mean return per episode +- its std over seeds. The
/// chart takes runs and draws their mean +- std; the sweep keeps only the mean and the spread
/// per episode (Welford), so the series is two runs m - d and m + d with d = std / sqrt(2),
/// whose mean is m and whose sample std is exactly std.
viz::CurveSeries mean_sd_series(const MethodResults& m, viz::Rgb line) {
  viz::CurveSeries s{m.name, {{}, {}}, line};
  const ex::WelfordCurve& w = m.cell->returns;
  for (std::size_t e = 0; e < w.size(); ++e) {
    const double d = w.count() > 1 ? w.sd(e) / std::sqrt(2.0) : 0.0;
    s.runs[0].push_back(w.mean()[e] - d);
    s.runs[1].push_back(w.mean()[e] + d);
  }
  return s;
}

/// Two methods' mean visit counts as text heatmaps, side by side.
void print_heatmaps(const MethodResults& a, const MethodResults& b, const viz::TextHeatmapOptions& o) {
  const auto map = [&o](const MethodResults& m) {
    return fmt::format("mean visits per state, {}:\n", m.name) +
           viz::heatmap_text(std::span<const double>(m.cell->visits.mean()), 4, 12, o);
  };
  fmt::print("{}", viz::side_by_side(map(a), map(b)));
}

/// A method's mean visit counts as an SVG heatmap on a log scale from 0 to `hi`.
void write_heatmap(const std::string& path, const MethodResults& m, const Config& c, double hi) {
  viz::SvgHeatmapOptions h;
  h.scale = viz::Scale::log;
  h.lo = 0;
  h.hi = hi;
  h.precision = 0;
  h.colorbar_label = "mean visits (log scale)";
  h.title = fmt::format("{}: mean visits per state ({} seeds x {} episodes)", m.name, c.seeds, c.episodes);
  viz::write_text_file(path, viz::svg_heatmap(std::span<const double>(m.cell->visits.mean()), 4, 12, h));
}

int run(const Config& c) {
  // One sweep: replay online and uniform, c.seeds paired runs each (run r of both has seed
  // derive_seed(c.seed, r)), on every core.
  ex::Grid grid;
  grid.set("replay", "online,uniform");
  grid.set("agent", "q");
  grid.set("gamma", ex::number_text(c.gamma));
  grid.set("alpha", ex::number_text(c.alpha));
  grid.set("epsilon", ex::number_text(c.epsilon));
  grid.set("memory", ex::number_text(c.memory));
  grid.set("batch", ex::number_text(c.batch));
  grid.set("episodes", ex::number_text(c.episodes));
  grid.set("eval_episodes", "0");
  grid.set_runs(c.seeds);
  grid.set_seed(c.seed);
  ex::SweepOptions options;
  options.run = watched_run;
  options.extra_metrics = extra_metrics;
  options.bootstrap = 0;
  const ex::SweepResult sweep = ex::run_sweep(grid, ex::Threads{c.threads}, options);
  const auto summaries = ex::summarize_cells(grid, sweep, 0);
  MethodResults online{"online Q-learning", &sweep.cells[0], summaries[0]};
  MethodResults replay{"Q-learning + replay", &sweep.cells[1], summaries[1]};

  const bool color = viz::stdout_use_color(c.no_color);
  const std::vector<double>& v_online = online.cell->visits.mean();
  const std::vector<double>& v_replay = replay.cell->visits.mean();
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

  fmt::print("replay vs online Q-learning on CliffWalking: {} paired seeds (grid seed {}), {} episodes each\n", c.seeds,
             c.seed, c.episodes);
  fmt::print("gamma {}, alpha {}, epsilon {}; replay: memory {}, batch {}, one minibatch update per step\n\n", c.gamma,
             c.alpha, c.epsilon, c.memory, c.batch);
  print_heatmaps(online, replay, text_opts);

  struct Row {
    std::string label;
    std::string a, b;
  };
  // Metric m of a method as "mean +- std" (std over seeds: the standard error times sqrt(n)).
  const auto metric_index = [&sweep](std::string_view name) {
    return static_cast<std::size_t>(std::find(sweep.metric_names.begin(), sweep.metric_names.end(), name) -
                                    sweep.metric_names.begin());
  };
  const auto pm = [&](const MethodResults& m, std::string_view name, const char* spec, double scale = 1.0) {
    const ex::MetricSummary& s = m.summary[metric_index(name)];
    const double sd = s.n > 1 ? s.se * std::sqrt(static_cast<double>(s.n)) : 0.0;
    return fmt::format(fmt::runtime(spec), s.mean * scale, sd * scale);
  };
  // "mean +- std (median; reached/n runs)" over the runs that reached optimality.
  const auto optimal_summary = [&](const MethodResults& m, std::string_view name) {
    const ex::MetricSummary& s = m.summary[metric_index(name)];
    if (s.n == 0) return fmt::format("never (0/{})", c.seeds);
    const double sd = s.n > 1 ? s.se * std::sqrt(static_cast<double>(s.n)) : 0.0;
    return fmt::format("{:.1f} +- {:.1f} (median {:.0f}; {}/{} runs)", s.mean, sd, s.median, s.n, c.seeds);
  };
  const std::vector<Row> rows{
      {"share of visits on the cliff-edge row (row 2)", pm(online, "row2_share", "{:.1f}% +- {:.1f}%", 100.0),
       pm(replay, "row2_share", "{:.1f}% +- {:.1f}%", 100.0)},
      {"share of visits on the optimal path (14 cells)", pm(online, "path_share", "{:.1f}% +- {:.1f}%", 100.0),
       pm(replay, "path_share", "{:.1f}% +- {:.1f}%", 100.0)},
      {"episodes until greedy policy first optimal", optimal_summary(online, "first_optimal"),
       optimal_summary(replay, "first_optimal")},
      {"episode from which it stays optimal", optimal_summary(online, "stays_optimal"),
       optimal_summary(replay, "stays_optimal")},
      {"mean return, last 10 episodes", pm(online, "return_last10", "{:.1f} +- {:.1f}"),
       pm(replay, "return_last10", "{:.1f} +- {:.1f}")},
      {"cliff falls per run", pm(online, "cliff_falls", "{:.1f} +- {:.1f}"), pm(replay, "cliff_falls", "{:.1f} +- {:.1f}")},
      {"env steps used", pm(online, "env_steps", "{:.0f} +- {:.0f}"), pm(replay, "env_steps", "{:.0f} +- {:.0f}")},
      {"updates (online: 1 per step; replay: minibatches)", pm(online, "updates", "{:.0f} +- {:.0f}"),
       pm(replay, "updates", "{:.0f} +- {:.0f}")},
      {"training time per run (ms)", pm(online, "train_ms", "{:.2f} +- {:.2f}"), pm(replay, "train_ms", "{:.2f} +- {:.2f}")},
  };
  fmt::print("\n{:<50} {:<40} {}\n", "(mean +- std over seeds)", online.name, replay.name);
  for (const Row& r : rows) fmt::print("{:<50} {:<40} {}\n", r.label, r.a, r.b);

  if (!c.out.empty()) {
    std::filesystem::create_directories(c.out);
    const auto path = [&c](const char* name) { return (std::filesystem::path(c.out) / name).string(); };
    write_heatmap(path("visit_counts_online.svg"), online, c, hi);
    write_heatmap(path("visit_counts_replay.svg"), replay, c, hi);

    // The chart takes runs and draws their mean +- std; the sweep keeps only the mean and
    // the spread per episode (Welford), so each series is two runs m - d and m + d with
    // d = std / sqrt(2), whose mean is m and whose sample std is exactly std.
    const std::vector<viz::CurveSeries> both{mean_sd_series(online, {0xd9, 0x54, 0x1e}),
                                             mean_sd_series(replay, {0x1f, 0x4e, 0xc8})};
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
  if (!c.planning) return 0;

  // The model-based counterpart: Dyna-Q and prioritized sweeping with as many updates per
  // step as replay makes, on the same paired seeds (same grid seed: run r has the same seed).
  const int n = c.planning_steps > 0 ? c.planning_steps : static_cast<int>(c.batch);
  ex::Grid pgrid;
  pgrid.set("agent", "dyna-q,prioritized-sweeping");
  pgrid.set("gamma", ex::number_text(c.gamma));
  pgrid.set("alpha", ex::number_text(c.alpha));
  pgrid.set("epsilon", ex::number_text(c.epsilon));
  pgrid.set("planning_steps", ex::number_text(n));
  pgrid.set("theta", ex::number_text(c.theta));
  pgrid.set("episodes", ex::number_text(c.episodes));
  pgrid.set("eval_episodes", "0");
  pgrid.set_runs(c.seeds);
  pgrid.set_seed(c.seed);
  const ex::SweepResult psweep = ex::run_sweep(pgrid, ex::Threads{c.threads}, options);
  const auto psummaries = ex::summarize_cells(pgrid, psweep, 0);
  const MethodResults dyna{"Dyna-Q", &psweep.cells[0], psummaries[0]};
  const MethodResults sweeping{"prioritized sweeping", &psweep.cells[1], psummaries[1]};
  const std::vector<double>& v_dyna = dyna.cell->visits.mean();
  const std::vector<double>& v_ps = sweeping.cell->visits.mean();
  double phi = hi;
  for (double x : v_dyna) phi = std::max(phi, x);
  for (double x : v_ps) phi = std::max(phi, x);
  text_opts.hi = phi;
  fmt::print("\nplanning instead of replay: {} updates per env step from a learned model (replay makes {} per step: one "
             "minibatch of {}); prioritized sweeping's theta {}\n\n",
             n, c.batch, c.batch, c.theta);
  print_heatmaps(dyna, sweeping, text_opts);
  // Updates per run, counted in single-row updates: replay's minibatches x batch, a planning
  // agent's real steps + planning updates (prioritized sweeping learns only through its queue).
  const auto sample_updates = [&](const MethodResults& m) {
    const auto& steps = m.cell->metrics[metric_index("env_steps")];
    const auto& updates = m.cell->metrics[metric_index("updates")];
    const auto& planned = m.cell->metrics[metric_index("planning_updates")];
    std::vector<double> total;
    for (std::size_t r = 0; r < steps.size(); ++r) {
      if (&m == &replay) total.push_back(updates[r] * static_cast<double>(c.batch));
      else if (&m == &sweeping) total.push_back(planned[r]);
      else total.push_back(updates[r] + planned[r]);
    }
    double mean = 0, sq = 0;
    for (double x : total) mean += x / static_cast<double>(total.size());
    for (double x : total) sq += (x - mean) * (x - mean);
    return fmt::format("{:.0f} +- {:.0f}", mean, total.size() > 1 ? std::sqrt(sq / static_cast<double>(total.size() - 1)) : 0.0);
  };
  const std::vector<const MethodResults*> all{&online, &replay, &dyna, &sweeping};
  struct Row4 {
    std::string label;
    std::function<std::string(const MethodResults&)> cell;
  };
  const std::vector<Row4> rows4{
      {"share of visits on the cliff-edge row (row 2)",
       [&](const MethodResults& m) { return pm(m, "row2_share", "{:.1f}% +- {:.1f}%", 100.0); }},
      {"share of visits on the optimal path (14 cells)",
       [&](const MethodResults& m) { return pm(m, "path_share", "{:.1f}% +- {:.1f}%", 100.0); }},
      {"episodes until greedy policy first optimal", [&](const MethodResults& m) { return optimal_summary(m, "first_optimal"); }},
      {"episode from which it stays optimal", [&](const MethodResults& m) { return optimal_summary(m, "stays_optimal"); }},
      {"mean return, last 10 episodes", [&](const MethodResults& m) { return pm(m, "return_last10", "{:.1f} +- {:.1f}"); }},
      {"cliff falls per run", [&](const MethodResults& m) { return pm(m, "cliff_falls", "{:.1f} +- {:.1f}"); }},
      {"env steps used", [&](const MethodResults& m) { return pm(m, "env_steps", "{:.0f} +- {:.0f}"); }},
      {"single-row updates per run", sample_updates},
      {"training time per run (ms)", [&](const MethodResults& m) { return pm(m, "train_ms", "{:.2f} +- {:.2f}"); }},
  };
  fmt::print("\n{:<48}", "(mean +- std over seeds)");
  for (const MethodResults* m : all) fmt::print(" {:<36}", m->name);
  fmt::print("\n");
  for (const Row4& r : rows4) {
    fmt::print("{:<48}", r.label);
    for (const MethodResults* m : all) fmt::print(" {:<36}", r.cell(*m));
    fmt::print("\n");
  }
  if (!c.out.empty()) {
    const auto path = [&c](const char* name) { return (std::filesystem::path(c.out) / name).string(); };
    write_heatmap(path("visit_counts_dyna_q.svg"), dyna, c, phi);
    write_heatmap(path("visit_counts_prioritized_sweeping.svg"), sweeping, c, phi);
    std::vector<viz::CurveSeries> four;
    const viz::Rgb colors[] = {{0xd9, 0x54, 0x1e}, {0x1f, 0x4e, 0xc8}, {0x2a, 0x9d, 0x4a}, {0x8e, 0x44, 0xad}};
    for (std::size_t k = 0; k < all.size(); ++k) four.push_back(mean_sd_series(*all[k], colors[k]));
    viz::LearningCurveOptions lc;
    lc.y_min = -300;
    lc.y_max = 0;
    lc.title = fmt::format("return per episode, mean +- std over {} seeds", c.seeds);
    viz::write_text_file(path("learning_curves_planning.svg"), viz::svg_learning_curve(four, lc));
    fmt::print("\nwrote {0}/visit_counts_dyna_q.svg, {0}/visit_counts_prioritized_sweeping.svg, {0}/learning_curves_planning.svg\n",
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
  app.add_option("--seed", c.seed, "grid seed: run r of both methods has seed derive_seed(seed, r)");
  app.add_option("--threads", c.threads, "threads (0: all cores)")->check(CLI::Range(0, 4096));
  app.add_option("--memory", c.memory, "replay memory capacity")->check(CLI::PositiveNumber);
  app.add_option("--batch", c.batch, "minibatch size")->check(CLI::PositiveNumber);
  app.add_option("--gamma", c.gamma, "discount factor in [0, 1]");
  app.add_option("--alpha", c.alpha, "learning rate in (0, 1]");
  app.add_option("--epsilon", c.epsilon, "exploration rate in [0, 1]");
  app.add_option("--out", c.out, "directory for the SVG files (empty: write none)");
  app.add_flag("--no-color", c.no_color, "plain text even on a terminal (NO_COLOR is honoured too)");
  app.add_flag("--planning", c.planning, "also run Dyna-Q and prioritized sweeping, planning as much as replay updates");
  app.add_option("--planning-steps", c.planning_steps, "their updates per env step (0: the batch size)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--theta", c.theta, "prioritized sweeping's queue threshold (>= 0)")->check(CLI::NonNegativeNumber);
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
