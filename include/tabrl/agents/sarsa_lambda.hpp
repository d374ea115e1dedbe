#pragma once
/// \file agents/sarsa_lambda.hpp
/// SARSA(lambda) with accumulating, replacing or dutch traces, kept sparse.

#include <string>

#include "../fwd.hpp"
#include "../types.hpp"
#include "detail/trace_agent.hpp"
#include "eligibility_traces.hpp"

namespace tabrl {

/// SARSA(lambda) (Sutton & Barto 12.7), tabular, backward view. For a transition (s, a, r,
/// s') followed by a':
///   delta = r + gamma * Q(s', a') - Q(s, a)      (no bootstrap when terminated)
///   z <- gamma * lambda * z, traces below the threshold dropped
///   z(s, a) marked as TraceOptions::kind says (accumulating +1, replacing =1, dutch
///   (1 - alpha) z + 1)
///   Q <- Q + alpha * delta * z                   (over the active traces only)
/// The traces are cleared when the transition terminated, when a transition does not start
/// where the last one ended, and by end_episode() (which the loops must call for a truncated
/// episode; see EpisodicAgent). Like SarsaAgent it learns online only and needs the next
/// action: `update(transition, next_action)`. With lambda = 0 it is SarsaAgent, bit for bit.
template <class Scalar>
class SarsaLambdaAgent : public detail::TraceAgentBase<Scalar> {
  using Base = detail::TraceAgentBase<Scalar>;

 public:
  /// Tells the training loops to pick the next action before updating.
  static constexpr bool on_policy = true;

  /// A num_states x num_actions table of zeros and no active trace; throws on sizes < 1 or
  /// settings out of range.
  SarsaLambdaAgent(int num_states, int num_actions, const TDOptions& options = {},
                   const TraceOptions& traces = {})
      : Base(num_states, num_actions, options, traces, "SarsaLambdaAgent", true) {}

  /// "SarsaLambdaAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "SarsaLambdaAgent"; }

  /// One step (see the class comment); `next_action` is ignored when the transition
  /// terminated. Returns the TD error. Throws on bad indices or a non-finite reward or TD
  /// error, changing nothing.
  template <class R>
  Scalar update(const BasicTransition<R>& t, int next_action) {
    this->check_on_policy(t, next_action);
    const Eigen::Index width = this->q_.cols();
    Scalar* q = this->q_.data();
    const Eigen::Index cell = t.state * width + t.action;
    Scalar target = static_cast<Scalar>(t.reward);
    if (!t.terminated)
      target += static_cast<Scalar>(this->gamma_) * q[t.next_state * width + next_action];
    const Scalar delta = target - q[cell];
    this->check_delta(delta, t.state, t.action, static_cast<double>(t.reward));
    this->begin_step(t.state);
    const auto alpha = static_cast<Scalar>(this->alpha_);
    this->traces_.scale(static_cast<Scalar>(this->gamma_ * this->trace_options_.lambda));
    this->traces_.mark(cell, this->trace_options_.kind, alpha);
    this->traces_.apply(this->q_, alpha * delta);
    this->end_step(t.next_state, t.terminated);
    return delta;
  }
};

}  // namespace tabrl
