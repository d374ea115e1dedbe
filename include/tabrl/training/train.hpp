#pragma once
/// \file training/train.hpp
/// The training loop: act, step, store, sample, update, as the notebook does, for any
/// environment, agent and memory that satisfy tabrl's concepts.

#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../types.hpp"

namespace tabrl {

/// What train() runs.
struct TrainOptions {
  int episodes = 100;           ///< episodes to run (>= 0)
  std::size_t batch_size = 32;  ///< minibatch size; updates start once size() > batch_size
  int updates_per_step = 1;     ///< minibatch updates after each env step (>= 0)
  std::uint64_t seed = 0;       ///< seeds the agent/sampling generator and every episode's reset
};

/// Everything train() records.
struct TrainingLog {
  std::vector<double> returns;             ///< undiscounted return of each episode
  std::vector<std::int64_t> lengths;       ///< env steps of each episode
  std::vector<std::int64_t> visit_counts;  ///< visits per state (start states included)
  std::int64_t env_steps = 0;              ///< env steps over all episodes
  std::int64_t updates = 0;                ///< minibatch updates performed
  double seconds = 0.0;                    ///< wall-clock time spent inside the loop

  /// Mean return of the last n episodes (of all of them when fewer; 0 when there are none).
  [[nodiscard]] double mean_return_last(std::size_t n) const {
    if (returns.empty() || n == 0) return 0.0;
    const std::size_t k = n < returns.size() ? n : returns.size();
    return std::accumulate(returns.end() - static_cast<std::ptrdiff_t>(k), returns.end(), 0.0) /
           static_cast<double>(k);
  }

  friend bool operator==(const TrainingLog& a, const TrainingLog& b) {
    // seconds is a measurement, not a result: two identical runs differ in it.
    return a.returns == b.returns && a.lengths == b.lengths && a.visit_counts == b.visit_counts &&
           a.env_steps == b.env_steps && a.updates == b.updates;
  }
};

/// The loop's resumable state: the generator, the next episode index and the log so far.
/// A run split into several run_training() calls is bit-identical to one uninterrupted run.
struct TrainingState {
  Rng rng;
  int episode = 0;
  TrainingLog log;

