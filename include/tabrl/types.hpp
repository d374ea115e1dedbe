#pragma once
/// \file types.hpp
/// Vocabulary types shared by environments, memories, agents and the training loop.

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tabrl {

/// What an environment returns from step(). `terminated` means a terminal state was reached
/// (no bootstrapping past it); `truncated` means the episode was cut short from outside (a
/// time limit) and the value of `next_state` still counts.
struct StepResult {
  int next_state = 0;
  double reward = 0.0;
  bool terminated = false;
  bool truncated = false;

  friend bool operator==(const StepResult&, const StepResult&) = default;
};

/// One possible outcome of taking an action in a state, as in Gymnasium's `env.P[s][a]`:
/// what an environment's `transitions(state, action)` model lists.
struct Outcome {
  double probability = 0.0;
  int next_state = 0;
  double reward = 0.0;
  bool terminated = false;

  friend bool operator==(const Outcome&, const Outcome&) = default;
};

/// One experience tuple (s, a, r, s', terminated).
template <class Reward = double>
struct BasicTransition {
  int state = 0;
  int action = 0;
  Reward reward = 0;
  int next_state = 0;
  bool terminated = false;

  friend bool operator==(const BasicTransition&, const BasicTransition&) = default;
};
using Transition = BasicTransition<>;

/// Row-major Q table: one state's action values are contiguous.
template <class Scalar = double>
using QTable = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A sampled batch as struct-of-arrays Eigen columns. Owned by the caller and reused: memories
/// resize it only when the batch size grows, so steady-state sampling allocates nothing.
template <class Reward = double, class Index = std::int32_t>
struct BasicMinibatch {
  using reward_type = Reward;
  using index_type = Index;
  using IndexColumn = Eigen::Matrix<Index, Eigen::Dynamic, 1>;
  using RewardColumn = Eigen::Matrix<Reward, Eigen::Dynamic, 1>;
  using FlagColumn = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, 1>;

  IndexColumn states;
  IndexColumn actions;
  RewardColumn rewards;
  IndexColumn next_states;
  FlagColumn terminated;  ///< 1 where the transition entered a terminal state
  IndexColumn slots;      ///< memory slot each row came from (for priority updates)
  /// Optional per-row importance-sampling weights (prioritized replay). Empty: all 1. Agents
  /// scale each row's TD step by its weight.
  RewardColumn weights;
  /// Optional per-row bootstrap discounts gamma^k (n-step returns). Empty: the agent's gamma.
  RewardColumn discounts;

  /// Scratch for sampling without replacement (a mark per memory slot: a byte each for up to
  /// 65,536 slots, a bit each beyond); kept here so the memory itself stays const while
  /// sampling and nothing is allocated per call.
  std::vector<std::uint64_t> seen;
  /// Stamp of the latest draw that used `seen` as bytes (a byte equal to it marks a slot that
  /// draw took); 0 when `seen` is all zero.
  std::uint8_t seen_stamp = 0;

  [[nodiscard]] Eigen::Index size() const noexcept { return states.size(); }

  void resize(Eigen::Index n) {
    if (states.size() == n) return;
    states.resize(n);
    actions.resize(n);
    rewards.resize(n);
    next_states.resize(n);
    terminated.resize(n);
    slots.resize(n);
  }

  /// Row i as a transition (for tests, logging and scalar fallbacks).
  [[nodiscard]] BasicTransition<Reward> row(Eigen::Index i) const {
    return {static_cast<int>(states[i]), static_cast<int>(actions[i]), rewards[i],
            static_cast<int>(next_states[i]), terminated[i] != 0};
  }
};
using Minibatch = BasicMinibatch<>;

/// Rows a memory has sampled, read through their slots straight from the memory's columns
/// instead of being copied into a minibatch (ReplayMemory::sample_view()). Valid until the
/// memory changes or the scratch minibatch that holds `slots` is reused. The training loop
/// uses it so that a minibatch update reads each stored transition once, where sample()
/// followed by update() writes six columns and reads them back.
template <class Reward = double, class Index = std::int32_t, class Action = std::uint8_t>
struct BasicReplayView {
  using reward_type = Reward;
  using index_type = Index;
  using action_type = Action;

  const Index* slots = nullptr;   ///< the sampled memory slots, one per row
  Eigen::Index rows = 0;          ///< number of sampled rows
  const Index* states = nullptr;  ///< the memory's columns, indexed by slot
  const Action* actions = nullptr;
  const Reward* rewards = nullptr;
  const Index* next_states = nullptr;
  const std::uint8_t* terminated = nullptr;
  /// Upper bounds of the states (and next states) and of the actions anywhere in the memory
  /// (-1: unknown). An update whose table holds them skips its per-row index checks.
  std::int64_t max_state = -1;
  std::int64_t max_action = -1;

  [[nodiscard]] Eigen::Index size() const noexcept { return rows; }

  /// Row i as a transition.
  [[nodiscard]] BasicTransition<Reward> row(Eigen::Index i) const {
    const auto k = static_cast<std::size_t>(slots[i]);
    return {static_cast<int>(states[k]), static_cast<int>(actions[k]), rewards[k],
            static_cast<int>(next_states[k]), terminated[k] != 0};
  }

  /// Copies the rows into `out` (resizing it): what sample() would have produced. `out` may
  /// be the scratch minibatch that holds `slots` (ReplayMemory::sample() works that way).
  void copy_to(BasicMinibatch<Reward, Index>& out) const {
    out.resize(rows);
    // Raw pointers read once: the uint8_t column may alias anything, so stores through it
    // would otherwise force a reload of every vector's data pointer on every row.
    Index* out_slots = out.slots.data();
    Index* out_states = out.states.data();
    Index* out_actions = out.actions.data();
    Reward* out_rewards = out.rewards.data();
    Index* out_next_states = out.next_states.data();
    std::uint8_t* out_terminated = out.terminated.data();
    const bool copy_slots = out_slots != slots;  // sample() copies into the slots' own holder
    for (Eigen::Index i = 0; i < rows; ++i) {
      const Index slot = slots[i];
      const auto k = static_cast<std::size_t>(slot);
      if (copy_slots) out_slots[i] = slot;
      out_states[i] = states[k];
      out_actions[i] = static_cast<Index>(actions[k]);
      out_rewards[i] = rewards[k];
      out_next_states[i] = next_states[k];
      out_terminated[i] = terminated[k];
    }
  }
};
using ReplayView = BasicReplayView<>;

/// How a minibatch update treats several rows with the same (state, action) pair.
enum class DuplicateRule : std::uint8_t {
  last,        ///< all targets from the pre-update table, the last duplicate's write wins (numpy)
  mean,        ///< all targets from the pre-update table, duplicates' TD errors averaged
  sequential,  ///< rows applied one after another, each seeing the previous rows' updates
};

/// Whether a memory samples indices with or without replacement.
enum class Sampling : std::uint8_t {
  without_replacement,  ///< distinct slots, like Python's random.sample (the default)
  with_replacement,     ///< independent uniform slots
};

}  // namespace tabrl
