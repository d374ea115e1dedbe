#pragma once
/// \file concepts.hpp
/// The extension points: what the training loops need from an environment, an agent, a
/// replay memory and an observer. A type that misses a requirement gets one concept error
/// naming it. docs/extending.md walks through writing each one.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "minibatch.hpp"
#include "random.hpp"
#include "types.hpp"

namespace tabrl {

/// An environment with finitely many states and actions, numbered from 0:
/// `num_states()`, `num_actions()`, `reset(seed) -> state` and `step(action) -> StepResult`.
/// `reset` must make the episode depend on the seed alone (the loops reset episode e with
/// derive_seed(run seed, e)); `step` reports `terminated` for a terminal state and
/// `truncated` for an episode cut short from outside.
template <class E>
concept DiscreteEnvironment = requires(E& env, const E& cenv, std::uint64_t seed, int action) {
  { cenv.num_states() } -> std::convertible_to<int>;
  { cenv.num_actions() } -> std::convertible_to<int>;
  { env.reset(seed) } -> std::convertible_to<int>;
  { env.step(action) } -> std::same_as<StepResult>;
};

/// An environment whose model can be read, as Gymnasium's `P`: transitions(s, a) lists every
/// outcome with its probability (the planning functions need it).
template <class E>
concept ModelEnvironment = requires(const E& env, int s, int a) {
  { env.num_states() } -> std::convertible_to<int>;
  { env.num_actions() } -> std::convertible_to<int>;
  { env.transitions(s, a) } -> std::convertible_to<std::vector<Outcome>>;
};

/// An agent the training loops can drive: table sizes, a behaviour policy `act(state, rng)`
/// that draws only from `rng` (the loops' generator, so runs are reproducible) and an online
/// update: `update(transition)`, or for an OnPolicyAgent, `update(transition, next_action)`.
template <class A>
concept Agent = requires(const A& cagent, int state, Rng& rng) {
  { cagent.num_states() } -> std::convertible_to<int>;
  { cagent.num_actions() } -> std::convertible_to<int>;
  { cagent.act(state, rng) } -> std::convertible_to<int>;
}
&&(
    requires(A& agent, const Transition& t) { agent.update(t); } ||
    requires(A & agent, const Transition& t, int next_action) { agent.update(t, next_action); });

/// An agent that must know the next action before it learns (SARSA): it declares
/// `static constexpr bool on_policy = true`, and train_online picks a' before the update,
/// then takes that same a'.
template <class A>
concept OnPolicyAgent = Agent<A> && requires {
  requires A::on_policy;
};

/// An agent that must hear of episode ends (eligibility traces are cleared there; a
/// truncated episode ends without a terminal transition, so an agent cannot tell by itself):
/// `end_episode()`, called by the training loops after every episode.
template <class A>
concept EpisodicAgent = Agent<A> && requires(A& agent) {
  agent.end_episode();
};

/// A replay memory: `push(transition)`, `size()`, `capacity()`, and `sample(n, rng, batch)`
/// filling a `minibatch_type` (a BasicMinibatch). It may also offer `sample_view(n, rng,
/// batch)`, the same draws without a copy (rows read in place until the memory changes),
/// which the training loop then uses.
template <class M>
concept ExperienceMemory = requires(M& memory, const M& cmemory, const Transition& t, std::size_t n,
                                    Rng& rng, typename M::minibatch_type& batch) {
  typename M::minibatch_type;
  memory.push(t);
  { cmemory.size() } -> std::convertible_to<std::size_t>;
  { cmemory.capacity() } -> std::convertible_to<std::size_t>;
  memory.sample(n, rng, batch);
};

/// An agent that learns from minibatches of memory type M: `update(batch)`, reading the rows
/// through the batch's accessors (state(i), action(i), reward(i), next_state(i),
/// terminated(i), weight(i), discount(i)).
template <class A, class M>
concept MinibatchAgent = Agent<A> && ExperienceMemory<M> &&
    requires(A& agent, const typename M::minibatch_type& batch) {
  agent.update(batch);
};

/// An agent that reports the TD error of each row of its last minibatch update:
/// `last_td_errors()` returns something with size() and operator[] (an Eigen column).
template <class A>
concept ReportsTDErrors = requires(const A& agent) {
  { agent.last_td_errors().size() } -> std::convertible_to<std::ptrdiff_t>;
  static_cast<double>(agent.last_td_errors()[0]);
};

/// A memory whose sampling follows priorities that the training loop sets after every
/// update: `update_priorities(batch, td_errors)`. The loop requires the agent to be
/// ReportsTDErrors then.
template <class M>
concept PrioritizedMemory = ExperienceMemory<M> &&
    requires(M& memory, const typename M::minibatch_type& batch,
             const Eigen::Matrix<double, Eigen::Dynamic, 1>& errors) {
  memory.update_priorities(batch, errors);
};

/// A memory that must hear of episode ends (n-step returns flush their window):
/// `end_episode()`, called by the loop after every episode, terminated or truncated.
template <class M>
concept EpisodicMemory = ExperienceMemory<M> && requires(M& memory) {
  memory.end_episode();
};

}  // namespace tabrl
