// SARSA, Expected SARSA and Double Q-learning: online and minibatch updates by hand.

#include <catch2/catch.hpp>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa.hpp>
#include <tabrl/concepts.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/evaluate.hpp>
#include <tabrl/training/train.hpp>
#include <tabrl/training/train_online.hpp>

using Catch::Matchers::WithinAbs;

static_assert(tabrl::OnPolicyAgent<tabrl::SarsaAgent<>>);
static_assert(!tabrl::OnPolicyAgent<tabrl::QLearningAgent<>>);
static_assert(!tabrl::MinibatchAgent<tabrl::SarsaAgent<>, tabrl::ReplayMemory<>>);  // online only
static_assert(tabrl::MinibatchAgent<tabrl::ExpectedSarsaAgent<>, tabrl::ReplayMemory<>>);
static_assert(tabrl::MinibatchAgent<tabrl::DoubleQLearningAgent<>, tabrl::ReplayMemory<>>);

TEST_CASE("SarsaAgent: the online update bootstraps with the given next action", "[algorithms]") {
  tabrl::SarsaAgent<> agent(3, 2, {.gamma = 0.9, .alpha = 0.5});
  agent.q_values() << 1, 2, 3, -1, 0, 4;
  // target = 1 + 0.9 * Q(1, 1) = 1 - 0.9 = 0.1; delta = 0.1 - 2 = -1.9; Q(0,1) = 2 - 0.95
  REQUIRE_THAT(agent.update(tabrl::Transition{0, 1, 1.0, 1, false}, 1), WithinAbs(-1.9, 1e-12));
  REQUIRE_THAT(agent.q(0, 1), WithinAbs(1.05, 1e-12));
  // Q-learning would have used max Q(1, .) = 3 instead.
  // Terminated: next action ignored (even an invalid one).
  REQUIRE_THAT(agent.update(tabrl::Transition{2, 1, 2.0, 0, true}, -7), WithinAbs(-2.0, 1e-12));
  REQUIRE(agent.q(2, 1) == 3.0);
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, 0.0, 1, false}, 2),
                      Catch::Contains("tabrl::SarsaAgent::update: action must be in [0, 2), got 2"));
}

TEST_CASE("ExpectedSarsaAgent: expectation under epsilon-greedy, ties share the greedy mass",
          "[algorithms]") {
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
}

TEST_CASE("ExpectedSarsaAgent: minibatch update by hand for each duplicate rule", "[algorithms]") {
  // Q rows: s0 = [0, 0], s1 = [2, 6]; epsilon 0.5 -> E[s1] = 0.5*4 + 0.5*6 = 5; gamma 1, alpha 0.5
  // rows: (0,0,r=1,s'=1) delta = 1 + 5 - 0 = 6; (0,0,r=0,s'=1,terminated) delta = 0
  tabrl::Minibatch b;
  b.resize(2);
  b.states << 0, 0;
  b.actions << 0, 0;
  b.rewards << 1, 0;
  b.next_states << 1, 1;
  b.terminated << 0, 1;
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
}

