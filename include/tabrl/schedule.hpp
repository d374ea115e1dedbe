#pragma once
/// \file schedule.hpp
/// A hyperparameter as a function of a step or episode count: constant, linear or exponential.

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "error.hpp"

namespace tabrl {

/// value(t) for t = 0, 1, 2, ...: constant, linear from `start` to `end` over `duration`
/// steps (then `end`), or exponential end + (start - end) * rate^t.
class Schedule {
 public:
  /// The shape of the schedule.
  enum class Kind : std::uint8_t {
    constant,     ///< always start
    linear,       ///< start to end over duration steps
    exponential,  ///< end + (start - end) * rate^t
  };

  /// Always `value`; throws if it is not finite.
  [[nodiscard]] static Schedule constant(double value) {
    check_finite("Schedule::constant", "value", value);
    return Schedule(Kind::constant, value, value, 1, 1.0);
  }
  /// Throws if duration < 1 or a value (or end - start) is not finite.
  [[nodiscard]] static Schedule linear(double start, double end, std::int64_t duration) {
    check_finite("Schedule::linear", "start", start);
    check_finite("Schedule::linear", "end", end);
    check_finite("Schedule::linear", "end - start", end - start);
    if (duration < 1) detail::throw_invalid("Schedule::linear", "duration must be >= 1", duration);
    return Schedule(Kind::linear, start, end, duration, 1.0);
  }
  /// Throws if rate is outside (0, 1] or a value (or start - end) is not finite.
  [[nodiscard]] static Schedule exponential(double start, double end, double rate) {
    check_finite("Schedule::exponential", "start", start);
    check_finite("Schedule::exponential", "end", end);
    check_finite("Schedule::exponential", "start - end", start - end);
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
  /// The schedule's shape.
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

}  // namespace tabrl
