// Double Q-learning acts on A + B: that sum must stay exactly A + B, so it is read-only.

#include <catch2/catch.hpp>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/q_learning.hpp>

namespace {
template <class A>
concept MutableQ = requires(A& a) { a.q_values()(0, 0) = 1.0; };
}  // namespace

TEST_CASE("DoubleQLearningAgent: the acting table is read-only and always A + B",
          "[algorithms]") {
  static_assert(!MutableQ<tabrl::DoubleQLearningAgent<>>);  // set_tables is the way in
  static_assert(MutableQ<tabrl::QLearningAgent<>>);        // one-table agents stay writable
  tabrl::DoubleQLearningAgent<> agent(2, 2, {.gamma = 0.5, .alpha = 0.5}, 3);
  tabrl::QTable<double> a(2, 2), b(2, 2);
  a << 1, 2, 3, 4;
  b << 10, 20, 30, 40;
  agent.set_tables(a, b);
  REQUIRE(agent.q_values() == a + b);
  for (int i = 0; i < 20; ++i) {
    (void)agent.update(tabrl::Transition{i % 2, (i / 2) % 2, 1.0, (i + 1) % 2, i % 3 == 0});
    REQUIRE(agent.q_values() == agent.table_a() + agent.table_b());
  }
  tabrl::Rng rng(0);
  REQUIRE(agent.greedy_action(0, rng) == (agent.q(0, 1) > agent.q(0, 0) ? 1 : 0));
}
