// RetraceAgent: the truncated importance ratio by hand (a target less exploratory than the
// behaviour, and a greedy behaviour that never takes the target's exploratory actions),
// equal to Watkins's Q(lambda) with a greedy target, learning CliffWalking's optimal path.

#include <catch2/catch.hpp>

#include <vector>

#include <tabrl/agents/q_lambda.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/retrace.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::test::feed;

static_assert(tabrl::EpisodicAgent<tabrl::RetraceAgent<>>);
static_assert(tabrl::Saveable<tabrl::RetraceAgent<>>);

namespace {
using Q = std::vector<double>;
Q table(const tabrl::QTable<double>& q) { return {q(0, 0), q(0, 1), q(1, 0), q(1, 1)}; }
const std::initializer_list<tabrl::test::Step> steps{{{0, 0, 0.0, 1, false}},
                                                     {{1, 1, 1.0, 0, false}},
                                                     {{0, 1, 0.0, 1, false}},
                                                     {{1, 1, 0.0, 0, true}}};
}  // namespace

TEST_CASE("RetraceAgent: c = min(1, pi / mu) by hand", "[agents][traces]") {
  REQUIRE(tabrl::RetraceAgent<>::kind() == "RetraceAgent");
  // Behaviour epsilon 0.5, target epsilon 0.25, 2 actions: a greedy action has pi 0.875 >=
  // mu 0.75 (c = 1; both tie: pi = mu = 0.5, c = 1); an exploratory one pi 0.125, mu 0.25:
  // c = 0.5. gamma 0.5, lambda 1, alpha 0.5, Q(0,0) = 1; the same four steps as Q(lambda)'s.
  tabrl::RetraceAgent<> agent(2, 2, {.gamma = 0.5, .alpha = 0.5, .epsilon = 0.5}, {.lambda = 1.0, .threshold = 0.0},
                              0.25);
  agent.q_values()(0, 0) = 1.0;
  const auto deltas = feed(agent, steps);
  REQUIRE(deltas == Q{-1.0, 39.0 / 32, 273.0 / 1024, -5265.0 / 8192});
  REQUIRE(table(agent.q_values()) == Q{0.8012657165527344, -0.027374267578125, 0, 0.28118133544921875});

  // Greedy behaviour (epsilon 0) and target epsilon 0.5: a greedy action has pi 0.75, mu 1:
  // c = 0.75; the exploratory action of step 3 has mu = 0 < pi: c = 1 (the ratio is capped).
  tabrl::RetraceAgent<> greedy(2, 2, {.gamma = 0.5, .alpha = 0.5, .epsilon = 0.0},
                               {.lambda = 1.0, .threshold = 0.0}, 0.5);
  greedy.q_values()(0, 0) = 1.0;
  (void)feed(greedy, {{{0, 0, 0.0, 1, false}}, {{1, 1, 1.0, 0, false}}, {{0, 1, 0.0, 1, false}}});
  REQUIRE(greedy.traces().trace(0, 0) == 0.25);  // 1 * 0.5 (ties: c = 1) * 0.5 (c = 1)
  REQUIRE(greedy.traces().trace(1, 1) == 0.5);
  REQUIRE(greedy.traces().trace(0, 1) == 1.0);
  REQUIRE(feed(greedy, {{{1, 1, 0.0, 0, true}}}) == Q{-665.0 / 1024});
  REQUIRE(table(greedy.q_values()) == Q{0.7942657470703125, -0.01043701171875, 0, 0.263824462890625});
}

TEST_CASE("RetraceAgent: with a greedy target it is Watkins's Q(lambda), bit for bit", "[agents][traces]") {
  tabrl::RetraceAgent<> retrace(48, 4, {.alpha = 0.5}, {.lambda = 0.9});
  tabrl::QLambdaAgent<> watkins(48, 4, {.alpha = 0.5}, {.lambda = 0.9});
  tabrl::CliffWalking e1, e2;
  REQUIRE(tabrl::train_online(retrace, e1, {.episodes = 60, .seed = 2}, tabrl::EpisodeEnds(retrace)) ==
          tabrl::train_online(watkins, e2, {.episodes = 60, .seed = 2}, tabrl::EpisodeEnds(watkins)));
  REQUIRE(retrace.q_values() == watkins.q_values());
}

TEST_CASE("RetraceAgent: with target epsilon = behaviour epsilon nothing is cut", "[agents][traces]") {
  tabrl::RetraceAgent<> agent(3, 2, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.2}, {.lambda = 1.0, .threshold = 0.0}, 0.2);
  agent.q_values()(0, 0) = 1.0;
  (void)agent.update(tabrl::Transition{1, 0, 0.0, 0, false});
  (void)agent.update(tabrl::Transition{0, 1, 0.0, 2, false});  // exploratory, pi = mu: c = 1
  (void)agent.update(tabrl::Transition{2, 1, 0.0, 0, false});
  REQUIRE(agent.traces().size() == 3);
  REQUIRE(agent.traces().trace(1, 0) == 1.0);  // marked before the exploratory action, kept
  REQUIRE(agent.traces().trace(0, 1) == 1.0);
}

TEST_CASE("RetraceAgent: learns its target policy's optimum on CliffWalking", "[agents][traces]") {
  // With target epsilon 0.05 Retrace learns the best 0.05-greedy policy, whose greedy path
  // keeps one row away from the cliff: the greedy return of that policy's exact Q.
  tabrl::QLearningAgent<> best(48, 4);
  best.q_values() = tabrl::test::cliff_soft_optimum(0.05);
  tabrl::CliffWalking env;
  tabrl::Rng rng(0);
  const double optimum = tabrl::greedy_rollout(best, env, rng, 100).total_return;
  REQUIRE(optimum == -15.0);
  for (const std::uint64_t seed : {1, 2, 3}) {
    tabrl::RetraceAgent<> agent(48, 4, {.alpha = 0.05}, {.lambda = 0.5, .kind = tabrl::TraceKind::replacing}, 0.05);
    CAPTURE(seed);
    REQUIRE(tabrl::test::cliff_rollout_after(agent, 1000, seed).total_return == optimum);
  }
}

TEST_CASE("RetraceAgent: save and load", "[agents][traces]") {
  tabrl::RetraceAgent<> a(2, 2, {.alpha = 0.5}, {.lambda = 0.7}, 0.25);
  (void)a.update(tabrl::Transition{0, 1, 1.0, 1, false});
  tabrl::RetraceAgent<> b(2, 2);
  tabrl::test::require_round_trip(a, b);
  REQUIRE(b.target_epsilon() == 0.25);
  tabrl::test::require_truncations_rejected(b, tabrl::test::saved(a));
}
