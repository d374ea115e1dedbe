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
    current_.resize(n);
    next_max_.resize(n);
    if (this->duplicates_ == DuplicateRule::sequential) {
      validate_and_index(batch);
      td_errors_.resize(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        td_errors_[i] = apply_one(batch.states[i], batch.actions[i],
                                  static_cast<Scalar>(batch.rewards[i]), batch.next_states[i],
                                  batch.terminated[i] != 0);
      }
      return;
    }
    // 1. Gather (reads the pre-update table only, as numpy's fancy-indexed update does):
    //    Q(s, a) and max_a' Q(s', a') per row. Gathers do not vectorize, so this is one fused
    //    pass; the common 4-action case gets a fixed-size row so the max is fully unrolled.
    if (this->q_.cols() == 4) {
      gather<4>(batch);
    } else {
      gather<Eigen::Dynamic>(batch);
    }
    // 2. Targets and TD errors as one vectorized Eigen expression over the batch columns
    //    (terminated rows already carry a zero next-state value).
    const auto gamma = static_cast<Scalar>(this->gamma_);
    td_errors_.resize(n);
    td_errors_.noalias() = batch.rewards.template cast<Scalar>() + gamma * next_max_ - current_;
    // 3. Scatter in row order: with DuplicateRule::last the last duplicate's write survives.
    const auto alpha = static_cast<Scalar>(this->alpha_);
    if (this->duplicates_ == DuplicateRule::mean) {
      mean_errors_ = td_errors_;
      average_duplicates(mean_errors_);
      scatter(current_, mean_errors_, alpha);
      return;
    }
    scatter(current_, td_errors_, alpha);
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

  // Q(s_i, a_i) = current_i + alpha * step_i, in row order. A plain loop: Eigen's assignment
  // to an IndexedView goes through a heap temporary here, which cost more than the update.
  void scatter(const Column& current, const Column& step, Scalar alpha) noexcept {
    Scalar* q = this->q_.data();
    for (Eigen::Index i = 0; i < flat_index_.size(); ++i) {
      q[flat_index_[i]] = current[i] + alpha * step[i];
    }
  }

  // Validates every row's indices and gathers Q(s, a) and max_a' Q(s', a'). `Actions` is the
  // compile-time column count when known (4 for the grid worlds), else Eigen::Dynamic.
  template <int Actions, class R, class I>
  void gather(const BasicMinibatch<R, I>& batch) {
    const auto ns = static_cast<std::uint64_t>(this->q_.rows());
    const auto na = static_cast<std::uint64_t>(this->q_.cols());
    const Eigen::Index n = batch.size();
    // Raw pointers, read once: stores into the Eigen::Index column could otherwise alias the
    // vectors' own size fields and force reloads on every row.
    const Scalar* q = this->q_.data();
    const I* states = batch.states.data();
    const I* actions = batch.actions.data();
    const I* next_states = batch.next_states.data();
    const std::uint8_t* terminated = batch.terminated.data();
    Eigen::Index* flat = flat_index_.data();
    Scalar* current = current_.data();
    Scalar* next_max = next_max_.data();
    using Row = Eigen::Matrix<Scalar, 1, Actions>;
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto s = static_cast<std::uint64_t>(static_cast<std::int64_t>(states[i]));
      const auto a = static_cast<std::uint64_t>(static_cast<std::int64_t>(actions[i]));
      const auto next = static_cast<std::uint64_t>(static_cast<std::int64_t>(next_states[i]));
      if (s >= ns || a >= na || next >= ns) [[unlikely]] {
        this->check_state("update", static_cast<int>(states[i]));
        this->check_action("update", static_cast<int>(actions[i]));
        this->check_state("update", static_cast<int>(next_states[i]));
      }
      const auto lin = static_cast<Eigen::Index>(s * na + a);
      flat[i] = lin;
      current[i] = q[lin];
      const Scalar m = Eigen::Map<const Row>(q + next * na, static_cast<Eigen::Index>(na)).maxCoeff();
      // No bootstrap past a terminal state: its max is taken as 0 (gamma * 0 adds exactly 0).
      next_max[i] = terminated[i] != 0 ? Scalar(0) : m;
    }
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
