#pragma once
/// \file envs/time_limit.hpp
/// Truncates an environment's episodes after a fixed number of steps.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../serialization.hpp"

namespace tabrl {

/// Wraps any DiscreteEnvironment and sets `truncated` on the step that reaches
/// `max_episode_steps` (unless that step terminated). Like Gymnasium's TimeLimit, the
/// truncated transition still bootstraps in the agents.
template <DiscreteEnvironment Env>
class TimeLimit {
 public:
  /// Wraps `env`; throws if max_episode_steps < 1.
  TimeLimit(Env env, std::int64_t max_episode_steps)
      : env_(std::move(env)), max_steps_(max_episode_steps) {
    if (max_episode_steps < 1) {
      detail::throw_invalid("TimeLimit", "max_episode_steps must be >= 1", max_episode_steps);
    }
  }

  /// The wrapped environment's.
  [[nodiscard]] int num_states() const { return env_.num_states(); }
  /// The wrapped environment's.
  [[nodiscard]] int num_actions() const { return env_.num_actions(); }
  /// The limit.
  [[nodiscard]] std::int64_t max_episode_steps() const noexcept { return max_steps_; }
  /// Steps taken in this episode.
  [[nodiscard]] std::int64_t elapsed_steps() const noexcept { return elapsed_; }

  /// Resets the count and the wrapped environment.
  int reset(std::optional<std::uint64_t> seed = std::nullopt) {
    elapsed_ = 0;
    if constexpr (requires { env_.reset(seed); }) {
      return env_.reset(seed);
    } else {
      return env_.reset(seed.value_or(0));
    }
  }

  /// Steps the wrapped environment; throws LogicError after the episode was truncated.
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

  /// "TimeLimit<" + the wrapped environment's kind + ">" (Saveable when it is).
  [[nodiscard]] static std::string kind() requires Saveable<Env> {
    return "TimeLimit<" + Env::kind() + ">";
  }
  /// Writes the limit, the steps taken and the wrapped environment (Saveable).
  void save(BinaryWriter& out) const requires Saveable<Env> {
    out.value(static_cast<std::int64_t>(max_steps_));
    out.value(static_cast<std::int64_t>(elapsed_));
    env_.save(out);
  }
  /// Reads them back (Saveable); the limit must be this wrapper's.
  void load(BinaryReader& in) requires Saveable<Env> {
    const auto max_steps = in.value<std::int64_t>();
    const auto elapsed = in.value<std::int64_t>();
    if (max_steps != max_steps_) {
      in.fail(FormatProblem::shape,
              detail::concat("time limit is ", max_steps, ", this wrapper's is ", max_steps_));
    }
    if (elapsed < 0 || elapsed > max_steps) {
      in.fail(FormatProblem::value,
              detail::concat("elapsed steps must be in [0, ", max_steps, "], got ", elapsed));
    }
    Env env = env_;
    env.load(in);
    env_ = std::move(env);
    elapsed_ = elapsed;
  }

  /// The wrapped environment (for its model, rendering...).
  [[nodiscard]] Env& unwrapped() noexcept { return env_; }
  /// The wrapped environment (read-only).
  [[nodiscard]] const Env& unwrapped() const noexcept { return env_; }

 private:
  Env env_;
  std::int64_t max_steps_;
  std::int64_t elapsed_ = 0;
};

}  // namespace tabrl
