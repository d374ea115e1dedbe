#pragma once
/// \file agents/q_lambda.hpp
/// Watkins's Q(lambda): Q-learning with eligibility traces cut after an exploratory action.

#include <string>

#include "../fwd.hpp"
#include "detail/off_policy_traces.hpp"
#include "eligibility_traces.hpp"

namespace tabrl {

/// Watkins's Q(lambda) (Watkins 1989; Sutton & Barto 1st ed. 7.6, 2nd ed. 12.10). For a
/// transition (s, a, r, s'):
///   delta = r + gamma * max_b Q(s', b) - Q(s, a)      (no bootstrap when terminated)
///   if a is greedy in s (one of the tied maxima): z <- gamma * lambda * z, else z <- 0
///   z(s, a) marked (accumulating or replacing; dutch is refused), Q <- Q + alpha * delta * z
/// The traces of the pairs before an exploratory action are cut when that action is learned
/// from, which is when the book's "if A' = A*" test would cut them. Learns online only
/// (update(transition)); the traces end with the episode (see SarsaLambdaAgent). With
/// lambda = 0 it is QLearningAgent, bit for bit.
template <class Scalar>
class QLambdaAgent : public detail::OffPolicyTraceAgent<Scalar, detail::WatkinsTrace> {
  using Base = detail::OffPolicyTraceAgent<Scalar, detail::WatkinsTrace>;

 public:
  /// A num_states x num_actions table of zeros and no active trace; throws on sizes < 1,
  /// settings out of range or dutch traces.
  QLambdaAgent(int num_states, int num_actions, const TDOptions& options = {},
               const TraceOptions& traces = {})
      : Base(num_states, num_actions, options, traces, 0.0) {}

  /// "QLambdaAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "QLambdaAgent"; }
};

}  // namespace tabrl
