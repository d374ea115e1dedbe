// detail::TDEngine, the update every tabular agent shares: the online rule with its step
// scale, the minibatch rule read from a memory's view or from a batch that owns its rows (bit
// for bit the same for every agent, duplicate rule and sampling mode), per-row discounts and
// importance weights under every duplicate rule, the domain checks on weights, discounts and
// indices before any write, and overflowing TD errors.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <tabrl/agents/detail/td_engine.hpp>
#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/replay_memory.hpp>

#include "run_util.hpp"

using Catch::Matchers::Contains;

namespace {
using tabrl::test::same_bits;

constexpr tabrl::DuplicateRule rules[] = {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean,
                                          tabrl::DuplicateRule::sequential};
constexpr tabrl::Sampling modes[] = {tabrl::Sampling::without_replacement,
                                     tabrl::Sampling::with_replacement};

// A next-state valuation for the engine alone: a fixed value per next state.
struct Fixed {
  const double* values;
  template <int N>
  [[nodiscard]] double operator()(const double* /*row*/, std::uint64_t offset) const {
    return values[offset / 2];  // 2-action tables: offset = s' * 2
  }
};

tabrl::Minibatch rows(std::initializer_list<tabrl::Transition> ts) {
  tabrl::Minibatch b;
  for (const auto& t : ts) b.push_back(t);
  return b;
}

// A memory of `n` random CliffWalking-shaped transitions (rewards -1 or -100, some
// terminated), so batches hold duplicates of (s, a) and terminated rows.
template <class Memory>
void fill(Memory& memory, int n, std::uint64_t seed) {
  tabrl::Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const auto s = static_cast<int>(tabrl::uniform_index(rng, 6));  // few states: duplicates
    const auto a = static_cast<int>(tabrl::uniform_index(rng, 4));
    const auto next = static_cast<int>(tabrl::uniform_index(rng, 48));
    memory.push(s, a, tabrl::uniform_index(rng, 10) == 0 ? -100.0 : -1.0, next,
                tabrl::uniform_index(rng, 8) == 0);
  }
}


template <class AgentT>
AgentT make_agent(tabrl::DuplicateRule rule) {
  const tabrl::TDOptions config{.gamma = 0.9, .alpha = 0.3, .epsilon = 0.2, .duplicates = rule};
  AgentT agent(48, 4, config);
  tabrl::Rng rng(5);
  tabrl::QTable<double> start(48, 4);
  for (Eigen::Index i = 0; i < start.size(); ++i) start.data()[i] = tabrl::uniform_real(rng) - 3;
  if constexpr (requires { agent.set_tables(start, start); }) {
    agent.set_tables(start, 0.5 * start);
  } else {
    agent.q_values() = start;
  }
  return agent;
}

// Runs 200 updates of two copies of an agent, one through sample() (a batch that owns its
// rows), one through sample_view() (a view of the memory), and requires identical tables and
// TD errors.
template <class AgentT>
void check_same_updates(tabrl::DuplicateRule rule, tabrl::Sampling mode) {
  tabrl::ReplayMemory<> memory(300, mode);
  fill(memory, 450, 17);  // wrapped: the ring has overwritten its oldest 150
  AgentT split = make_agent<AgentT>(rule);
  AgentT viewed = make_agent<AgentT>(rule);
  tabrl::Rng rng_split(99), rng_view(99);
  tabrl::Minibatch batch, view;
  for (int u = 0; u < 200; ++u) {
    const std::size_t k = u % 2 == 0 ? 32 : 7;
    memory.sample(k, rng_split, batch);
    split.update(batch);
    memory.sample_view(k, rng_view, view);
    viewed.update(view);
    REQUIRE(view.is_view());
    REQUIRE_FALSE(batch.is_view());
    REQUIRE(view.size() == batch.size());
    REQUIRE(same_bits(split.last_td_errors(), viewed.last_td_errors()));
  }
  REQUIRE(rng_split == rng_view);
  REQUIRE(same_bits(split.q_values(), viewed.q_values()));
  if constexpr (requires { split.table_a(); }) {
    REQUIRE(same_bits(split.table_a(), viewed.table_a()));
    REQUIRE(same_bits(split.table_b(), viewed.table_b()));
  }
}

}  // namespace

