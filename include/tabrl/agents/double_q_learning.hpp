#pragma once
/// \file agents/double_q_learning.hpp
/// Double Q-learning: two tables, each evaluated by the other, against maximisation bias.

#include <cstdint>

#include "../random.hpp"
#include "minibatch_rules.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// Double Q-learning (van Hasselt 2010). Two tables A and B; each update flips a fair coin
/// (from the agent's own generator, seeded by `coin_seed`, so runs are reproducible) to pick
/// the table to update, and the other table values its argmax:
///   A(s,a) += alpha * (r + gamma * B(s', argmax_a' A(s', a')) - A(s,a))   (or B and A swapped).
/// Acting is epsilon-greedy on A + B, which is what q_values() holds. A minibatch update uses
/// one coin for the whole batch and the shared engine (duplicates() applies). The argmax
/// inside the target takes the first maximal action.
template <class Scalar = double>
class DoubleQLearningAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  DoubleQLearningAgent(int num_states, int num_actions, const TDOptions& config = {},
                       std::uint64_t coin_seed = 0)
      : Base(num_states, num_actions, config, "DoubleQLearningAgent"), coin_(coin_seed) {
    a_.setZero(num_states, num_actions);
    b_.setZero(num_states, num_actions);
  }

  /// The acting table A + B, read-only: writing it would leave A and B behind (use
  /// set_tables). This hides TDAgent's mutable overload.
  [[nodiscard]] const QTable<Scalar>& q_values() const noexcept { return this->q_; }
  [[nodiscard]] const QTable<Scalar>& table_a() const noexcept { return a_; }
  [[nodiscard]] const QTable<Scalar>& table_b() const noexcept { return b_; }
  /// Sets both tables (e.g. to initialise them); q_values() becomes their sum.
  void set_tables(const QTable<Scalar>& a, const QTable<Scalar>& b) {
    if (a.rows() != a_.rows() || a.cols() != a_.cols() || b.rows() != b_.rows() ||
        b.cols() != b_.cols()) {
      detail::throw_invalid("DoubleQLearningAgent::set_tables", "tables must keep their shape",
                            a.rows());
    }
    a_ = a;
    b_ = b;
    this->q_ = a_ + b_;
  }

  /// Online update; returns the TD error of the table that was updated.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_state("update", t.state);
    this->check_action("update", t.action);
    this->check_state("update", t.next_state);
    Base::check_reward("DoubleQLearningAgent::update", static_cast<double>(t.reward));
    const bool update_a = coin_flip();
    return apply_one(update_a ? a_ : b_, update_a ? b_ : a_, t.state, t.action,
                     static_cast<Scalar>(t.reward), t.next_state, t.terminated,
                     static_cast<Scalar>(this->gamma_), Scalar(1));
  }

  /// update() reads ReplayViews correctly (by slot), so train() may hand it one.
  static constexpr bool reads_replay_views = true;

  /// Minibatch update: one coin picks the table for the whole batch. Takes a minibatch or a
  /// replay view (sample_view()).
  template <detail::UpdateRows Rows>
  void update(const Rows& rows) {
    const bool update_a = coin_flip();
    QTable<Scalar>& own = update_a ? a_ : b_;
    const QTable<Scalar>& other = update_a ? b_ : a_;
    const Scalar* other_data = other.data();
    const Eigen::Index na = own.cols();
    engine_.run(
        "DoubleQLearningAgent", own, rows, this->duplicates_, this->gamma_, this->alpha_,
        [other_data, na]<int N>(const Scalar* own_row, std::uint64_t offset) {
          Eigen::Index best = 0;
          Eigen::Map<const Eigen::Matrix<Scalar, 1, N>>(own_row, na).maxCoeff(&best);
          return other_data[offset + static_cast<std::uint64_t>(best)];
        },
        [&](Eigen::Index s, Eigen::Index a, Scalar r, Eigen::Index next, bool terminated,
            Scalar gamma, Scalar scale) {
          return apply_one(own, other, s, a, r, next, terminated, gamma, scale);
        });
    const auto src = detail::rows_of(rows);
    for (Eigen::Index i = 0; i < src.n; ++i) {  // keep the acting table A + B in step
      const std::size_t k = src.at(i);
      const auto s = static_cast<Eigen::Index>(src.states[k]);
      const auto a = static_cast<Eigen::Index>(src.actions[k]);
      this->q_(s, a) = a_(s, a) + b_(s, a);
    }
  }

  /// TD errors of the rows of the last minibatch update, against the table before it.
  [[nodiscard]] const Column& last_td_errors() const noexcept { return engine_.td_errors(); }

 private:
  bool coin_flip() noexcept { return (coin_() >> 63U) != 0; }

  Scalar apply_one(QTable<Scalar>& own, const QTable<Scalar>& other, Eigen::Index s, Eigen::Index a,
                   Scalar r, Eigen::Index next, bool terminated, Scalar gamma, Scalar scale) {
    Scalar target = r;
    if (!terminated) {
      Eigen::Index best = 0;
      own.row(next).maxCoeff(&best);
      target += gamma * other(next, best);
    }
    const Scalar delta = target - own(s, a);
    own(s, a) += static_cast<Scalar>(this->alpha_) * (scale * delta);
    this->q_(s, a) = a_(s, a) + b_(s, a);
    return delta;
  }

  QTable<Scalar> a_, b_;
  Rng coin_;
  detail::MinibatchEngine<Scalar> engine_;
};

}  // namespace tabrl
