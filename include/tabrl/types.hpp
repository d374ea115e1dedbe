#pragma once
/// \file types.hpp
/// Vocabulary shared by environments, memories, agents and the training loops.

#include <Eigen/Core>
#include <cstdint>

#include "fwd.hpp"

namespace tabrl {

/// What an environment returns from step(). `terminated` means a terminal state was reached
/// (no bootstrapping past it); `truncated` means the episode was cut short from outside (a
/// time limit) and the value of `next_state` still counts.
struct StepResult {
  int next_state = 0;       ///< the state the step led to
  double reward = 0.0;      ///< the reward it earned
  bool terminated = false;  ///< next_state is terminal: no bootstrap past it
  bool truncated = false;   ///< the episode was cut short from outside (a time limit)

  /// Field-by-field equality.
  friend bool operator==(const StepResult&, const StepResult&) = default;
};

/// One possible outcome of taking an action in a state, as in Gymnasium's `env.P[s][a]`:
/// what an environment's `transitions(state, action)` model lists.
struct Outcome {
  double probability = 0.0;  ///< P(next_state, reward | state, action)
  int next_state = 0;        ///< where the agent lands
  double reward = 0.0;       ///< the reward of this outcome
  bool terminated = false;   ///< next_state is terminal

  /// Field-by-field equality.
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

/// One experience tuple (s, a, r, s', terminated).
template <class Reward>
struct BasicTransition {
  int state = 0;            ///< s
  int action = 0;           ///< a
  Reward reward = 0;        ///< r
  int next_state = 0;       ///< s'
  bool terminated = false;  ///< s' is terminal (truncation is not stored: it still bootstraps)

  /// Field-by-field equality.
  friend bool operator==(const BasicTransition&, const BasicTransition&) = default;
};

/// Row-major Q table: one state's action values are contiguous.
template <class Scalar = double>
using QTable = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

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
