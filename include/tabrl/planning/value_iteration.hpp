#pragma once
/// \file planning/value_iteration.hpp
/// Exact solutions from an environment's model, to measure what an agent learned against.

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../types.hpp"

namespace tabrl {

/// Result of value iteration: Q*, V* and how it converged.
struct ValueIterationResult {
  QTable<double> q;       ///< Q*
  Eigen::VectorXd v;      ///< V* = max_a Q*
  int iterations = 0;     ///< sweeps made
  double residual = 0.0;  ///< max |V_k+1 - V_k| of the last sweep
};

/// Value iteration: Q(s,a) = sum_o p_o (r_o + gamma [not terminated_o] V(s'_o)), V = max_a Q,
/// swept until the largest change is below `tolerance` (or max_iterations sweeps).
template <ModelEnvironment Env>
[[nodiscard]] ValueIterationResult value_iteration(const Env& env, double gamma,
                                                   double tolerance = 1e-10,
                                                   int max_iterations = 100000) {
  if (!(gamma >= 0.0 && gamma <= 1.0))
    detail::throw_invalid("value_iteration", "gamma must be in [0, 1]", gamma);
  if (!(tolerance > 0.0))
    detail::throw_invalid("value_iteration", "tolerance must be > 0", tolerance);
  const int ns = env.num_states(), na = env.num_actions();
  std::vector<std::vector<Outcome>> model(static_cast<std::size_t>(ns * na));
  for (int s = 0; s < ns; ++s) {
    for (int a = 0; a < na; ++a)
      model[static_cast<std::size_t>(s * na + a)] = env.transitions(s, a);
  }
  ValueIterationResult out;
  out.q = QTable<double>::Zero(ns, na);
  out.v = Eigen::VectorXd::Zero(ns);
  for (out.iterations = 1; out.iterations <= max_iterations; ++out.iterations) {
    double delta = 0.0;
    for (int s = 0; s < ns; ++s) {
      for (int a = 0; a < na; ++a) {
        double q = 0.0;
        for (const Outcome& o : model[static_cast<std::size_t>(s * na + a)]) {
          q += o.probability * (o.reward + (o.terminated ? 0.0 : gamma * out.v[o.next_state]));
        }
        out.q(s, a) = q;
      }
      const double v = out.q.row(s).maxCoeff();
      delta = std::max(delta, std::abs(v - out.v[s]));
      out.v[s] = v;  // in place (Gauss-Seidel): converges at least as fast
    }
    out.residual = delta;
    if (delta < tolerance) break;
  }
  return out;
}

/// Optimal values with at most `horizon` steps left (undiscounted backward induction): what a
/// TimeLimit-wrapped environment allows. Entry s is the best expected return from s.
template <ModelEnvironment Env>
[[nodiscard]] Eigen::VectorXd finite_horizon_values(const Env& env, int horizon) {
  if (horizon < 0) detail::throw_invalid("finite_horizon_values", "horizon must be >= 0", horizon);
  const int ns = env.num_states(), na = env.num_actions();
  std::vector<std::vector<Outcome>> model(static_cast<std::size_t>(ns * na));
  for (int s = 0; s < ns; ++s) {
    for (int a = 0; a < na; ++a)
      model[static_cast<std::size_t>(s * na + a)] = env.transitions(s, a);
  }
  Eigen::VectorXd v = Eigen::VectorXd::Zero(ns), next(ns);
  for (int t = 0; t < horizon; ++t) {
    for (int s = 0; s < ns; ++s) {
      double best = -std::numeric_limits<double>::infinity();
      for (int a = 0; a < na; ++a) {
        double q = 0.0;
        for (const Outcome& o : model[static_cast<std::size_t>(s * na + a)]) {
          q += o.probability * (o.reward + (o.terminated ? 0.0 : v[o.next_state]));
        }
        best = std::max(best, q);
      }
      next[s] = best;
    }
    v.swap(next);
  }
  return v;
}

/// V^pi of a deterministic policy (policy[s] = action), by iterative evaluation.
template <ModelEnvironment Env>
[[nodiscard]] Eigen::VectorXd evaluate_policy(const Env& env, const Eigen::VectorXi& policy,
                                              double gamma, double tolerance = 1e-10,
                                              int max_iterations = 100000) {
  const int ns = env.num_states();
  if (policy.size() != ns)
    detail::throw_invalid("evaluate_policy", detail::concat("policy must have ", ns, " entries"),
                          policy.size());
  for (int s = 0; s < ns; ++s) {
    if (policy[s] < 0 || policy[s] >= env.num_actions()) {
      detail::throw_invalid("evaluate_policy", "policy actions must be valid", policy[s]);
    }
  }
  Eigen::VectorXd v = Eigen::VectorXd::Zero(ns);
  for (int it = 0; it < max_iterations; ++it) {
    double delta = 0.0;
    for (int s = 0; s < ns; ++s) {
      double value = 0.0;
      for (const Outcome& o : env.transitions(s, policy[s])) {
        value += o.probability * (o.reward + (o.terminated ? 0.0 : gamma * v[o.next_state]));
      }
      delta = std::max(delta, std::abs(value - v[s]));
      v[s] = value;
    }
    if (delta < tolerance) break;
  }
  return v;
}

/// How far a learned table is from Q*: the largest |Q - Q*| over the given states, and how
/// many of them have a greedy action that is optimal (within `tie` of max Q*).
struct QComparison {
  double max_abs_error = 0.0;  ///< the largest |Q - Q*| over the states compared
  int states = 0;              ///< states compared
  int greedy_optimal = 0;      ///< of those, states whose greedy action is optimal
};

/// Compares `learned` with `optimal` over `states` (see QComparison); a greedy action counts
/// as optimal within `tie` of the best Q* value. Throws on different shapes or a bad state.
template <class Scalar>
[[nodiscard]] QComparison compare_q(const QTable<Scalar>& learned, const QTable<double>& optimal,
                                    const std::vector<int>& states, double tie = 1e-9) {
  if (learned.rows() != optimal.rows() || learned.cols() != optimal.cols()) {
    detail::throw_invalid("compare_q", "tables must have the same shape", learned.rows());
  }
  QComparison out;
  for (int s : states) {
    if (s < 0 || s >= optimal.rows()) detail::throw_invalid("compare_q", "state out of range", s);
    ++out.states;
    Eigen::Index best = 0;
    learned.row(s).maxCoeff(&best);
    if (optimal(s, best) >= optimal.row(s).maxCoeff() - tie) ++out.greedy_optimal;
    out.max_abs_error =
        std::max(out.max_abs_error,
                 (learned.row(s).template cast<double>() - optimal.row(s)).cwiseAbs().maxCoeff());
  }
  return out;
}

}  // namespace tabrl
