#pragma once
/// \file planning/policy_iteration.hpp
/// Policy iteration on an environment's model, next to value iteration.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../types.hpp"

namespace tabrl {

/// Result of policy iteration: the final (optimal) policy, its values, and the work done.
struct PolicyIterationResult {
  Eigen::VectorXi policy;              ///< policy[s]: the action taken in s
  QTable<double> q;                    ///< Q of that policy (Q* when it is optimal)
  Eigen::VectorXd v;                   ///< V of that policy
  int iterations = 0;                  ///< policies evaluated (the last one is stable)
  std::int64_t evaluation_sweeps = 0;  ///< sweeps over the states, all evaluations together
};

namespace detail {
/// An environment's outcomes, read once: model[s * actions + a].
template <class Env>
[[nodiscard]] std::vector<std::vector<Outcome>> read_model(const Env& env) {
  const int ns = env.num_states(), na = env.num_actions();
  std::vector<std::vector<Outcome>> model(static_cast<std::size_t>(ns) *
                                          static_cast<std::size_t>(na));
  for (int s = 0; s < ns; ++s) {
    for (int a = 0; a < na; ++a)
      model[static_cast<std::size_t>(s * na + a)] = env.transitions(s, a);
  }
  return model;
}
/// sum_o p_o (r_o + gamma [not terminated_o] v(s'_o)).
[[nodiscard]] inline double backup(const std::vector<Outcome>& outcomes, const Eigen::VectorXd& v,
                                   double gamma) noexcept {
  double q = 0.0;
  for (const Outcome& o : outcomes) {
    q += o.probability * (o.reward + (o.terminated ? 0.0 : gamma * v[o.next_state]));
  }
  return q;
}
}  // namespace detail

/// Policy iteration (Howard 1960; Sutton & Barto 4.3) from `initial` (one action per state):
/// evaluate the policy by in-place sweeps until the largest change is below `tolerance`,
/// then make it greedy, an action replacing the current one only when its value is larger
/// by more than `tolerance` (so equal actions cannot alternate for ever); stop when no state
/// changes. Throws InvalidArgument on a bad gamma, tolerance or policy, and LogicError when
/// an evaluation has not converged after `max_sweeps` sweeps (with gamma = 1, a policy that
/// never terminates has no finite value: start from one that does, or discount) or the
/// policy is still changing after `max_iterations` improvements.
template <ModelEnvironment Env>
[[nodiscard]] PolicyIterationResult policy_iteration(const Env& env, double gamma,
                                                     const Eigen::VectorXi& initial,
                                                     double tolerance = 1e-10,
                                                     int max_iterations = 1000,
                                                     std::int64_t max_sweeps = 100000) {
  const int ns = env.num_states(), na = env.num_actions();
  if (!(gamma >= 0.0 && gamma <= 1.0))
    detail::throw_invalid("policy_iteration", "gamma must be in [0, 1]", gamma);
  if (!(tolerance > 0.0 && std::isfinite(tolerance)))
    detail::throw_invalid("policy_iteration", "tolerance must be finite and > 0", tolerance);
  if (max_iterations < 1)
    detail::throw_invalid("policy_iteration", "max_iterations must be >= 1", max_iterations);
  if (max_sweeps < 1)
    detail::throw_invalid("policy_iteration", "max_sweeps must be >= 1", max_sweeps);
  if (initial.size() != ns) {
    detail::throw_invalid("policy_iteration",
                          detail::concat("initial policy must have ", ns, " entries"),
                          initial.size());
  }
  for (int s = 0; s < ns; ++s) {
    if (initial[s] < 0 || initial[s] >= na) {
      detail::throw_invalid("policy_iteration",
                            detail::concat("initial policy actions must be in [0, ", na, ")"),
                            initial[s]);
    }
  }
  const auto model = detail::read_model(env);
  const auto outcomes = [&](int s, int a) -> const std::vector<Outcome>& {
    return model[static_cast<std::size_t>(s * na + a)];
  };
  PolicyIterationResult out;
  out.policy = initial;
  out.v = Eigen::VectorXd::Zero(ns);
  out.q = QTable<double>::Zero(ns, na);
  for (out.iterations = 1;; ++out.iterations) {
    // Evaluation, in place (Gauss-Seidel), from the previous policy's values.
    for (std::int64_t sweep = 1;; ++sweep) {
      ++out.evaluation_sweeps;
      double delta = 0.0;
      for (int s = 0; s < ns; ++s) {
        const double value = detail::backup(outcomes(s, out.policy[s]), out.v, gamma);
        delta = std::max(delta, std::abs(value - out.v[s]));
        out.v[s] = value;
      }
      if (!std::isfinite(delta)) {
        throw LogicError(
            "tabrl::policy_iteration: the policy's values diverged (with gamma = 1, "
            "a policy that never terminates has no finite value)");
      }
      if (delta < tolerance) break;
      if (sweep == max_sweeps) {
        throw LogicError(detail::concat(
            "tabrl::policy_iteration: policy evaluation did not converge in ", max_sweeps,
            " sweeps (with gamma = 1, a policy that never terminates has no finite value: "
            "start from a policy that terminates, or discount)"));
      }
    }
    // Improvement.
    bool stable = true;
    for (int s = 0; s < ns; ++s) {
      for (int a = 0; a < na; ++a) out.q(s, a) = detail::backup(outcomes(s, a), out.v, gamma);
      int best = out.policy[s];
      for (int a = 0; a < na; ++a) {
        if (out.q(s, a) > out.q(s, best) + tolerance) best = a;
      }
      if (best != out.policy[s]) {
        out.policy[s] = best;
        stable = false;
      }
    }
    if (stable) return out;
    if (out.iterations == max_iterations) {
      throw LogicError(detail::concat("tabrl::policy_iteration: the policy still changed after ",
                                      max_iterations, " improvements"));
    }
  }
}

/// Policy iteration from the policy that takes action 0 everywhere (see the overload with an
/// initial policy; with gamma = 1 that policy must terminate from every state).
template <ModelEnvironment Env>
[[nodiscard]] PolicyIterationResult policy_iteration(const Env& env, double gamma,
                                                     double tolerance = 1e-10,
                                                     int max_iterations = 1000,
                                                     std::int64_t max_sweeps = 100000) {
  return policy_iteration(env, gamma, Eigen::VectorXi::Zero(env.num_states()), tolerance,
                          max_iterations, max_sweeps);
}

}  // namespace tabrl
