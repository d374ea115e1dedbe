#pragma once
/// \file training/evaluate.hpp
/// Running a learned greedy policy.

#include <cstdint>
#include <vector>

#include "../concepts.hpp"
#include "../random.hpp"

namespace tabrl {

/// One greedy episode: the states visited (start included), actions, return, and whether it
/// ended by termination (rather than by the step cap).
struct Rollout {
  std::vector<int> states;    ///< the start state, then every state reached
  std::vector<int> actions;   ///< the action taken in each state
  double total_return = 0.0;  ///< undiscounted
  bool terminated = false;    ///< ended in a terminal state (not by the step cap or a limit)

  /// Steps taken.
  [[nodiscard]] std::int64_t length() const noexcept {
    return static_cast<std::int64_t>(actions.size());
  }
};

/// Follows agent.greedy_action from env.reset(seed) for at most max_steps steps.
template <DiscreteEnvironment Env, class AgentT>
requires requires(const AgentT& a, int s, Rng& rng) {
  { a.greedy_action(s, rng) } -> std::convertible_to<int>;
}
[[nodiscard]] Rollout greedy_rollout(const AgentT& agent, Env& env, Rng& rng,
                                     std::int64_t max_steps = 100, std::uint64_t seed = 0) {
  Rollout out;
  int s = env.reset(seed);
  out.states.push_back(s);
  for (std::int64_t t = 0; t < max_steps; ++t) {
    const int a = agent.greedy_action(s, rng);
    const StepResult r = env.step(a);
    out.actions.push_back(a);
    out.total_return += r.reward;
    s = r.next_state;
    out.states.push_back(s);
    if (r.terminated || r.truncated) {
      out.terminated = r.terminated;
      break;
    }
  }
  return out;
}

}  // namespace tabrl