TEST_CASE("TDEngine::update_one: target, step scale, no bootstrap when terminated",
          "[agents][engine]") {
  const double values[3] = {10.0, -4.0, 0.5};  // value of s' = 0, 1, 2
  tabrl::QTable<double> q = tabrl::QTable<double>::Zero(3, 2);
  q(1, 1) = 2.0;
  using Engine = tabrl::detail::TDEngine<double>;
  // r + gamma * value(s') - Q(s, a) = 1 + 0.5 * 10 - 2 = 4; Q += 0.5 * (0.25 * 4)
  REQUIRE(Engine::update_one("Test", q, 1, 1, 1.0, 0, false, 0.5, 0.5, 0.25, Fixed{values}) == 4.0);
  REQUIRE(q(1, 1) == 2.5);
  // terminated: the target is the reward alone
  REQUIRE(Engine::update_one("Test", q, 0, 0, 3.0, 1, true, 0.5, 0.5, 1.0, Fixed{values}) == 3.0);
  REQUIRE(q(0, 0) == 1.5);
  // gamma scales the bootstrap; alpha the step
  REQUIRE(Engine::update_one("Test", q, 2, 1, 0.0, 1, false, 0.25, 1.0, 1.0, Fixed{values}) == -1.0);
  REQUIRE(q(2, 1) == -1.0);
  REQUIRE(q(0, 1) == 0.0);  // nothing else written
  REQUIRE(q(2, 0) == 0.0);
}

TEST_CASE("TDEngine::update: td_errors() and written() describe the last minibatch",
          "[agents][engine]") {
  const double values[3] = {1.0, 2.0, 3.0};
  for (const auto rule : rules) {
    tabrl::detail::TDEngine<double> engine;
    tabrl::QTable<double> q = tabrl::QTable<double>::Zero(3, 2);
    const auto batch = rows({{2, 1, 1.0, 0, false}, {0, 0, 0.0, 2, false}, {2, 1, 5.0, 1, true}});
    engine.update("Test", q, batch, rule, 1.0, 0.5, Fixed{values});
    CAPTURE(static_cast<int>(rule));
    const std::vector<Eigen::Index> written(engine.written().begin(), engine.written().end());
    REQUIRE(written == std::vector<Eigen::Index>{5, 0, 5});
    REQUIRE(engine.td_errors().size() == 3);
    REQUIRE(engine.td_errors()[0] == 2.0);
    REQUIRE(engine.td_errors()[1] == 3.0);
    REQUIRE(q(0, 0) == 1.5);
  }
}

TEST_CASE("update(view) equals update(owned batch) bit for bit: every agent, rule, mode",
          "[agents][engine][view]") {
  for (const auto rule : rules) {
    for (const auto mode : modes) {
      CAPTURE(static_cast<int>(rule), static_cast<int>(mode));
      check_same_updates<tabrl::QLearningAgent<>>(rule, mode);
      check_same_updates<tabrl::ExpectedSarsaAgent<>>(rule, mode);
      check_same_updates<tabrl::DoubleQLearningAgent<>>(rule, mode);
    }
  }
}

