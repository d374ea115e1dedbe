#pragma once
/// \file envs/time_limit.hpp
/// Truncates an environment's episodes after a fixed number of steps.

#include <cstdint>
#include <optional>
#include <utility>

#include "../concepts.hpp"
#include "../error.hpp"

namespace tabrl {

/// Wraps any DiscreteEnvironment and sets `truncated` on the step that reaches
/// `max_episode_steps` (unless that step terminated). Like Gymnasium's TimeLimit, the
/// truncated transition still bootstraps in the agents.
template <DiscreteEnvironment Env>
class TimeLimit {
 public:
  TimeLimit(Env env, std::int64_t max_episode_steps)
      : env_(std::move(env)), max_steps_(max_episode_steps) {
    if (max_episode_steps < 1) {
      detail::throw_invalid("TimeLimit", "max_episode_steps must be >= 1", max_episode_steps);
    }
  }

  [[nodiscard]] int num_states() const { return env_.num_states(); }
  [[nodiscard]] int num_actions() const { return env_.num_actions(); }
  [[nodiscard]] std::int64_t max_episode_steps() const noexcept { return max_steps_; }
  [[nodiscard]] std::int64_t elapsed_steps() const noexcept { return elapsed_; }

  int reset(std::optional<std::uint64_t> seed = std::nullopt) {
    elapsed_ = 0;
    if constexpr (requires { env_.reset(seed); }) {
      return env_.reset(seed);
    } else {
      return env_.reset(seed.value_or(0));
    }
  }

  StepResult step(int action) {
    if (elapsed_ >= max_steps_) {
      throw LogicError(
          "tabrl::TimeLimit::step: episode was truncated, call reset() before stepping");
    }
    StepResult r = env_.step(action);
    ++elapsed_;
    if (elapsed_ >= max_steps_ && !r.terminated) r.truncated = true;
    return r;
  }

  /// The wrapped environment (for its model, rendering...).
  [[nodiscard]] Env& unwrapped() noexcept { return env_; }
  [[nodiscard]] const Env& unwrapped() const noexcept { return env_; }

 private:
  Env env_;
  std::int64_t max_steps_;
  std::int64_t elapsed_ = 0;
};

}  // namespace tabrl
