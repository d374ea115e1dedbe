// Value iteration and friends against values known in closed form.

#include <catch2/catch.hpp>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/frozen_lake.hpp>
#include <tabrl/envs/taxi.hpp>
#include <tabrl/planning/value_iteration.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/train.hpp>

using Catch::Matchers::WithinAbs;

TEST_CASE("value_iteration: CliffWalking's optimal values are minus the shortest path", "[planning]") {
  const auto vi = tabrl::value_iteration(tabrl::CliffWalking{}, 1.0);
  REQUIRE(vi.residual < 1e-10);
  // From the start: up, 11 x right, down = 13 steps.
  REQUIRE(vi.v[36] == -13.0);
  // From (r, c) above the cliff the shortest path is (3 - r) + (11 - c) steps.
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 12; ++c) REQUIRE(vi.v[r * 12 + c] == -static_cast<double>((3 - r) + (11 - c)));
  }
  REQUIRE(vi.q(36, tabrl::CliffWalking::right) == -100.0 + vi.v[36]);  // fall, back to start
}

TEST_CASE("value_iteration: slippery FrozenLake 4x4 success probabilities", "[planning]") {
  const tabrl::FrozenLake lake;
  const auto vi = tabrl::value_iteration(lake, 1.0, 1e-12);
  // Undiscounted, no time limit: 14/17 = 0.8235 from the start (a known closed form).
  REQUIRE_THAT(vi.v[0], WithinAbs(14.0 / 17.0, 1e-9));
  for (int s : {5, 7, 11, 12, 15}) REQUIRE(vi.v[s] == 0.0);  // holes and goal are absorbing
  // With Gymnasium's 100-step limit the best possible success rate is about 0.74.
  REQUIRE_THAT(tabrl::finite_horizon_values(lake, 100)[0], WithinAbs(0.7442, 5e-4));
  const tabrl::FrozenLake big(tabrl::FrozenLake::map_8x8());
  REQUIRE_THAT(tabrl::finite_horizon_values(big, 200)[0], WithinAbs(0.9132, 5e-4));
  REQUIRE(tabrl::finite_horizon_values(lake, 0)[0] == 0.0);
  REQUIRE(tabrl::finite_horizon_values(lake, 6)[0] < tabrl::finite_horizon_values(lake, 100)[0]);
}

TEST_CASE("evaluate_policy agrees with value_iteration on the greedy policy", "[planning]") {
  const tabrl::FrozenLake lake;
  const auto vi = tabrl::value_iteration(lake, 0.95, 1e-12);
  Eigen::VectorXi policy(16);
  for (int s = 0; s < 16; ++s) vi.q.row(s).maxCoeff(&policy[s]);
  const auto v = tabrl::evaluate_policy(lake, policy, 0.95, 1e-12);
  REQUIRE((v - vi.v).cwiseAbs().maxCoeff() < 1e-9);
  Eigen::VectorXi always_left = Eigen::VectorXi::Zero(16);
  REQUIRE(tabrl::evaluate_policy(lake, always_left, 0.95)[0] < vi.v[0]);
  REQUIRE_THROWS_AS(tabrl::evaluate_policy(lake, Eigen::VectorXi::Zero(3), 0.9), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(tabrl::evaluate_policy(lake, Eigen::VectorXi::Constant(16, 4), 0.9), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(tabrl::value_iteration(lake, 1.5), tabrl::InvalidArgument);
}

TEST_CASE("compare_q: a trained CliffWalking agent against Q*", "[planning]") {
  tabrl::CliffWalking env;
  const auto vi = tabrl::value_iteration(env, 1.0);
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory(2000);
  const auto log = tabrl::train(agent, env, memory, {.episodes = 100, .batch_size = 32, .seed = 0});
  const std::vector<int> path{36, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35};
  const auto cmp = tabrl::compare_q(agent.q_values(), vi.q, path);
  REQUIRE(cmp.states == 13);
  REQUIRE(cmp.greedy_optimal == 13);  // the learned greedy path is optimal everywhere on it
  // Replay drives the path's values to Q* up to floating-point rounding.
  REQUIRE(cmp.max_abs_error < 1e-6);
  const auto untrained = tabrl::compare_q(tabrl::QTable<double>(tabrl::QTable<double>::Zero(48, 4)), vi.q, path);
  REQUIRE(untrained.max_abs_error == 100.0 + 13.0);
  REQUIRE_THROWS_AS(tabrl::compare_q(agent.q_values(), vi.q, {48}), tabrl::InvalidArgument);
  (void)log;
}

TEST_CASE("value_iteration on Taxi: optimal returns are positive from every start", "[planning]") {
  tabrl::Taxi taxi;
  const auto vi = tabrl::value_iteration(taxi, 1.0);
  for (int s = 0; s < 500; ++s) {
    const auto d = tabrl::Taxi::decode(s);
    if (d.passenger < 4 && d.passenger != d.destination) {
      REQUIRE(vi.v[s] > 0.0);       // 20 minus at most ~16 steps
      REQUIRE(vi.v[s] <= 20.0 - 2);  // at least a pick-up and a drop-off
    }
  }
  // Passenger aboard at the destination: drop off now, +20.
  REQUIRE(vi.v[tabrl::Taxi::encode(0, 0, 4, 0)] == 20.0);
}