  TrainingState(std::uint64_t seed, int num_states) : rng(seed) {
    if (num_states < 1)
      detail::throw_invalid("TrainingState", "num_states must be >= 1", num_states);
    log.visit_counts.assign(static_cast<std::size_t>(num_states), 0);
  }
};

/// Passed to an observer's on_step after every env step.
struct StepEvent {
  int episode;
  std::int64_t step_in_episode;  ///< 1-based
  int state;
  int action;
  const StepResult& result;
};

/// Passed to an observer's on_episode_end after every episode.
struct EpisodeEvent {
  int episode;         ///< 0-based index of the episode that ended
  int episodes_total;  ///< TrainOptions::episodes
  double episode_return;
  std::int64_t length;
  const TrainingLog& log;
};

/// An observer that ignores everything. Observers may define either hook, or both.
struct NullObserver {};

namespace detail {
inline void validate(const TrainOptions& o) {
  if (o.episodes < 0) throw_invalid("train", "episodes must be >= 0", o.episodes);
  if (o.batch_size == 0) throw_invalid("train", "batch_size must be >= 1", o.batch_size);
  if (o.updates_per_step < 0)
    throw_invalid("train", "updates_per_step must be >= 0", o.updates_per_step);
}
/// Checks that agent, environment and training state agree on their sizes; `who` names the
/// loop in the message. Shared by every training loop.
template <class AgentT, class Env>
void check_sizes(const char* who, const AgentT& agent, const Env& env, const TrainingState& state) {
  if (agent.num_states() != env.num_states() || agent.num_actions() != env.num_actions()) {
    throw_invalid(who,
                  concat("agent table must match the environment (", env.num_states(), " x ",
                         env.num_actions(), ")"),
                  concat(agent.num_states(), " x ", agent.num_actions()));
  }
  if (state.log.visit_counts.size() != static_cast<std::size_t>(env.num_states())) {
    throw_invalid(who, "TrainingState must be made for the environment's state count",
                  state.log.visit_counts.size());
  }
}
}  // namespace detail

/// Runs episodes state.episode .. options.episodes - 1, continuing `state`. Each episode
/// resets the environment with derive_seed(options.seed, episode), so the environment's own
/// randomness needs no saving for a resume. Throws if batch_size exceeds the memory capacity
/// or the environment and agent disagree on sizes.
template <DiscreteEnvironment Env, ExperienceMemory Memory, MinibatchAgent<Memory> AgentT,
          class Observer = NullObserver>
void run_training(AgentT& agent, Env& env, Memory& replay, const TrainOptions& options,
                  TrainingState& state, Observer&& observer = {}) {
  detail::validate(options);
  if (options.batch_size > replay.capacity()) {
    detail::throw_invalid(
        "train", detail::concat("batch_size must be <= memory capacity ", replay.capacity()),
        options.batch_size);
  }
  detail::check_sizes("train", agent, env, state);
  typename Memory::minibatch_type batch;
  TrainingLog& log = state.log;
  const auto started = std::chrono::steady_clock::now();
  for (; state.episode < options.episodes; ++state.episode) {
    int s = env.reset(derive_seed(options.seed, static_cast<std::uint64_t>(state.episode)));
    ++log.visit_counts[static_cast<std::size_t>(s)];
    double episode_return = 0.0;
    std::int64_t length = 0;
    for (;;) {
      const int a = agent.act(s, state.rng);
      const StepResult r = env.step(a);
      ++length;
      episode_return += r.reward;
      // Only `terminated` is stored: a truncated transition still bootstraps.
      replay.push(Transition{s, a, r.reward, r.next_state, r.terminated});
      if (replay.size() > options.batch_size) {
        for (int u = 0; u < options.updates_per_step; ++u) {
          if constexpr (requires {
                          requires AgentT::reads_replay_views;
                          agent.update(replay.sample_view(options.batch_size, state.rng, batch));
                        }) {
            // Same draws and the same update as sample() + update(batch), without copying the
            // sampled rows into the minibatch first. Only for agents that say they read views
            // by slot: a user's generic update(batch) indexing `batch.states[i]` would compile
            // with a view and silently read the wrong rows.
            agent.update(replay.sample_view(options.batch_size, state.rng, batch));
          } else {
            replay.sample(options.batch_size, state.rng, batch);
            agent.update(batch);
            if constexpr (requires { replay.update_priorities(batch, agent.last_td_errors()); }) {
              replay.update_priorities(batch, agent.last_td_errors());
            }
          }
          ++log.updates;
        }
      }
      if constexpr (requires { observer.on_step(std::declval<const StepEvent&>()); }) {
        observer.on_step(StepEvent{state.episode, length, s, a, r});
      }
      s = r.next_state;
      ++log.visit_counts[static_cast<std::size_t>(s)];
      if (r.terminated || r.truncated) break;
    }
    if constexpr (requires { replay.end_episode(); }) replay.end_episode();  // n-step flush
    log.env_steps += length;
    log.returns.push_back(episode_return);
    log.lengths.push_back(length);
    if constexpr (requires { observer.on_episode_end(std::declval<const EpisodeEvent&>()); }) {
      observer.on_episode_end(
          EpisodeEvent{state.episode, options.episodes, episode_return, length, log});
    }
  }
  log.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

/// Trains `agent` on `env` with experience replay from `replay` for options.episodes episodes
/// and returns the log. Deterministic: the same seed gives the same log and Q table.
template <DiscreteEnvironment Env, ExperienceMemory Memory, MinibatchAgent<Memory> AgentT,
          class Observer = NullObserver>
[[nodiscard]] TrainingLog train(AgentT& agent, Env& env, Memory& replay,
                                const TrainOptions& options, Observer&& observer = {}) {
  TrainingState state(options.seed, env.num_states());
  run_training(agent, env, replay, options, state, std::forward<Observer>(observer));
  return std::move(state.log);
}

}  // namespace tabrl