TEST_CASE("update(view) equals update(owned batch) with n-step discounts read by memory slot",
          "[agents][engine][view][nstep]") {
  for (const auto rule : rules) {
    tabrl::NStepReplay<> memory(tabrl::ReplayMemory<>(200), 3, 0.9);
    tabrl::Rng fill_rng(8);
    for (int i = 0; i < 260; ++i) {
      memory.push(tabrl::Transition{static_cast<int>(tabrl::uniform_index(fill_rng, 6)),
                                    static_cast<int>(tabrl::uniform_index(fill_rng, 4)), -1.0,
                                    static_cast<int>(tabrl::uniform_index(fill_rng, 48)),
                                    tabrl::uniform_index(fill_rng, 9) == 0});
    }
    auto split = make_agent<tabrl::QLearningAgent<>>(rule);
    auto viewed = make_agent<tabrl::QLearningAgent<>>(rule);
    tabrl::Rng a(3), b(3);
    tabrl::Minibatch batch, view;
    for (int u = 0; u < 50; ++u) {
      memory.sample(16, a, batch);
      memory.sample_view(16, b, view);
      REQUIRE(view.discounted());
      split.update(batch);
      viewed.update(view);
      REQUIRE(same_bits(split.last_td_errors(), viewed.last_td_errors()));
    }
    REQUIRE(same_bits(split.q_values(), viewed.q_values()));
  }
}

TEST_CASE("update(view) rejects rows outside the table before writing anything",
          "[agents][engine][view]") {
  tabrl::ReplayMemory<> memory(50);
  memory.push(1, 0, -1.0, 2, false);
  memory.push(30, 1, -1.0, 3, false);  // state 30 is outside a 20-state table
  memory.push(2, 3, -1.0, 25, false);  // next_state 25 too
  tabrl::Minibatch view;
  tabrl::Rng rng(4);
  for (const auto rule : rules) {
    tabrl::QLearningAgent<> agent(20, 4, {.alpha = 0.5, .duplicates = rule});
    agent.q_values().setConstant(1.0);
    memory.sample_view(3, rng, view);
    REQUIRE_THROWS_WITH(agent.update(view), Contains("QLearningAgent::update") &&
                                                Contains("state must be in [0, 20)"));
    REQUIRE((agent.q_values().array() == 1.0).all());
    tabrl::ExpectedSarsaAgent<> expected(20, 4, {.duplicates = rule});
    REQUIRE_THROWS_WITH(expected.update(view), Contains("tabrl::ExpectedSarsaAgent::update: state must be in [0, 20)"));
    tabrl::DoubleQLearningAgent<> dq(20, 4, {.duplicates = rule});
    REQUIRE_THROWS_WITH(dq.update(view), Contains("tabrl::DoubleQLearningAgent::update: state must be in [0, 20)"));
    REQUIRE((dq.q_values().array() == 0.0).all());
  }
  // Bounds one past the table (a next state equal to the state count, an action equal to the
  // action count) must still send the rows through the checked path.
  for (const auto rule : rules) {
    tabrl::ReplayMemory<> edge(8);
    edge.push(1, 0, -1.0, 20, false);
    tabrl::QLearningAgent<> agent(20, 4, {.duplicates = rule});
    edge.sample_view(1, rng, view);
    REQUIRE(view.columns().max_state == 20);
    REQUIRE_THROWS_WITH(agent.update(view), "tabrl::QLearningAgent::update: state must be in [0, 20), got 20");
    tabrl::ReplayMemory<> action(8);
    action.push(1, 4, -1.0, 2, false);
    action.sample_view(1, rng, view);
    REQUIRE_THROWS_WITH(agent.update(view), "tabrl::QLearningAgent::update: action must be in [0, 4), got 4");
    REQUIRE((agent.q_values().array() == 0.0).all());
  }
  // Within the table, the memory's bounds let the update skip its per-row checks, with the
  // same result as the checked path.
  tabrl::ReplayMemory<> fine(8);
  fine.push(2, 3, -1.0, 19, true);
  tabrl::QLearningAgent<> agent(20, 4);
  fine.sample_view(1, rng, view);
  agent.update(view);
  REQUIRE(agent.q_values()(2, 3) == -0.5);
}

