#pragma once
/// \file agents/retrace.hpp
/// Retrace(lambda): off-policy control with truncated importance ratios in the traces.

#include <string>

#include "../fwd.hpp"
#include "detail/off_policy_traces.hpp"
#include "eligibility_traces.hpp"

namespace tabrl {

/// Retrace(lambda) (Munos, Stepleton, Harutyunyan & Bellemare 2016), tabular, for control
/// with an epsilon-greedy target policy pi (target_epsilon; 0: greedy) while acting with
/// the agent's own epsilon-greedy policy mu. For a transition (s, a, r, s'):
///   c     = min(1, pi(a | s) / mu(a | s))
///   delta = r + gamma * sum_b pi(b | s') Q(s', b) - Q(s, a)   (no bootstrap when terminated)
///   z <- gamma * lambda * c * z, z(s, a) marked, Q <- Q + alpha * delta * z
/// Traces are cut only as far as pi and mu disagree: with target_epsilon equal to epsilon
/// nothing is cut; with a greedy target an exploratory action cuts them all, and Retrace is
/// then Watkins's Q(lambda) exactly (min(1, pi/mu) is 1 for every greedy action). Learns
/// online only (update(transition)); the traces end with the episode (see SarsaLambdaAgent).
template <class Scalar>
class RetraceAgent : public detail::OffPolicyTraceAgent<Scalar, detail::RetraceTrace> {
  using Base = detail::OffPolicyTraceAgent<Scalar, detail::RetraceTrace>;

 public:
  /// A num_states x num_actions table of zeros and no active trace; throws on sizes < 1,
  /// settings out of range (target_epsilon in [0, 1]) or dutch traces.
  RetraceAgent(int num_states, int num_actions, const TDOptions& options = {},
               const TraceOptions& traces = {}, double target_epsilon = 0.0)
      : Base(num_states, num_actions, options, traces, target_epsilon) {}

  /// "RetraceAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "RetraceAgent"; }
};

}  // namespace tabrl
