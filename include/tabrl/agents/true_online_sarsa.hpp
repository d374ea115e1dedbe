#pragma once
/// \file agents/true_online_sarsa.hpp
/// True online SARSA(lambda) (van Seijen & Sutton 2014), tabular, with sparse dutch traces.

#include <string>

#include "../fwd.hpp"
#include "../types.hpp"
#include "detail/trace_agent.hpp"
#include "eligibility_traces.hpp"

namespace tabrl {

/// True online SARSA(lambda) (van Seijen & Sutton 2014; Sutton & Barto 12.8) with one-hot
/// features. For a transition (s, a, r, s') followed by a', with Q = Q(s, a) and
/// Q' = Q(s', a') (0 when terminated) read before the step, and Q_old the Q' of the step
/// before (0 at an episode's start):
///   delta = r + gamma * Q' - Q
///   z <- gamma * lambda * z (traces below the threshold dropped); z(s, a) <- (1 - alpha) z(s, a) +
///   1 Q <- Q + alpha * (delta + Q - Q_old) * z;  Q(s, a) <- Q(s, a) - alpha * (Q - Q_old) Q_old <-
///   Q'
/// Its forward view is the online lambda-return exactly. TraceOptions::kind is not used (the
/// dutch trace is part of the algorithm). Episode ends as for SarsaLambdaAgent. With
/// lambda = 0 it is SARSA.
template <class Scalar>
class TrueOnlineSarsaAgent : public detail::TraceAgentBase<Scalar> {
  using Base = detail::TraceAgentBase<Scalar>;

 public:
  /// Tells the training loops to pick the next action before updating.
  static constexpr bool on_policy = true;

  /// A num_states x num_actions table of zeros and no active trace; throws on sizes < 1 or
  /// settings out of range.
  TrueOnlineSarsaAgent(int num_states, int num_actions, const TDOptions& options = {},
                       const TraceOptions& traces = {})
      : Base(num_states, num_actions, options, traces, "TrueOnlineSarsaAgent", true) {}

  /// "TrueOnlineSarsaAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "TrueOnlineSarsaAgent"; }

  /// Q_old: the Q' of the previous step in this episode (0 at its start).
  [[nodiscard]] Scalar q_old() const noexcept { return this->carry_; }

  /// One step (see the class comment); `next_action` is ignored when the transition
  /// terminated. Returns the TD error. Throws on bad indices or a non-finite reward or TD
  /// error, changing nothing.
  template <class R>
  Scalar update(const BasicTransition<R>& t, int next_action) {
    this->check_on_policy(t, next_action);
    const Eigen::Index width = this->q_.cols();
    Scalar* q = this->q_.data();
    const Eigen::Index cell = t.state * width + t.action;
    const Scalar q_sa = q[cell];
    const Scalar q_next = t.terminated ? Scalar(0) : q[t.next_state * width + next_action];
    const Scalar delta =
        static_cast<Scalar>(t.reward) + static_cast<Scalar>(this->gamma_) * q_next - q_sa;
    this->check_delta(delta, t.state, t.action, static_cast<double>(t.reward));
    this->begin_step(t.state);
    const auto alpha = static_cast<Scalar>(this->alpha_);
    this->traces_.scale(static_cast<Scalar>(this->gamma_ * this->trace_options_.lambda));
    this->traces_.mark(cell, TraceKind::dutch, alpha);
    const Scalar correction = q_sa - this->carry_;
    this->traces_.apply(this->q_, alpha * (delta + correction));
    q[cell] -= alpha * correction;
    this->end_step(t.next_state, t.terminated);
    if (!t.terminated) this->carry_ = q_next;
    return delta;
  }
};

}  // namespace tabrl
