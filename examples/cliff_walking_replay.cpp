// cliff_walking_replay: the notebook's experiment, as a program.
//
// Trains tabular Q-learning with experience replay on CliffWalking (defaults are the
// notebook's: 100 episodes, memory 2000, batch 32, gamma 1, alpha 0.9, epsilon 0.1), then
// shows where the agent went (visit counts on the 4x12 grid), the greedy path it learned,
// and that path's return and length. `--json` prints one machine-readable line instead.

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <tabrl/tabrl.hpp>
#include <tabrl/viz/viz.hpp>

namespace {

/// Everything the command line controls.
struct Config {
  int episodes = 100;
  std::size_t memory = 2000;
  std::size_t batch = 32;
  int updates_per_step = 1;
  double gamma = 1.0;
  double alpha = 0.9;
  double epsilon = 0.1;
  std::uint64_t seed = 0;
  tabrl::Sampling sampling = tabrl::Sampling::without_replacement;
  tabrl::DuplicateRule duplicates = tabrl::DuplicateRule::last;
  bool json = false;
  bool quiet = false;
  std::string out;        ///< directory for pictures and CSVs (empty: none)
  bool no_color = false;  ///< plain text even on a terminal
  std::string save;           ///< checkpoint file written at the end (and every N episodes)
  std::string resume;         ///< checkpoint file to continue from
  int checkpoint_every = 0;   ///< episodes between checkpoints (0: only at the end)
  std::string env = "cliff";  ///< cliff | frozen-lake | frozen-lake-8x8 | taxi
  std::string agent = "q";    ///< q | sarsa | expected-sarsa | double-q
  std::string replay = "uniform";  ///< uniform | prioritized
  int n_step = 1;             ///< n-step returns (uniform replay)
  double per_alpha = 0.6;     ///< prioritized replay: priority exponent
  double per_beta = 0.4;      ///< prioritized replay: initial importance-sampling exponent
  int eval_episodes = 1000;   ///< greedy evaluation episodes for the other environments
};

void add_flags(CLI::App& app, Config& c) {
  app.add_option("--episodes", c.episodes, "episodes to train")->check(CLI::NonNegativeNumber);
  app.add_option("--memory", c.memory, "replay memory capacity")->check(CLI::PositiveNumber);
  app.add_option("--batch", c.batch, "minibatch size")->check(CLI::PositiveNumber);
  app.add_option("--updates-per-step", c.updates_per_step, "minibatch updates per env step")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--gamma", c.gamma, "discount factor in [0, 1]");
  app.add_option("--alpha", c.alpha, "learning rate in (0, 1]");
  app.add_option("--epsilon", c.epsilon, "exploration rate in [0, 1]");
  app.add_option("--seed", c.seed, "seed of the whole run");
  app.add_option("--env", c.env,
                 "environment: cliff (the notebook's), frozen-lake, frozen-lake-8x8 or taxi, "
                 "with Gymnasium's time limits")
      ->check(CLI::IsMember({"cliff", "frozen-lake", "frozen-lake-8x8", "taxi"}));
  app.add_option("--agent", c.agent,
                 "q (Q-learning), sarsa (online only), expected-sarsa or double-q")
      ->check(CLI::IsMember({"q", "sarsa", "expected-sarsa", "double-q"}));
  app.add_option("--replay", c.replay, "uniform or prioritized (proportional, with a sum tree)")
      ->check(CLI::IsMember({"uniform", "prioritized"}));
  app.add_option("--n-step", c.n_step, "n-step returns (with either replay)")->check(CLI::PositiveNumber);
  app.add_option("--per-alpha", c.per_alpha, "prioritized replay: priority exponent (>= 0)");
  app.add_option("--per-beta", c.per_beta,
                 "prioritized replay: importance-sampling exponent, annealed to 1 over the run");
  app.add_option("--eval-episodes", c.eval_episodes,
                 "greedy evaluation episodes (environments other than cliff)")
      ->check(CLI::PositiveNumber);
  app.add_option("--save", c.save, "write a checkpoint of the whole run to this file at the end");
  app.add_option("--resume", c.resume,
                 "continue the run saved in this checkpoint (its hyperparameters and seed win; "
                 "--episodes sets the new total)");
  app.add_option("--checkpoint-every", c.checkpoint_every,
                 "also write the --save checkpoint every N episodes")
      ->check(CLI::PositiveNumber);
  // String choices mapped by hand: CLI11 would print these uint8_t enums as characters in --help.
  app.add_option_function<std::string>(
         "--sampling",
         [&c](const std::string& v) {
           c.sampling = v == "with" ? tabrl::Sampling::with_replacement : tabrl::Sampling::without_replacement;
         },
         "replay sampling: without (replacement, the default) or with")
      ->check(CLI::IsMember({"without", "with"}));
  app.add_option_function<std::string>(
         "--duplicates",
         [&c](const std::string& v) {
           c.duplicates = v == "mean"         ? tabrl::DuplicateRule::mean
                          : v == "sequential" ? tabrl::DuplicateRule::sequential
                                              : tabrl::DuplicateRule::last;
         },
         "rule for repeated (state, action) rows in a minibatch: last (default), mean or sequential")
      ->check(CLI::IsMember({"last", "mean", "sequential"}));
  app.add_flag("--json", c.json, "print one JSON object on one line instead of the report");
  app.add_flag("--quiet", c.quiet, "no progress output while training");
  app.add_option("--out", c.out,
                 "write visit_counts.svg, learning_curve.svg, policy.svg, rollout.gif, visit_counts.csv "
                 "and returns.csv into this directory");
  app.add_flag("--no-color", c.no_color, "plain text even on a terminal (NO_COLOR is honoured too)");
}

/// A rows x cols grid of integers, right-aligned; coloured by value (log scale) when
/// stdout is a terminal and colour is not turned off.
void print_grid(const std::vector<std::int64_t>& values, int rows, int cols, bool color) {
  tabrl::viz::TextHeatmapOptions options;
  options.color = color;
  options.scale = tabrl::viz::Scale::log;
  fmt::print("{}", tabrl::viz::heatmap_text(std::span<const std::int64_t>(values), rows, cols, options));
}

/// --out: the pictures and CSVs of one run. Messages go to stderr in --json mode so stdout
/// stays one JSON line.
template <class AgentT>
void write_outputs(const Config& c, const tabrl::TrainingLog& log, const AgentT& agent,
                   const tabrl::Rollout& rollout) {
  namespace viz = tabrl::viz;
  using tabrl::CliffWalking;
  std::filesystem::create_directories(c.out);
  const auto path = [&c](const char* name) { return (std::filesystem::path(c.out) / name).string(); };
  std::FILE* msg = c.json ? stderr : stdout;

  viz::SvgHeatmapOptions heat;
  heat.title = fmt::format("visits per state ({} episodes, seed {})", c.episodes, c.seed);
  heat.colorbar_label = "visits (log scale)";
  heat.scale = viz::Scale::log;
  heat.lo = 0;
  viz::write_text_file(path("visit_counts.svg"),
                       viz::svg_heatmap(std::span<const std::int64_t>(log.visit_counts), CliffWalking::rows,
                                        CliffWalking::cols, heat));
  viz::LearningCurveOptions curve;
  curve.title = fmt::format("return per episode (seed {})", c.seed);
  curve.y_max = 0;
  curve.y_min = -300;  // early episodes can cost thousands; the chart says when it clips
  viz::write_text_file(path("learning_curve.svg"), viz::svg_learning_curve(log.returns, curve));
  viz::SvgPolicyOptions pol;
  pol.title = fmt::format("greedy policy; highlighted: greedy rollout (return {})", rollout.total_return);
  pol.marks = viz::cliff_walking_marks();
  pol.fills = viz::cliff_walking_fills();
  pol.path.assign(rollout.states.begin(), rollout.states.end());
  const Eigen::VectorXi greedy = agent.greedy_policy();
  viz::write_text_file(path("policy.svg"),
                       viz::svg_policy(std::span<const int>(greedy.data(), static_cast<std::size_t>(greedy.size())),
                                       CliffWalking::rows, CliffWalking::cols, pol));
  std::string csv = "state,row,col,visits\n";
  for (int s = 0; s < CliffWalking::num_states(); ++s) {
    csv += fmt::format("{},{},{},{}\n", s, s / CliffWalking::cols, s % CliffWalking::cols,
                       log.visit_counts[static_cast<std::size_t>(s)]);
  }
  viz::write_text_file(path("visit_counts.csv"), csv);
  csv = "episode,return,length\n";
  for (std::size_t e = 0; e < log.returns.size(); ++e) {
    csv += fmt::format("{},{},{}\n", e + 1, log.returns[e], log.lengths[e]);
  }
  viz::write_text_file(path("returns.csv"), csv);
  if constexpr (viz::gif_available) {
    viz::write_gif(path("rollout.gif"), viz::render_rollout(rollout));
    fmt::print(msg, "wrote {}/{{visit_counts.svg,learning_curve.svg,policy.svg,rollout.gif,visit_counts.csv,returns.csv}}\n",
               c.out);
  } else {
    fmt::print(msg, "wrote {}/{{visit_counts.svg,learning_curve.svg,policy.svg,visit_counts.csv,returns.csv}}\n", c.out);
    fmt::print(stderr, "cliff_walking_replay: rollout.gif skipped: this build has no giflib (install libgif-dev)\n");
  }
}

/// The grid with the greedy path drawn as arrows: S start, G goal, C cliff, . elsewhere.
void print_path(const tabrl::Rollout& rollout) {
  using tabrl::CliffWalking;
  std::vector<std::string> cells(CliffWalking::num_states(), ".");
  for (int s = 0; s < CliffWalking::num_states(); ++s) {
    if (CliffWalking::is_cliff(s)) cells[static_cast<std::size_t>(s)] = "C";
  }
  static constexpr const char* arrows[] = {"^", ">", "v", "<"};
  for (std::size_t i = 0; i < rollout.actions.size(); ++i) {
    cells[static_cast<std::size_t>(rollout.states[i])] = arrows[rollout.actions[i]];
  }
  cells[CliffWalking::goal_state] = "G";
  for (int r = 0; r < CliffWalking::rows; ++r) {
    for (int c = 0; c < CliffWalking::cols; ++c) {
      fmt::print("{}{}", cells[static_cast<std::size_t>(r * CliffWalking::cols + c)],
                 c + 1 < CliffWalking::cols ? " " : "\n");
    }
  }
}

/// Trains (or resumes, with --resume) to options.episodes, writing the --save checkpoint
/// every --checkpoint-every episodes and at the end. A chunked run is bit-identical to an
/// unchunked one (run_training continues `state`). `options` is updated from a checkpoint.
template <class Env, class Agent, class Memory>
void train_with_checkpoints(const Config& c, Agent& agent, Env& env, Memory& memory,
                            tabrl::TrainOptions& options, tabrl::TrainingState& state) {
  // Checkpoints hold one Q table and a plain ring buffer.
  constexpr bool checkpointable = std::is_same_v<Memory, tabrl::ReplayMemory<>> &&
                                  !std::is_same_v<Agent, tabrl::DoubleQLearningAgent<>> &&
                                  !tabrl::OnPolicyAgent<Agent>;
  if constexpr (checkpointable) {
    if (!c.resume.empty()) {
      tabrl::TrainOptions saved;
      tabrl::load_checkpoint(c.resume, agent, memory, state, saved);
      saved.episodes = c.episodes;  // the command line sets how far to go
      options = saved;
    }
  } else {
    if (!c.save.empty() || !c.resume.empty()) {
      throw tabrl::InvalidArgument(
          "--save/--resume need --agent q or expected-sarsa with --replay uniform and --n-step 1");
    }
  }
  const int chunk = c.checkpoint_every > 0 ? c.checkpoint_every : options.episodes;
  auto bar = tabrl::viz::ProgressBar::for_stdout(c.json || c.quiet);  // silent off a terminal
  do {
    auto step = options;
    step.episodes = std::min(options.episodes, state.episode + std::max(chunk, 1));
    // --json and --quiet train with no observer at all, so `seconds` is the loop alone.
    if constexpr (tabrl::OnPolicyAgent<Agent>) {  // SARSA learns online (see SarsaAgent)
      if (c.json || c.quiet) {
        tabrl::run_online_training(agent, env, step, state);
      } else {
        tabrl::run_online_training(agent, env, step, state, bar);
      }
    } else if (c.json || c.quiet) {
      tabrl::run_training(agent, env, memory, step, state);
    } else {
      tabrl::run_training(agent, env, memory, step, state, bar);
    }
    if constexpr (checkpointable) {
      if (!c.save.empty()) tabrl::save_checkpoint(c.save, agent, memory, state, options);
    }
  } while (state.episode < options.episodes);
}

/// Builds the agent and memory the flags ask for and calls f(agent, memory).
template <class F>
int with_agent_and_memory(const Config& c, int states, int actions, F&& f) {
  const tabrl::TDOptions cfg{.gamma = c.gamma, .alpha = c.alpha, .epsilon = c.epsilon, .duplicates = c.duplicates};
  auto with_memory = [&](auto& agent) -> int {
    if (c.replay == "prioritized") {
      // beta reaches 1 after about one sample per expected env step of the run
      tabrl::PrioritizedReplay<> memory(
          c.memory, {.alpha = c.per_alpha, .beta = c.per_beta,
                     .beta_steps = std::max<std::int64_t>(1, static_cast<std::int64_t>(c.episodes) * 20)});
      if (c.n_step > 1) {  // n-step rows, still prioritized by their TD errors
        tabrl::NStepReplay<tabrl::PrioritizedReplay<>> nstep(std::move(memory), c.n_step, c.gamma);
        return f(agent, nstep);
      }
      return f(agent, memory);
    }
    if (c.n_step > 1) {
      tabrl::NStepReplay<> memory(tabrl::ReplayMemory<>(c.memory, c.sampling), c.n_step, c.gamma);
      return f(agent, memory);
    }
    tabrl::ReplayMemory<> memory(c.memory, c.sampling);
    return f(agent, memory);
  };
  if (c.agent == "sarsa") {
    if (c.replay != "uniform" || c.n_step != 1) {
      throw tabrl::InvalidArgument("--agent sarsa learns online: it takes no --replay or --n-step");
    }
    tabrl::SarsaAgent<> agent(states, actions, cfg);
    tabrl::ReplayMemory<> unused(1);
    return f(agent, unused);
  }
  if (c.agent == "expected-sarsa") {
    tabrl::ExpectedSarsaAgent<> agent(states, actions, cfg);
    return with_memory(agent);
  }
  if (c.agent == "double-q") {
    tabrl::DoubleQLearningAgent<> agent(states, actions, cfg, tabrl::derive_seed(c.seed, 0xD0B1E));
    return with_memory(agent);
  }
  tabrl::QLearningAgent<> agent(states, actions, cfg);
  return with_memory(agent);
}

/// The other environments: train the same way, then evaluate the greedy policy over many
/// episodes (under the environment's time limit) next to the best possible result.
template <class Env, class AgentT, class Memory, class Success>
int run_other_with(const Config& c, Env& env, AgentT& agent, Memory& memory, Success success, double optimal,
                   const char* optimal_what) {
  tabrl::TrainOptions options{.episodes = c.episodes, .batch_size = c.batch,
                              .updates_per_step = c.updates_per_step, .seed = c.seed};
  tabrl::TrainingState state(options.seed, env.num_states());
  train_with_checkpoints(c, agent, env, memory, options, state);
  const tabrl::TrainingLog& log = state.log;
  tabrl::Rng eval_rng(tabrl::derive_seed(options.seed, 0xE7A1));
  int successes = 0;
  double total = 0.0;
  for (int i = 0; i < c.eval_episodes; ++i) {
    const auto r = tabrl::greedy_rollout(agent, env, eval_rng, 1'000'000,
                                         tabrl::derive_seed(options.seed, 1'000'000 + static_cast<std::uint64_t>(i)));
    successes += success(r) ? 1 : 0;
    total += r.total_return;
  }
  const double rate = static_cast<double>(successes) / c.eval_episodes;
  const double mean = total / c.eval_episodes;
  if (c.json) {
    fmt::print("{{\"env\":\"{}\",\"episodes\":{},\"env_steps\":{},\"updates\":{},\"seconds\":{:.9f},"
               "\"mean_return_last100\":{},\"eval_episodes\":{},\"greedy_success_rate\":{},"
               "\"greedy_mean_return\":{},\"optimal\":{},\"seed\":{}}}\n",
               c.env, options.episodes, log.env_steps, log.updates, log.seconds,
               log.mean_return_last(100), c.eval_episodes, rate, mean, optimal, options.seed);
    return 0;
  }
  fmt::print("\n{}: trained {} episodes, {} env steps, {} minibatch updates in {:.2f} ms\n", c.env,
             options.episodes, log.env_steps, log.updates, log.seconds * 1e3);
  fmt::print("mean return of the last 100 training episodes: {:.3f}\n", log.mean_return_last(100));
  fmt::print("greedy policy over {} evaluation episodes: success rate {:.3f}, mean return {:.3f}\n",
             c.eval_episodes, rate, mean);
  fmt::print("{}: {:.3f}\n", optimal_what, optimal);
  return 0;
}


template <class Env, class Success>
int run_other(const Config& c, Env env, Success success, double optimal, const char* optimal_what) {
  return with_agent_and_memory(c, env.num_states(), env.num_actions(), [&](auto& agent, auto& memory) {
    return run_other_with(c, env, agent, memory, success, optimal, optimal_what);
  });
}

template <class AgentT, class Memory>
int run_cliff(const Config& c, AgentT& agent, Memory& memory) {
  tabrl::CliffWalking env;
  tabrl::TrainOptions options{.episodes = c.episodes,
                              .batch_size = c.batch,
                              .updates_per_step = c.updates_per_step,
                              .seed = c.seed};
  tabrl::TrainingState state(options.seed, env.num_states());
  train_with_checkpoints(c, agent, env, memory, options, state);
  const tabrl::TrainingLog& log = state.log;

  // The greedy rollout breaks ties with its own generator so it never shifts training draws.
  tabrl::Rng eval_rng(tabrl::derive_seed(options.seed, 0xE7A1));
  const tabrl::Rollout rollout = tabrl::greedy_rollout(agent, env, eval_rng, 100);

  if (c.json) {
    if (!c.out.empty()) write_outputs(c, log, agent, rollout);
    fmt::print(
        "{{\"episodes\":{},\"env_steps\":{},\"updates\":{},\"seconds\":{:.9f},"
        "\"greedy_return\":{},\"greedy_length\":{},\"greedy_terminated\":{},"
        "\"mean_return_last10\":{},\"seed\":{},\"visit_counts\":[{}]}}\n",
        c.episodes, log.env_steps, log.updates, log.seconds, rollout.total_return,
        rollout.length(), rollout.terminated, log.mean_return_last(10), options.seed,
        fmt::join(log.visit_counts, ","));
    return 0;
  }
  fmt::print("\ntrained {} episodes: {} env steps, {} minibatch updates in {:.2f} ms\n",
             c.episodes, log.env_steps, log.updates, log.seconds * 1e3);
  fmt::print("\nvisit counts (4 x 12, start bottom-left, goal bottom-right):\n");
  print_grid(log.visit_counts, tabrl::CliffWalking::rows, tabrl::CliffWalking::cols,
             tabrl::viz::stdout_use_color(c.no_color));
  fmt::print("\ngreedy path:\n");
  print_path(rollout);
  fmt::print("\ngreedy rollout: return {}, length {}{}\n", rollout.total_return, rollout.length(),
             rollout.terminated ? "" : " (did not reach the goal within 100 steps)");
  if (!c.out.empty()) {
    fmt::print("\n");
    write_outputs(c, log, agent, rollout);
  }
  return 0;
}

int run(const Config& c) {
  return with_agent_and_memory(c, tabrl::CliffWalking::num_states(), tabrl::CliffWalking::num_actions(),
                               [&](auto& agent, auto& memory) { return run_cliff(c, agent, memory); });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tabular Q-learning with experience replay on CliffWalking (tabrl)"};
  Config config;
  add_flags(app, config);
  try {
    app.parse(argc, argv);
    if (config.checkpoint_every > 0 && config.save.empty()) {
      throw tabrl::InvalidArgument("--checkpoint-every needs --save PATH");
    }
    if ((app.count("--per-alpha") > 0 || app.count("--per-beta") > 0) &&
        config.replay != "prioritized") {  // silently ignoring them would mislead
      throw tabrl::InvalidArgument("--per-alpha and --per-beta need --replay prioritized");
    }
    if (config.batch > config.memory) {
      throw tabrl::InvalidArgument(fmt::format(
          "--batch ({}) must not exceed --memory ({})", config.batch, config.memory));
    }
    if (config.env == "frozen-lake" || config.env == "frozen-lake-8x8") {
      const bool big = config.env == "frozen-lake-8x8";
      auto env = big ? tabrl::make_frozen_lake_8x8() : tabrl::make_frozen_lake();
      // Best possible success rate within the time limit, from the model.
      const double optimal = tabrl::finite_horizon_values(
          env.unwrapped(), static_cast<int>(env.max_episode_steps()))[env.unwrapped().start_state()];
      return run_other(config, env, [](const tabrl::Rollout& r) { return r.total_return > 0.5; },
                       optimal, "optimal success rate within the time limit");
    }
    if (config.env == "taxi") {
      const tabrl::Taxi taxi;
      const auto values = tabrl::finite_horizon_values(taxi, 200);
      double optimal = 0;  // mean over the 300 equally likely starts
      int starts = 0;
      for (int s = 0; s < tabrl::Taxi::num_states(); ++s) {
        const auto d = tabrl::Taxi::decode(s);
        if (d.passenger < 4 && d.passenger != d.destination) {
          optimal += values[s];
          ++starts;
        }
      }
      return run_other(config, tabrl::make_taxi(), [](const tabrl::Rollout& r) { return r.terminated; },
                       optimal / starts, "optimal mean return");
    }
    return run(config);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "cliff_walking_replay: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cliff_walking_replay: {}\n", e.what());
    return 2;
  }
}
