// Sum tree, prioritized replay, n-step returns and schedules.

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <vector>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/replay/sum_tree.hpp>
#include <tabrl/training/evaluate.hpp>
#include <tabrl/training/schedules.hpp>
#include <tabrl/training/train.hpp>

#include "stats.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("SumTree: totals and searches match brute force after random updates", "[algorithms][per]") {
  for (std::size_t capacity : {1U, 2U, 7U, 64U, 1000U}) {
    tabrl::SumTree tree(capacity);
    std::vector<double> values(capacity, 0.0);
    tabrl::Rng rng(capacity);
    for (int step = 0; step < 3000; ++step) {
      const auto i = static_cast<std::size_t>(tabrl::uniform_index(rng, capacity));
      const double v = tabrl::uniform_index(rng, 5) == 0 ? 0.0 : tabrl::uniform_real(rng) * 10;
      tree.set(i, v);
      values[i] = v;
      const double sum = std::accumulate(values.begin(), values.end(), 0.0);
      REQUIRE_THAT(tree.total(), WithinRel(sum, 1e-12) || WithinAbs(sum, 1e-12));
      if (sum > 0) {
        const double prefix = tabrl::uniform_real(rng) * sum;
        // Brute force: first index where the running sum exceeds prefix.
        double run = 0;
        std::size_t expected = 0;
        for (std::size_t k = 0; k < capacity; ++k) {
          run += values[k];
          if (run > prefix) {
            expected = k;
            break;
          }
        }
        const std::size_t got = tree.find(prefix);
        CAPTURE(capacity, step, prefix, expected, got);
        REQUIRE(values[got] > 0.0);
        // Equal up to rounding at a boundary: the found leaf's interval contains prefix.
        double before = 0;
        for (std::size_t k = 0; k < got; ++k) before += values[k];
        REQUIRE(prefix >= before - 1e-9);
        REQUIRE(prefix < before + values[got] + 1e-9);
      }
    }
  }
  tabrl::SumTree t(4);
  REQUIRE_THROWS_AS(t.set(4, 1.0), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(t.set(0, -1.0), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(t.set(0, std::nan("")), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(tabrl::SumTree(0), tabrl::InvalidArgument);
}

TEST_CASE("PrioritizedReplay: sampling frequencies follow p^alpha / sum", "[algorithms][per][statistics]") {
  tabrl::PrioritizedReplay<> per(8, {.alpha = 0.7, .beta = 0.4, .beta_steps = 1000, .epsilon = 1e-6});
  for (int i = 0; i < 8; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  const double raw[8] = {1, 2, 3, 4, 0.5, 8, 1, 2};
  std::vector<double> probs(8);
  double total = 0;
  for (int i = 0; i < 8; ++i) {
    per.set_priority(static_cast<std::size_t>(i), raw[i]);
    total += std::pow(raw[i], 0.7);
  }
  for (int i = 0; i < 8; ++i) probs[static_cast<std::size_t>(i)] = std::pow(raw[i], 0.7) / total;
  tabrl::Rng rng(2024);
  tabrl::Minibatch batch;
  std::vector<double> counts(8, 0.0);
  for (int rep = 0; rep < 5000; ++rep) {
    per.sample(16, rng, batch);
    for (Eigen::Index i = 0; i < batch.size(); ++i) counts[static_cast<std::size_t>(batch.slots[i])] += 1;
  }
  // 7 degrees of freedom: 24.32 is the 0.999 quantile (stratified draws only lower the variance).
  REQUIRE(tabrl::test::chi_square(counts, probs) < 24.32);
}

TEST_CASE("PrioritizedReplay: importance weights on a hand-built case", "[algorithms][per]") {
  // alpha 1, beta 0.5 (beta_steps huge, so it stays ~0.5 for the first sample).
  tabrl::PrioritizedReplay<> per(4, {.alpha = 1.0, .beta = 0.5, .beta_steps = 1000000000, .epsilon = 1e-6});
  for (int i = 0; i < 4; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  per.set_priority(0, 1);
  per.set_priority(1, 1);
  per.set_priority(2, 2);
  per.set_priority(3, 4);  // P = 1/8, 1/8, 2/8, 4/8; N = 4
  tabrl::Rng rng(1);
  tabrl::Minibatch batch;
  per.sample(64, rng, batch);
  // w = (N P)^-beta = (0.5)^-0.5, 0.5^-0.5, 1^-0.5, 2^-0.5, normalised by the largest present.
  double max_w = 0;
  for (Eigen::Index i = 0; i < batch.size(); ++i) {
    const double p = std::vector<double>{0.125, 0.125, 0.25, 0.5}[static_cast<std::size_t>(batch.slots[i])];
    max_w = std::max(max_w, std::pow(4 * p, -0.5));
  }
  REQUIRE(max_w == std::pow(0.5, -0.5));  // 64 stratified draws always include slots 0 or 1
  for (Eigen::Index i = 0; i < batch.size(); ++i) {
    const double p = std::vector<double>{0.125, 0.125, 0.25, 0.5}[static_cast<std::size_t>(batch.slots[i])];
    REQUIRE_THAT(batch.weights[i], WithinAbs(std::pow(4 * p, -0.5) / max_w, 1e-12));
  }
  REQUIRE(batch.weights.maxCoeff() == 1.0);
  REQUIRE_THAT(batch.weights.minCoeff(), WithinAbs(std::sqrt(0.5) / std::sqrt(2.0), 1e-12));  // = 0.5
}

TEST_CASE("PrioritizedReplay: priorities follow TD errors; beta anneals to 1", "[algorithms][per]") {
  tabrl::PrioritizedReplay<> per(4, {.alpha = 1.0, .beta = 0.4, .beta_steps = 10, .epsilon = 0.5});
  for (int i = 0; i < 3; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  REQUIRE(per.tree().total() == 3.0);  // new transitions at max priority 1
  tabrl::Minibatch batch;
  tabrl::Rng rng(0);
  per.sample(2, rng, batch);
  Eigen::VectorXd errors(2);
  errors << -3.0, 0.25;
  per.update_priorities(batch, errors);
  REQUIRE(per.max_priority() == 3.5);
  per.push(tabrl::Transition{3, 0, 0.0, 3, false});  // enters at the new maximum
  REQUIRE(per.tree().get(3) == 3.5);
  REQUIRE_THAT(per.beta(), WithinAbs(0.4 + 0.06, 1e-12));  // one sample taken of 10
  for (int i = 0; i < 20; ++i) per.sample(1, rng, batch);
  REQUIRE(per.beta() == 1.0);
  Eigen::VectorXd bad(1);
  bad << std::nan("");
  REQUIRE_THROWS_AS(per.update_priorities(batch, bad), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS((tabrl::PrioritizedReplay<>(4, {.alpha = -1})), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS((tabrl::PrioritizedReplay<>(4, {.beta = 1.5})), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS((tabrl::PrioritizedReplay<>(4, {.epsilon = 0})), tabrl::InvalidArgument);
}

TEST_CASE("PrioritizedReplay: weights scale the agent's steps", "[algorithms][per]") {
  tabrl::QLearningAgent<> agent(2, 1, {.gamma = 1.0, .alpha = 0.5});
  tabrl::Minibatch b;
  b.resize(2);
  b.states << 0, 1;
  b.actions << 0, 0;
  b.rewards << 4, 4;
  b.next_states << 0, 0;
  b.terminated << 1, 1;
  b.weights.resize(2);
  b.weights << 1.0, 0.25;
  agent.update(b);
  REQUIRE(agent.q(0, 0) == 2.0);  // 0.5 * 4
  REQUIRE(agent.q(1, 0) == 0.5);  // 0.5 * 0.25 * 4
}

TEST_CASE("PrioritizedReplay trains CliffWalking", "[algorithms][per]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
  tabrl::PrioritizedReplay<> per(2000, {.beta_steps = 2000});
  const auto log = tabrl::train(agent, env, per, {.episodes = 100, .batch_size = 32, .seed = 0});
  tabrl::Rng rng(0);
  REQUIRE(tabrl::greedy_rollout(agent, env, rng).total_return == -13.0);
  REQUIRE(log.updates > 0);
}

namespace {
std::vector<tabrl::Transition> stored(const tabrl::NStepReplay<>& m) {
  std::vector<tabrl::Transition> out;
  for (std::size_t i = 0; i < m.memory().size(); ++i) out.push_back(m.memory()[i]);
  return out;
}
}  // namespace

TEST_CASE("NStepReplay: n-step returns by hand, cut at episode ends", "[algorithms][nstep]") {
  tabrl::NStepReplay<> m(tabrl::ReplayMemory<>(100), 3, 0.5);
  // Episode 1: rewards 1, 2, 4, 8, terminated at the 4th step.
  m.push(tabrl::Transition{0, 0, 1.0, 1, false});
  m.push(tabrl::Transition{1, 1, 2.0, 2, false});
  REQUIRE(m.size() == 0);  // waiting for 3 steps
  m.push(tabrl::Transition{2, 2, 4.0, 3, false});
  REQUIRE(m.size() == 1);
  m.push(tabrl::Transition{3, 3, 8.0, 4, true});
  // Stored: from 0: 1 + .5*2 + .25*4 = 3, s'=3, gamma^3; from 1: 2 + 2 + 2 = 6, s'=4 terminated;
  // from 2: 4 + 4 = 8, s'=4 terminated (k=2); from 3: 8, s'=4 terminated (k=1).
  const auto t = stored(m);
  REQUIRE(t.size() == 4);
  REQUIRE(t[0] == tabrl::Transition{0, 0, 3.0, 3, false});
  REQUIRE(t[1] == tabrl::Transition{1, 1, 6.0, 4, true});
  REQUIRE(t[2] == tabrl::Transition{2, 2, 8.0, 4, true});
  REQUIRE(t[3] == tabrl::Transition{3, 3, 8.0, 4, true});
  REQUIRE(m.discount_at(0) == 0.125);
  REQUIRE(m.discount_at(1) == 0.125);
  REQUIRE(m.discount_at(2) == 0.25);
  REQUIRE(m.discount_at(3) == 0.5);
  m.end_episode();  // nothing pending
  REQUIRE(m.size() == 4);

  // Episode 2, shorter than n and truncated: 2 steps, then end_episode().
  m.push(tabrl::Transition{5, 0, 1.0, 6, false});
  m.push(tabrl::Transition{6, 0, 1.0, 7, false});
  REQUIRE(m.pending() == 2);
  m.end_episode();
  const auto u = stored(m);
  REQUIRE(u[4] == tabrl::Transition{5, 0, 1.5, 7, false});  // bootstraps from 7 with gamma^2
  REQUIRE(u[5] == tabrl::Transition{6, 0, 1.0, 7, false});
  REQUIRE(m.discount_at(4) == 0.25);
  REQUIRE(m.discount_at(5) == 0.5);
  // Sampled rows carry their discounts.
  tabrl::Minibatch batch;
  tabrl::Rng rng(3);
  m.sample(6, rng, batch);
  for (Eigen::Index i = 0; i < 6; ++i) {
    REQUIRE(batch.discounts[i] == m.discount_at(static_cast<std::size_t>(batch.slots[i])));
  }
  REQUIRE_THROWS_AS(tabrl::NStepReplay<>(tabrl::ReplayMemory<>(4), 0, 0.9), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(tabrl::NStepReplay<>(tabrl::ReplayMemory<>(4), 2, 1.5), tabrl::InvalidArgument);
}

TEST_CASE("NStepReplay with n = 1 trains exactly like the plain memory", "[algorithms][nstep]") {
  tabrl::CliffWalking env;
  const tabrl::TDOptions cfg{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
  tabrl::QLearningAgent<> plain(48, 4, cfg), nstep(48, 4, cfg);
  tabrl::ReplayMemory<> memory(2000);
  tabrl::NStepReplay<> one(tabrl::ReplayMemory<>(2000), 1, 1.0);
  const auto a = tabrl::train(plain, env, memory, {.episodes = 60, .batch_size = 32, .seed = 5});
  const auto b = tabrl::train(nstep, env, one, {.episodes = 60, .batch_size = 32, .seed = 5});
  REQUIRE(a == b);
  REQUIRE(plain.q_values() == nstep.q_values());
}

TEST_CASE("NStepReplay with n = 3 learns CliffWalking, also under a time limit", "[algorithms][nstep]") {
  tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 200);
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 0.99, .alpha = 0.5, .epsilon = 0.1});
  tabrl::NStepReplay<> m(tabrl::ReplayMemory<>(2000), 3, 0.99);
  (void)tabrl::train(agent, env, m, {.episodes = 200, .batch_size = 32, .seed = 2});
  REQUIRE(m.pending() == 0);  // every episode flushed
  tabrl::Rng rng(0);
  const auto r = tabrl::greedy_rollout(agent, env, rng, 200);
  REQUIRE(r.terminated);
  REQUIRE(r.total_return >= -17.0);  // the optimal or a near-optimal safe path
}

TEST_CASE("Schedules: constant, linear, exponential, validated", "[algorithms][schedules]") {
  const auto c = tabrl::Schedule::constant(0.3);
  REQUIRE(c(0) == 0.3);
  REQUIRE(c(1000) == 0.3);
  const auto l = tabrl::Schedule::linear(1.0, 0.1, 10);
  REQUIRE(l(0) == 1.0);
  REQUIRE_THAT(l(5), WithinAbs(0.55, 1e-15));
  REQUIRE(l(10) == 0.1);
  REQUIRE(l(99) == 0.1);
  REQUIRE(l(-4) == 1.0);
  const auto e = tabrl::Schedule::exponential(1.0, 0.05, 0.5);
  REQUIRE(e(0) == 1.0);
  REQUIRE_THAT(e(1), WithinAbs(0.05 + 0.95 * 0.5, 1e-15));
  REQUIRE_THAT(e(60), WithinAbs(0.05, 1e-15));
  REQUIRE_THROWS_WITH(tabrl::Schedule::linear(1, 0, 0), "tabrl::Schedule::linear: duration must be >= 1, got 0");
  REQUIRE_THROWS_AS(tabrl::Schedule::exponential(1, 0, 0.0), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(tabrl::Schedule::exponential(1, 0, 1.5), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(tabrl::Schedule::constant(std::nan("")), tabrl::InvalidArgument);

  // As a train() observer: epsilon decays episode by episode.
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 1.0});
  tabrl::ReplayMemory<> memory(500);
  tabrl::EpsilonSchedule obs{agent, tabrl::Schedule::linear(1.0, 0.0, 10)};
  (void)tabrl::train(agent, env, memory, {.episodes = 12, .batch_size = 8}, obs);
  REQUIRE(agent.epsilon() == 0.0);
}
