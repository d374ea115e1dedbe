#pragma once
// The trainer's run (examples/cliff_walking_replay.cpp): everything between the parsed flags
// and the report, as a template over the environment kind. The kinds' runs (every agent and
// memory) are instantiated in trainer_run_cliff_taxi.cpp and trainer_run_lake_mazes.cpp, which
// compile in parallel; main() dispatches on the name.

#include <fmt/core.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>
#include <tabrl/experiment/run.hpp>
#include <tabrl/experiment/saved_spec.hpp>
#include <tabrl/tabrl.hpp>
#include <tabrl/viz/run_outputs.hpp>
#include <tabrl/viz/viz.hpp>

namespace trainer {

namespace ex = tabrl::experiment;

/// What the command line controls besides the run itself.
struct Outputs {
  bool json = false;         ///< one JSON line instead of the report
  bool quiet = false;        ///< no progress bar
  bool no_color = false;     ///< plain text even on a terminal
  std::string out;           ///< folder for CSVs, q.npy and pictures (empty: none)
  std::string save;          ///< checkpoint written at the end (and every N episodes)
  std::string resume;        ///< checkpoint to continue from
  int checkpoint_every = 0;  ///< episodes between checkpoints (0: only at the end)
};

/// The notebook's run: Q-learning, uniform replay, alpha 0.9.
inline ex::RunSpec notebook_run() {
  ex::RunSpec spec;
  spec.replay = "uniform";
  spec.alpha = 0.9;
  return spec;
}

/// True for an agent kind without a minibatch update (SARSA): it trains online only.
inline bool learns_online_only(const std::string& agent) {
  return ex::AgentKinds::visit(agent, []<class K>(K) {
    return !requires(typename K::type& a, const tabrl::Minibatch& b) { a.update(b); };
  });
}

/// Milliseconds below a second, seconds above.
inline std::string duration_text(double seconds) {
  return seconds < 1.0 ? fmt::format("{:.2f} ms", seconds * 1e3) : fmt::format("{:.2f} s", seconds);
}

/// The environment under its TimeLimit.
template <class Env>
const auto& base_env(const Env& env) {
  if constexpr (requires { env.unwrapped(); }) {
    return env.unwrapped();
  } else {
    return env;
  }
}

/// The best expected return from the start within the time limit, from the model, with the
/// words that say what it is; for environments where the trainer reports one.
template <class Env>
std::pair<double, const char*> optimum(const Env& env) {
  const auto& base = base_env(env);
  using Base = std::remove_cvref_t<decltype(base)>;
  if constexpr (std::is_same_v<Base, tabrl::FrozenLake>) {
    const auto v = tabrl::finite_horizon_values(base, static_cast<int>(env.max_episode_steps()));
    return {v[base.start_state()], "optimal success rate within the time limit"};
  } else if constexpr (std::is_same_v<Base, tabrl::Taxi>) {
    const auto v = tabrl::finite_horizon_values(base, static_cast<int>(env.max_episode_steps()));
    double sum = 0;
    int starts = 0;
    for (int s = 0; s < tabrl::Taxi::num_states(); ++s) {
      const auto d = tabrl::Taxi::decode(s);
      if (d.passenger < 4 && d.passenger != d.destination) {
        sum += v[s];
        ++starts;
      }
    }
    return {sum / starts,
            "optimal mean return within the time limit (undiscounted, over the 300 starts)"};
  } else {
    return {0.0, ""};
  }
}

/// The grid with the greedy path drawn as arrows: C cliff, G goal, . elsewhere.
inline void print_path(const tabrl::Rollout& rollout) {
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

/// Loads (agent, memory, env, state, options) and the spec from a checkpoint: format 2 holds
/// its RunSpec first; a format-1 file (tabrl 0.1) holds a Q-learning or Expected SARSA run
/// with uniform replay, whose settings come from the flags.
template <class Agent, class Memory, class Env>
void load_run(const std::vector<unsigned char>& bytes, const std::string& who, ex::RunSpec& spec,
              Agent& agent, Memory& memory, Env& env, tabrl::TrainingState& state,
              tabrl::TrainOptions& options) {
  if (tabrl::checkpoint_version(bytes, who) == 1) {
    if constexpr (std::is_same_v<Memory, ex::OnlineMemory>) {
      throw tabrl::InvalidArgument(who + ": a version-1 checkpoint holds a replay memory");
    } else {
      tabrl::parse_checkpoint(bytes, who, agent, memory, state, options);
    }
    return;
  }
  ex::SavedRunSpec saved{spec};
  if constexpr (std::is_same_v<Memory, ex::OnlineMemory>) {
    tabrl::parse_checkpoint(bytes, who, saved, agent, env, state, options);
  } else {
    tabrl::parse_checkpoint(bytes, who, saved, agent, memory, env, state, options);
  }
}

template <class Agent, class Memory, class Env>
void save_run(const std::string& path, const ex::RunSpec& spec, const Agent& agent,
              const Memory& memory, const Env& env, const tabrl::TrainingState& state,
              const tabrl::TrainOptions& options) {
  if constexpr (std::is_same_v<Memory, ex::OnlineMemory>) {
    tabrl::save_checkpoint(path, ex::SavedRunSpec{spec}, agent, env, state, options);
  } else {
    tabrl::save_checkpoint(path, ex::SavedRunSpec{spec}, agent, memory, env, state, options);
  }
}

/// Trains (or continues a checkpoint) to spec.episodes, in chunks of --checkpoint-every
/// episodes with a checkpoint after each, then reports. A run split into chunks, or stopped
/// and resumed, is bit-identical to one uninterrupted run.
template <class EnvKind>
int run_in(ex::RunSpec spec, const Outputs& o, const std::vector<unsigned char>& resume_bytes) {
  return ex::visit_run_in<EnvKind>(spec, [&](auto& env, auto& agent, auto& memory) -> int {
    using Memory = std::remove_cvref_t<decltype(memory)>;
    constexpr bool online = std::is_same_v<Memory, ex::OnlineMemory>;
    tabrl::TrainOptions options = ex::train_options(spec);
    tabrl::TrainingState state(options.seed, env.num_states());
    if (!o.resume.empty()) {
      const int episodes = spec.episodes;
      ex::RunSpec saved = spec;
      load_run(resume_bytes, "tabrl: --resume " + o.resume, saved, agent, memory, env, state,
               options);
      if (episodes < state.episode) {
        throw tabrl::InvalidArgument(fmt::format(
            "--episodes {} is below the {} episodes the checkpoint has already run", episodes,
            state.episode));
      }
      options.episodes = episodes;  // the command line sets how far to go
    }
    auto bar = tabrl::viz::ProgressBar::for_stdout(o.json || o.quiet);  // silent off a terminal
    const int chunk = o.checkpoint_every > 0 ? o.checkpoint_every : options.episodes;
    do {
      auto step = options;
      step.episodes = std::min(options.episodes, state.episode + std::max(chunk, 1));
      // --json and --quiet train with no observer at all, so `seconds` is the loop alone.
      if constexpr (online) {
        if (o.json || o.quiet) {
          tabrl::run_online_training(agent, env, step, state);
        } else {
          tabrl::run_online_training(agent, env, step, state, bar);
        }
      } else if constexpr (tabrl::MinibatchAgent<std::remove_cvref_t<decltype(agent)>, Memory>) {
        if (o.json || o.quiet) {
          tabrl::run_training(agent, env, memory, step, state);
        } else {
          tabrl::run_training(agent, env, memory, step, state, bar);
        }
      } else {
        throw tabrl::LogicError("agent " + spec.agent + " cannot learn from replay " + spec.replay);
      }
      if (!o.save.empty()) save_run(o.save, spec, agent, memory, env, state, options);
    } while (state.episode < options.episodes);

    const tabrl::TrainingLog& log = state.log;
    using Base = std::remove_cvref_t<decltype(base_env(env))>;
    constexpr bool cliff = std::is_same_v<Base, tabrl::CliffWalking>;
    // The greedy policy's episodes break ties with their own generator, so evaluating never
    // shifts training draws: the trainer's rule since tabrl 0.1.
    tabrl::Rng eval_rng(tabrl::derive_seed(options.seed, 0xE7A1));
    const tabrl::Rollout rollout = tabrl::greedy_rollout(agent, env, eval_rng, 100);
    tabrl::QTable<double> q = agent.q_values().template cast<double>();
    const std::string what = fmt::format("{} + {} on {}", spec.agent, spec.replay, spec.env);
    tabrl::viz::WrittenOutputs written;
    if (!o.out.empty()) {
      tabrl::viz::RunCaption caption{what, options.seed};
      for (const ex::RunField& f : ex::run_fields()) {  // every setting, for report.html
        caption.settings.emplace_back(std::string(f.name), ex::get_field(spec, f.name));
      }
      written = tabrl::viz::write_run_outputs(o.out, env, log, q, agent.greedy_policy(), rollout,
                                              caption);
    }
    std::FILE* msg = o.json ? stderr : stdout;  // stdout stays one JSON line in --json mode
    auto report_outputs = [&] {
      if (o.out.empty()) return;
      fmt::print(msg, "wrote {}/{{{}}}\n", o.out, fmt::join(written.files, ","));
      for (const auto& s : written.skipped) fmt::print(stderr, "cliff_walking_replay: skipped {}\n", s);
    };

    if constexpr (cliff) {
      if (o.json) {
        fmt::print(
            "{{\"episodes\":{},\"env_steps\":{},\"updates\":{},\"seconds\":{:.9f},"
            "\"greedy_return\":{},\"greedy_length\":{},\"greedy_terminated\":{},"
            "\"mean_return_last10\":{},\"seed\":{},\"visit_counts\":[{}]}}\n",
            options.episodes, log.env_steps, log.updates, log.seconds, rollout.total_return,
            rollout.length(), rollout.terminated, log.mean_return_last(10), options.seed,
            fmt::join(log.visit_counts, ","));
        report_outputs();
        return 0;
      }
      fmt::print("{}: trained {} episodes, {} env steps, {} updates in {}\n", what,
                 options.episodes, log.env_steps, log.updates, duration_text(log.seconds));
      fmt::print("\nvisit counts (4 x 12, start bottom-left, goal bottom-right):\n");
      tabrl::viz::TextHeatmapOptions heat;
      heat.color = tabrl::viz::stdout_use_color(o.no_color);
      heat.scale = tabrl::viz::Scale::log;
      fmt::print("{}", tabrl::viz::heatmap_text(std::span<const std::int64_t>(log.visit_counts),
                                                tabrl::CliffWalking::rows,
                                                tabrl::CliffWalking::cols, heat));
      fmt::print("\ngreedy path:\n");
      print_path(rollout);
      fmt::print("\ngreedy rollout: return {}, length {}{}\n", rollout.total_return,
                 rollout.length(),
                 rollout.terminated ? "" : " (did not reach the goal within 100 steps)");
      if (!o.out.empty()) fmt::print("\n");
      report_outputs();
      return 0;
    } else {
      // The greedy policy over many episodes, as in tabrl 0.1: episode i resets with
      // derive_seed(seed, 1000000 + i).
      tabrl::Rng rng(tabrl::derive_seed(options.seed, 0xE7A1));
      using Success = bool (*)(const tabrl::Rollout&) noexcept;
      const Success success =
          ex::EnvKinds::visit(spec.env, []<class K>(K) -> Success { return &K::success; });
      int successes = 0;
      double total = 0.0;
      for (int i = 0; i < spec.eval_episodes; ++i) {
        const auto r = tabrl::greedy_rollout(
            agent, env, rng, 1'000'000,
            tabrl::derive_seed(options.seed, 1'000'000 + static_cast<std::uint64_t>(i)));
        successes += success(r) ? 1 : 0;
        total += r.total_return;
      }
      const double n = std::max(1, spec.eval_episodes);
      const auto [best, best_what] = optimum(env);
      if (o.json) {
        fmt::print("{{\"env\":\"{}\",\"episodes\":{},\"env_steps\":{},\"updates\":{},"
                   "\"seconds\":{:.9f},\"mean_return_last100\":{},\"eval_episodes\":{},"
                   "\"greedy_success_rate\":{},\"greedy_mean_return\":{},\"optimal\":{},"
                   "\"seed\":{}}}\n",
                   spec.env, options.episodes, log.env_steps, log.updates, log.seconds,
                   log.mean_return_last(100), spec.eval_episodes, successes / n, total / n, best,
                   options.seed);
        report_outputs();
        return 0;
      }
      fmt::print("{}: trained {} episodes, {} env steps, {} updates in {}\n", what,
                 options.episodes, log.env_steps, log.updates, duration_text(log.seconds));
      fmt::print("mean return of the last 100 training episodes: {:.3f}\n",
                 log.mean_return_last(100));
      fmt::print("greedy policy over {} evaluation episodes: success rate {:.3f}, mean return {:.3f}\n",
                 spec.eval_episodes, successes / n, total / n);
      if (*best_what != '\0') fmt::print("{}: {:.3f}\n", best_what, best);
      report_outputs();
      return 0;
    }
  });
}


/// The run of an environment kind: instantiated in one trainer_run_*.cpp, nowhere else.
#define TABRL_TRAINER_RUN(Kind) \
  int run_in<Kind>(ex::RunSpec, const Outputs&, const std::vector<unsigned char>&)
extern template TABRL_TRAINER_RUN(ex::CliffKind);
extern template TABRL_TRAINER_RUN(ex::FrozenLakeKind);
extern template TABRL_TRAINER_RUN(ex::FrozenLake8x8Kind);
extern template TABRL_TRAINER_RUN(ex::TaxiKind);
extern template TABRL_TRAINER_RUN(ex::DynaMazeKind);
extern template TABRL_TRAINER_RUN(ex::BlockingMazeKind);
extern template TABRL_TRAINER_RUN(ex::ShortcutMazeKind);

}  // namespace trainer