TEST_CASE("DoubleQLearningAgent: each update changes one table, evaluated by the other",
          "[algorithms]") {
  tabrl::DoubleQLearningAgent<> agent(2, 2, {.gamma = 1.0, .alpha = 0.5}, 42);
  tabrl::QTable<double> a(2, 2), b(2, 2);
  a << 0, 0, 1, 5;  // argmax_A(s1) = 1
  b << 0, 0, 7, 3;  // B(s1, 1) = 3, while max B(s1) = 7
  agent.set_tables(a, b);
  REQUIRE(agent.q(1, 0) == 8.0);  // acting uses A + B
  const double delta = agent.update(tabrl::Transition{0, 0, 1.0, 1, false});
  const bool updated_a = agent.table_a()(0, 0) != 0.0;
  if (updated_a) {
    // A(0,0) += 0.5 * (1 + B(1, argmax A(1)) - 0) = 0.5 * (1 + 3) = 2
    REQUIRE(delta == 4.0);
    REQUIRE(agent.table_a()(0, 0) == 2.0);
    REQUIRE(agent.table_b()(0, 0) == 0.0);
  } else {
    // B(0,0) += 0.5 * (1 + A(1, argmax B(1)) - 0) = 0.5 * (1 + 1) = 1
    REQUIRE(delta == 2.0);
    REQUIRE(agent.table_b()(0, 0) == 1.0);
    REQUIRE(agent.table_a()(0, 0) == 0.0);
  }
  REQUIRE(agent.q(0, 0) == agent.table_a()(0, 0) + agent.table_b()(0, 0));

  // The coin is fair: over many updates each table is chosen about half the time.
  tabrl::DoubleQLearningAgent<> coin(1, 1, {.gamma = 0.0, .alpha = 1.0}, 7);
  int a_updates = 0;
  for (int i = 0; i < 10000; ++i) {
    coin.set_tables(tabrl::QTable<double>::Zero(1, 1), tabrl::QTable<double>::Zero(1, 1));
    coin.update(tabrl::Transition{0, 0, 1.0, 0, true});
    a_updates += coin.table_a()(0, 0) == 1.0 ? 1 : 0;
  }
  REQUIRE(std::abs(a_updates - 5000) < 250);  // 5 standard deviations (sd = 50)
}

TEST_CASE("DoubleQLearningAgent: minibatch update by hand", "[algorithms]") {
  tabrl::DoubleQLearningAgent<> agent(2, 2, {.gamma = 1.0, .alpha = 0.5}, 3);
  tabrl::QTable<double> a(2, 2), b(2, 2);
  a << 0, 0, 1, 5;
  b << 0, 0, 7, 3;
  agent.set_tables(a, b);
  tabrl::Minibatch batch;
  batch.resize(1);
  batch.states << 0;
  batch.actions << 1;
  batch.rewards << 1;
  batch.next_states << 1;
  batch.terminated << 0;
  agent.update(batch);
  const double ua = agent.table_a()(0, 1), ub = agent.table_b()(0, 1);
  REQUIRE(((ua == 2.0 && ub == 0.0) || (ua == 0.0 && ub == 1.0)));
  REQUIRE(agent.q(0, 1) == ua + ub);
}

TEST_CASE("every agent learns CliffWalking with its loop", "[algorithms]") {
  tabrl::CliffWalking env;
  const tabrl::TDOptions cfg{.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1};
  auto greedy_return = [&](const auto& agent) {
    tabrl::Rng rng(0);
    return tabrl::greedy_rollout(agent, env, rng, 200).total_return;
  };
  // Sutton & Barto Example 6.6: online, SARSA takes the safe path and earns more per episode
  // than Q-learning, which walks the cliff edge and falls while exploring.
  tabrl::SarsaAgent<> sarsa(48, 4, cfg);
  const auto sarsa_log = tabrl::train_online(sarsa, env, {.episodes = 500, .seed = 1});
  tabrl::QLearningAgent<> q(48, 4, cfg);
  const auto q_log = tabrl::train_online(q, env, {.episodes = 500, .seed = 1});
  const double sarsa_online = sarsa_log.mean_return_last(400);
  const double q_online = q_log.mean_return_last(400);
  CAPTURE(sarsa_online, q_online);
  REQUIRE(sarsa_online > q_online + 10.0);
  REQUIRE(sarsa_online > -35.0);
  REQUIRE(q_online < -35.0);
  REQUIRE(greedy_return(q) == -13.0);  // while Q-learning's greedy policy is the optimal one
  tabrl::ExpectedSarsaAgent<> expected(48, 4, cfg);
  tabrl::ReplayMemory<> memory(2000);
  (void)tabrl::train(expected, env, memory, {.episodes = 100, .batch_size = 32, .seed = 1});
  REQUIRE(greedy_return(expected) >= -17.0);
  tabrl::DoubleQLearningAgent<> dq(48, 4, cfg, 5);
  tabrl::ReplayMemory<> memory2(2000);
  (void)tabrl::train(dq, env, memory2, {.episodes = 100, .batch_size = 32, .seed = 1});
  REQUIRE(greedy_return(dq) == -13.0);
}
