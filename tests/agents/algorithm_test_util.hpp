#pragma once
// Helpers for the tests of the trace and model-based agents: feeding hand-written
// transitions, a seeded CliffWalking run with the episode-end hook and what it should learn
// (the best epsilon-greedy policy's values, the safe paths), an observer that stops a run
// after a number of steps (to checkpoint in mid-episode), and the continuing two-state MDP
// R-learning is checked on.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include <tabrl/agents/eligibility_traces.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/training/evaluate.hpp>
#include <tabrl/training/observers.hpp>
#include <tabrl/training/train_online.hpp>

#include "saveable.hpp"

namespace tabrl::test {

/// One hand-written step: the transition and, for on-policy agents, the next action.
struct Step {
  Transition t;
  int next_action = 0;
};

/// Feeds `steps` to the agent's online update, in order; returns the TD errors.
template <class AgentT>
std::vector<double> feed(AgentT& agent, std::initializer_list<Step> steps) {
  std::vector<double> deltas;
  for (const Step& s : steps) {
    if constexpr (OnPolicyAgent<AgentT>) {
      deltas.push_back(static_cast<double>(agent.update(s.t, s.next_action)));
    } else {
      deltas.push_back(static_cast<double>(agent.update(s.t)));
    }
  }
  return deltas;
}

/// Stops a run after `left` env steps (then every step: a run resumed with it stops again
/// unless it is given a new budget).
struct StopAfter {
  std::int64_t left;
  Control on_step(const StepEvent&) { return --left <= 0 ? Control::stop : Control::proceed; }
};

/// The greedy rollout on CliffWalking of an agent trained online for `episodes` episodes with
/// constant epsilon (with the episode-end hook, for an agent that has one).
template <class AgentT>
Rollout cliff_rollout_after(AgentT& agent, int episodes, std::uint64_t seed) {
  CliffWalking env;
  if constexpr (EpisodicAgent<AgentT>) {
    (void)train_online(agent, env, {.episodes = episodes, .seed = seed}, EpisodeEnds<AgentT>(agent));
  } else {
    (void)train_online(agent, env, {.episodes = episodes, .seed = seed});
  }
  Rng rng(seed);
  return greedy_rollout(agent, env, rng, 100);
}

/// Q of the best epsilon-greedy policy on CliffWalking (gamma 1): the fixed point of
/// Q(s,a) = r + eps * mean Q(s', .) + (1 - eps) * max Q(s', .), what SARSA and Expected SARSA
/// converge to with a constant epsilon (eps 0: Q*).
inline QTable<double> cliff_soft_optimum(double eps) {
  CliffWalking env;
  QTable<double> q = QTable<double>::Zero(48, 4);
  for (int sweep = 0; sweep < 100000; ++sweep) {
    double change = 0.0;
    for (int s = 0; s < 48; ++s) {
      for (int a = 0; a < 4; ++a) {
        const Outcome o = env.transitions(s, a)[0];
        const double next =
            o.terminated ? 0.0 : eps * q.row(o.next_state).mean() + (1 - eps) * q.row(o.next_state).maxCoeff();
        change = std::max(change, std::abs(o.reward + next - q(s, a)));
        q(s, a) = o.reward + next;
      }
    }
    if (change < 1e-12) break;
  }
  return q;
}

/// True when a CliffWalking rollout reaches the goal without walking along the cliff edge
/// (row 2 between its ends): the safe paths SARSA learns (Sutton & Barto, Example 6.6).
inline bool safe_path(const Rollout& r) {
  if (!r.terminated) return false;
  for (const int s : r.states) {
    if (s > 24 && s < 35) return false;
  }
  return true;
}

/// Trains an agent from make() on an environment from make_env() for `options` twice: in one
/// go, and stopped after `stop` env steps (in mid-episode), saved, loaded into a fresh agent
/// and continued on the same environment. Requires the two to end saving the same bytes, and
/// returns what the first agent saved at the stop (with the episode-end hook for an agent
/// that has one).
template <class Make, class MakeEnv>
Bytes require_resume_bit_identical(Make make, MakeEnv make_env, const TrainOptions& options, std::int64_t stop) {
  auto whole = make();
  auto whole_env = make_env();
  auto first = make();
  auto env = make_env();
  TrainingState state(options.seed, env.num_states());
  StopAfter budget{stop};
  using AgentT = decltype(whole);
  if constexpr (EpisodicAgent<AgentT>) {
    (void)train_online(whole, whole_env, options, EpisodeEnds<AgentT>(whole));
    EpisodeEnds<AgentT> ends(first);
    run_online_training(first, env, options, state, observe(ends, budget));
  } else {
    (void)train_online(whole, whole_env, options);
    run_online_training(first, env, options, state, budget);
  }
  REQUIRE(state.progress.active);
  const Bytes at_stop = saved(first);
  auto resumed = make();
  load_from(resumed, at_stop);
  REQUIRE(saved(resumed) == at_stop);
  if constexpr (EpisodicAgent<AgentT>) {
    run_online_training(resumed, env, options, state, EpisodeEnds<AgentT>(resumed));
  } else {
    run_online_training(resumed, env, options, state);
  }
  REQUIRE(saved(resumed) == saved(whole));
  return at_stop;
}

/// A continuing two-state MDP: in A (0) action 0 stays (+1) and action 1 moves to B (0); in B
/// (1) action 0 returns to A (+3) and action 1 stays (0). The best average reward is 1.5
/// (A -> B -> A ...), better than staying in A (1): the greedy policy must look past the +1.
class TwoLoops {
 public:
  [[nodiscard]] int num_states() const { return 2; }
  [[nodiscard]] int num_actions() const { return 2; }
  int reset(std::uint64_t /*seed*/) { return state_ = 0; }
  StepResult step(int action) {
    const int s = state_;
    if (s == 0) {
      state_ = action == 0 ? 0 : 1;
      return {state_, action == 0 ? 1.0 : 0.0, false, false};
    }
    state_ = action == 0 ? 0 : 1;
    return {state_, action == 0 ? 3.0 : 0.0, false, false};
  }

 private:
  int state_ = 0;
};

}  // namespace tabrl::test
