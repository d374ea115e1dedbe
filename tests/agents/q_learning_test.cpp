// TDAgent policies and QLearningAgent updates, with values computed by hand.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/replay/replay_memory.hpp>

#include "stats.hpp"

using Catch::Matchers::WithinAbs;

TEST_CASE("TDAgent: hyperparameters outside their range throw, naming them", "[agents]") {
  using A = tabrl::QLearningAgent<>;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(A(48, 4, {.gamma = -0.1}), "tabrl::QLearningAgent: gamma must be in [0, 1], got -0.10000000000000001");
  REQUIRE_THROWS_WITH(A(48, 4, {.gamma = 1.5}), Catch::Contains("gamma must be in [0, 1], got 1.5"));
  REQUIRE_THROWS_WITH(A(48, 4, {.gamma = nan}), Catch::Contains("gamma must be in [0, 1], got nan"));
  REQUIRE_THROWS_WITH(A(48, 4, {.alpha = 0.0}), "tabrl::QLearningAgent: alpha must be in (0, 1], got 0");
  REQUIRE_THROWS_WITH(A(48, 4, {.alpha = 1.5}), "tabrl::QLearningAgent: alpha must be in (0, 1], got 1.5");
  REQUIRE_THROWS_WITH(A(48, 4, {.alpha = nan}), Catch::Contains("alpha must be in (0, 1]"));
  REQUIRE_THROWS_WITH(A(48, 4, {.epsilon = -0.5}), Catch::Contains("epsilon must be in [0, 1], got -0.5"));
  REQUIRE_THROWS_WITH(A(48, 4, {.epsilon = 2.0}), Catch::Contains("epsilon must be in [0, 1], got 2"));
  REQUIRE_THROWS_WITH(A(0, 4), "tabrl::QLearningAgent: num_states must be >= 1, got 0");
  REQUIRE_THROWS_WITH(A(48, 0), "tabrl::QLearningAgent: num_actions must be >= 1, got 0");
  // Boundaries are accepted.
  REQUIRE_NOTHROW(A(1, 1, {.gamma = 0.0, .alpha = 1.0, .epsilon = 0.0}));
  REQUIRE_NOTHROW(A(1, 1, {.gamma = 1.0, .alpha = 1e-9, .epsilon = 1.0}));
  A agent(2, 2);
  REQUIRE_THROWS_AS(agent.set_alpha(0.0), tabrl::InvalidArgument);
  REQUIRE(agent.alpha() == 0.5);  // a rejected value leaves the old one
  agent.set_epsilon(0.25);
  REQUIRE(agent.epsilon() == 0.25);
  REQUIRE(agent.q_values().rows() == 2);
  REQUIRE((agent.q_values().array() == 0.0).all());
}

TEST_CASE("TDAgent: out-of-range states and actions throw", "[agents]") {
  tabrl::QLearningAgent<> agent(3, 2);
  tabrl::Rng rng(0);
  REQUIRE_THROWS_WITH(agent.greedy_action(3, rng),
                      "tabrl::QLearningAgent::greedy_action: state must be in [0, 3), got 3");
  REQUIRE_THROWS_AS(agent.epsilon_greedy_action(-1, rng), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(agent.q(0, 2), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 5, 0.0, 1, false}),
                      Catch::Contains("action must be in [0, 2), got 5"));
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, 0.0, 9, false}),
                      Catch::Contains("state must be in [0, 3), got 9"));
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, std::nan(""), 1, false}),
                      Catch::Contains("reward must be finite"));
  REQUIRE((agent.q_values().array() == 0.0).all());  // rejected updates change nothing
}

TEST_CASE("TDAgent: greedy_action breaks ties uniformly and is exact without ties",
          "[agents][statistics]") {
  tabrl::QLearningAgent<> agent(2, 4);
  agent.q_values().row(0) << 1.0, 3.0, 3.0, 3.0;  // tie among 1, 2, 3
  agent.q_values().row(1) << 0.0, -1.0, 2.0, 1.0;
  tabrl::Rng rng(5);
  std::vector<double> counts(3, 0.0);
  constexpr int n = 30000;
  for (int i = 0; i < n; ++i) {
    const int a = agent.greedy_action(0, rng);
    REQUIRE(a >= 1);
    counts[static_cast<std::size_t>(a - 1)] += 1;
    REQUIRE(agent.greedy_action(1, rng) == 2);
  }
  REQUIRE(tabrl::test::chi_square_uniform(counts) < 13.82);  // 2 dof, 0.999 quantile

  // Without a tie no randomness is consumed.
  tabrl::Rng a(1), b(1);
  (void)agent.greedy_action(1, a);
  REQUIRE(a == b);
}