TEST_CASE("QLearningAgent and ExpectedSarsaAgent bootstrap with each row's gamma^k",
          "[agents][engine][nstep]") {
  // Q = [[0, 0], [2, 4]]; the agent's own gamma (0.9) must be ignored when discounts exist.
  // rows: (0,0,r=1,s'=1, d=0.25), (0,1,r=2,s'=1, d=0.5), (0,0,r=0,terminated, d=0.125)
  // Q-learning errors: 1 + 0.25*4 = 2, 2 + 0.5*4 = 4, 0 - 0 = 0 (pre-update table).
  //   Q(0,1) = 2 under every rule. Q(0,0): last 0; mean 0.5 * (2+0)/2 = 0.5;
  //   sequential 1 then 1 + 0.5 * (0 - 1) = 0.5.
  auto batch = rows({{0, 0, 1.0, 1, false}, {0, 1, 2.0, 1, false}, {0, 0, 0.0, 1, true}});
  batch.set_discounts(std::vector<double>{0.25, 0.5, 0.125});
  const double q00[] = {0.0, 0.5, 0.5};
  for (int r = 0; r < 3; ++r) {
    for (const int actions : {2, 4}) {  // the 4-action table takes the fixed-width gather
      tabrl::QLearningAgent<> agent(2, actions, {.gamma = 0.9, .alpha = 0.5, .duplicates = rules[r]});
      agent.q_values()(1, 0) = 2;
      agent.q_values()(1, 1) = 4;
      agent.update(batch);
      CAPTURE(r, actions);
      REQUIRE(agent.q(0, 0) == q00[r]);
      REQUIRE(agent.q(0, 1) == 2.0);
      REQUIRE(agent.last_td_errors()[0] == 2.0);
      REQUIRE(agent.last_td_errors()[1] == 4.0);
    }
  }
  // Expected SARSA, epsilon 0.5: E[s1] = 0.5 * 3 + 0.5 * 4 = 3.5. Row 1: 1 + 0.25 * 3.5 = 1.875.
  for (const auto rule : rules) {
    tabrl::ExpectedSarsaAgent<> agent(
        2, 2, {.gamma = 0.9, .alpha = 0.5, .epsilon = 0.5, .duplicates = rule});
    agent.q_values() << 0, 0, 2, 4;
    auto one = rows({{0, 0, 1.0, 1, false}});
    one.set_discounts(std::vector<double>{0.25});
    agent.update(one);
    REQUIRE(agent.last_td_errors()[0] == 1.875);
    REQUIRE(agent.q(0, 0) == 0.9375);
  }
  // A discount of 0 stops the bootstrap, as gamma 0 would; 1 bootstraps fully.
  tabrl::QLearningAgent<> edge(2, 2, {.gamma = 0.5, .alpha = 1.0});
  edge.q_values() << 0, 0, 2, 4;
  auto two = rows({{0, 0, 1.0, 1, false}, {0, 1, 1.0, 1, false}});
  two.set_discounts(std::vector<double>{0.0, 1.0});
  edge.update(two);
  REQUIRE(edge.q(0, 0) == 1.0);
  REQUIRE(edge.q(0, 1) == 5.0);
}

