// EpsilonSchedule and AlphaSchedule: observers that set an agent's epsilon or alpha from a
// Schedule at every episode end, clamped to the setting's domain.

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

#include "training/observe_clang.hpp"  // first: see the LIBRARY BUG note there

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/observers.hpp>
#include <tabrl/training/schedules.hpp>
#include <tabrl/training/train.hpp>

namespace {
// Records the agent's epsilon and alpha after every episode (listed after the schedule, so it
// sees the values set for the next episode).
struct Settings {
  const tabrl::QLearningAgent<>& agent;
  std::vector<double> epsilons, alphas;
  void on_episode_end(const tabrl::EpisodeEvent&) {
    epsilons.push_back(agent.epsilon());
    alphas.push_back(agent.alpha());
  }
};
}  // namespace

TEST_CASE("EpsilonSchedule: episode e + 1 gets schedule(e + 1), clamped to 0..1",
          "[training][schedules]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 1.0});
  tabrl::ReplayMemory<> memory(500);
  tabrl::EpsilonSchedule schedule{agent, tabrl::Schedule::linear(1.0, 0.0, 10)};
  Settings seen{agent, {}, {}};
  (void)tabrl::train(agent, env, memory, {.episodes = 12, .batch_size = 8},
                     tabrl::observe(schedule, seen));
  REQUIRE(agent.epsilon() == 0.0);
  REQUIRE(seen.epsilons.size() == 12);
  for (int e = 0; e < 12; ++e) {
    CAPTURE(e);
    REQUIRE(seen.epsilons[static_cast<std::size_t>(e)] == schedule.schedule(e + 1));
  }
  REQUIRE(seen.alphas == std::vector<double>(12, 0.5));  // alpha left alone

  // Values outside [0, 1] are clamped.
  tabrl::QLearningAgent<> other(48, 4, {.epsilon = 0.5});
  tabrl::EpsilonSchedule wide{other, tabrl::Schedule::linear(2.5, -1.5, 4)};
  REQUIRE(wide.schedule(1) == 1.5);  // above 1 ...
  REQUIRE(wide.schedule(2) == 0.5);
  REQUIRE(wide.schedule(3) == -0.5);  // ... and below 0
  tabrl::ReplayMemory<> memory2(500);
  Settings clamped{other, {}, {}};
  (void)tabrl::train(other, env, memory2, {.episodes = 3, .batch_size = 8},
                     tabrl::observe(wide, clamped));
  REQUIRE(clamped.epsilons == std::vector<double>{1.0, 0.5, 0.0});
}

TEST_CASE("AlphaSchedule drives the learning rate, never down to 0", "[training][schedules]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 1.0, .epsilon = 0.1});
  tabrl::AlphaSchedule alpha{agent, tabrl::Schedule::exponential(1.0, 0.0, 0.5)};
  Settings seen{agent, {}, {}};
  tabrl::ReplayMemory<> memory(500);
  (void)tabrl::train(agent, env, memory, {.episodes = 4, .batch_size = 8},
                     tabrl::observe(alpha, seen));
  REQUIRE(seen.alphas == std::vector<double>{0.5, 0.25, 0.125, 0.0625});
  REQUIRE(seen.epsilons == std::vector<double>(4, 0.1));

  // A schedule that reaches 0 (or above 1) is clamped into (0, 1].
  tabrl::QLearningAgent<> other(48, 4, {.alpha = 0.5});
  tabrl::AlphaSchedule to_zero{other, tabrl::Schedule::linear(2.5, -1.5, 4)};
  Settings clamped{other, {}, {}};
  tabrl::ReplayMemory<> memory2(500);
  (void)tabrl::train(other, env, memory2, {.episodes = 3, .batch_size = 8},
                     tabrl::observe(to_zero, clamped));
  REQUIRE(clamped.alphas == std::vector<double>{1.0, 0.5, std::numeric_limits<double>::min()});
}
