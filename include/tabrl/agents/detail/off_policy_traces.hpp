#pragma once
/// \file agents/detail/off_policy_traces.hpp
/// Off-policy lambda-return control in the form of Munos et al. (2016): one engine, a trace
/// coefficient per algorithm (Watkins's Q(lambda), Tree-backup(lambda), Retrace(lambda)).

#include <cmath>
#include <cstdint>
#include <string>

#include "../../error.hpp"
#include "../../serialization.hpp"
#include "../../types.hpp"
#include "../eligibility_traces.hpp"
#include "trace_agent.hpp"

namespace tabrl::detail {

/// The greedy part of an epsilon-greedy policy at one row: its maximum, how many actions tie
/// for it, and whether a given action is one of them.
template <class Scalar>
struct GreedyRow {
  Scalar max;
  int ties;
  bool greedy;

  GreedyRow(const Scalar* row, Eigen::Index n, Eigen::Index action) noexcept
      : max(row[0]), ties(1), greedy(false) {
    for (Eigen::Index b = 1; b < n; ++b) {
      if (row[b] > max) {
        max = row[b];
        ties = 1;
      } else if (row[b] == max) {
        ++ties;
      }
    }
    greedy = action >= 0 && row[action] == max;
  }
  /// pi(action | row) for an epsilon-greedy policy whose greedy mass the ties share.
  [[nodiscard]] Scalar probability(Scalar epsilon, Eigen::Index n) const noexcept {
    return (greedy ? (Scalar(1) - epsilon) / static_cast<Scalar>(ties) : Scalar(0)) +
           epsilon / static_cast<Scalar>(n);
  }
};

/// The expected value of a row under an epsilon-greedy policy: (1 - eps) max + eps mean
/// (eps 0: the max, with no rounding from the mean).
template <class Scalar>
[[nodiscard]] Scalar epsilon_greedy_value(const Scalar* row, Eigen::Index n,
                                          Scalar epsilon) noexcept {
  Scalar max = row[0];
  Scalar sum = row[0];
  for (Eigen::Index b = 1; b < n; ++b) {
    max = row[b] > max ? row[b] : max;
    sum += row[b];
  }
  if (epsilon == Scalar(0)) return max;
  return epsilon * (sum / static_cast<Scalar>(n)) + (Scalar(1) - epsilon) * max;
}

/// Watkins's Q(lambda): c = 1 when the action taken is greedy (any of tied maxima), else 0.
struct WatkinsTrace {
  static constexpr const char* name = "QLambdaAgent";
  template <class Scalar>
  [[nodiscard]] static Scalar coefficient(const GreedyRow<Scalar>& row, Eigen::Index /*n*/,
                                          Scalar /*behaviour*/, Scalar /*target*/) noexcept {
    return row.greedy ? Scalar(1) : Scalar(0);
  }
};
/// Tree-backup(lambda) (Precup et al. 2000): c = pi(a | s), the target policy's probability.
struct TreeBackupTrace {
  static constexpr const char* name = "TreeBackupAgent";
  template <class Scalar>
  [[nodiscard]] static Scalar coefficient(const GreedyRow<Scalar>& row, Eigen::Index n,
                                          Scalar /*behaviour*/, Scalar target) noexcept {
    return row.probability(target, n);
  }
};
/// Retrace(lambda) (Munos et al. 2016): c = min(1, pi(a | s) / mu(a | s)), mu the agent's own
/// epsilon-greedy behaviour policy. Whether pi >= mu is decided from the two epsilons and the
/// ties, not from rounded probabilities, so c is exactly 1 wherever the ratio is >= 1 (a
/// greedy action when the target is no more exploratory than the behaviour, or when every
/// action ties; an exploratory action when it is at least as exploratory).
struct RetraceTrace {
  static constexpr const char* name = "RetraceAgent";
  template <class Scalar>
  [[nodiscard]] static Scalar coefficient(const GreedyRow<Scalar>& row, Eigen::Index n,
                                          Scalar behaviour, Scalar target) noexcept {
    const Scalar pi = row.probability(target, n);
    if (pi == Scalar(0)) return Scalar(0);
    const bool covered = row.greedy ? (target <= behaviour || row.ties == n) : target >= behaviour;
    if (covered) return Scalar(1);
    return pi / row.probability(behaviour, n);  // mu > pi >= 0 here, so mu > 0
  }
};

/// The shared engine. For a transition (s, a, r, s'), with pi the target policy
/// (epsilon-greedy with target_epsilon; greedy for Watkins):
///   c     = Rule's coefficient of a in s, from the table before the step
///   delta = r + gamma * E_pi Q(s', .) - Q(s, a)      (no bootstrap when terminated)
///   z <- gamma * lambda * c * z (c = 0 cuts every trace), then z(s, a) marked (accumulating
///   or replacing)
///   Q <- Q + alpha * delta * z
/// Decaying the older traces by the coefficient of the pair taken now is the backward view
/// of Munos et al.'s operator: the trace of the pair visited at t, at step k, is
/// gamma^(k-t) * prod_{i=t+1..k} lambda * c_i.
template <class Scalar, class Rule>
class OffPolicyTraceAgent : public TraceAgentBase<Scalar> {
  using Base = TraceAgentBase<Scalar>;

