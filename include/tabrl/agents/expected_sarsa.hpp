#pragma once
/// \file agents/expected_sarsa.hpp
/// Expected SARSA: bootstraps with the expected value of the next state under the agent's own
/// epsilon-greedy policy.

#include "minibatch_rules.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// Expected SARSA (van Seijen et al. 2009; Sutton & Barto 6.6). Target:
///   r + gamma * sum_a' pi(a'|s') Q(s', a'),  pi epsilon-greedy with greedy ties sharing the
///   greedy mass equally, which works out to eps * mean_a' Q(s', a') + (1 - eps) * max_a' Q(s',
///   a').
/// The expectation is taken under the current policy when the update happens, so replaying
/// old transitions is sound: the minibatch update is the same engine as Q-learning's.
template <class Scalar = double>
class ExpectedSarsaAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  ExpectedSarsaAgent(int num_states, int num_actions, const TDOptions& config = {})
      : Base(num_states, num_actions, config, "ExpectedSarsaAgent") {}

  /// The expected value of `state` under the current epsilon-greedy policy.
  [[nodiscard]] Scalar expected_value(int state) const {
    this->check_state("expected_value", state);
    return value_of(this->q_.data() + static_cast<Eigen::Index>(state) * this->q_.cols(),
                    this->q_.cols());
  }

  /// Online update; returns the TD error. Throws on bad indices or a non-finite reward.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_state("update", t.state);
    this->check_action("update", t.action);
    this->check_state("update", t.next_state);
    Base::check_reward("ExpectedSarsaAgent::update", static_cast<double>(t.reward));
    return apply_one(t.state, t.action, static_cast<Scalar>(t.reward), t.next_state, t.terminated,
                     static_cast<Scalar>(this->gamma_), Scalar(1));
  }

  /// update() reads ReplayViews correctly (by slot), so train() may hand it one.
  static constexpr bool reads_replay_views = true;

  /// Minibatch update with the shared engine (duplicates() applies), from a minibatch or a
  /// replay view (sample_view()).
  template <detail::UpdateRows Rows>
  void update(const Rows& rows) {
    const Eigen::Index na = this->q_.cols();
    const auto eps = static_cast<Scalar>(this->epsilon_);
    engine_.run(
        "ExpectedSarsaAgent", this->q_, rows, this->duplicates_, this->gamma_, this->alpha_,
        [na, eps]<int N>(const Scalar* next_row, std::uint64_t /*offset*/) {
          const auto row = Eigen::Map<const Eigen::Matrix<Scalar, 1, N>>(next_row, na);
          return eps * row.mean() + (Scalar(1) - eps) * row.maxCoeff();
        },
        [this](Eigen::Index s, Eigen::Index a, Scalar r, Eigen::Index next, bool terminated,
               Scalar gamma,
               Scalar scale) { return apply_one(s, a, r, next, terminated, gamma, scale); });
  }

  /// TD errors of the rows of the last minibatch update, against the table before it.
  [[nodiscard]] const Column& last_td_errors() const noexcept { return engine_.td_errors(); }

 private:
  Scalar value_of(const Scalar* row, Eigen::Index na) const {
    const auto r = Eigen::Map<const Eigen::Matrix<Scalar, 1, Eigen::Dynamic>>(row, na);
    const auto eps = static_cast<Scalar>(this->epsilon_);
    return eps * r.mean() + (Scalar(1) - eps) * r.maxCoeff();
  }
  Scalar apply_one(Eigen::Index s, Eigen::Index a, Scalar r, Eigen::Index next, bool terminated,
                   Scalar gamma, Scalar scale) {
    Scalar target = r;
    if (!terminated) {
      target += gamma * value_of(this->q_.data() + next * this->q_.cols(), this->q_.cols());
    }
    const Scalar delta = target - this->q_(s, a);
    this->q_(s, a) += static_cast<Scalar>(this->alpha_) * (scale * delta);
    return delta;
  }

  detail::MinibatchEngine<Scalar> engine_;
};

}  // namespace tabrl
