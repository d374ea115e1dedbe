#pragma once
/// \file agents/double_q_learning.hpp
/// Double Q-learning: two tables, each evaluated by the other, against maximisation bias.

#include <cstdint>
#include <string>

#include "../fwd.hpp"
#include "../minibatch.hpp"
#include "../random.hpp"
#include "detail/td_engine.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// Double Q-learning (van Hasselt 2010). Two tables A and B; each update flips a fair coin
/// (from the agent's own generator, seeded by `coin_seed`, so runs are reproducible) to pick
/// the table to update, and the other table values its argmax:
///   A(s,a) += alpha * (r + gamma * B(s', argmax_a' A(s', a')) - A(s,a))   (or B and A swapped).
/// Acting is epsilon-greedy on A + B, which is what q_values() holds. A minibatch update uses
/// one coin for the whole batch and the shared engine (duplicates() applies). The argmax
/// inside the target takes the first maximal action.
template <class Scalar>
class DoubleQLearningAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;  ///< per-row values

  /// Two num_states x num_actions tables of zeros and a coin seeded with `coin_seed`.
  DoubleQLearningAgent(int num_states, int num_actions, const TDOptions& options = {},
                       std::uint64_t coin_seed = 0)
      : Base(num_states, num_actions, options, "DoubleQLearningAgent"), coin_(coin_seed) {
    a_.setZero(num_states, num_actions);
    b_.setZero(num_states, num_actions);
  }

  /// "DoubleQLearningAgent" (Saveable).
  [[nodiscard]] static std::string kind() { return "DoubleQLearningAgent"; }

  /// How the updated table values a next state: the other table's value of its own argmax.
  struct NextValue {
    Eigen::Index actions;  ///< the tables' width
    const Scalar* other;   ///< the other table's data
    /// The other table's value, at `offset`, of the argmax of the row at `own_row`.
    template <int N>
    [[nodiscard]] Scalar operator()(const Scalar* own_row, std::uint64_t offset) const {
      Eigen::Index best = 0;
      Eigen::Map<const Eigen::Matrix<Scalar, 1, N>>(own_row, actions).maxCoeff(&best);
      return other[offset + static_cast<std::uint64_t>(best)];
    }
  };

  /// The acting table A + B, read-only: writing it would leave A and B behind (use
  /// set_tables). This hides TDAgent's mutable overload.
  [[nodiscard]] const QTable<Scalar>& q_values() const noexcept { return this->q_; }
  /// Table A.
  [[nodiscard]] const QTable<Scalar>& table_a() const noexcept { return a_; }
  /// Table B.
  [[nodiscard]] const QTable<Scalar>& table_b() const noexcept { return b_; }
  /// The coin's generator (its state is part of the agent's state).
  [[nodiscard]] const Rng& coin() const noexcept { return coin_; }

  /// Sets both tables (e.g. to initialise them); q_values() becomes their sum.
  void set_tables(const QTable<Scalar>& a, const QTable<Scalar>& b) {
    if (a.rows() != a_.rows() || a.cols() != a_.cols() || b.rows() != b_.rows() ||
        b.cols() != b_.cols()) {
      detail::throw_invalid(
          "DoubleQLearningAgent::set_tables",
          detail::concat("tables must keep their shape ", a_.rows(), " x ", a_.cols()),
          detail::concat(a.rows(), " x ", a.cols(), " and ", b.rows(), " x ", b.cols()));
    }
    a_ = a;
    b_ = b;
    this->q_ = a_ + b_;
  }

  /// Online update; returns the TD error of the table that was updated.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_transition("update", t);
    const bool update_a = coin_flip();
    QTable<Scalar>& own = update_a ? a_ : b_;
    const QTable<Scalar>& other = update_a ? b_ : a_;
    const Scalar delta = detail::TDEngine<Scalar>::update_one(
        "DoubleQLearningAgent", own, t.state, t.action, static_cast<Scalar>(t.reward), t.next_state,
        t.terminated, static_cast<Scalar>(this->gamma_), static_cast<Scalar>(this->alpha_),
        Scalar(1), NextValue{own.cols(), other.data()});
    this->q_(t.state, t.action) = a_(t.state, t.action) + b_(t.state, t.action);
    return delta;
  }

  /// Minibatch update: one coin picks the table for the whole batch (see
  /// QLearningAgent::update(batch) for the rest).
  template <class R, class I, class A>
  void update(const BasicMinibatch<R, I, A>& batch) {
    const bool update_a = coin_flip();
    QTable<Scalar>& own = update_a ? a_ : b_;
    const QTable<Scalar>& other = update_a ? b_ : a_;
    engine_.update("DoubleQLearningAgent", own, batch, this->duplicates_, this->gamma_,
                   this->alpha_, NextValue{own.cols(), other.data()});
    // The acting table A + B follows the cells the update wrote.
    Scalar* q = this->q_.data();
    for (const Eigen::Index cell : engine_.written()) q[cell] = a_.data()[cell] + b_.data()[cell];
  }

  /// TD errors of the rows of the last minibatch update, against the table before it.
  [[nodiscard]] const Column& last_td_errors() const noexcept { return engine_.td_errors(); }

  /// Writes the settings, both tables and the coin's generator state (Saveable).
  void save(BinaryWriter& out) const {
    this->save_settings(out);
    this->save_table(out, a_);
    this->save_table(out, b_);
    for (const std::uint64_t word : coin_.state()) out.value(word);
  }

  /// Replaces settings, tables and coin with saved ones (Saveable); see TDAgent::load.
  void load(BinaryReader& in) {
    const TDOptions options = this->load_settings(in);
    QTable<Scalar> a = this->load_table(in, "table A");
    QTable<Scalar> b = this->load_table(in, "table B");
    Rng::state_type coin{};
    for (auto& word : coin) word = in.value<std::uint64_t>();
    if (coin == Rng::state_type{})
      in.fail(FormatProblem::value, "coin generator state is all zero");
    this->set_options(options);
    coin_.set_state(coin);
    a_ = std::move(a);
    b_ = std::move(b);
    this->q_ = a_ + b_;
  }

 private:
  bool coin_flip() noexcept { return (coin_() >> 63U) != 0; }

  QTable<Scalar> a_, b_;
  Rng coin_;
  detail::TDEngine<Scalar> engine_;
};

}  // namespace tabrl
