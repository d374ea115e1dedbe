// SarsaAgent: the online rule bootstraps with the action taken next; it has no minibatch rule.

#include <catch2/catch.hpp>

#include <cmath>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa.hpp>
#include <tabrl/concepts.hpp>
#include <tabrl/replay/replay_memory.hpp>

using Catch::Matchers::WithinAbs;

static_assert(tabrl::OnPolicyAgent<tabrl::SarsaAgent<>>);
static_assert(!tabrl::OnPolicyAgent<tabrl::QLearningAgent<>>);
static_assert(!tabrl::MinibatchAgent<tabrl::SarsaAgent<>, tabrl::ReplayMemory<>>);  // online only

TEST_CASE("SarsaAgent: the online update bootstraps with the given next action", "[agents]") {
  REQUIRE(tabrl::SarsaAgent<>::kind() == "SarsaAgent");
  tabrl::SarsaAgent<> agent(3, 2, {.gamma = 0.9, .alpha = 0.5});
  agent.q_values() << 1, 2, 3, -1, 0, 4;
  // target = 1 + 0.9 * Q(1, 1) = 1 - 0.9 = 0.1; delta = 0.1 - 2 = -1.9; Q(0,1) = 2 - 0.95
  REQUIRE_THAT(agent.update(tabrl::Transition{0, 1, 1.0, 1, false}, 1), WithinAbs(-1.9, 1e-12));
  REQUIRE_THAT(agent.q(0, 1), WithinAbs(1.05, 1e-12));
  // Q-learning would have used max Q(1, .) = 3 instead; with a' = 0 SARSA uses 3 too.
  REQUIRE_THAT(agent.update(tabrl::Transition{0, 0, 0.0, 1, false}, 0), WithinAbs(0.9 * 3 - 1, 1e-12));
  // Terminated: next action ignored (even an invalid one).
  REQUIRE_THAT(agent.update(tabrl::Transition{2, 1, 2.0, 0, true}, -7), WithinAbs(-2.0, 1e-12));
  REQUIRE(agent.q(2, 1) == 3.0);
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, 0.0, 1, false}, 2),
                      "tabrl::SarsaAgent::update: action must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, 0.0, 1, false}, -1),
                      "tabrl::SarsaAgent::update: action must be in [0, 2), got -1");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, 0.0, 3, false}, 0),
                      "tabrl::SarsaAgent::update: state must be in [0, 3), got 3");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 2, 0.0, 1, false}, 0),
                      "tabrl::SarsaAgent::update: action must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{-1, 0, 0.0, 1, false}, 0),
                      "tabrl::SarsaAgent::update: state must be in [0, 3), got -1");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, std::nan(""), 1, false}, 0),
                      "tabrl::SarsaAgent::update: reward must be finite, got nan");
  REQUIRE(agent.q(1, 0) == 3.0);  // rejected updates changed nothing
  REQUIRE(agent.q(2, 1) == 3.0);
}

TEST_CASE("SarsaAgent: a 4-action table bootstraps from the chosen entry", "[agents]") {
  tabrl::SarsaAgent<> agent(2, 4, {.gamma = 0.5, .alpha = 0.5});
  agent.q_values().row(1) << 8, -4, 2, 6;
  for (int next = 0; next < 4; ++next) {
    agent.q_values()(0, 0) = 0.0;
    const double q_next = agent.q(1, next);
    CAPTURE(next);
    REQUIRE(agent.update(tabrl::Transition{0, 0, 1.0, 1, false}, next) == 1.0 + 0.5 * q_next);
    REQUIRE(agent.q(0, 0) == 0.5 * (1.0 + 0.5 * q_next));
  }
}
