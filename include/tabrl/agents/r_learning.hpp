#pragma once
/// \file agents/r_learning.hpp
/// R-learning: average-reward control for continuing tasks.

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "../error.hpp"
#include "../fwd.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// R-learning (Schwartz 1993; Sutton & Barto 1st ed. 6.7): Q holds differential action
/// values, rho the average reward of the greedy policy. For a transition (s, a, r, s'):
///   Q(s, a) += alpha * (r - rho + max_b Q(s', b) - Q(s, a))
///   if Q(s, a) is then a maximum of row s:  rho += beta * (r - rho + max_b Q(s', b) - max_b Q(s,
///   b))
/// It does not discount: gamma must be 1 (set_gamma refuses anything else). It is made for
/// continuing tasks; a terminated transition bootstraps nothing (max Q(s', .) taken as 0).
/// Learns online (update(transition)).
template <class Scalar>
class RLearningAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  /// A table of zeros and rho = 0; throws on sizes < 1, settings out of range, gamma != 1 or
  /// beta outside (0, 1].
  RLearningAgent(int num_states, int num_actions, const TDOptions& options = {}, double beta = 0.01)
      : Base(num_states, num_actions, options, "RLearningAgent") {
    set_gamma(options.gamma);
    set_beta(beta);
  }

  /// "RLearningAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "RLearningAgent"; }

  /// The average-reward estimate rho.
  [[nodiscard]] Scalar average_reward() const noexcept { return rho_; }
  /// The step size of rho.
  [[nodiscard]] double beta() const noexcept { return beta_; }

  /// Accepts only 1: R-learning does not discount.
  void set_gamma(double gamma) {
    if (gamma != 1.0)
      detail::throw_invalid("RLearningAgent", "gamma must be 1 (R-learning does not discount)",
                            gamma);
    Base::set_gamma(gamma);
  }
  /// Sets beta; throws unless it is in (0, 1].
  void set_beta(double beta) {
    if (!(beta > 0.0 && beta <= 1.0))
      detail::throw_invalid("RLearningAgent", "beta must be in (0, 1]", beta);
    beta_ = beta;
  }
  /// Sets rho (e.g. to start from an estimate); throws unless finite.
  void set_average_reward(Scalar rho) {
    if (!std::isfinite(static_cast<double>(rho)))
      detail::throw_invalid("RLearningAgent", "average reward must be finite", rho);
    rho_ = rho;
  }

  /// One step (see the class comment). Returns the TD error. Throws on bad indices, a
  /// non-finite reward or a TD error that overflowed, changing nothing.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_transition("update", t);
    const auto r = static_cast<Scalar>(t.reward);
    const Scalar next = t.terminated ? Scalar(0) : this->q_.row(t.next_state).maxCoeff();
    Scalar& q = this->q_(t.state, t.action);
    const Scalar delta = r - rho_ + next - q;
    if (!std::isfinite(delta)) {
      detail::throw_invalid("RLearningAgent::update",
                            detail::concat("the TD error of state ", t.state, ", action ", t.action,
                                           " is not finite (reward ", t.reward, ")"),
                            "a non-finite TD error");
    }
    q += static_cast<Scalar>(this->alpha_) * delta;
    const Scalar best = this->q_.row(t.state).maxCoeff();
    if (q == best) rho_ += static_cast<Scalar>(beta_) * (r - rho_ + next - best);
    return delta;
  }

  /// Writes the TD settings, beta, the table and rho (Saveable).
  void save(BinaryWriter& out) const {
    this->save_settings(out);
    out.value(beta_);
    this->save_table(out, this->q_);
    out.value(rho_);
  }

  /// Replaces all of it with saved values (Saveable): gamma 1, beta in (0, 1], the table's
  /// shape, finite values. Throws FormatError naming the field, changing nothing, otherwise.
  void load(BinaryReader& in) {
    const TDOptions options = this->load_settings(in);
    const auto beta = in.value<double>();
    QTable<Scalar> q = this->load_table(in, "Q table");
    const auto rho = in.value<Scalar>();
    if (options.gamma != 1.0)
      in.fail(FormatProblem::value, detail::concat("gamma must be 1, got ", options.gamma));
    if (!(beta > 0.0 && beta <= 1.0))
      in.fail(FormatProblem::value, detail::concat("beta must be in (0, 1], got ", beta));
    if (!std::isfinite(static_cast<double>(rho)))
      in.fail(FormatProblem::value, detail::concat("average reward must be finite, got ", rho));
    this->set_options(options);
    beta_ = beta;
    this->q_ = std::move(q);
    rho_ = rho;
  }

 private:
  double beta_ = 0.01;
  Scalar rho_ = 0;
};

}  // namespace tabrl
