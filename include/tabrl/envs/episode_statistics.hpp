#pragma once
/// \file envs/episode_statistics.hpp
/// Records each episode's return and length for any environment.

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "../concepts.hpp"
#include "../error.hpp"

namespace tabrl {

/// Wraps a DiscreteEnvironment and keeps the return and length of the running episode, of the
/// last finished one, and their means over the last `window` finished episodes.
template <DiscreteEnvironment Env>
class EpisodeStatistics {
 public:
  /// Wraps `env`, averaging over the last `window` episodes; throws if window is 0.
  explicit EpisodeStatistics(Env env, std::size_t window = 100)
      : env_(std::move(env)), window_(window) {
    if (window == 0) detail::throw_invalid("EpisodeStatistics", "window must be >= 1", window);
  }

  /// The wrapped environment's.
  [[nodiscard]] int num_states() const { return env_.num_states(); }
  /// The wrapped environment's.
  [[nodiscard]] int num_actions() const { return env_.num_actions(); }

  /// Starts counting a new episode and resets the wrapped environment.
  int reset(std::optional<std::uint64_t> seed = std::nullopt) {
    episode_return_ = 0.0;
    episode_length_ = 0;
    if constexpr (requires { env_.reset(seed); }) {
      return env_.reset(seed);
    } else {
      return env_.reset(seed.value_or(0));
    }
  }

  /// Steps the wrapped environment and records the reward.
  StepResult step(int action) {
    const StepResult r = env_.step(action);
    episode_return_ += r.reward;
    ++episode_length_;
    if (r.terminated || r.truncated) {
      ++episodes_;
      last_return_ = episode_return_;
      last_length_ = episode_length_;
      recent_.emplace_back(episode_return_, episode_length_);
      if (recent_.size() > window_) recent_.pop_front();
    }
    return r;
  }

  /// Finished episodes.
  [[nodiscard]] std::int64_t episodes() const noexcept { return episodes_; }
  /// Return of the running episode so far.
  [[nodiscard]] double episode_return() const noexcept { return episode_return_; }
  /// Steps of the running episode so far.
  [[nodiscard]] std::int64_t episode_length() const noexcept { return episode_length_; }
  /// Return of the last finished episode.
  [[nodiscard]] double last_return() const noexcept { return last_return_; }
  /// Length of the last finished episode.
  [[nodiscard]] std::int64_t last_length() const noexcept { return last_length_; }
  /// Mean return of the last min(window, episodes()) finished episodes (0 if none).
  [[nodiscard]] double mean_return() const noexcept {
    double sum = 0;
    for (const auto& e : recent_) sum += e.first;
    return recent_.empty() ? 0.0 : sum / static_cast<double>(recent_.size());
  }
  /// Mean length over the same window.
  [[nodiscard]] double mean_length() const noexcept {
    double sum = 0;
    for (const auto& e : recent_) sum += static_cast<double>(e.second);
    return recent_.empty() ? 0.0 : sum / static_cast<double>(recent_.size());
  }

  /// The wrapped environment.
  [[nodiscard]] Env& unwrapped() noexcept { return env_; }
  /// The wrapped environment (read-only).
  [[nodiscard]] const Env& unwrapped() const noexcept { return env_; }

 private:
  Env env_;
  std::size_t window_;
  double episode_return_ = 0.0;
  std::int64_t episode_length_ = 0;
  std::int64_t episodes_ = 0;
  double last_return_ = 0.0;
  std::int64_t last_length_ = 0;
  std::deque<std::pair<double, std::int64_t>> recent_;
};

}  // namespace tabrl