TEST_CASE("TDAgent: epsilon-greedy explores with probability epsilon", "[agents][statistics]") {
  tabrl::QLearningAgent<> agent(1, 4, {.epsilon = 0.3});
  agent.q_values().row(0) << 0.0, 0.0, 5.0, 0.0;
  tabrl::Rng rng(8);
  std::vector<double> counts(4, 0.0);
  constexpr int n = 40000;
  for (int i = 0; i < n; ++i) counts[static_cast<std::size_t>(agent.act(0, rng))] += 1;
  // P(2) = 0.7 + 0.3/4 = 0.775; each other action 0.075. 3 dof, 0.999 quantile 16.27.
  REQUIRE(tabrl::test::chi_square(counts, {0.075, 0.075, 0.775, 0.075}) < 16.27);
  tabrl::QLearningAgent<> greedy(1, 4, {.epsilon = 0.0});
  greedy.q_values().row(0) << 0.0, 0.0, 5.0, 0.0;
  for (int i = 0; i < 100; ++i) REQUIRE(greedy.act(0, rng) == 2);
}

TEST_CASE("QLearningAgent: online update by hand", "[agents]") {
  tabrl::QLearningAgent<> agent(3, 2, {.gamma = 0.9, .alpha = 0.5});
  agent.q_values() << 1.0, 2.0, 3.0, -1.0, 0.0, 4.0;
  // target = 1 + 0.9 * max(3, -1) = 3.7; delta = 3.7 - 2 = 1.7; Q(0,1) = 2 + 0.85 = 2.85
  REQUIRE_THAT(agent.update(tabrl::Transition{0, 1, 1.0, 1, false}), WithinAbs(1.7, 1e-12));
  REQUIRE_THAT(agent.q(0, 1), WithinAbs(2.85, 1e-12));
  // terminated: target = -2; delta = -2 - 0 = -2; Q(2,0) = -1
  REQUIRE_THAT(agent.update(tabrl::Transition{2, 0, -2.0, 1, true}), WithinAbs(-2.0, 1e-12));
  REQUIRE_THAT(agent.q(2, 0), WithinAbs(-1.0, 1e-12));
  REQUIRE(agent.q(1, 0) == 3.0);
}

namespace {
// Q before the update (3 states x 2 actions, gamma 0.5, alpha 0.5):
//   Q = [[1, 2], [3, 0], [0, 4]]
// Rows, in order:
//   r0: (s=1, a=1, r=10, s'=0, terminated)      delta = 10 - 0            = 10
//   r1: (s=0, a=0, r=1,  s'=1)                   delta = 1 + .5*3 - 1      = 1.5
//   r2: (s=0, a=0, r=-2, s'=2)                   delta = -2 + .5*4 - 1     = -1
//   r3: (s=0, a=0, r=0,  s'=0, terminated)       delta = 0 - 1             = -1
tabrl::Minibatch hand_batch() {
  tabrl::Minibatch b;
  b.resize(4);
  b.states << 1, 0, 0, 0;
  b.actions << 1, 0, 0, 0;
  b.rewards << 10, 1, -2, 0;
  b.next_states << 0, 1, 2, 0;
  b.terminated << 1, 0, 0, 1;
  return b;
}
tabrl::QLearningAgent<> hand_agent(tabrl::DuplicateRule rule) {
  tabrl::QLearningAgent<> agent(3, 2, {.gamma = 0.5, .alpha = 0.5, .duplicates = rule});
  agent.q_values() << 1, 2, 3, 0, 0, 4;
  return agent;
}
void require_untouched(const tabrl::QLearningAgent<>& a) {
  REQUIRE(a.q(0, 1) == 2.0);
  REQUIRE(a.q(1, 0) == 3.0);
  REQUIRE(a.q(2, 0) == 0.0);
  REQUIRE(a.q(2, 1) == 4.0);
}
}  // namespace

