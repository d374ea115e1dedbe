#pragma once
/// \file concepts.hpp
/// The extension points: what the training loop needs from an environment, an agent and a
/// replay memory. A type that misses a requirement gets one concept error naming it.

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "random.hpp"
#include "types.hpp"

namespace tabrl {

/// An environment with finitely many states and actions, numbered from 0:
/// `num_states()`, `num_actions()`, `reset(seed) -> state` and `step(action) -> StepResult`.
template <class E>
concept DiscreteEnvironment = requires(E& env, const E& cenv, std::uint64_t seed, int action) {
  { cenv.num_states() } -> std::convertible_to<int>;
  { cenv.num_actions() } -> std::convertible_to<int>;
  { env.reset(seed) } -> std::convertible_to<int>;
  { env.step(action) } -> std::same_as<StepResult>;
};

/// An agent the training loop can drive: table sizes, a behaviour policy `act(state, rng)`
/// and an online update: `update(transition)`, or for on-policy agents such as SARSA,
/// `update(transition, next_action)`.
template <class A>
concept Agent = requires(A& agent, const A& cagent, int state, Rng& rng, const Transition& t) {
  { cagent.num_states() } -> std::convertible_to<int>;
  { cagent.num_actions() } -> std::convertible_to<int>;
  { cagent.act(state, rng) } -> std::convertible_to<int>;
}
&&(
    requires(A& agent, const Transition& t) { agent.update(t); } ||
    requires(A & agent, const Transition& t, int next_action) { agent.update(t, next_action); });

/// An agent that must know the next action before it learns (SARSA).
template <class A>
concept OnPolicyAgent = Agent<A> && requires {
  requires A::on_policy;
};

/// A replay memory: push transitions, sample minibatches of `minibatch_type`.
template <class M>
concept ExperienceMemory = requires(M& memory, const M& cmemory, const Transition& t, std::size_t n,
                                    Rng& rng, typename M::minibatch_type& batch) {
  typename M::minibatch_type;
  memory.push(t);
  { cmemory.size() } -> std::convertible_to<std::size_t>;
  { cmemory.capacity() } -> std::convertible_to<std::size_t>;
  memory.sample(n, rng, batch);
};

/// An agent that learns from minibatches of memory type M.
template <class A, class M>
concept MinibatchAgent = Agent<A> && ExperienceMemory<M> &&
    requires(A& agent, const typename M::minibatch_type& batch) {
  agent.update(batch);
};

}  // namespace tabrl
