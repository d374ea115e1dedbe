#pragma once
/// \file agents/q_learning.hpp
/// Tabular Q-learning with an online update and a vectorized minibatch update.

#include <algorithm>
#include <cstdint>
#include <numeric>

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

  QLearningAgent(int num_states, int num_actions, const TDConfig& config = {})
      : Base(num_states, num_actions, config, "QLearningAgent") {}

  /// The online rule for one transition. Throws on an out-of-range state, action or
  /// next_state, or a non-finite reward. Returns the TD error.
  template <class R>
  Scalar update(const BasicTransition<R>& t) {
    this->check_state("update", t.state);
    this->check_action("update", t.action);
    this->check_state("update", t.next_state);
    Base::check_reward("QLearningAgent::update", static_cast<double>(t.reward));
    return apply_one(t.state, t.action, static_cast<Scalar>(t.reward), t.next_state, t.terminated);
  }

  /// One update from a whole minibatch: targets r + gamma * max Q(s', .) (no bootstrap on
  /// terminated rows) computed as Eigen gathers and a scatter; repeated (s, a) rows follow
  /// duplicates() (see DuplicateRule). Throws on any out-of-range index in the batch.
  /// The TD errors against the pre-update table are kept in last_td_errors().
  template <class R, class I>
  void update(const BasicMinibatch<R, I>& batch) {
    const Eigen::Index n = batch.size();
    flat_index_.resize(n);
    validate_and_index(batch);
    if (this->duplicates_ == DuplicateRule::sequential) {
      td_errors_.resize(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        td_errors_[i] = apply_one(batch.states[i], batch.actions[i],
                                  static_cast<Scalar>(batch.rewards[i]), batch.next_states[i],
                                  batch.terminated[i] != 0);
      }
      return;
    }
    auto flat = Eigen::Map<Column>(this->q_.data(), this->q_.size());
    // Everything below reads the pre-update table, as numpy's fancy-indexed update does.
    current_ = flat(flat_index_);
    next_max_ = this->q_(batch.next_states, Eigen::all).rowwise().maxCoeff();
    const auto gamma = static_cast<Scalar>(this->gamma_);
    td_errors_ = batch.rewards.template cast<Scalar>() +
                 gamma * (batch.terminated.array() == 0).select(next_max_, Scalar(0)) - current_;
    const auto alpha = static_cast<Scalar>(this->alpha_);
    if (this->duplicates_ == DuplicateRule::mean) {
      mean_errors_ = td_errors_;
      average_duplicates(mean_errors_);
      flat(flat_index_) = current_ + alpha * mean_errors_;
      return;
    }
    // Scatter in row order: with DuplicateRule::last the last duplicate's write survives.
    flat(flat_index_) = current_ + alpha * td_errors_;
  }

  /// TD errors of the rows of the last minibatch update, against the table before it.
  [[nodiscard]] const Column& last_td_errors() const noexcept { return td_errors_; }

 private:
  Scalar apply_one(Eigen::Index s, Eigen::Index a, Scalar r, Eigen::Index next, bool terminated) {
    Scalar target = r;
    if (!terminated) target += static_cast<Scalar>(this->gamma_) * this->q_.row(next).maxCoeff();
    const Scalar delta = target - this->q_(s, a);
    this->q_(s, a) += static_cast<Scalar>(this->alpha_) * delta;
    return delta;
  }

  template <class R, class I>
  void validate_and_index(const BasicMinibatch<R, I>& batch) {
    const auto ns = static_cast<std::uint64_t>(this->q_.rows());
    const auto na = static_cast<std::uint64_t>(this->q_.cols());
    for (Eigen::Index i = 0; i < batch.size(); ++i) {
      const auto s = static_cast<std::uint64_t>(static_cast<std::int64_t>(batch.states[i]));
      const auto a = static_cast<std::uint64_t>(static_cast<std::int64_t>(batch.actions[i]));
      const auto next = static_cast<std::uint64_t>(static_cast<std::int64_t>(batch.next_states[i]));
      if (s >= ns || a >= na || next >= ns) [[unlikely]] {
        this->check_state("update", static_cast<int>(batch.states[i]));
        this->check_action("update", static_cast<int>(batch.actions[i]));
        this->check_state("update", static_cast<int>(batch.next_states[i]));
      }
      flat_index_[i] = static_cast<Eigen::Index>(s * na + a);
    }
  }

  // Replaces each row's TD error by the mean TD error of all rows with the same (s, a).
  void average_duplicates(Column& errors) {
    const Eigen::Index n = flat_index_.size();
    order_.resize(static_cast<std::size_t>(n));
    std::iota(order_.begin(), order_.end(), Eigen::Index{0});
    std::sort(order_.begin(), order_.end(), [this](Eigen::Index x, Eigen::Index y) {
      return flat_index_[x] < flat_index_[y] || (flat_index_[x] == flat_index_[y] && x < y);
    });
    for (std::size_t begin = 0; begin < order_.size();) {
      std::size_t end = begin + 1;
      Scalar sum = errors[order_[begin]];
      while (end < order_.size() && flat_index_[order_[end]] == flat_index_[order_[begin]]) {
        sum += errors[order_[end]];
        ++end;
      }
      const Scalar mean = sum / static_cast<Scalar>(end - begin);
      for (std::size_t k = begin; k < end; ++k) errors[order_[k]] = mean;
      begin = end;
    }
  }

  Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1> flat_index_;
  Column current_;
  Column next_max_;
  Column td_errors_;
  Column mean_errors_;
  std::vector<Eigen::Index> order_;
};

}  // namespace tabrl
