// ExpectedSarsaAgent: the expectation under its epsilon-greedy policy (ties share the greedy
// mass), the online rule, and the minibatch rule for every duplicate rule, at epsilon 0.5 and
// at an epsilon where the weights on the mean and on the max differ.

#include <catch2/catch.hpp>

#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/concepts.hpp>
#include <tabrl/replay/replay_memory.hpp>

using Catch::Matchers::WithinAbs;

static_assert(tabrl::MinibatchAgent<tabrl::ExpectedSarsaAgent<>, tabrl::ReplayMemory<>>);
static_assert(tabrl::ReportsTDErrors<tabrl::ExpectedSarsaAgent<>>);
static_assert(!tabrl::OnPolicyAgent<tabrl::ExpectedSarsaAgent<>>);

namespace {
tabrl::Minibatch rows(std::initializer_list<tabrl::Transition> ts) {
  tabrl::Minibatch b;
  for (const auto& t : ts) b.push_back(t);
  return b;
}
constexpr tabrl::DuplicateRule all_rules[] = {tabrl::DuplicateRule::last,
                                              tabrl::DuplicateRule::mean,
                                              tabrl::DuplicateRule::sequential};
}  // namespace

TEST_CASE("ExpectedSarsaAgent: expectation under epsilon-greedy, ties share the greedy mass",
          "[agents]") {
  REQUIRE(tabrl::ExpectedSarsaAgent<>::kind() == "ExpectedSarsaAgent");
  tabrl::ExpectedSarsaAgent<> agent(3, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.2});
  agent.q_values().row(1) << 4, 0, 4, 0;  // two greedy actions
  // pi: 0.05 each by exploration, + 0.8/2 = 0.4 on each greedy one: 0.45*4*2 = 3.6
  REQUIRE_THAT(agent.expected_value(1), WithinAbs(3.6, 1e-12));
  agent.q_values().row(2) << 1, 2, 3, 10;
  // 0.05*(1+2+3) + 0.85*10 = 0.3 + 8.5 = 8.8
  REQUIRE_THAT(agent.expected_value(2), WithinAbs(8.8, 1e-12));
  // Online: target = -1 + 8.8 = 7.8; Q(0,0) = 0 + 0.5*7.8 = 3.9
  REQUIRE_THAT(agent.update(tabrl::Transition{0, 0, -1.0, 2, false}), WithinAbs(7.8, 1e-12));
  REQUIRE_THAT(agent.q(0, 0), WithinAbs(3.9, 1e-12));
  REQUIRE_THROWS_WITH(agent.expected_value(3),
                      "tabrl::ExpectedSarsaAgent::expected_value: state must be in [0, 3), got 3");
  // The expectation follows epsilon as it changes (schedules change it between updates).
  agent.set_epsilon(1.0);
  REQUIRE_THAT(agent.expected_value(2), WithinAbs(4.0, 1e-12));  // the plain mean
  agent.set_epsilon(0.0);
  REQUIRE(agent.expected_value(2) == 10.0);  // the max: Q-learning's target
  // A terminated transition does not bootstrap.
  REQUIRE(agent.update(tabrl::Transition{1, 1, 2.0, 2, true}) == 2.0);
  REQUIRE(agent.q(1, 1) == 1.0);
  // Three actions (the engine's variable-width row): 0.5 * mean + 0.5 * max.
  tabrl::ExpectedSarsaAgent<> three(2, 3, {.gamma = 0.5, .alpha = 1.0, .epsilon = 0.5});
  three.q_values().row(1) << 3, -3, 6;
  REQUIRE(three.expected_value(1) == 0.5 * 2 + 0.5 * 6);
  REQUIRE(three.update(tabrl::Transition{0, 2, 1.0, 1, false}) == 1.0 + 0.5 * 4.0);
  REQUIRE(three.q(0, 2) == 3.0);
}

