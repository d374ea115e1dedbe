#pragma once
/// \file agents/sarsa.hpp
/// SARSA: on-policy TD control, bootstrapping with the action the agent takes next.

#include <cstdint>
#include <string>

#include "../fwd.hpp"
#include "detail/td_engine.hpp"
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
template <class Scalar>
class SarsaAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  /// Tells the training loops to pick the next action before updating.
  static constexpr bool on_policy = true;

  /// A num_states x num_actions table of zeros; throws on sizes < 1 or settings out of range.
  SarsaAgent(int num_states, int num_actions, const TDOptions& options = {})
      : Base(num_states, num_actions, options, "SarsaAgent") {}

  /// "SarsaAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "SarsaAgent"; }

  /// How SARSA values a next state: Q(s', a') of the action taken next.
  struct NextValue {
    int next_action;  ///< a'
    /// The entry a' of the row at `row`.
    template <int N>
    [[nodiscard]] Scalar operator()(const Scalar* row, std::uint64_t /*offset*/) const {
      return row[next_action];
    }
  };

  /// Online SARSA update; `next_action` is ignored when the transition terminated. Returns
  /// the TD error. Throws on bad indices or a non-finite reward.
  template <class R>
  Scalar update(const BasicTransition<R>& t, int next_action) {
    this->check_state("update", t.state);
    this->check_action("update", t.action);
    this->check_state("update", t.next_state);
    if (!t.terminated) this->check_action("update", next_action);
    this->check_reward("update", static_cast<double>(t.reward));
    return detail::TDEngine<Scalar>::update_one(
        "SarsaAgent", this->q_, t.state, t.action, static_cast<Scalar>(t.reward), t.next_state,
        t.terminated, static_cast<Scalar>(this->gamma_), static_cast<Scalar>(this->alpha_),
        Scalar(1), NextValue{next_action});
  }
};

}  // namespace tabrl
