// QLearningAgent: the online rule and the minibatch rule (every duplicate rule) by hand,
// range checks before any write, float tables.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/replay/replay_memory.hpp>

using Catch::Matchers::WithinAbs;

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

TEST_CASE("QLearningAgent: online update by hand on a 4-action table", "[agents]") {
  // 4 actions take the engine's fixed-width row: the max must still cover all four.
  tabrl::QLearningAgent<> agent(2, 4, {.gamma = 0.5, .alpha = 0.25});
  agent.q_values() << 0, 0, 0, 0, 1, -2, 3, 6;
  // target = -1 + 0.5 * 6 = 2; delta = 2; Q(0,2) = 0.5
  REQUIRE(agent.update(tabrl::Transition{0, 2, -1.0, 1, false}) == 2.0);
  REQUIRE(agent.q(0, 2) == 0.5);
  agent.q_values()(1, 3) = -5.0;  // now the max of s1 is its third entry
  // target = 1 + 0.5 * 3 = 2.5; delta = 2.5 - 0 = 2.5; Q(0,0) = 0.625
  REQUIRE(agent.update(tabrl::Transition{0, 0, 1.0, 1, false}) == 2.5);
  REQUIRE(agent.q(0, 0) == 0.625);
  // gamma 0.5 on a self-loop: target 0 + 0.5 * max(0.625, 0, 0.5, 0) = 0.3125 from Q(0,1) = 0
  REQUIRE(agent.update(tabrl::Transition{0, 1, 0.0, 0, false}) == 0.3125);
  REQUIRE(agent.q(0, 1) == 0.078125);
  REQUIRE(agent.q(1, 0) == 1.0);  // other entries untouched
}

namespace {
// Q before the update (3 states x 2 actions, gamma 0.5, alpha 0.5):
//   Q = [[1, 2], [3, 0], [0, 4]]
// Rows, in order:
//   r0: (s=1, a=1, r=10, s'=0, terminated)      delta = 10 - 0            = 10
//   r1: (s=0, a=0, r=1,  s'=1)                   delta = 1 + .5*3 - 1      = 1.5
//   r2: (s=0, a=0, r=-2, s'=2)                   delta = -2 + .5*4 - 1     = -1
//   r3: (s=0, a=0, r=0,  s'=0, terminated)       delta = 0 - 1             = -1
template <class Batch = tabrl::Minibatch>
Batch hand_batch(int bad_row = -1, int column = -1, int value = 0) {
  int rows[4][4] = {{1, 1, 10, 0}, {0, 0, 1, 1}, {0, 0, -2, 2}, {0, 0, 0, 0}};  // s, a, r, s'
  const bool terminated[4] = {true, false, false, true};
  if (bad_row >= 0) rows[bad_row][column] = value;
  Batch b;
  for (int i = 0; i < 4; ++i) {
    b.push_back(static_cast<typename Batch::index_type>(rows[i][0]),
                static_cast<typename Batch::action_type>(rows[i][1]), rows[i][2],
                static_cast<typename Batch::index_type>(rows[i][3]), terminated[i]);
  }
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
        if (i != j && batch.state(i) == batch.state(j)) clash = true;
        if (batch.next_state(j) == batch.state(i)) clash = true;
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
  using Wide = tabrl::BasicMinibatch<double, std::int32_t, std::int32_t>;
  for (const auto rule : {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean,
                          tabrl::DuplicateRule::sequential}) {
    CAPTURE(static_cast<int>(rule));
    tabrl::QLearningAgent<> agent(3, 2, {.duplicates = rule});
    REQUIRE_THROWS_WITH(agent.update(hand_batch(2, 3, 3)),
                        "tabrl::QLearningAgent::update: state must be in [0, 3), got 3");
    REQUIRE_THROWS_WITH(agent.update(hand_batch<Wide>(1, 1, -1)),
                        "tabrl::QLearningAgent::update: action must be in [0, 2), got -1");
    REQUIRE_THROWS_WITH(agent.update(hand_batch(3, 1, 2)),
                        "tabrl::QLearningAgent::update: action must be in [0, 2), got 2");
    REQUIRE_THROWS_WITH(agent.update(hand_batch(0, 0, 5)),
                        "tabrl::QLearningAgent::update: state must be in [0, 3), got 5");
    REQUIRE((agent.q_values().array() == 0.0).all());
  }
}

TEST_CASE("QLearningAgent<float> learns with float tables", "[agents]") {
  tabrl::QLearningAgent<float> agent(3, 2, {.gamma = 0.5, .alpha = 0.5});
  agent.q_values() << 1, 2, 3, 0, 0, 4;
  agent.update(hand_batch());
  REQUIRE(agent.q(0, 0) == 0.5F);
  REQUIRE(agent.q(1, 1) == 5.0F);
  STATIC_REQUIRE(std::is_same_v<decltype(agent.q(0, 0)), float>);
}

// A minibatch's columns are scanned for range before a 4-action update takes the gather
// without per-row checks; a bad row must still throw, naming the first bad index, and leave
// the table as it was: every column, too large and negative, for both index widths.
TEMPLATE_TEST_CASE("QLearningAgent minibatch, 4 actions: every bad index throws exactly",
                   "[agents]", std::int32_t, std::int64_t) {
  using Batch = tabrl::BasicMinibatch<double, TestType, TestType>;
  tabrl::QLearningAgent<> agent(5, 4, {.gamma = 0.5, .alpha = 0.5});
  Eigen::Map<Eigen::VectorXd>(agent.q_values().data(), 20).setLinSpaced(-1.0, 1.0);
  const auto before = agent.q_values();
  // Rows (s, a, r, s', terminated); a case replaces one index.
  struct Row {
    TestType s, a;
    double r;
    TestType next;
    bool terminated;
  };
  const std::vector<Row> rows{{0, 0, 1, 4, false}, {1, 1, -1, 3, false}, {2, 2, 0.5, 2, true},
                              {3, 3, 0, 1, false}, {4, 0, 2, 0, false},  {0, 1, -3, 4, true}};
  auto make = [&rows](int column = -1, std::size_t row = 0, TestType value = 0) {
    Batch b;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Row x = rows[i];
      if (i == row && column >= 0) (column == 0 ? x.s : column == 1 ? x.a : x.next) = value;
      b.push_back(x.s, x.a, x.r, x.next, x.terminated);
    }
    return b;
  };
  const std::string where = "tabrl::QLearningAgent::update: ";
  struct Case {
    int column;  // 0 state, 1 action, 2 next state
    std::size_t row;
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
    REQUIRE_THROWS_WITH(agent.update(make(c.column, c.row, c.value)), where + c.message);
    REQUIRE(agent.q_values() == before);
  }
  // The same rows, all in range, update every (s, a) from the pre-update table (no pair
  // repeats, so each row's write stands).
  const Batch b = make();
  auto expected = before;
  for (Eigen::Index i = 0; i < b.size(); ++i) {
    const double value = b.terminated(i) ? 0.0 : before.row(b.next_state(i)).maxCoeff();
    const double q_sa = before(b.state(i), b.action(i));
    expected(b.state(i), b.action(i)) = q_sa + 0.5 * ((b.reward(i) + 0.5 * value) - q_sa);
  }
  agent.update(b);
  REQUIRE(agent.q_values() == expected);
}
