// RLearningAgent: the update and the average-reward step by hand (rho moves only after a
// greedy action), gamma fixed at 1, learning the average-reward optimum of a continuing
// two-loop MDP (rho* = 1.5), saving.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include <tabrl/agents/r_learning.hpp>
#include <tabrl/envs/time_limit.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::RLearningAgent;
using tabrl::Transition;

static_assert(tabrl::Agent<RLearningAgent<>>);
static_assert(tabrl::Saveable<RLearningAgent<>>);

TEST_CASE("RLearningAgent: the update by hand", "[agents]") {
  REQUIRE(RLearningAgent<>::kind() == "RLearningAgent");
  RLearningAgent<> agent(2, 2, {.alpha = 0.5}, 0.5);
  // (0,0,r 1,->1): delta = 1 - 0 + 0 - 0 = 1; Q(0,0) = 0.5, the row's max: greedy, so
  // rho += 0.5 (1 - 0 + 0 - 0.5) = 0.25.
  REQUIRE(agent.update(Transition{0, 0, 1.0, 1, false}) == 1.0);
  REQUIRE(agent.q(0, 0) == 0.5);
  REQUIRE(agent.average_reward() == 0.25);
  // (1,1,r 3,->0): delta = 3 - 0.25 + 0.5 - 0 = 3.25; Q(1,1) = 1.625, greedy:
  // rho += 0.5 (3 - 0.25 + 0.5 - 1.625) = 0.8125 -> 1.0625.
  REQUIRE(agent.update(Transition{1, 1, 3.0, 0, false}) == 3.25);
  REQUIRE(agent.q(1, 1) == 1.625);
  REQUIRE(agent.average_reward() == 1.0625);
  // (0,1,r 0,->1): delta = 0 - 1.0625 + 1.625 - 0 = 0.5625; Q(0,1) = 0.28125 < Q(0,0): not
  // greedy, rho stays.
  REQUIRE(agent.update(Transition{0, 1, 0.0, 1, false}) == 0.5625);
  REQUIRE(agent.q(0, 1) == 0.28125);
  REQUIRE(agent.average_reward() == 1.0625);
  // A terminated transition bootstraps nothing.
  REQUIRE(agent.update(Transition{1, 0, 0.0, 0, true}) == 0.0 - 1.0625 + 0.0 - 0.0);
}

TEST_CASE("RLearningAgent: gamma is 1 and 0 < beta <= 1", "[agents]") {
  REQUIRE_THROWS_WITH((RLearningAgent<>(2, 2, {.gamma = 0.9})),
                      "tabrl::RLearningAgent: gamma must be 1 (R-learning does not discount), got 0.90000000000000002");
  REQUIRE_THROWS_WITH((RLearningAgent<>(2, 2, {}, 0.0)), "tabrl::RLearningAgent: beta must be in (0, 1], got 0");
  RLearningAgent<> agent(2, 2);
  REQUIRE_THROWS_WITH(agent.set_gamma(0.5), Catch::Contains("gamma must be 1"));
  REQUIRE_THROWS_WITH(agent.set_average_reward(std::numeric_limits<double>::infinity()),
                      "tabrl::RLearningAgent: average reward must be finite, got inf");
}

TEST_CASE("RLearningAgent: finds the best average reward of a continuing task", "[agents]") {
  // TwoLoops: staying in A earns 1 per step, the loop A -> B -> A earns 3 per 2 steps. The
  // greedy policy must take the loop and rho approach 1.5 (R-learning estimates the greedy
  // policy's average from its greedy steps). 40 truncated "episodes" of 1000 steps of one
  // continuing run, three seeds.
  for (const std::uint64_t seed : {1, 2, 3}) {
    RLearningAgent<> agent(2, 2, {.alpha = 0.1, .epsilon = 0.1}, 0.01);
    tabrl::TimeLimit<tabrl::test::TwoLoops> env(tabrl::test::TwoLoops{}, 1000);
    (void)tabrl::train_online(agent, env, {.episodes = 40, .seed = seed});
    CAPTURE(seed, agent.average_reward(), agent.q_values());
    REQUIRE(std::abs(agent.average_reward() - 1.5) < 0.1);
    REQUIRE(agent.greedy_policy()[0] == 1);  // A: go to B
    REQUIRE(agent.greedy_policy()[1] == 0);  // B: come back for +3
  }
}

TEST_CASE("RLearningAgent: save and load", "[agents]") {
  RLearningAgent<> a(2, 2, {.alpha = 0.5}, 0.25);
  (void)a.update(Transition{0, 0, 1.0, 1, false});
  RLearningAgent<> b(2, 2);
  tabrl::test::require_round_trip(a, b);
  REQUIRE(b.average_reward() == a.average_reward());
  REQUIRE(b.beta() == 0.25);
  tabrl::test::require_truncations_rejected(b, tabrl::test::saved(a));
  auto bytes = tabrl::test::saved(a);
  const double gamma = 0.5;
  std::memcpy(bytes.data(), &gamma, sizeof gamma);
  tabrl::test::require_rejected(b, bytes, tabrl::FormatProblem::value, "gamma must be 1, got 0.5");
}