TEST_CASE("Importance weights scale each row's step under every duplicate rule",
          "[agents][engine][per]") {
  {  // Two rows of different pairs: each step scaled by its weight.
    tabrl::QLearningAgent<> agent(2, 1, {.gamma = 1.0, .alpha = 0.5});
    auto b = rows({{0, 0, 4.0, 0, true}, {1, 0, 4.0, 0, true}});
    b.set_weights(std::vector<double>{1.0, 0.25});
    agent.update(b);
    REQUIRE(agent.q(0, 0) == 2.0);  // 0.5 * 4
    REQUIRE(agent.q(1, 0) == 0.5);  // 0.5 * 0.25 * 4
  }
  // Rows (0,0,r=4), (0,0,r=6), (1,0,r=4), all terminated, weights 1, 0.5, 0.25; alpha 0.5.
  // Errors against the table before: 4, 6, 4; weighted steps 4, 3, 1.
  //   last: Q(0) = 0.5 * 3 = 1.5          mean: Q(0) = 0.5 * (4 + 3) / 2 = 1.75
  //   sequential: Q(0) = 0.5 * 4 = 2, then error 6 - 2 = 4, Q(0) = 2 + 0.5 * 0.5 * 4 = 3
  //   Q(1) = 0.5 * 0.25 * 4 = 0.5 under every rule. (Unweighted: 3, 2.5, 4 and 2.)
  const double q0[] = {1.5, 1.75, 3.0};
  const double second_error[] = {6.0, 6.0, 4.0};
  for (int r = 0; r < 3; ++r) {
    CAPTURE(r);
    tabrl::QLearningAgent<> agent(2, 1, {.gamma = 1.0, .alpha = 0.5, .duplicates = rules[r]});
    auto b = rows({{0, 0, 4.0, 0, true}, {0, 0, 6.0, 0, true}, {1, 0, 4.0, 1, true}});
    b.set_weights(std::vector<double>{1.0, 0.5, 0.25});
    agent.update(b);
    REQUIRE(agent.q(0, 0) == q0[r]);
    REQUIRE(agent.q(1, 0) == 0.5);
    REQUIRE(agent.last_td_errors()[0] == 4.0);  // the errors themselves are not weighted
    REQUIRE(agent.last_td_errors()[1] == second_error[r]);
    REQUIRE(agent.last_td_errors()[2] == 4.0);
    // Double Q-learning and Expected SARSA scale their steps the same way.
    tabrl::ExpectedSarsaAgent<> expected(2, 1, {.gamma = 1.0, .alpha = 0.5, .duplicates = rules[r]});
    expected.update(b);
    REQUIRE(expected.q(0, 0) == q0[r]);
    tabrl::DoubleQLearningAgent<> dq(2, 1, {.gamma = 1.0, .alpha = 0.5, .duplicates = rules[r]}, 3);
    dq.update(b);
    REQUIRE(dq.q(0, 0) == q0[r]);
    REQUIRE(dq.q(1, 0) == 0.5);
  }
}

TEST_CASE("The engine refuses weights and discounts outside their domains before writing",
          "[agents][engine]") {
  // A batch filled by a memory (or a user's memory) bypasses set_weights' checks: the update
  // checks again. Rows read from a memory through the producer calls.
  tabrl::ReplayMemory<> memory(4);
  memory.push(0, 0, 1.0, 1, false);
  memory.push(1, 1, 1.0, 0, true);
  const std::vector<std::int32_t> both{0, 1};  // views of both rows (select, as a memory would)
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto rule : rules) {
    for (const double bad : {-0.5, nan, inf}) {
      CAPTURE(static_cast<int>(rule), bad);
      tabrl::Minibatch b;
      memory.select(both, b);
      const auto w = b.weights_to_fill();
      w[0] = 1.0;
      w[1] = bad;
      tabrl::QLearningAgent<> agent(2, 2, {.duplicates = rule});
      REQUIRE_THROWS_WITH(agent.update(b),
                          Catch::StartsWith("tabrl::QLearningAgent::update: weights must be finite and >= 0, got "));
      REQUIRE((agent.q_values().array() == 0.0).all());
      tabrl::DoubleQLearningAgent<> dq(2, 2, {.duplicates = rule});
      REQUIRE_THROWS_WITH(dq.update(b), Contains("tabrl::DoubleQLearningAgent::update: weights must be finite and >= 0"));
      REQUIRE((dq.q_values().array() == 0.0).all());
      REQUIRE((dq.table_a().array() == 0.0).all());
      REQUIRE((dq.table_b().array() == 0.0).all());

      const double discounts[2] = {0.5, bad == -0.5 ? 1.5 : bad};
      tabrl::Minibatch d;
      memory.select(both, d);
      d.attach_discounts(discounts);
      tabrl::ExpectedSarsaAgent<> expected(2, 2, {.duplicates = rule});
      REQUIRE_THROWS_WITH(expected.update(d),
                          Catch::StartsWith("tabrl::ExpectedSarsaAgent::update: discounts must be in [0, 1], got "));
      REQUIRE((expected.q_values().array() == 0.0).all());
    }
  }
  // The bounds of the domains are accepted: weight 0 leaves the row's entry alone.
  tabrl::Minibatch ok;
  memory.select(both, ok);
  const auto w = ok.weights_to_fill();
  w[0] = 0.0;
  w[1] = 1.0;
  tabrl::QLearningAgent<> agent(2, 2, {.alpha = 1.0});
  agent.update(ok);
  REQUIRE(agent.q(0, 0) == 0.0);
  REQUIRE(agent.q(1, 1) == 1.0);
}

