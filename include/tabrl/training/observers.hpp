#pragma once
/// \file training/observers.hpp
/// What the training loops tell observers, how an observer stops a run, and several
/// observers at once.

#include <cstdint>
#include <tuple>
#include <type_traits>

#include "../types.hpp"

namespace tabrl {

struct TrainingLog;

/// Passed to an observer's on_step after every env step.
struct StepEvent {
  int episode;                   ///< 0-based index of the running episode
  std::int64_t step_in_episode;  ///< 1-based
  int state;                     ///< s
  int action;                    ///< a
  const StepResult& result;      ///< what the environment returned
};

/// Passed to an observer's on_episode_end after every episode.
struct EpisodeEvent {
  int episode;             ///< 0-based index of the episode that ended
  int episodes_total;      ///< TrainOptions::episodes
  double episode_return;   ///< undiscounted return of the episode
  std::int64_t length;     ///< its env steps
  const TrainingLog& log;  ///< everything recorded so far
};

/// What an observer's hook may return to end a run early: `stop` makes the loop return after
/// the current step (or episode), with the TrainingState ready to continue exactly there.
enum class Control : std::uint8_t {
  proceed,  ///< keep training
  stop,     ///< return now; a later call with the same state continues the run
};

/// An observer that ignores everything. Observers may define on_step(const StepEvent&),
/// on_episode_end(const EpisodeEvent&), or both; either may return void or Control.
struct NullObserver {};

namespace detail {
/// Calls observer.on_step(e) if it exists; true when it asks to stop.
template <class O>
bool notify_step(O& observer, const StepEvent& e) {
  if constexpr (requires {
                  { observer.on_step(e) } -> std::same_as<Control>;
                }) {
    return observer.on_step(e) == Control::stop;
  } else if constexpr (requires { observer.on_step(e); }) {
    observer.on_step(e);
  }
  return false;
}
/// Calls observer.on_episode_end(e) if it exists; true when it asks to stop.
template <class O>
bool notify_episode_end(O& observer, const EpisodeEvent& e) {
  if constexpr (requires {
                  { observer.on_episode_end(e) } -> std::same_as<Control>;
                }) {
    return observer.on_episode_end(e) == Control::stop;
  } else if constexpr (requires { observer.on_episode_end(e); }) {
    observer.on_episode_end(e);
  }
  return false;
}
/// True when O has an on_step hook (the loops skip building events otherwise).
template <class O>
inline constexpr bool has_on_step = requires(O& o, const StepEvent& e) {
  o.on_step(e);
};
/// True when O has an on_episode_end hook.
template <class O>
inline constexpr bool has_on_episode_end = requires(O& o, const EpisodeEvent& e) {
  o.on_episode_end(e);
};
}  // namespace detail

/// Several observers as one, called in order; the run stops when any of them asks.
template <class... Observers>
class ObserverList {
 public:
  /// Keeps references: the observers must outlive the list.
  explicit ObserverList(Observers&... observers) : observers_(observers...) {}

  /// Forwards to every observer's on_step (present when one of them has it).
  Control on_step(const StepEvent& e) requires(detail::has_on_step<Observers> || ...) {
    // Every observer hears the step, whatever the ones before it asked.
    bool stop = false;
    std::apply([&](auto&... o) { ((stop = detail::notify_step(o, e) || stop), ...); }, observers_);
    return stop ? Control::stop : Control::proceed;
  }
  /// Forwards to every observer's on_episode_end (present when one of them has it).
  Control on_episode_end(const EpisodeEvent& e) requires(detail::has_on_episode_end<Observers> ||
                                                         ...) {
    bool stop = false;
    std::apply([&](auto&... o) { ((stop = detail::notify_episode_end(o, e) || stop), ...); },
               observers_);
    return stop ? Control::stop : Control::proceed;
  }

 private:
  std::tuple<Observers&...> observers_;
};

/// `train(agent, env, memory, options, observe(progress, schedule, watch))`.
template <class... Observers>
[[nodiscard]] ObserverList<Observers...> observe(Observers&... observers) {
  return ObserverList<Observers...>(observers...);
}

}  // namespace tabrl