TEST_CASE("QLearningAgent minibatch: DuplicateRule::last (numpy semantics)", "[agents]") {
  auto agent = hand_agent(tabrl::DuplicateRule::last);
  agent.update(hand_batch());
  // Q(1,1) = 0 + .5*10 = 5; Q(0,0): last duplicate r3 wins: 1 + .5*(-1) = 0.5
  REQUIRE(agent.q(1, 1) == 5.0);
  REQUIRE(agent.q(0, 0) == 0.5);
  require_untouched(agent);
  const Eigen::Vector4d expected(10, 1.5, -1, -1);
  REQUIRE(agent.last_td_errors().isApprox(expected));
}

TEST_CASE("QLearningAgent minibatch: DuplicateRule::mean", "[agents]") {
  auto agent = hand_agent(tabrl::DuplicateRule::mean);
  agent.update(hand_batch());
  // mean delta of (0,0) = (1.5 - 1 - 1) / 3 = -1/6; Q(0,0) = 1 + .5*(-1/6) = 11/12
  REQUIRE(agent.q(1, 1) == 5.0);
  REQUIRE_THAT(agent.q(0, 0), WithinAbs(11.0 / 12.0, 1e-15));
  require_untouched(agent);
  // last_td_errors keeps each row's own error, not the mean.
  REQUIRE(agent.last_td_errors().isApprox(Eigen::Vector4d(10, 1.5, -1, -1)));
}

TEST_CASE("QLearningAgent minibatch: DuplicateRule::sequential", "[agents]") {
  auto agent = hand_agent(tabrl::DuplicateRule::sequential);
  agent.update(hand_batch());
  // r0: Q(1,1) = 0 + .5*10 = 5                  (now max Q(1,.) = 5)
  // r1: target 1 + .5*5 = 3.5, delta 2.5        Q(0,0) = 1 + 1.25 = 2.25
  // r2: target -2 + .5*4 = 0, delta -2.25       Q(0,0) = 2.25 - 1.125 = 1.125
  // r3: target 0, delta -1.125                  Q(0,0) = 0.5625
  REQUIRE(agent.q(1, 1) == 5.0);
  REQUIRE(agent.q(0, 0) == 0.5625);
  require_untouched(agent);
  REQUIRE(agent.last_td_errors().isApprox(Eigen::Vector4d(10, 2.5, -2.25, -1.125)));
}

TEST_CASE("QLearningAgent minibatch: without duplicates all rules equal online updates",
          "[agents]") {
  constexpr int states = 1000;
  tabrl::ReplayMemory<> memory(400);
  tabrl::Rng rng(17);
  for (int i = 0; i < 400; ++i) {
    memory.push(static_cast<int>(tabrl::uniform_index(rng, states)),
                static_cast<int>(tabrl::uniform_index(rng, 4)), tabrl::uniform_real(rng) * 2 - 1,
                static_cast<int>(tabrl::uniform_index(rng, states)),
                tabrl::uniform_index(rng, 10) == 0);
  }
  tabrl::Minibatch batch;
  int compared = 0;
  for (int rep = 0; rep < 40; ++rep) {
    memory.sample(16, rng, batch);
    // Keep only batches whose (s, a) pairs and next states do not overlap the updated pairs.
    bool clash = false;
    for (Eigen::Index i = 0; i < 16 && !clash; ++i) {
      for (Eigen::Index j = 0; j < 16; ++j) {
        if (i != j && batch.states[i] == batch.states[j]) clash = true;
        if (batch.next_states[j] == batch.states[i]) clash = true;
      }
    }
    if (clash) continue;
    ++compared;
    tabrl::QLearningAgent<> base(states, 4, {.gamma = 0.9, .alpha = 0.3});
    base.q_values().setRandom();
    for (auto rule : {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean,
                      tabrl::DuplicateRule::sequential}) {
      auto vectorized = base;
      vectorized.set_duplicates(rule);
      vectorized.update(batch);
      auto online = base;
      for (Eigen::Index i = 0; i < 16; ++i) online.update(batch.row(i));
      REQUIRE((vectorized.q_values() - online.q_values()).cwiseAbs().maxCoeff() < 1e-12);
    }
  }
  REQUIRE(compared >= 10);  // the comparison really ran on many batches
}

