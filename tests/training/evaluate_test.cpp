// greedy_rollout: one greedy episode, capped, with the states, actions and return.

#include <catch2/catch.hpp>

#include <vector>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/training/evaluate.hpp>

TEST_CASE("greedy_rollout stops at the step cap on a policy that never arrives", "[training]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4);
  agent.q_values().col(tabrl::CliffWalking::left).setConstant(1.0);  // always push into the wall
  tabrl::Rng rng(0);
  const auto r = tabrl::greedy_rollout(agent, env, rng, 25);
  REQUIRE(r.length() == 25);
  REQUIRE_FALSE(r.terminated);
  REQUIRE(r.total_return == -25.0);
  REQUIRE(r.states.size() == 26);
  for (int s : r.states) REQUIRE(s == 36);
  REQUIRE(r.actions == std::vector<int>(25, tabrl::CliffWalking::left));
}

TEST_CASE("greedy_rollout follows the greedy policy to the goal, recording the path", "[training]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4);
  // up from the start, right along row 2, down into the goal
  agent.q_values()(36, tabrl::CliffWalking::up) = 1.0;
  for (int s = 24; s < 35; ++s) agent.q_values()(s, tabrl::CliffWalking::right) = 1.0;
  agent.q_values()(35, tabrl::CliffWalking::down) = 1.0;
  tabrl::Rng rng(0);
  const auto r = tabrl::greedy_rollout(agent, env, rng);
  REQUIRE(r.terminated);
  REQUIRE(r.length() == 13);
  REQUIRE(r.total_return == -13.0);
  REQUIRE(r.states.front() == 36);
  REQUIRE(r.states[1] == 24);
  REQUIRE(r.states.back() == 47);
  REQUIRE(r.actions.front() == tabrl::CliffWalking::up);
  REQUIRE(r.actions.back() == tabrl::CliffWalking::down);
  // A time limit's truncation ends the rollout without counting as termination.
  tabrl::TimeLimit<tabrl::CliffWalking> limited(tabrl::CliffWalking{}, 5);
  const auto cut = tabrl::greedy_rollout(agent, limited, rng, 100);
  REQUIRE(cut.length() == 5);
  REQUIRE_FALSE(cut.terminated);
  REQUIRE(cut.total_return == -5.0);
}
