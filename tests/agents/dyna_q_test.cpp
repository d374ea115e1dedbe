// DynaQAgent: the real update, the model and the planning updates by hand with the draws
// predicted; Dyna-Q+'s bonus kappa * sqrt(tau) and its guesses; planning_steps 0 equal to
// Q-learning bit for bit; the sample model on a stochastic step; learning CliffWalking's
// optimal path; reproducible runs and checkpoints that resume bit for bit.

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include <tabrl/agents/dyna_q.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/frozen_lake.hpp>
#include <tabrl/envs/time_limit.hpp>

#include "algorithm_test_util.hpp"
#include "saveable.hpp"

using tabrl::DynaQAgent;
using tabrl::Transition;

static_assert(tabrl::Agent<DynaQAgent<>>);
static_assert(!tabrl::OnPolicyAgent<DynaQAgent<>>);
static_assert(!tabrl::EpisodicAgent<DynaQAgent<>>);
static_assert(tabrl::Saveable<DynaQAgent<>>);

TEST_CASE("DynaQAgent: real update, model and planning updates by hand", "[agents][model]") {
  REQUIRE(DynaQAgent<>::kind() == "DynaQAgent");
  // Chain 0 -> 1 -> 2 (terminal). alpha 0.5, gamma 0.5, 2 planning updates per step.
  DynaQAgent<> agent(3, 2, {.gamma = 0.5, .alpha = 0.5}, {.planning_steps = 2}, 17);
  agent.q_values()(1, 0) = 1.0;
  // t1 (0,1,0,->1): real Q(0,1) = 0.5 (0 + 0.5 * 1 - 0) = 0.25. The model holds one pair, so
  // planning draws nothing: Q(0,1) += 0.5 (0.5 - Q(0,1)) twice: 0.375, 0.4375.
  REQUIRE(agent.update(Transition{0, 1, 0.0, 1, false}) == 0.5);
  REQUIRE(agent.q(0, 1) == 0.4375);
  REQUIRE(agent.planning_rng() == tabrl::Rng(17));
  REQUIRE(agent.steps() == 1);
  REQUIRE(agent.planning_updates() == 2);
  // t2 (1,0,2,->2 terminated): real Q(1,0) = 1 + 0.5 (2 - 1) = 1.5. Now two states: each
  // planning update draws one of them (one draw), then its only action (no draw).
  tabrl::Rng predict(17);
  double q01 = 0.4375, q10 = 1.5;
  for (int k = 0; k < 2; ++k) {
    if (tabrl::detail::bounded(predict, 2) == 0) {
      q01 += 0.5 * (0.5 * q10 - q01);  // state 0 was seen first
    } else {
      q10 += 0.5 * (2.0 - q10);
    }
  }
  REQUIRE(agent.update(Transition{1, 0, 2.0, 2, true}) == 1.0);
  REQUIRE(agent.q(0, 1) == q01);
  REQUIRE(agent.q(1, 0) == q10);
  REQUIRE(agent.planning_rng() == predict);
  REQUIRE(agent.model().outcomes(1, 0)[0] == tabrl::ModelOutcome{2, 2.0, true, 1});
  REQUIRE(agent.planning_updates() == 4);
  // plan() on its own: the same updates, counted.
  agent.plan(3);
  REQUIRE(agent.planning_updates() == 7);
  DynaQAgent<> empty(2, 2);
  REQUIRE_THROWS_WITH(empty.plan(1), "tabrl::TabularModel::sample_pair: the model is empty");
}

TEST_CASE("DynaQAgent: Dyna-Q+ adds kappa * sqrt(tau) and plans untried actions", "[agents][model]") {
  // One state with two actions; kappa 0.5, alpha 1, gamma 0.5, one planning update per step.
  DynaQAgent<> agent(2, 2, {.gamma = 0.5, .alpha = 1.0}, {.planning_steps = 1, .kappa = 0.5}, 3);
  REQUIRE(agent.model().untried_actions());
  // Steps 1-4 take action 1 (0 -> 0, reward 0); action 0 stays untried, last taken at 0.
  // Planning then picks an action of state 0 (one draw of 2) and learns from:
  //   action 1: reward 0 + 0.5 sqrt(0) = 0, back to 0;
  //   action 0: the guess (back to 0, reward 0) + 0.5 sqrt(steps - 0).
  tabrl::Rng predict(3);
  tabrl::QTable<double> q = tabrl::QTable<double>::Zero(2, 2);
  for (int step = 1; step <= 4; ++step) {
    q(0, 1) = 0.0 + 0.5 * q.row(0).maxCoeff();  // real update, alpha 1
    const int a = tabrl::detail::bounded(predict, 2) == 0 ? 0 : 1;
    const double bonus = a == 0 ? 0.5 * std::sqrt(static_cast<double>(step)) : 0.0;
    q(0, a) = bonus + 0.5 * q.row(0).maxCoeff();
    (void)agent.update(Transition{0, 1, 0.0, 0, false});
    CAPTURE(step, a);
    REQUIRE(agent.q_values() == q);
  }
  REQUIRE(agent.q(0, 0) > 0.0);  // the untried action looks attractive: Dyna-Q+ explores it
  REQUIRE(agent.model().last_taken(0, 0) == 0);
  REQUIRE(agent.model().last_taken(0, 1) == 4);
}

