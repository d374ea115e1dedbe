#pragma once
/// \file agents/expected_sarsa.hpp
/// Expected SARSA: bootstraps with the expected value of the next state under the agent's own
/// epsilon-greedy policy.

#include <cstdint>
#include <string>

#include "../fwd.hpp"
#include "../minibatch.hpp"
#include "detail/td_engine.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// Expected SARSA (van Seijen et al. 2009; Sutton & Barto 6.6). Target:
///   r + gamma * sum_a' pi(a'|s') Q(s', a'),  pi epsilon-greedy with greedy ties sharing the
///   greedy mass equally, which works out to eps * mean_a' Q(s', a') + (1 - eps) * max_a'
///   Q(s', a').
/// The expectation is taken under the current policy when the update happens, so replaying
/// old transitions is sound: the minibatch update is the same engine as Q-learning's.
template <class Scalar>
class ExpectedSarsaAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;  ///< per-row values

  /// A num_states x num_actions table of zeros; throws on sizes < 1 or settings out of range.
  ExpectedSarsaAgent(int num_states, int num_actions, const TDOptions& options = {})
      : Base(num_states, num_actions, options, "ExpectedSarsaAgent") {}

  /// "ExpectedSarsaAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "ExpectedSarsaAgent"; }

  /// How Expected SARSA values a next state: eps * mean + (1 - eps) * max of its row.
  struct NextValue {
    Eigen::Index actions;  ///< the table's width
    Scalar epsilon;        ///< the policy's exploration rate at the time of the update
    /// The value of the row at `row` (N: the width if known at compile time).
    template <int N>
    [[nodiscard]] Scalar operator()(const Scalar* row, std::uint64_t /*offset*/) const {
      const auto r = Eigen::Map<const Eigen::Matrix<Scalar, 1, N>>(row, actions);
      return epsilon * r.mean() + (Scalar(1) - epsilon) * r.maxCoeff();
    }
  };

  /// The expected value of `state` under the current epsilon-greedy policy.
  [[nodiscard]] Scalar expected_value(int state) const {
    this->check_state("expected_value", state);
    const auto offset =
        static_cast<std::uint64_t>(state) * static_cast<std::uint64_t>(this->q_.cols());
    return next_value().template operator()<Eigen::Dynamic>(this->q_.data() + offset, offset);
  }

  /// Online update; returns the TD error. Throws on bad indices or a non-finite reward.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_transition("update", t);
    return detail::TDEngine<Scalar>::update_one(
        "ExpectedSarsaAgent", this->q_, t.state, t.action, static_cast<Scalar>(t.reward),
        t.next_state, t.terminated, static_cast<Scalar>(this->gamma_),
        static_cast<Scalar>(this->alpha_), Scalar(1), next_value());
  }

  /// Minibatch update with the shared engine (see QLearningAgent::update(batch)).
  template <class R, class I, class A>
  void update(const BasicMinibatch<R, I, A>& batch) {
    engine_.update("ExpectedSarsaAgent", this->q_, batch, this->duplicates_, this->gamma_,
                   this->alpha_, next_value());
  }

  /// TD errors of the rows of the last minibatch update, against the table before it.
  [[nodiscard]] const Column& last_td_errors() const noexcept { return engine_.td_errors(); }

 private:
  [[nodiscard]] NextValue next_value() const noexcept {
    return {this->q_.cols(), static_cast<Scalar>(this->epsilon_)};
  }

  detail::TDEngine<Scalar> engine_;
};

}  // namespace tabrl