TEST_CASE("QLearningAgent minibatch: bad indices throw and leave the table", "[agents]") {
  tabrl::QLearningAgent<> agent(3, 2);
  auto batch = hand_batch();
  batch.next_states[2] = 3;
  REQUIRE_THROWS_WITH(agent.update(batch), Catch::Contains("state must be in [0, 3), got 3"));
  batch = hand_batch();
  batch.actions[1] = -1;
  REQUIRE_THROWS_WITH(agent.update(batch), Catch::Contains("action must be in [0, 2), got -1"));
  REQUIRE((agent.q_values().array() == 0.0).all());
}

TEST_CASE("QLearningAgent<float> learns with float tables", "[agents]") {
  tabrl::QLearningAgent<float> agent(3, 2, {.gamma = 0.5, .alpha = 0.5});
  agent.q_values() << 1, 2, 3, 0, 0, 4;
  agent.update(hand_batch());
  REQUIRE(agent.q(0, 0) == 0.5F);
  REQUIRE(agent.q(1, 1) == 5.0F);
  STATIC_REQUIRE(std::is_same_v<decltype(agent.q(0, 0)), float>);
}

TEST_CASE("TDAgent: greedy_policy takes the first maximum", "[agents]") {
  tabrl::QLearningAgent<> agent(3, 2);
  agent.q_values() << 1, 2, 3, 3, 0, -1;
  const Eigen::Vector3i expected(1, 0, 0);
  REQUIRE(agent.greedy_policy() == expected);
}

// A minibatch's columns are scanned for range before a 4-action update takes the gather
// without per-row checks; a bad row must still throw, naming the first bad index, and leave
// the table as it was: every column, too large and negative, for both index widths.
TEMPLATE_TEST_CASE("QLearningAgent minibatch, 4 actions: every bad index throws exactly",
                   "[agents]", std::int32_t, std::int64_t) {
  using Batch = tabrl::BasicMinibatch<double, TestType>;
  tabrl::QLearningAgent<> agent(5, 4, {.gamma = 0.5, .alpha = 0.5});
  Eigen::Map<Eigen::VectorXd>(agent.q_values().data(), 20).setLinSpaced(-1.0, 1.0);
  const auto before = agent.q_values();
  auto good = [] {
    Batch b;
    b.resize(6);
    b.states << 0, 1, 2, 3, 4, 0;
    b.actions << 0, 1, 2, 3, 0, 1;
    b.rewards << 1, -1, 0.5, 0, 2, -3;
    b.next_states << 4, 3, 2, 1, 0, 4;
    b.terminated << 0, 0, 1, 0, 0, 1;
    return b;
  };
  const std::string where = "tabrl::QLearningAgent::update: ";
  struct Case {
    int column;  // 0 state, 1 action, 2 next state
    Eigen::Index row;
    TestType value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {0, 3, 5, "state must be in [0, 5), got 5"},
      {0, 0, -1, "state must be in [0, 5), got -1"},
      {1, 5, 4, "action must be in [0, 4), got 4"},
      {1, 2, -1, "action must be in [0, 4), got -1"},
      {2, 1, 5, "state must be in [0, 5), got 5"},
      {2, 4, -7, "state must be in [0, 5), got -7"},
      {0, 2, std::numeric_limits<TestType>::max(),
       "state must be in [0, 5), got " + std::to_string(std::numeric_limits<TestType>::max())},
      {2, 5, std::numeric_limits<TestType>::min(),
       "state must be in [0, 5), got " + std::to_string(std::numeric_limits<TestType>::min())},
  };
  for (const Case& c : cases) {
    CAPTURE(c.column, c.row, c.value);
    Batch b = good();
    (c.column == 0 ? b.states : c.column == 1 ? b.actions : b.next_states)[c.row] = c.value;
    REQUIRE_THROWS_WITH(agent.update(b), where + c.message);
    REQUIRE(agent.q_values() == before);
  }
  // The same rows, all in range, update every (s, a) from the pre-update table (no pair
  // repeats, so each row's write stands).
  const Batch b = good();
  auto expected = before;
  for (Eigen::Index i = 0; i < b.size(); ++i) {
    const double value = b.terminated[i] != 0 ? 0.0 : before.row(b.next_states[i]).maxCoeff();
    const double q_sa = before(b.states[i], b.actions[i]);
    expected(b.states[i], b.actions[i]) = q_sa + 0.5 * ((b.rewards[i] + 0.5 * value) - q_sa);
  }
  agent.update(b);
  REQUIRE(agent.q_values() == expected);
}
