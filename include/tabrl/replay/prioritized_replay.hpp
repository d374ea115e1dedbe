#pragma once
/// \file replay/prioritized_replay.hpp
/// Proportional prioritized experience replay (Schaul et al., 2016).

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../error.hpp"
#include "../random.hpp"
#include "../training/schedules.hpp"
#include "../types.hpp"
#include "replay_memory.hpp"
#include "sum_tree.hpp"

namespace tabrl {

/// Prioritized replay's settings.
struct PrioritizedOptions {
  double alpha = 0.6;  ///< priority exponent: P(i) = p_i^alpha / sum_k p_k^alpha, >= 0
  double beta = 0.4;   ///< importance-sampling exponent at the start, in [0, 1]
  std::int64_t beta_steps = 100000;  ///< samples over which beta anneals linearly to 1, >= 1
  double epsilon = 1e-6;             ///< added to |TD error| so no transition gets priority 0, > 0
};
/// The settings' name before 0.2 (see docs/changelog.md).
using PrioritizedConfig [[deprecated("renamed tabrl::PrioritizedOptions")]] = PrioritizedOptions;

/// A ring buffer (ReplayMemory) whose sampling is proportional to priorities kept in a sum
/// tree: sampling k rows costs O(k log n). New transitions get the largest priority seen so
/// far; after an update, update_priorities(batch, td_errors) sets p_i = |delta_i| + epsilon.
/// Each sampled row carries the importance weight w_i = (N P(i))^-beta / max_batch w, with
/// beta annealed from config.beta to 1 over config.beta_steps samples; agents scale their TD
/// steps by it. Sampling is with replacement (stratified: one draw per equal slice of the
/// total priority).
template <class Reward = double, class Index = std::int32_t, class Action = std::uint8_t>
class PrioritizedReplay {
 public:
  using reward_type = Reward;
  using index_type = Index;
  using action_type = Action;
  using minibatch_type = BasicMinibatch<Reward, Index>;
  using transition_type = BasicTransition<Reward>;

  /// Throws on capacity 0 or a setting outside its range.
  explicit PrioritizedReplay(std::size_t capacity, const PrioritizedOptions& config = {})
      : memory_(capacity, Sampling::with_replacement),
        tree_(capacity),
        config_(config),
        beta_(Schedule::linear(config.beta, 1.0, std::max<std::int64_t>(config.beta_steps, 1))) {
    if (!(config.alpha >= 0.0) || !std::isfinite(config.alpha)) {
      detail::throw_invalid("PrioritizedReplay", "alpha must be >= 0", config.alpha);
    }
    if (!(config.beta >= 0.0 && config.beta <= 1.0)) {
      detail::throw_invalid("PrioritizedReplay", "beta must be in [0, 1]", config.beta);
    }
    if (config.beta_steps < 1)
      detail::throw_invalid("PrioritizedReplay", "beta_steps must be >= 1", config.beta_steps);
    if (!(config.epsilon > 0.0) || !std::isfinite(config.epsilon)) {
      detail::throw_invalid("PrioritizedReplay", "epsilon must be > 0", config.epsilon);
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return memory_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return memory_.capacity(); }
  [[nodiscard]] const ReplayMemory<Reward, Index, Action>& memory() const noexcept {
    return memory_;
  }
  [[nodiscard]] const SumTree& tree() const noexcept { return tree_; }
  /// Physical slot the next push writes to (as in ReplayMemory; adapters key per-slot data
  /// such as n-step discounts by it).
  [[nodiscard]] std::size_t head() const noexcept { return memory_.head(); }
  [[nodiscard]] double max_priority() const noexcept { return max_priority_; }
  /// Beta for the next sample.
  [[nodiscard]] double beta() const noexcept { return beta_(samples_); }

  /// Stores a transition at the current maximum priority.
  template <class R>
  void push(const BasicTransition<R>& t) {
    const std::size_t slot = memory_.head();
    memory_.push(t);
    tree_.set(slot, std::pow(max_priority_, config_.alpha));
  }

  /// Fills `out` with `batch_size` rows drawn proportionally to priority, with weights.
  template <BitGenerator64 G>
  void sample(std::size_t batch_size, G& rng, minibatch_type& out) {
    if (size() == 0)
      detail::throw_invalid("PrioritizedReplay::sample", "memory must not be empty", 0);
    if (batch_size == 0)
      detail::throw_invalid("PrioritizedReplay::sample", "batch_size must be >= 1", 0);
    const double total = tree_.total();
    const double slice = total / static_cast<double>(batch_size);
    slots_.resize(batch_size);
    for (std::size_t i = 0; i < batch_size; ++i) {
      const double u = (static_cast<double>(i) + uniform_real(rng)) * slice;
      slots_[i] = static_cast<Index>(tree_.find(std::min(u, std::nextafter(total, 0.0))));
    }
    memory_.gather_slots(slots_, out);
    // w_i = (N P(i))^-beta, normalised by the batch maximum (so weights only scale down).
    const double beta = beta_(samples_++);
    const auto n = static_cast<double>(size());
    out.weights.resize(out.size());
    double max_w = 0.0;
    for (Eigen::Index i = 0; i < out.size(); ++i) {
      const double p = tree_.get(static_cast<std::size_t>(out.slots[i])) / total;
      const double w = std::pow(n * p, -beta);
      out.weights[i] = static_cast<Reward>(w);
      max_w = std::max(max_w, w);
    }
    out.weights /= static_cast<Reward>(max_w);
  }

  /// Sets the priorities of the batch's rows from their TD errors: p = |delta| + epsilon.
  /// (train() calls this after every update when the memory has it.)
  template <class Errors>
  void update_priorities(const minibatch_type& batch, const Errors& td_errors) {
    if (td_errors.size() != batch.size()) {
      detail::throw_invalid("PrioritizedReplay::update_priorities",
                            "one TD error per row is needed", td_errors.size());
    }
    for (Eigen::Index i = 0; i < batch.size(); ++i) {
      const double delta = static_cast<double>(td_errors[i]);
      if (!std::isfinite(delta)) {
        detail::throw_invalid("PrioritizedReplay::update_priorities", "TD errors must be finite",
                              delta);
      }
      const double p = std::abs(delta) + config_.epsilon;
      max_priority_ = std::max(max_priority_, p);
      tree_.set(static_cast<std::size_t>(batch.slots[i]), std::pow(p, config_.alpha));
    }
  }

  /// Sets one slot's raw priority p (before the alpha exponent), e.g. for tests.
  void set_priority(std::size_t slot, double priority) {
    if (slot >= size())
      detail::throw_invalid("PrioritizedReplay::set_priority", "slot must be < size()", slot);
    if (!(priority > 0.0) || !std::isfinite(priority)) {
      detail::throw_invalid("PrioritizedReplay::set_priority", "priority must be > 0", priority);
    }
    max_priority_ = std::max(max_priority_, priority);
    tree_.set(slot, std::pow(priority, config_.alpha));
  }

 private:
  ReplayMemory<Reward, Index, Action> memory_;
  SumTree tree_;
  PrioritizedOptions config_;
  Schedule beta_;
  std::int64_t samples_ = 0;
  double max_priority_ = 1.0;
  std::vector<Index> slots_;
};

}  // namespace tabrl
