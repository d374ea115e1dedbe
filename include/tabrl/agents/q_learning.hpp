#pragma once
/// \file agents/q_learning.hpp
/// Tabular Q-learning with an online update and a batched minibatch update.

#include <cstdint>
#include <string>

#include "../fwd.hpp"
#include "../minibatch.hpp"
#include "detail/td_engine.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// Q-learning (Watkins 1989): Q(s,a) += alpha * (r + gamma * max_a' Q(s',a') - Q(s,a)), with
/// no bootstrap past a terminated transition. Truncation never stops the bootstrap: the
/// training loop stores only `terminated`.
template <class Scalar>
class QLearningAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  /// The Q table's scalar type.
  using typename Base::scalar_type;
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;  ///< per-row values

  /// A num_states x num_actions table of zeros; throws on sizes < 1 or settings out of range.
  QLearningAgent(int num_states, int num_actions, const TDOptions& options = {})
      : Base(num_states, num_actions, options, "QLearningAgent") {}

  /// "QLearningAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "QLearningAgent"; }

  /// How Q-learning values a next state: max_a' Q(s', a').
  struct NextValue {
    Eigen::Index actions;  ///< the table's width
    /// The value of the row at `row` (N: the width if known at compile time).
    template <int N>
    [[nodiscard]] Scalar operator()(const Scalar* row, std::uint64_t /*offset*/) const {
      return Eigen::Map<const Eigen::Matrix<Scalar, 1, N>>(row, actions).maxCoeff();
    }
  };

  /// The online rule for one transition. Throws on an out-of-range state, action or
  /// next_state, or a non-finite reward. Returns the TD error.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_transition("update", t);
    return detail::TDEngine<Scalar>::update_one(
        "QLearningAgent", this->q_, t.state, t.action, static_cast<Scalar>(t.reward), t.next_state,
        t.terminated, static_cast<Scalar>(this->gamma_), static_cast<Scalar>(this->alpha_),
        Scalar(1), next_value());
  }

  /// One update from a minibatch: targets r + gamma * max Q(s', .) (no bootstrap on
  /// terminated rows; a row's discount replaces gamma, its weight scales its step) computed
  /// from the table before the update, then written; repeated (s, a) rows follow
  /// duplicates() (see DuplicateRule). Throws on any out-of-range row, before changing
  /// anything. The TD errors are kept in last_td_errors().
  template <class R, class I, class A>
  void update(const BasicMinibatch<R, I, A>& batch) {
    engine_.update("QLearningAgent", this->q_, batch, this->duplicates_, this->gamma_, this->alpha_,
                   next_value());
  }

  /// TD errors of the rows of the last minibatch update, against the table before it.
  [[nodiscard]] const Column& last_td_errors() const noexcept { return engine_.td_errors(); }

 private:
  [[nodiscard]] NextValue next_value() const noexcept { return {this->q_.cols()}; }

  detail::TDEngine<Scalar> engine_;
};

}  // namespace tabrl
