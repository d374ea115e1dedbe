#pragma once
/// \file agents/sarsa.hpp
/// SARSA: on-policy TD control, bootstrapping with the action the agent takes next.

#include "td_agent.hpp"

namespace tabrl {

/// SARSA (Rummery & Niranjan 1994; Sutton & Barto 6.4). Target r + gamma * Q(s', a') with a'
/// the action actually taken next, so the update needs the next action: `update(transition,
/// next_action)`. The training loops (train_online) detect `on_policy` and choose a' before
/// the update, then execute that same a'.
///
/// Why there is no minibatch update: a stored (s, a, r, s', a') carries the a' chosen by the
/// policy of the time it was stored. Replaying it later evaluates that old policy, not the
/// current one: the update becomes off-policy without any correction, and its fixed point
/// mixes all the past policies in the memory. tabrl therefore trains SarsaAgent online only
/// (train() rejects it at compile time); for replay use ExpectedSarsaAgent, whose target is
/// computed under the current policy at update time, or QLearningAgent.
template <class Scalar = double>
class SarsaAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  /// Tells the training loops to pick the next action before updating.
  static constexpr bool on_policy = true;

  SarsaAgent(int num_states, int num_actions, const TDOptions& config = {})
      : Base(num_states, num_actions, config, "SarsaAgent") {}

  /// Online SARSA update; `next_action` is ignored when the transition terminated. Returns
  /// the TD error. Throws on bad indices or a non-finite reward.
  template <class R>
  Scalar update(const BasicTransition<R>& t, int next_action) {
    this->check_state("update", t.state);
    this->check_action("update", t.action);
    this->check_state("update", t.next_state);
    if (!t.terminated) this->check_action("update", next_action);
    Base::check_reward("SarsaAgent::update", static_cast<double>(t.reward));
    Scalar target = static_cast<Scalar>(t.reward);
    if (!t.terminated)
      target += static_cast<Scalar>(this->gamma_) * this->q_(t.next_state, next_action);
    const Scalar delta = target - this->q_(t.state, t.action);
    this->q_(t.state, t.action) += static_cast<Scalar>(this->alpha_) * delta;
    return delta;
  }
};

}  // namespace tabrl