TEST_CASE("A TD error that overflows the scalar type is refused, the table left as it was",
          "[agents][engine]") {
  const double big = std::numeric_limits<double>::max();
  for (const auto rule : rules) {
    CAPTURE(static_cast<int>(rule));
    tabrl::QLearningAgent<> agent(2, 2, {.gamma = 1.0, .alpha = 0.5, .duplicates = rule});
    agent.q_values()(0, 1) = -big;
    const auto b = rows({{1, 0, 1.0, 1, true}, {0, 1, big, 1, true}});
    REQUIRE_THROWS_WITH(agent.update(b), Contains("tabrl::QLearningAgent::update") &&
                                             Contains("overflows the table's scalar type"));
    REQUIRE(agent.q(0, 1) == -big);
    // The batched rules compute every error first, so the fine first row is not written
    // either; the sequential rule has applied the rows before the one that overflows.
    if (rule != tabrl::DuplicateRule::sequential) REQUIRE(agent.q(1, 0) == 0.0);
  }
  // Errors that are each finite but whose sum overflows are no overflow: the batch applies.
  for (const auto rule : rules) {
    CAPTURE(static_cast<int>(rule));
    tabrl::QLearningAgent<> agent(2, 2, {.gamma = 1.0, .alpha = 0.5, .duplicates = rule});
    const auto b = rows({{0, 0, big * 0.75, 1, true}, {1, 1, big * 0.75, 0, true}});
    agent.update(b);
    REQUIRE(agent.q(0, 0) == big * 0.375);
    REQUIRE(agent.q(1, 1) == big * 0.375);
  }
  tabrl::QLearningAgent<> online(2, 2);
  online.q_values()(0, 1) = -big;
  REQUIRE_THROWS_WITH(online.update(tabrl::Transition{0, 1, big, 1, true}),
                      Contains("overflows the table's scalar type"));
  REQUIRE(online.q(0, 1) == -big);
}

TEST_CASE("A long batch's duplicates across the scatter's blocks write from the old values",
          "[agents][engine]") {
  // Nine terminal rows, alpha 0.5, every Q 1: (0, 0) at rows 0 and 5, (1, 1) at rows 1 and 6
  // (rows 4-7 are the scatter's second four-row block), the rest distinct. Every row's error
  // is r - 1 against the table before the update.
  const std::vector<tabrl::Transition> ts = {
      {0, 0, 3.0, 0, true}, {1, 1, 5.0, 0, true}, {2, 0, 7.0, 0, true},
      {2, 1, 9.0, 0, true}, {3, 0, 11.0, 0, true}, {0, 0, 13.0, 0, true},
      {1, 1, 15.0, 0, true}, {3, 1, 17.0, 0, true}, {4, 0, 19.0, 0, true}};
  for (const auto rule : {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean}) {
    CAPTURE(static_cast<int>(rule));
    tabrl::QLearningAgent<> agent(5, 2, {.gamma = 1.0, .alpha = 0.5, .duplicates = rule});
    agent.q_values().setConstant(1.0);
    tabrl::Minibatch b;
    for (const auto& t : ts) b.push_back(t);
    agent.update(b);
    const bool last = rule == tabrl::DuplicateRule::last;
    REQUIRE(agent.q(0, 0) == (last ? 1.0 + 0.5 * 12.0 : 1.0 + 0.5 * 7.0));   // 12; (2 + 12) / 2
    REQUIRE(agent.q(1, 1) == (last ? 1.0 + 0.5 * 14.0 : 1.0 + 0.5 * 9.0));   // 14; (4 + 14) / 2
    REQUIRE(agent.q(2, 0) == 4.0);
    REQUIRE(agent.q(2, 1) == 5.0);
    REQUIRE(agent.q(3, 0) == 6.0);
    REQUIRE(agent.q(3, 1) == 9.0);
    REQUIRE(agent.q(4, 0) == 10.0);
    REQUIRE(agent.q(1, 0) == 1.0);
  }
}