 public:
  /// The target policy's exploration rate (0: greedy).
  [[nodiscard]] double target_epsilon() const noexcept { return target_epsilon_; }

  /// One step (see the class comment). Returns the TD error. Throws on bad indices or a
  /// non-finite reward or TD error, changing nothing.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_transition("update", t);
    const Eigen::Index width = this->q_.cols();
    Scalar* q = this->q_.data();
    const Eigen::Index cell = t.state * width + t.action;
    const auto target_eps = static_cast<Scalar>(target_epsilon_);
    const GreedyRow<Scalar> here(q + t.state * width, width, t.action);
    const Scalar c =
        Rule::coefficient(here, width, static_cast<Scalar>(this->epsilon_), target_eps);
    Scalar target = static_cast<Scalar>(t.reward);
    if (!t.terminated) {
      target += static_cast<Scalar>(this->gamma_) *
                epsilon_greedy_value(q + t.next_state * width, width, target_eps);
    }
    const Scalar delta = target - q[cell];
    this->check_delta(delta, t.state, t.action, static_cast<double>(t.reward));
    this->begin_step(t.state);
    this->traces_.scale(static_cast<Scalar>(this->gamma_ * this->trace_options_.lambda) * c);
    const auto alpha = static_cast<Scalar>(this->alpha_);
    this->traces_.mark(cell, this->trace_options_.kind, alpha);
    this->traces_.apply(this->q_, alpha * delta);
    this->end_step(t.next_state, t.terminated);
    return delta;
  }

  /// Writes the TD settings, the trace settings, target_epsilon, the table and the episode's
  /// state (Saveable).
  void save(BinaryWriter& out) const {
    this->save_settings(out);
    this->save_trace_settings(out);
    out.value(target_epsilon_);
    this->save_state(out);
  }

  /// Replaces all of it with saved values (Saveable); see TraceAgentBase::load.
  void load(BinaryReader& in) {
    const TDOptions options = this->load_settings(in);
    const TraceOptions traces = this->load_trace_settings(in);
    const auto target = in.value<double>();
    if (!(target >= 0.0 && target <= 1.0))
      in.fail(FormatProblem::value, concat("target epsilon must be in [0, 1], got ", target));
    typename Base::State state = this->load_state(in, traces);
    this->commit(options, traces, std::move(state));
    target_epsilon_ = target;
  }

 protected:
  /// Throws on a target_epsilon outside [0, 1].
  OffPolicyTraceAgent(int num_states, int num_actions, const TDOptions& options,
                      const TraceOptions& traces, double target_epsilon)
      : Base(num_states, num_actions, options, traces, Rule::name, false),
        target_epsilon_(target_epsilon) {
    if (!(target_epsilon >= 0.0 && target_epsilon <= 1.0))
      throw_invalid(Rule::name, "target_epsilon must be in [0, 1]", target_epsilon);
  }

 private:
  double target_epsilon_;
};

}  // namespace tabrl::detail
