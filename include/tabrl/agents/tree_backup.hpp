#pragma once
/// \file agents/tree_backup.hpp
/// Tree-backup(lambda): off-policy control whose traces decay with the target policy's
/// probability of the action taken.

#include <string>

#include "../fwd.hpp"
#include "detail/off_policy_traces.hpp"
#include "eligibility_traces.hpp"

namespace tabrl {

/// Tree-backup(lambda) (Precup, Sutton & Singh 2000; Sutton & Barto 12.9), tabular, for
/// control with an epsilon-greedy target policy pi (target_epsilon; 0: greedy, ties sharing
/// the greedy mass) while acting epsilon-greedily. For a transition (s, a, r, s'):
///   delta = r + gamma * sum_b pi(b | s') Q(s', b) - Q(s, a)   (no bootstrap when terminated)
///   z <- gamma * lambda * pi(a | s) * z, z(s, a) marked, Q <- Q + alpha * delta * z
/// No importance ratio, so the traces never grow, but they shrink even when behaviour and
/// target agree. With a greedy target and no ties it is Watkins's Q(lambda). Learns online
/// only (update(transition)); the traces end with the episode (see SarsaLambdaAgent).
template <class Scalar>
class TreeBackupAgent : public detail::OffPolicyTraceAgent<Scalar, detail::TreeBackupTrace> {
  using Base = detail::OffPolicyTraceAgent<Scalar, detail::TreeBackupTrace>;

 public:
  /// A num_states x num_actions table of zeros and no active trace; throws on sizes < 1,
  /// settings out of range (target_epsilon in [0, 1]) or dutch traces.
  TreeBackupAgent(int num_states, int num_actions, const TDOptions& options = {},
                  const TraceOptions& traces = {}, double target_epsilon = 0.0)
      : Base(num_states, num_actions, options, traces, target_epsilon) {}

  /// "TreeBackupAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "TreeBackupAgent"; }
};

}  // namespace tabrl
