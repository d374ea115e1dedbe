#pragma once
/// \file replay/prioritized_replay.hpp
/// Proportional prioritized experience replay (Schaul et al., 2016).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../fwd.hpp"
#include "../minibatch.hpp"
#include "../random.hpp"
#include "../schedule.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "replay_memory.hpp"
#include "sum_tree.hpp"

namespace tabrl {

/// Prioritized replay's settings.
struct PrioritizedOptions {
  double alpha = 0.6;  ///< priority exponent: P(i) = p_i^alpha / sum_k p_k^alpha, in [0, 16]
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
/// beta annealed from options.beta to 1 over options.beta_steps samples; agents scale their TD
/// steps by it. Sampling is with replacement (stratified: one draw per equal slice of the
/// total priority).
template <class Reward, class Index, class Action>
class PrioritizedReplay {
 public:
  using reward_type = Reward;                                    ///< reward column type
  using index_type = Index;                                      ///< state column type
  using action_type = Action;                                    ///< action column type
  using minibatch_type = BasicMinibatch<Reward, Index, Action>;  ///< what sampling fills
  using transition_type = BasicTransition<Reward>;               ///< what at_slot() returns

  /// Throws on capacity 0 or a setting outside its range (see PrioritizedOptions).
  explicit PrioritizedReplay(std::size_t capacity, const PrioritizedOptions& options = {})
      : memory_(capacity, Sampling::with_replacement),
        tree_(capacity),
        options_(validated(options)),
        beta_(Schedule::linear(options.beta, 1.0, options.beta_steps)) {}

  /// The largest priority exponent accepted: beyond it p^alpha overflows for ordinary TD
  /// errors (the paper uses 0.6 to 0.7).
  static constexpr double max_alpha = 16.0;

  /// The settings it was made with (or loaded).
  [[nodiscard]] const PrioritizedOptions& options() const noexcept { return options_; }
  /// Transitions stored.
  [[nodiscard]] std::size_t size() const noexcept { return memory_.size(); }
  /// The most transitions it keeps.
  [[nodiscard]] std::size_t capacity() const noexcept { return memory_.capacity(); }
  /// The ring buffer underneath.
  [[nodiscard]] const ReplayMemory<Reward, Index, Action>& memory() const noexcept {
    return memory_;
  }
  /// The priorities to the power alpha, by slot.
  [[nodiscard]] const SumTree& tree() const noexcept { return tree_; }
  /// The memory's columns (see ReplayMemory::columns).
  [[nodiscard]] typename minibatch_type::Columns columns() const noexcept {
    return memory_.columns();
  }
  /// Physical slot the next push writes to (as in ReplayMemory; adapters key per-slot data
  /// such as n-step discounts by it).
  [[nodiscard]] std::size_t head() const noexcept { return memory_.head(); }
  /// The largest priority seen: what a new transition gets.
  [[nodiscard]] double max_priority() const noexcept { return max_priority_; }
  /// Beta for the next sample.
  [[nodiscard]] double beta() const noexcept { return beta_(samples_); }

  /// Stores a transition at the current maximum priority.
  template <class R>
  void push(const BasicTransition<R>& t) {
    const std::size_t slot = memory_.head();
    memory_.push(t);
    tree_.set(slot, std::pow(max_priority_, options_.alpha));
  }

  /// Fills `out` with `batch_size` rows drawn proportionally to priority, with weights,
  /// copied into the batch (see sample_view).
  template <BitGenerator64 G>
  void sample(std::size_t batch_size, G& rng, minibatch_type& out) {
    draw_into("PrioritizedReplay::sample", batch_size, rng, out);
    out.own();
  }

  /// Draws as sample() does, leaving `out` a view of the memory's columns (valid until the
  /// memory changes) with the rows' importance weights. The training loop uses this.
  template <BitGenerator64 G>
  void sample_view(std::size_t batch_size, G& rng, minibatch_type& out) {
    draw_into("PrioritizedReplay::sample_view", batch_size, rng, out);
  }

