#pragma once
/// \file agents/q_learning.hpp
/// Tabular Q-learning with an online update and a batched minibatch update.

#include "minibatch_rules.hpp"
#include "td_agent.hpp"

namespace tabrl {

/// Q-learning (Watkins 1989): Q(s,a) += alpha * (r + gamma * max_a' Q(s',a') - Q(s,a)), with
/// no bootstrap past a terminated transition. Truncation never stops the bootstrap: the
/// training loop stores only `terminated`.
template <class Scalar = double>
class QLearningAgent : public TDAgent<Scalar> {
  using Base = TDAgent<Scalar>;

 public:
  using typename Base::scalar_type;
  using Column = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  QLearningAgent(int num_states, int num_actions, const TDOptions& config = {})
      : Base(num_states, num_actions, config, "QLearningAgent") {}

  /// The online rule for one transition. Throws on an out-of-range state, action or
  /// next_state, or a non-finite reward. Returns the TD error.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_state("update", t.state);
    this->check_action("update", t.action);
    this->check_state("update", t.next_state);
    Base::check_reward("QLearningAgent::update", static_cast<double>(t.reward));
    return apply_one(t.state, t.action, static_cast<Scalar>(t.reward), t.next_state, t.terminated,
                     static_cast<Scalar>(this->gamma_), Scalar(1));
  }

  /// update() reads ReplayViews correctly (by slot), so train() may hand it one.
  static constexpr bool reads_replay_views = true;

  /// One update from a minibatch (sample()) or a replay view (sample_view(), rows read in
  /// place; the same result bit for bit): targets r + gamma * max Q(s', .) (no bootstrap on
  /// terminated rows) computed from the pre-update table, then scattered; repeated (s, a) rows
  /// follow duplicates() (see DuplicateRule). Throws on any out-of-range index in the batch,
  /// before changing anything. The TD errors are kept in last_td_errors().
  template <detail::UpdateRows Rows>
  void update(const Rows& rows) {
    const Eigen::Index na = this->q_.cols();
    engine_.run(
        "QLearningAgent", this->q_, rows, this->duplicates_, this->gamma_, this->alpha_,
        [na]<int N>(const Scalar* row, std::uint64_t /*offset*/) {
          return Eigen::Map<const Eigen::Matrix<Scalar, 1, N>>(row, na).maxCoeff();
        },
        [this](Eigen::Index s, Eigen::Index a, Scalar r, Eigen::Index next, bool terminated,
               Scalar gamma,
               Scalar scale) { return apply_one(s, a, r, next, terminated, gamma, scale); });
  }

  /// TD errors of the rows of the last minibatch update, against the table before it.
  [[nodiscard]] const Column& last_td_errors() const noexcept { return engine_.td_errors(); }

 private:
  Scalar apply_one(Eigen::Index s, Eigen::Index a, Scalar r, Eigen::Index next, bool terminated,
                   Scalar gamma, Scalar scale) {
    Scalar target = r;
    if (!terminated) target += gamma * this->q_.row(next).maxCoeff();
    const Scalar delta = target - this->q_(s, a);
    this->q_(s, a) += static_cast<Scalar>(this->alpha_) * (scale * delta);
    return delta;
  }

  detail::MinibatchEngine<Scalar> engine_;
};

}  // namespace tabrl
