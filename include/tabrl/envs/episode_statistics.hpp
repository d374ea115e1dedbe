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
  explicit EpisodeStatistics(Env env, std::size_t window = 100)
      : env_(std::move(env)), window_(window) {
    if (window == 0) detail::throw_invalid("EpisodeStatistics", "window must be >= 1", window);
  }

  [[nodiscard]] int num_states() const { return env_.num_states(); }
  [[nodiscard]] int num_actions() const { return env_.num_actions(); }

  int reset(std::optional<std::uint64_t> seed = std::nullopt) {
    episode_return_ = 0.0;
    episode_length_ = 0;
    if constexpr (requires { env_.reset(seed); }) {
      return env_.reset(seed);
    } else {
      return env_.reset(seed.value_or(0));
    }
  }

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

  [[nodiscard]] std::int64_t episodes() const noexcept { return episodes_; }
  [[nodiscard]] double episode_return() const noexcept { return episode_return_; }
  [[nodiscard]] std::int64_t episode_length() const noexcept { return episode_length_; }
  [[nodiscard]] double last_return() const noexcept { return last_return_; }
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

  [[nodiscard]] Env& unwrapped() noexcept { return env_; }
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