  /// Sets the priorities of the batch's rows from their TD errors: p = |delta| + epsilon.
  /// (train() calls this after every update when the memory has it.)
  template <class Errors>
  void update_priorities(const minibatch_type& batch, const Errors& td_errors) {
    if (td_errors.size() != batch.size()) {
      detail::throw_invalid("PrioritizedReplay::update_priorities",
                            "one TD error per row is needed", td_errors.size());
    }
    const std::span<const Index> slots = batch.slots();
    for (const Index slot : slots) {
      if (slot < 0 || static_cast<std::size_t>(slot) >= size()) {
        detail::throw_invalid("PrioritizedReplay::update_priorities",
                              detail::concat("slots must be in [0, ", size(), ")"), slot);
      }
    }
    // Every priority is checked before any is set, so a bad one changes nothing.
    for (Eigen::Index i = 0; i < batch.size(); ++i) {
      const double delta = static_cast<double>(td_errors[i]);
      if (!std::isfinite(delta)) {
        detail::throw_invalid("PrioritizedReplay::update_priorities", "TD errors must be finite",
                              delta);
      }
      check_priority("PrioritizedReplay::update_priorities", std::abs(delta) + options_.epsilon);
    }
    for (Eigen::Index i = 0; i < batch.size(); ++i) {
      const double p = std::abs(static_cast<double>(td_errors[i])) + options_.epsilon;
      max_priority_ = std::max(max_priority_, p);
      tree_.set(static_cast<std::size_t>(slots[static_cast<std::size_t>(i)]),
                std::pow(p, options_.alpha));
    }
  }

  /// The largest priority p (before the alpha exponent) a slot may have: p^alpha times the
  /// capacity must stay finite, so the sum of all priorities does.
  [[nodiscard]] double priority_limit() const noexcept {
    const double leaf = std::numeric_limits<double>::max() / static_cast<double>(capacity());
    return options_.alpha > 0.0 ? std::pow(leaf, 1.0 / options_.alpha)
                                : std::numeric_limits<double>::max();
  }

  /// Sets one slot's raw priority p (before the alpha exponent), e.g. for tests.
  void set_priority(std::size_t slot, double priority) {
    if (slot >= size())
      detail::throw_invalid("PrioritizedReplay::set_priority", "slot must be < size()", slot);
    if (!(priority > 0.0) || !std::isfinite(priority)) {
      detail::throw_invalid("PrioritizedReplay::set_priority", "priority must be > 0", priority);
    }
    check_priority("PrioritizedReplay::set_priority", priority);
    max_priority_ = std::max(max_priority_, priority);
    tree_.set(slot, std::pow(priority, options_.alpha));
  }

  /// "PrioritizedReplay" (Saveable: the kind recorded in checkpoints).
  [[nodiscard]] static std::string kind() { return "PrioritizedReplay"; }

  /// Writes the settings, the position of the beta schedule, the largest priority, the
  /// transitions and their priorities (Saveable).
  void save(BinaryWriter& out) const {
    out.value(options_.alpha);
    out.value(options_.beta);
    out.value(options_.beta_steps);
    out.value(options_.epsilon);
    out.value(samples_);
    out.value(max_priority_);
    memory_.save(out);
    for (std::size_t i = 0; i < memory_.size(); ++i) out.value(tree_.get(i));
  }

  /// Replaces settings, contents and priorities with saved ones (Saveable); the capacity must
  /// be this memory's. Throws FormatError naming the field, and changes nothing, otherwise.
  void load(BinaryReader& in) {
    PrioritizedOptions options;
    options.alpha = in.value<double>();
    options.beta = in.value<double>();
    options.beta_steps = in.value<std::int64_t>();
    options.epsilon = in.value<double>();
    try {
      validated(options);
    } catch (const InvalidArgument& e) {
      in.fail(FormatProblem::value, e.what());
    }
    const auto samples = in.value<std::int64_t>();
    const auto max_priority = in.value<double>();
    if (samples < 0) {
      in.fail(FormatProblem::value,
              detail::concat("prioritized replay sample count must be >= 0, got ", samples));
    }
    if (!(max_priority >= options.epsilon) || !std::isfinite(max_priority)) {
      in.fail(FormatProblem::value,
              detail::concat("prioritized replay max priority must be finite and >= epsilon ",
                             options.epsilon, ", got ", max_priority));
    }
    ReplayMemory<Reward, Index, Action> memory = memory_;
    memory.load(in);
    if (memory.sampling() != Sampling::with_replacement) {
      in.fail(FormatProblem::value,
              "prioritized replay samples with replacement, the file says without");
    }
    SumTree tree(memory.capacity());
    for (std::size_t i = 0; i < memory.size(); ++i) {
      const auto leaf = in.value<double>();
      if (!(leaf > 0.0) || !std::isfinite(leaf)) {
        in.fail(FormatProblem::value, detail::concat("prioritized replay priority[", i,
                                                     "] must be finite and > 0, got ", leaf));
      }
      tree.set(i, leaf);
    }
    memory_ = std::move(memory);
    tree_ = std::move(tree);
    options_ = options;
    beta_ = Schedule::linear(options.beta, 1.0, options.beta_steps);
    samples_ = samples;
    max_priority_ = max_priority;
  }