TEST_CASE("A finite TD error whose weighted step overflows is refused, the table left as it was",
          "[agents][engine][per]") {
  // Error 0.5 * max is finite; weight 4 makes the step 2 * max, which is not. Found on main:
  // the check looked at the TD errors only, and the table took +inf.
  const double big = std::numeric_limits<double>::max();
  for (const auto rule : rules) {
    CAPTURE(static_cast<int>(rule));
    tabrl::QLearningAgent<> agent(2, 2, {.gamma = 1.0, .alpha = 1.0, .duplicates = rule});
    agent.q_values()(1, 1) = 7.0;
    auto b = rows({{1, 1, 1.0, 0, true}, {0, 0, big * 0.5, 1, true}});
    b.set_weights(std::vector<double>{1.0, 4.0});
    REQUIRE_THROWS_WITH(agent.update(b), Contains("state 0, action 0") &&
                                             Contains("overflows the table's scalar type"));
    REQUIRE(agent.q(0, 0) == 0.0);
    // The batched rules put back the row they had written; the sequential rule applied it.
    REQUIRE(agent.q(1, 1) == (rule == tabrl::DuplicateRule::sequential ? 1.0 : 7.0));
  }
}

TEST_CASE("An overflow among many rows puts back every cell, duplicates included",
          "[agents][engine]") {
  // Seven rows (the two-row blocks and the odd last row of the scatter), three writing cell
  // (1, 0) around the row that overflows, which sits in each position in turn.
  const double big = std::numeric_limits<double>::max();
  for (const auto rule : {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean}) {
    for (std::size_t at = 0; at < 7; ++at) {
      CAPTURE(static_cast<int>(rule), at);
      tabrl::QLearningAgent<> agent(3, 2, {.gamma = 1.0, .alpha = 0.5, .duplicates = rule});
      agent.q_values() << 1.0, 2.0, 3.0, 4.0, 5.0, -big;
      std::vector<tabrl::Transition> ts = {{1, 0, 10.0, 0, true}, {0, 0, 10.0, 0, true},
                                           {1, 0, 20.0, 0, true}, {0, 1, 10.0, 0, true},
                                           {1, 1, 10.0, 0, true}, {1, 0, 30.0, 0, true},
                                           {2, 0, 10.0, 0, true}};
      ts.insert(ts.begin() + static_cast<std::ptrdiff_t>(at), {2, 1, big, 0, true});
      tabrl::Minibatch b;
      for (const auto& t : ts) b.push_back(t);
      const tabrl::QTable<double> before = agent.q_values();
      REQUIRE_THROWS_WITH(agent.update(b), Contains("state 2, action 1") &&
                                               Contains("overflows the table's scalar type"));
      REQUIRE(same_bits(agent.q_values(), before));
    }
  }
}

TEST_CASE("New values that each are finite but sum past the largest double are written",
          "[agents][engine]") {
  // The scatter's check sums the written values; 0.75 * max four times is no overflow.
  const double big = std::numeric_limits<double>::max();
  for (const auto rule : rules) {
    CAPTURE(static_cast<int>(rule));
    tabrl::QLearningAgent<> agent(3, 2, {.gamma = 1.0, .alpha = 1.0, .duplicates = rule});
    agent.update(rows({{0, 0, big * 0.75, 1, true},
                       {0, 1, big * 0.75, 1, true},
                       {1, 0, big * 0.75, 0, true},
                       {1, 1, big * 0.75, 0, true},
                       {2, 0, big * 0.75, 0, true}}));
    REQUIRE(agent.q_values().reshaped<Eigen::RowMajor>().head(5).cwiseEqual(big * 0.75).all());
    REQUIRE(agent.q(2, 1) == 0.0);
    REQUIRE(agent.last_td_errors().allFinite());
  }
}