TEST_CASE("DynaQAgent: planning_steps 0 is QLearningAgent, bit for bit", "[agents][model]") {
  DynaQAgent<> dyna(48, 4, {.alpha = 0.5}, {.planning_steps = 0});
  tabrl::QLearningAgent<> plain(48, 4, {.alpha = 0.5});
  tabrl::CliffWalking e1, e2;
  REQUIRE(tabrl::train_online(dyna, e1, {.episodes = 40, .seed = 3}) ==
          tabrl::train_online(plain, e2, {.episodes = 40, .seed = 3}));
  REQUIRE(dyna.q_values() == plain.q_values());
  REQUIRE(dyna.planning_updates() == 0);
}

TEST_CASE("DynaQAgent: a sample model plans with the outcomes' frequencies", "[agents][model]") {
  // One pair with two outcomes seen 3 : 1 (reward 4 and 0, both terminal). Planning with
  // alpha 0.01 drives Q(0,0) to the expected reward, 3, not to the last one seen.
  DynaQAgent<> agent(2, 1, {.gamma = 1.0, .alpha = 0.01}, {.planning_steps = 0, .model = tabrl::ModelKind::sample}, 5);
  for (const double r : {4.0, 0.0, 4.0, 4.0}) (void)agent.update(Transition{0, 0, r, 1, true});
  agent.plan(20000);
  REQUIRE(std::abs(agent.q(0, 0) - 3.0) < 0.2);  // the noise of alpha 0.01 is sd ~0.12
  DynaQAgent<> last(2, 1, {.gamma = 1.0, .alpha = 0.01}, {.planning_steps = 0}, 5);
  for (const double r : {4.0, 0.0, 4.0, 0.0}) (void)last.update(Transition{0, 0, r, 1, true});
  last.plan(2000);
  REQUIRE(last.q(0, 0) < 0.1);  // a deterministic model believes the last outcome
}

TEST_CASE("DynaQAgent: learns CliffWalking's optimal path, runs are reproducible", "[agents][model]") {
  for (const std::uint64_t seed : {1, 2, 3}) {
    DynaQAgent<> agent(48, 4, {.alpha = 0.5}, {.planning_steps = 10}, seed);
    CAPTURE(seed);
    REQUIRE(tabrl::test::cliff_rollout_after(agent, 100, seed).total_return == -13.0);
    DynaQAgent<> again(48, 4, {.alpha = 0.5}, {.planning_steps = 10}, seed);
    (void)tabrl::test::cliff_rollout_after(again, 100, seed);
    REQUIRE(tabrl::test::saved(again) == tabrl::test::saved(agent));
  }
  DynaQAgent<> plus(48, 4, {.alpha = 0.5}, {.planning_steps = 10, .kappa = 1e-3}, 4);
  REQUIRE(tabrl::test::cliff_rollout_after(plus, 200, 4).total_return == -13.0);
}

TEST_CASE("DynaQAgent: checkpoints in mid-episode resume bit for bit", "[agents][model]") {
  // A sample model, Dyna-Q+'s bonus and guesses, on slippery FrozenLake: the generator, the
  // clock and the model must all come back.
  const auto make = [] {
    return DynaQAgent<>(16, 4, {.gamma = 0.95, .alpha = 0.3},
                        {.planning_steps = 5, .model = tabrl::ModelKind::sample, .kappa = 0.01}, 21);
  };
  const auto bytes = tabrl::test::require_resume_bit_identical(
      make, [] { return tabrl::TimeLimit<tabrl::FrozenLake>(tabrl::FrozenLake{}, 100); }, {.episodes = 30, .seed = 6}, 57);
  auto fresh = make();
  tabrl::test::require_truncations_rejected(fresh, bytes, 256);
}

TEST_CASE("DynaQAgent: bad settings and files are refused", "[agents][model]") {
  REQUIRE_THROWS_WITH((DynaQAgent<>(2, 2, {}, {.planning_steps = -1})),
                      "tabrl::DynaQAgent: planning_steps must be in [0, 100000], got -1");
  REQUIRE_THROWS_WITH((DynaQAgent<>(2, 2, {}, {.kappa = std::numeric_limits<double>::infinity()})),
                      "tabrl::DynaQAgent: kappa must be finite and >= 0, got inf");
  DynaQAgent<> agent(3, 2, {.alpha = 0.5}, {.planning_steps = 1}, 1);
  (void)agent.update(Transition{0, 1, 1.0, 1, false});
  REQUIRE_THROWS_WITH(agent.update(Transition{0, 2, 1.0, 1, false}),
                      "tabrl::DynaQAgent::update: action must be in [0, 2), got 2");
  const auto good = tabrl::test::saved(agent);
  // TD settings (25 bytes), planning_steps i32 (25), model u8 (29), kappa f64 (30), table
  // (38: 1 + 16 + 48 bytes), steps i64 (103), planning updates i64 (111), generator (119..150),
  // model (151...).
  const auto with = [&](std::size_t at, auto value) {
    auto b = good;
    std::memcpy(b.data() + at, &value, sizeof value);
    return b;
  };
  DynaQAgent<> target(3, 2);
  using tabrl::FormatProblem;
  tabrl::test::require_rejected(target, with(25, std::int32_t{-2}), FormatProblem::value, "planning_steps must be in [0, 100000], got -2");
  tabrl::test::require_rejected(target, with(29, std::uint8_t{1}), FormatProblem::value, "the model's kind or guesses differ");
  tabrl::test::require_rejected(target, with(30, 0.5), FormatProblem::value, "the model's kind or guesses differ");
  tabrl::test::require_rejected(target, with(103, std::int64_t{0}), FormatProblem::value, "was taken at step 1, after the clock 0");
  tabrl::test::require_rejected(target, with(119, std::array<std::uint64_t, 4>{}), FormatProblem::value, "planning generator state is all zero");
}