 private:
  void check_priority(const char* who, double p) const {
    const double limit = priority_limit();
    if (!(p <= limit)) {
      detail::throw_invalid(
          who,
          detail::concat("priorities must be <= ", limit, " (so the sum of ", capacity(),
                         " priorities to the power alpha stays finite)"),
          p);
    }
  }

  static const PrioritizedOptions& validated(const PrioritizedOptions& o) {
    if (!(o.alpha >= 0.0 && o.alpha <= max_alpha)) {
      detail::throw_invalid("PrioritizedReplay",
                            detail::concat("alpha must be in [0, ", max_alpha, "]"), o.alpha);
    }
    if (!(o.beta >= 0.0 && o.beta <= 1.0)) {
      detail::throw_invalid("PrioritizedReplay", "beta must be in [0, 1]", o.beta);
    }
    if (o.beta_steps < 1)
      detail::throw_invalid("PrioritizedReplay", "beta_steps must be >= 1", o.beta_steps);
    if (!(o.epsilon > 0.0) || !std::isfinite(o.epsilon)) {
      detail::throw_invalid("PrioritizedReplay", "epsilon must be finite and > 0", o.epsilon);
    }
    return o;
  }

  template <class G>
  void draw_into(const char* who, std::size_t batch_size, G& rng, minibatch_type& out) {
    if (size() == 0) detail::throw_invalid(who, "memory must not be empty", 0);
    if (batch_size == 0) detail::throw_invalid(who, "batch_size must be >= 1", 0);
    const double total = tree_.total();
    const double slice = total / static_cast<double>(batch_size);
    const std::span<Index> slots = out.view(memory_.columns(), batch_size);
    for (std::size_t i = 0; i < batch_size; ++i) {
      const double u = (static_cast<double>(i) + uniform_real(rng)) * slice;
      slots[i] = static_cast<Index>(tree_.find(std::min(u, std::nextafter(total, 0.0))));
    }
    // w_i = (N P(i))^-beta, normalised by the batch maximum (so weights only scale down).
    const double beta = beta_(samples_++);
    const auto n = static_cast<double>(size());
    const std::span<Reward> weights = out.weights_to_fill();
    double max_w = 0.0;
    for (std::size_t i = 0; i < batch_size; ++i) {
      const double p = tree_.get(static_cast<std::size_t>(slots[i])) / total;
      const double w = std::pow(n * p, -beta);
      weights[i] = static_cast<Reward>(w);
      max_w = std::max(max_w, w);
    }
    if (!(max_w <= std::numeric_limits<double>::max())) [[unlikely]] {
      // N P(i) underflowed to 0 for the least likely row: the same weights as ratios of
      // priorities, (p_i / p_min)^-beta, which stay finite.
      double p_min = std::numeric_limits<double>::max();
      for (std::size_t i = 0; i < batch_size; ++i) {
        p_min = std::min(p_min, tree_.get(static_cast<std::size_t>(slots[i])));
      }
      for (std::size_t i = 0; i < batch_size; ++i) {
        weights[i] = static_cast<Reward>(
            std::pow(tree_.get(static_cast<std::size_t>(slots[i])) / p_min, -beta));
      }
      return;
    }
    const auto max_weight = static_cast<Reward>(max_w);
    for (Reward& w : weights) w /= max_weight;
  }

  ReplayMemory<Reward, Index, Action> memory_;
  SumTree tree_;
  PrioritizedOptions options_;
  Schedule beta_;
  std::int64_t samples_ = 0;
  double max_priority_ = 1.0;
};

}  // namespace tabrl
