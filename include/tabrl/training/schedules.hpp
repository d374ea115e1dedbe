#pragma once
/// \file training/schedules.hpp
/// Observers that follow a Schedule: epsilon and alpha set per episode while training.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "../schedule.hpp"

namespace tabrl {

/// A train() observer that sets the agent's epsilon from a schedule at the start of every
/// episode after the first (episode e + 1 gets schedule(e + 1)). Set epsilon to schedule(0)
/// before training.
template <class AgentT>
struct EpsilonSchedule {
  AgentT& agent;      ///< the agent whose epsilon it sets
  Schedule schedule;  ///< epsilon as a function of the episode
  /// Sets epsilon for the next episode.
  template <class Event>
  void on_episode_end(const Event& e) {
    agent.set_epsilon(std::clamp(schedule(e.episode + 1), 0.0, 1.0));
  }
};
/// Deduces the agent type: `EpsilonSchedule schedule{agent, Schedule::linear(...)}`.
template <class AgentT>
EpsilonSchedule(AgentT&, Schedule) -> EpsilonSchedule<AgentT>;

/// The same for the learning rate: episode e + 1 gets alpha = schedule(e + 1), clamped to
/// (0, 1] (a schedule that decays to 0 would stop learning and is rejected by set_alpha).
/// Set alpha to schedule(0) before training.
template <class AgentT>
struct AlphaSchedule {
  AgentT& agent;      ///< the agent whose alpha it sets
  Schedule schedule;  ///< alpha as a function of the episode
  /// Sets alpha for the next episode.
  template <class Event>
  void on_episode_end(const Event& e) {
    agent.set_alpha(std::clamp(schedule(e.episode + 1), std::numeric_limits<double>::min(), 1.0));
  }
};
/// Deduces the agent type.
template <class AgentT>
AlphaSchedule(AgentT&, Schedule) -> AlphaSchedule<AgentT>;

}  // namespace tabrl