TEST_CASE("ExpectedSarsaAgent: minibatch update by hand for each duplicate rule", "[agents]") {
  // Q rows: s0 = [0, 0], s1 = [2, 6]; epsilon 0.5 -> E[s1] = 0.5*4 + 0.5*6 = 5; gamma 1, alpha 0.5
  // rows: (0,0,r=1,s'=1) delta = 1 + 5 - 0 = 6; (0,0,r=0,s'=1,terminated) delta = 0
  const auto b = rows({{0, 0, 1.0, 1, false}, {0, 0, 0.0, 1, true}});
  auto make = [](tabrl::DuplicateRule rule) {
    tabrl::ExpectedSarsaAgent<> a(2, 2, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.5, .duplicates = rule});
    a.q_values() << 0, 0, 2, 6;
    return a;
  };
  auto last = make(tabrl::DuplicateRule::last);
  last.update(b);
  REQUIRE(last.q(0, 0) == 0.0);  // the second (terminated, delta 0) row wins
  REQUIRE(last.last_td_errors().isApprox(Eigen::Vector2d(6, 0)));
  auto mean = make(tabrl::DuplicateRule::mean);
  mean.update(b);
  REQUIRE(mean.q(0, 0) == 1.5);  // 0 + 0.5 * (6 + 0) / 2
  auto seq = make(tabrl::DuplicateRule::sequential);
  seq.update(b);
  REQUIRE(seq.q(0, 0) == 1.5);  // 3 after the first row, then 3 + 0.5 * (0 - 3)
  REQUIRE(seq.last_td_errors()[1] == -3.0);
}

TEST_CASE("ExpectedSarsaAgent: minibatch targets at epsilon 0.2, where mean and max weigh "
          "differently", "[agents]") {
  // gamma 0.5, alpha 0.5, Q(0, .) = [2, 0, ...]. Rows: (0,0,r=1,s'=1), (0,0,r=-2,s'=1),
  // (0,1,r=0,terminated).
  // 4 actions, s1 = [1, 5, 3, -1]: mean 2, max 5, E = 0.2*2 + 0.8*5 = 4.4
  //   errors 1 + 2.2 - 2 = 1.2, -2 + 2.2 - 2 = -1.8, 0
  //   last 2 + 0.5*(-1.8) = 1.1; mean 2 + 0.5*(-0.3) = 1.85; sequential 2.6, then
  //   2.6 + 0.5*(0.2 - 2.6) = 1.4 (second error -2.4)
  // 3 actions, s1 = [1, 5, 3]: mean 3, max 5, E = 0.6 + 4 = 4.6
  //   errors 1.3, -1.7, 0; last 1.15; mean 1.9; sequential 2.65, then 1.475 (error -2.35)
  const auto b = rows({{0, 0, 1.0, 1, false}, {0, 0, -2.0, 1, false}, {0, 1, 0.0, 1, true}});
  struct Case {
    int actions;
    double q00[3];         // last, mean, sequential
    double errors[2][3];   // [pre-update table | sequential] x rows
  };
  const Case cases[] = {{4, {1.1, 1.85, 1.4}, {{1.2, -1.8, 0.0}, {1.2, -2.4, 0.0}}},
                        {3, {1.15, 1.9, 1.475}, {{1.3, -1.7, 0.0}, {1.3, -2.35, 0.0}}}};
  for (const Case& c : cases) {
    for (int r = 0; r < 3; ++r) {
      CAPTURE(c.actions, r);
      tabrl::ExpectedSarsaAgent<> agent(
          2, c.actions, {.gamma = 0.5, .alpha = 0.5, .epsilon = 0.2, .duplicates = all_rules[r]});
      agent.q_values()(0, 0) = 2.0;
      if (c.actions == 4) {
        agent.q_values().row(1) << 1, 5, 3, -1;
      } else {
        agent.q_values().row(1) << 1, 5, 3;
      }
      REQUIRE_THAT(agent.expected_value(1), WithinAbs(c.actions == 4 ? 4.4 : 4.6, 1e-12));
      agent.update(b);
      REQUIRE_THAT(agent.q(0, 0), WithinAbs(c.q00[r], 1e-12));
      REQUIRE(agent.q(0, 1) == 0.0);
      const double* errors = c.errors[r == 2 ? 1 : 0];
      for (Eigen::Index i = 0; i < 3; ++i) {
        REQUIRE_THAT(agent.last_td_errors()[i], WithinAbs(errors[i], 1e-12));
      }
    }
  }
}
