#pragma once
/// \file training/schedules.hpp
/// Hyperparameter schedules (epsilon, alpha, PER's beta) as functions of a step or episode.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "../error.hpp"

namespace tabrl {

/// value(t) for t = 0, 1, 2, ...: constant, linear from `start` to `end` over `duration`
/// steps (then `end`), or exponential end + (start - end) * rate^t.
class Schedule {
 public:
  enum class Kind : std::uint8_t { constant, linear, exponential };

  [[nodiscard]] static Schedule constant(double value) {
    check_finite("Schedule::constant", "value", value);
    return Schedule(Kind::constant, value, value, 1, 1.0);
  }
  /// Throws if duration < 1 or a value is not finite.
  [[nodiscard]] static Schedule linear(double start, double end, std::int64_t duration) {
    check_finite("Schedule::linear", "start", start);
    check_finite("Schedule::linear", "end", end);
    if (duration < 1) detail::throw_invalid("Schedule::linear", "duration must be >= 1", duration);
    return Schedule(Kind::linear, start, end, duration, 1.0);
  }
  /// Throws if rate is outside (0, 1] or a value is not finite.
  [[nodiscard]] static Schedule exponential(double start, double end, double rate) {
    check_finite("Schedule::exponential", "start", start);
    check_finite("Schedule::exponential", "end", end);
    if (!(rate > 0.0 && rate <= 1.0))
      detail::throw_invalid("Schedule::exponential", "rate must be in (0, 1]", rate);
    return Schedule(Kind::exponential, start, end, 1, rate);
  }

  /// The value at step t (t < 0 is treated as 0).
  [[nodiscard]] double operator()(std::int64_t t) const noexcept {
    t = std::max<std::int64_t>(t, 0);
    switch (kind_) {
      case Kind::constant:
        return start_;
      case Kind::linear: {
        if (t >= duration_) return end_;
        const double f = static_cast<double>(t) / static_cast<double>(duration_);
        return start_ + (end_ - start_) * f;
      }
      case Kind::exponential:
        return end_ + (start_ - end_) * std::pow(rate_, static_cast<double>(t));
    }
    return start_;
  }
  [[nodiscard]] Kind kind() const noexcept { return kind_; }

 private:
  Schedule(Kind kind, double start, double end, std::int64_t duration, double rate)
      : kind_(kind), start_(start), end_(end), duration_(duration), rate_(rate) {}
  static void check_finite(const char* who, const char* what, double v) {
    if (!std::isfinite(v)) detail::throw_invalid(who, detail::concat(what, " must be finite"), v);
  }

  Kind kind_;
  double start_, end_;
  std::int64_t duration_;
  double rate_;
};

/// A train() observer that sets the agent's epsilon from a schedule at the start of every
/// episode after the first (episode e + 1 gets schedule(e + 1)). Set epsilon to schedule(0)
/// before training.
template <class AgentT>
struct EpsilonSchedule {
  AgentT& agent;
  Schedule schedule;
  template <class Event>
  void on_episode_end(const Event& e) {
    agent.set_epsilon(std::clamp(schedule(e.episode + 1), 0.0, 1.0));
  }
};
template <class AgentT>
EpsilonSchedule(AgentT&, Schedule) -> EpsilonSchedule<AgentT>;

/// The same for the learning rate: episode e + 1 gets alpha = schedule(e + 1), clamped to
/// (0, 1] (a schedule that decays to 0 would stop learning and is rejected by set_alpha).
/// Set alpha to schedule(0) before training.
template <class AgentT>
struct AlphaSchedule {
  AgentT& agent;
  Schedule schedule;
  template <class Event>
  void on_episode_end(const Event& e) {
    agent.set_alpha(std::clamp(schedule(e.episode + 1), std::numeric_limits<double>::min(), 1.0));
  }
};
template <class AgentT>
AlphaSchedule(AgentT&, Schedule) -> AlphaSchedule<AgentT>;

}  // namespace tabrl
