// QLambdaAgent (Watkins's Q(lambda)): traces by hand on a two-state world (decayed after a
// greedy action, ties counting as greedy, cut after an exploratory one), lambda = 0 equal to
// QLearningAgent bit for bit, learning CliffWalking's optimal path, saving.

#include <catch2/catch.hpp>

#include <vector>

#include <tabrl/agents/q_lambda.hpp>
#include <tabrl/agents/q_learning.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::Transition;
using tabrl::test::feed;

static_assert(!tabrl::OnPolicyAgent<tabrl::QLambdaAgent<>>);
static_assert(tabrl::EpisodicAgent<tabrl::QLambdaAgent<>>);
static_assert(tabrl::Saveable<tabrl::QLambdaAgent<>>);

namespace {
// Two states, two actions, Q(0,0) = 1, the rest 0; gamma 0.5, lambda 1, alpha 0.5.
template <class AgentT>
AgentT start(AgentT agent) {
  agent.q_values()(0, 0) = 1.0;
  return agent;
}
using Q = std::vector<double>;
Q table(const tabrl::QTable<double>& q) { return {q(0, 0), q(0, 1), q(1, 0), q(1, 1)}; }
}  // namespace

TEST_CASE("QLambdaAgent: traces decay after greedy actions and are cut after exploratory ones",
          "[agents][traces]") {
  REQUIRE(tabrl::QLambdaAgent<>::kind() == "QLambdaAgent");
  auto agent = start(tabrl::QLambdaAgent<>(2, 2, {.gamma = 0.5, .alpha = 0.5}, {.lambda = 1.0, .threshold = 0.0}));
  // t1 (0,0,0,->1): a = 0 greedy. delta = 0 + 0.5 max Q(1) - 1 = -1. z(0,0) = 1. Q(0,0) = 0.5.
  REQUIRE(feed(agent, {{{0, 0, 0.0, 1, false}}}) == Q{-1.0});
  REQUIRE(table(agent.q_values()) == Q{0.5, 0, 0, 0});
  // t2 (1,1,1,->0): Q(1) ties, so a = 1 is greedy: z(0,0) = 0.5, z(1,1) = 1.
  //    delta = 1 + 0.5 * 0.5 - 0 = 1.25; Q(0,0) += 0.5 * 1.25 * 0.5, Q(1,1) += 0.625.
  REQUIRE(feed(agent, {{{1, 1, 1.0, 0, false}}}) == Q{1.25});
  REQUIRE(agent.traces().trace(0, 0) == 0.5);
  REQUIRE(table(agent.q_values()) == Q{0.8125, 0, 0, 0.625});
  // t3 (0,1,0,->1): a = 1 is not greedy in 0 (0 < 0.8125): every earlier trace is cut.
  //    delta = 0 + 0.5 * 0.625 - 0 = 0.3125, only Q(0,1) learns.
  REQUIRE(feed(agent, {{{0, 1, 0.0, 1, false}}}) == Q{0.3125});
  REQUIRE(agent.traces().size() == 1);
  REQUIRE(agent.traces().trace(0, 1) == 1.0);
  REQUIRE(table(agent.q_values()) == Q{0.8125, 0.15625, 0, 0.625});
  // t4 (1,1,0, terminated): greedy again, delta = -0.625; z(0,1) = 0.5, z(1,1) = 1.
  REQUIRE(feed(agent, {{{1, 1, 0.0, 0, true}}}) == Q{-0.625});
  REQUIRE(table(agent.q_values()) == Q{0.8125, 0.0, 0, 0.3125});
  REQUIRE(agent.traces().empty());
}

TEST_CASE("QLambdaAgent: replacing traces and the threshold", "[agents][traces]") {
  // A greedy self-loop: with replacing traces the trace stays 1, accumulating grows.
  tabrl::QLambdaAgent<> acc(1, 1, {.gamma = 0.5, .alpha = 0.5}, {.lambda = 1.0, .threshold = 0.0});
  tabrl::QLambdaAgent<> rep(1, 1, {.gamma = 0.5, .alpha = 0.5},
                            {.lambda = 1.0, .kind = tabrl::TraceKind::replacing, .threshold = 0.0});
  for (int i = 0; i < 3; ++i) {
    (void)acc.update(Transition{0, 0, 0.0, 0, false});
    (void)rep.update(Transition{0, 0, 0.0, 0, false});
  }
  REQUIRE(acc.traces().trace(0, 0) == 1.75);  // 1, 1.5, 1.75
  REQUIRE(rep.traces().trace(0, 0) == 1.0);
  REQUIRE_THROWS_WITH((tabrl::QLambdaAgent<>(2, 2, {}, {.kind = tabrl::TraceKind::dutch})),
                      "tabrl::QLambdaAgent: trace kind must be accumulating or replacing, got dutch");
}

TEST_CASE("QLambdaAgent: lambda 0 is QLearningAgent, bit for bit", "[agents][traces]") {
  tabrl::QLambdaAgent<> traced(48, 4, {.gamma = 1.0, .alpha = 0.5}, {.lambda = 0.0});
  tabrl::QLearningAgent<> plain(48, 4, {.gamma = 1.0, .alpha = 0.5});
  tabrl::CliffWalking e1, e2;
  REQUIRE(tabrl::train_online(traced, e1, {.episodes = 50, .seed = 8}) ==
          tabrl::train_online(plain, e2, {.episodes = 50, .seed = 8}));
  REQUIRE(traced.q_values() == plain.q_values());
}

TEST_CASE("QLambdaAgent: learns CliffWalking's optimal path", "[agents][traces]") {
  // Off-policy with a greedy target: the optimal path (13 steps) whatever the behaviour
  // explores. A small step size: with alpha 0.5 the cliff's -100s, carried back along the
  // traces while every action still ties, leave the edge row pessimistic for thousands of
  // episodes (docs/planning_and_traces.md).
  for (const std::uint64_t seed : {1, 2, 3}) {
    tabrl::QLambdaAgent<> agent(48, 4, {.alpha = 0.1}, {.lambda = 0.5, .kind = tabrl::TraceKind::replacing});
    CAPTURE(seed);
    REQUIRE(tabrl::test::cliff_rollout_after(agent, 3000, seed).total_return == -13.0);
  }
}

TEST_CASE("QLambdaAgent: saves in mid-episode and resumes bit for bit", "[agents][traces]") {
  const auto make = [] { return tabrl::QLambdaAgent<>(48, 4, {.alpha = 0.5}, {.lambda = 0.9}); };
  auto bytes = tabrl::test::require_resume_bit_identical(make, [] { return tabrl::CliffWalking{}; },
                                                         {.episodes = 10, .seed = 4}, 77);
  // The kind byte (after the 25 bytes of TD settings and lambda) refuses dutch.
  bytes[33] = 2;
  auto agent = make();
  tabrl::test::require_rejected(agent, bytes, tabrl::FormatProblem::value, "trace kind must be at most 1, got 2");
}
