// TreeBackupAgent: the update by hand with an exploratory target policy (expected next
// values, traces decayed by pi(a | s) whether or not a is greedy), greedy target with ties,
// lambda = 0 as one-step Q-learning, learning CliffWalking's optimal path, saving.

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/tree_backup.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::test::feed;

static_assert(tabrl::EpisodicAgent<tabrl::TreeBackupAgent<>>);
static_assert(tabrl::Saveable<tabrl::TreeBackupAgent<>>);

namespace {
using Q = std::vector<double>;
Q table(const tabrl::QTable<double>& q) { return {q(0, 0), q(0, 1), q(1, 0), q(1, 1)}; }
}  // namespace

TEST_CASE("TreeBackupAgent: the update by hand", "[agents][traces]") {
  REQUIRE(tabrl::TreeBackupAgent<>::kind() == "TreeBackupAgent");
  // Target epsilon 0.5 over 2 actions: pi(greedy) = 0.75 (0.5 each when both tie), pi(other)
  // = 0.25; E_pi Q(s') = 0.5 max + 0.5 mean. gamma 0.5, lambda 1, alpha 0.5; Q(0,0) = 1.
  tabrl::TreeBackupAgent<> agent(2, 2, {.gamma = 0.5, .alpha = 0.5, .epsilon = 0.1},
                                 {.lambda = 1.0, .threshold = 0.0}, 0.5);
  agent.q_values()(0, 0) = 1.0;
  REQUIRE(agent.target_epsilon() == 0.5);
  // t1 (0,0,0,->1): delta = 0 + 0.5 * 0 - 1 = -1; Q(0,0) = 0.5.
  REQUIRE(feed(agent, {{{0, 0, 0.0, 1, false}}}) == Q{-1.0});
  // t2 (1,1,1,->0): Q(1) ties: pi(1 | 1) = 0.5, z(0,0) = 0.5 * 1 * 0.5 = 0.25.
  //    E Q(0) = 0.5 * 0.5 + 0.5 * 0.25 = 0.375, delta = 1 + 0.1875 = 1.1875 (19/16).
  REQUIRE(feed(agent, {{{1, 1, 1.0, 0, false}}}) == Q{1.1875});
  REQUIRE(agent.traces().trace(0, 0) == 0.25);
  REQUIRE(table(agent.q_values()) == Q{0.6484375, 0, 0, 0.59375});
  // t3 (0,1,0,->1): a = 1 not greedy: pi = 0.25, so traces shrink by 0.125 but are not cut.
  //    delta = 0.5 * (0.5 * 0.59375 + 0.5 * 0.296875) = 57/256.
  REQUIRE(feed(agent, {{{0, 1, 0.0, 1, false}}}) == Q{57.0 / 256});
  REQUIRE(agent.traces().trace(0, 0) == 0.03125);
  REQUIRE(agent.traces().trace(1, 1) == 0.125);
  REQUIRE(agent.traces().trace(0, 1) == 1.0);
  REQUIRE(table(agent.q_values()) == Q{0.65191650390625, 0.111328125, 0, 0.607666015625});
  // t4 (1,1,0, terminated): greedy in 1 (0.6077 > 0): pi = 0.75; delta = -Q(1,1).
  REQUIRE(feed(agent, {{{1, 1, 0.0, 0, true}}}) == Q{-2489.0 / 4096});
  REQUIRE(table(agent.q_values()) == Q{0.6483559608459473, -0.0026092529296875, 0, 0.28959083557128906});
  REQUIRE(agent.traces().empty());
}

TEST_CASE("TreeBackupAgent: a greedy target decays tied greedy actions by 1/ties", "[agents][traces]") {
  tabrl::TreeBackupAgent<> agent(1, 4, {.gamma = 1.0, .alpha = 0.5}, {.lambda = 1.0, .threshold = 0.0});
  // All four actions tie at 0: pi(a) = 1/4 for each.
  (void)agent.update(tabrl::Transition{0, 2, 0.0, 0, false});
  (void)agent.update(tabrl::Transition{0, 2, 0.0, 0, false});
  REQUIRE(agent.traces().trace(0, 2) == 1.25);  // 1 * 1/4 + 1
  REQUIRE_THROWS_WITH((tabrl::TreeBackupAgent<>(2, 2, {}, {}, 1.5)),
                      "tabrl::TreeBackupAgent: target_epsilon must be in [0, 1], got 1.5");
}

TEST_CASE("TreeBackupAgent: lambda 0 is QLearningAgent with a greedy target", "[agents][traces]") {
  tabrl::TreeBackupAgent<> traced(48, 4, {.alpha = 0.5}, {.lambda = 0.0});
  tabrl::QLearningAgent<> plain(48, 4, {.alpha = 0.5});
  tabrl::CliffWalking e1, e2;
  REQUIRE(tabrl::train_online(traced, e1, {.episodes = 40, .seed = 6}) ==
          tabrl::train_online(plain, e2, {.episodes = 40, .seed = 6}));
  REQUIRE(traced.q_values() == plain.q_values());
}

TEST_CASE("TreeBackupAgent: learns CliffWalking's optimal path", "[agents][traces]") {
  // Off-policy with a greedy target: the optimal path (13 steps) whatever the behaviour
  // explores. A small step size: with alpha 0.5 the cliff's -100s, carried back along the
  // traces while every action still ties, leave the edge row pessimistic for thousands of
  // episodes (docs/planning_and_traces.md).
  for (const std::uint64_t seed : {1, 2, 3}) {
    tabrl::TreeBackupAgent<> agent(48, 4, {.alpha = 0.1}, {.lambda = 0.5, .kind = tabrl::TraceKind::replacing});
    CAPTURE(seed);
    REQUIRE(tabrl::test::cliff_rollout_after(agent, 1000, seed).total_return == -13.0);
  }
}

TEST_CASE("TreeBackupAgent: saves target_epsilon, loading checks it", "[agents][traces]") {
  tabrl::TreeBackupAgent<> a(2, 2, {.alpha = 0.5}, {.lambda = 0.7}, 0.25);
  (void)a.update(tabrl::Transition{0, 1, 1.0, 1, false});
  tabrl::TreeBackupAgent<> b(2, 2, {}, {}, 0.0);
  tabrl::test::require_round_trip(a, b);
  REQUIRE(b.target_epsilon() == 0.25);
  REQUIRE(b.traces() == a.traces());
  auto bytes = tabrl::test::saved(a);
  const double bad = 1.5;
  std::memcpy(bytes.data() + 42, &bad, sizeof bad);  // after TD settings (25) and traces (17)
  tabrl::test::require_rejected(b, bytes, tabrl::FormatProblem::value, "target epsilon must be in [0, 1], got 1.5");
  tabrl::test::require_truncations_rejected(b, tabrl::test::saved(a));
}
