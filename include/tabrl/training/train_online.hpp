#pragma once
/// \file training/train_online.hpp
/// The training loop without a memory: plain online TD learning, one update(transition) per
/// env step. It is the baseline experience replay is measured against, so it logs exactly
/// what train() logs and seeds exactly as train() does.

#include <chrono>
#include <cstdint>
#include <utility>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../types.hpp"
#include "observers.hpp"
#include "train.hpp"

namespace tabrl {

/// Runs episodes state.episode .. options.episodes - 1 of online learning, continuing
/// `state`: act, step, agent.update(transition). Episode e resets the environment with
/// derive_seed(options.seed, e) and the agent draws from state.rng, as in run_training(), so
/// an online and a replay run with the same seed see the same environment seeds.
/// options.batch_size is ignored; options.updates_per_step must be 1 (anything else has no
/// online meaning). log.updates counts the online updates (one per env step). An on-policy
/// agent (OnPolicyAgent) learns from the next action it then takes; an EpisodicAgent hears
/// end_episode() after every episode, terminated or truncated. Returns early when an
/// observer returns Control::stop; the next call continues there.
template <DiscreteEnvironment Env, Agent AgentT, class Observer = NullObserver>
void run_online_training(AgentT& agent, Env& env, const TrainOptions& options, TrainingState& state,
                         Observer&& observer = {}) {
  if (options.episodes < 0)
    detail::throw_invalid("train_online", "episodes must be >= 0", options.episodes);
  if (options.updates_per_step != 1) {
    detail::throw_invalid("train_online", "updates_per_step must be 1 for online learning",
                          options.updates_per_step);
  }
  detail::check_sizes("train_online", agent, env, state);
  TrainingLog& log = state.log;
  const auto started = std::chrono::steady_clock::now();
  bool stop = false;
  for (; state.episode < options.episodes && !stop; ++state.episode) {
    int s = 0;
    int a = 0;
    double episode_return = 0.0;
    std::int64_t length = 0;
    if (state.progress.active) {
      s = state.progress.state;
      episode_return = state.progress.episode_return;
      length = state.progress.length;
      a = state.progress.action >= 0 ? state.progress.action : agent.act(s, state.rng);
      state.progress = EpisodeProgress{};
    } else {
      s = env.reset(derive_seed(options.seed, static_cast<std::uint64_t>(state.episode)));
      ++log.visit_counts[static_cast<std::size_t>(s)];
      a = agent.act(s, state.rng);
    }
    for (;;) {
      const StepResult r = env.step(a);
      ++length;
      episode_return += r.reward;
      // As in train(): only `terminated` stops the bootstrap, a truncated step still uses s'.
      const Transition t{s, a, r.reward, r.next_state, r.terminated};
      const int acted = a;
      if constexpr (OnPolicyAgent<AgentT>) {
        // SARSA: choose a' now, learn from it, and then really take it.
        const int next_action = r.terminated ? 0 : agent.act(r.next_state, state.rng);
        agent.update(t, next_action);
        a = next_action;
      } else {
        agent.update(t);
      }
      ++log.updates;
      if constexpr (detail::has_on_step<std::remove_cvref_t<Observer>>) {
        stop = detail::notify_step(observer, StepEvent{state.episode, length, s, acted, r});
      }
      s = r.next_state;
      ++log.visit_counts[static_cast<std::size_t>(s)];
      if (r.terminated || r.truncated) break;
      if (stop) {
        // An off-policy agent chooses its next action when the run continues.
        state.progress = {true, s, OnPolicyAgent<AgentT> ? a : -1, episode_return, length};
        log.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return;
      }
      if constexpr (!OnPolicyAgent<AgentT>) a = agent.act(s, state.rng);
    }
    if constexpr (EpisodicAgent<AgentT>) agent.end_episode();  // e.g. clear traces
    log.env_steps += length;
    log.returns.push_back(episode_return);
    log.lengths.push_back(length);
    if constexpr (detail::has_on_episode_end<std::remove_cvref_t<Observer>>) {
      const bool ends = detail::notify_episode_end(
          observer, EpisodeEvent{state.episode, options.episodes, episode_return, length, log});
      stop = stop || ends;
    }
  }
  log.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

/// Trains `agent` online (no memory) for options.episodes episodes and returns the log.
/// Deterministic: the same seed gives the same log and Q table.
template <DiscreteEnvironment Env, Agent AgentT, class Observer = NullObserver>
[[nodiscard]] TrainingLog train_online(AgentT& agent, Env& env, const TrainOptions& options,
                                       Observer&& observer = {}) {
  TrainingState state(options.seed, env.num_states());
  run_online_training(agent, env, options, state, std::forward<Observer>(observer));
  return std::move(state.log);
}

}  // namespace tabrl
