// Exact checks of what the agents and memories promise beyond the single-update arithmetic:
// the Double Q-learning coin, every duplicate rule for every minibatch agent, bootstrapping
// with per-row gamma^k, the SARSA loop executing the action it learned from, n-step over
// prioritized replay, and the alpha schedule.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/training/schedules.hpp>
#include <tabrl/training/train.hpp>
#include <tabrl/training/train_online.hpp>

using Catch::Matchers::WithinAbs;

namespace {

constexpr tabrl::DuplicateRule all_rules[] = {tabrl::DuplicateRule::last,
                                              tabrl::DuplicateRule::mean,
                                              tabrl::DuplicateRule::sequential};

// The Double Q-learning coin: true (update A) when the top bit of the next draw of a
// generator seeded like the agent's is set. Predicting it keeps the tests exact.
std::vector<bool> coins(std::uint64_t seed, int n) {
  tabrl::Rng rng(seed);
  std::vector<bool> out;
  for (int i = 0; i < n; ++i) out.push_back((rng() >> 63U) != 0);
  return out;
}

template <class M>
concept HasUpdatePriorities = requires(M& m, const tabrl::Minibatch& b, const Eigen::VectorXd& e) {
  m.update_priorities(b, e);
};

tabrl::Minibatch rows(std::vector<tabrl::Transition> ts) {
  tabrl::Minibatch b;
  b.resize(static_cast<Eigen::Index>(ts.size()));
  for (Eigen::Index i = 0; i < b.size(); ++i) {
    const auto& t = ts[static_cast<std::size_t>(i)];
    b.states[i] = t.state;
    b.actions[i] = t.action;
    b.rewards[i] = t.reward;
    b.next_states[i] = t.next_state;
    b.terminated[i] = t.terminated ? 1 : 0;
  }
  return b;
}

}  // namespace

TEST_CASE("DoubleQLearningAgent: the coin is reproducible from coin_seed", "[algorithms]") {
  // Seeds chosen so both tables get updated within the first few flips.
  const auto expected = coins(11, 8);
  REQUIRE(std::count(expected.begin(), expected.end(), true) > 0);
  REQUIRE(std::count(expected.begin(), expected.end(), false) > 0);
  tabrl::DoubleQLearningAgent<> agent(1, 1, {.gamma = 0.0, .alpha = 1.0}, 11);
  for (int i = 0; i < 8; ++i) {
    agent.set_tables(tabrl::QTable<double>::Zero(1, 1), tabrl::QTable<double>::Zero(1, 1));
    (void)agent.update(tabrl::Transition{0, 0, 1.0, 0, true});
    CAPTURE(i);
    REQUIRE(agent.table_a()(0, 0) == (expected[static_cast<std::size_t>(i)] ? 1.0 : 0.0));
    REQUIRE(agent.table_b()(0, 0) == (expected[static_cast<std::size_t>(i)] ? 0.0 : 1.0));
  }
  // Two agents with the same seed make the same choices; a copy continues the same stream.
  tabrl::DoubleQLearningAgent<> x(2, 2, {}, 5), y(2, 2, {}, 5);
  for (int i = 0; i < 50; ++i) {
    const tabrl::Transition t{i % 2, (i / 2) % 2, static_cast<double>(i % 7) - 3.0, (i + 1) % 2,
                              i % 5 == 0};
    REQUIRE(x.update(t) == y.update(t));
  }
  REQUIRE(x.table_a() == y.table_a());
  REQUIRE(x.table_b() == y.table_b());
}

TEST_CASE("DoubleQLearningAgent: minibatch update by hand for each duplicate rule",
          "[algorithms]") {
  // A = [[0, 0], [1, 5]], B = [[0, 0], [7, 3]], gamma 1, alpha 0.5. Two rows for (0, 0):
  //   (r = 1, s' = 1) and (r = 3, terminated).
  // Updating A: argmax A(1) = 1 -> B(1, 1) = 3: errors 1 + 3 - 0 = 4 and 3 - 0 = 3.
  //   last 0 + 0.5 * 3 = 1.5; mean 0.5 * 3.5 = 1.75; sequential 2, then 2 + 0.5 * (3 - 2) = 2.5
  // Updating B: argmax B(1) = 0 -> A(1, 0) = 1: errors 2 and 3.
  //   last 1.5; mean 0.5 * 2.5 = 1.25; sequential 1, then 1 + 0.5 * (3 - 1) = 2
  const auto batch = rows({{0, 0, 1.0, 1, false}, {0, 0, 3.0, 1, true}});
  struct Expected {
    double value, first_error, second_error;
  };
  auto expected = [](tabrl::DuplicateRule rule, bool a) -> Expected {
    switch (rule) {
      case tabrl::DuplicateRule::last:
        return {1.5, a ? 4.0 : 2.0, 3.0};
      case tabrl::DuplicateRule::mean:
        return {a ? 1.75 : 1.25, a ? 4.0 : 2.0, 3.0};
      case tabrl::DuplicateRule::sequential:
        return {a ? 2.5 : 2.0, a ? 4.0 : 2.0, a ? 1.0 : 2.0};
    }
    return {};
  };
  bool saw_a = false, saw_b = false;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const bool update_a = coins(seed, 1)[0];
    (update_a ? saw_a : saw_b) = true;
    for (const auto rule : all_rules) {
      tabrl::DoubleQLearningAgent<> agent(2, 2, {.gamma = 1.0, .alpha = 0.5, .duplicates = rule},
                                          seed);
      tabrl::QTable<double> a(2, 2), b(2, 2);
      a << 0, 0, 1, 5;
      b << 0, 0, 7, 3;
      agent.set_tables(a, b);
      agent.update(batch);
      const Expected e = expected(rule, update_a);
      CAPTURE(seed, static_cast<int>(rule), update_a);
      const auto& own = update_a ? agent.table_a() : agent.table_b();
      const auto& other = update_a ? agent.table_b() : agent.table_a();
      REQUIRE(own(0, 0) == e.value);
      REQUIRE(other(0, 0) == 0.0);
      REQUIRE(agent.q(0, 0) == e.value);  // acting table A + B kept in step
      REQUIRE(agent.q(1, 1) == 8.0);      // untouched rows keep their sum
      REQUIRE(agent.last_td_errors()[0] == e.first_error);
      REQUIRE(agent.last_td_errors()[1] == e.second_error);
    }
  }
  REQUIRE((saw_a && saw_b));  // both branches exercised by the seeds above
}

TEST_CASE("QLearningAgent and ExpectedSarsaAgent bootstrap with each row's gamma^k",
          "[algorithms][nstep]") {
  // Q = [[0, 0], [2, 4]]; the agent's own gamma (0.9) must be ignored when discounts exist.
  // rows: (0,0,r=1,s'=1, d=0.25), (0,1,r=2,s'=1, d=0.5), (0,0,r=0,terminated, d=0.125)
  // Q-learning errors: 1 + 0.25*4 = 2, 2 + 0.5*4 = 4, 0 - 0 = 0 (pre-update table).
  //   Q(0,1) = 2 under every rule. Q(0,0): last 0; mean 0.5 * (2+0)/2 = 0.5;
  //   sequential 1 then 1 + 0.5 * (0 - 1) = 0.5.
  auto batch = rows({{0, 0, 1.0, 1, false}, {0, 1, 2.0, 1, false}, {0, 0, 0.0, 1, true}});
  batch.discounts.resize(3);
  batch.discounts << 0.25, 0.5, 0.125;
  const double q00[] = {0.0, 0.5, 0.5};
  for (int r = 0; r < 3; ++r) {
    tabrl::QLearningAgent<> agent(2, 2, {.gamma = 0.9, .alpha = 0.5, .duplicates = all_rules[r]});
    agent.q_values() << 0, 0, 2, 4;
    agent.update(batch);
    CAPTURE(r);
    REQUIRE(agent.q(0, 0) == q00[r]);
    REQUIRE(agent.q(0, 1) == 2.0);
    REQUIRE(agent.last_td_errors()[0] == 2.0);
    REQUIRE(agent.last_td_errors()[1] == 4.0);
  }
  // Expected SARSA, epsilon 0.5: E[s1] = 0.5 * 3 + 0.5 * 4 = 3.5. Row 1: 1 + 0.25 * 3.5 = 1.875.
  for (const auto rule : all_rules) {
    tabrl::ExpectedSarsaAgent<> agent(
        2, 2, {.gamma = 0.9, .alpha = 0.5, .epsilon = 0.5, .duplicates = rule});
    agent.q_values() << 0, 0, 2, 4;
    auto one = rows({{0, 0, 1.0, 1, false}});
    one.discounts.resize(1);
    one.discounts << 0.25;
    agent.update(one);
    REQUIRE(agent.last_td_errors()[0] == 1.875);
    REQUIRE(agent.q(0, 0) == 0.9375);
  }
}

namespace {

// An on-policy agent that records what the loop asks of it.
struct RecordingSarsa {
  static constexpr bool on_policy = true;
  [[nodiscard]] int num_states() const { return tabrl::CliffWalking::num_states(); }
  [[nodiscard]] int num_actions() const { return 4; }
  int act(int /*state*/, tabrl::Rng& rng) const {
    return static_cast<int>(tabrl::uniform_index(rng, 4));
  }
  void update(const tabrl::Transition& t, int next_action) { updates.emplace_back(t, next_action); }
  std::vector<std::pair<tabrl::Transition, int>> updates;
};

// CliffWalking that records every action it executes.
struct RecordingCliff {
  tabrl::CliffWalking env;
  std::vector<int> executed;
  [[nodiscard]] int num_states() const { return env.num_states(); }
  [[nodiscard]] int num_actions() const { return env.num_actions(); }
  int reset(std::uint64_t seed) { return env.reset(seed); }
  tabrl::StepResult step(int action) {
    executed.push_back(action);
    return env.step(action);
  }
};

}  // namespace

TEST_CASE("train_online: SARSA learns from a' and then executes that same a'", "[algorithms]") {
  RecordingSarsa agent;
  tabrl::TimeLimit<RecordingCliff> env(RecordingCliff{}, 25);  // truncations as well as ends
  const auto log = tabrl::train_online(agent, env, {.episodes = 40, .seed = 9});
  const auto& executed = env.unwrapped().executed;
  REQUIRE(agent.updates.size() == executed.size());
  REQUIRE(static_cast<std::int64_t>(executed.size()) == log.env_steps);
  std::size_t k = 0;
  int truncated = 0;
  for (const auto length : log.lengths) {
    for (std::int64_t j = 0; j < length; ++j, ++k) {
      const auto& [t, next_action] = agent.updates[k];
      REQUIRE(t.action == executed[k]);
      if (j + 1 < length) {
        REQUIRE(next_action == executed[k + 1]);  // the a' it learned from is the one taken
        REQUIRE(t.next_state == agent.updates[k + 1].first.state);
      } else if (!t.terminated) {
        ++truncated;  // a' was drawn to bootstrap from, but the episode was cut
      }
    }
  }
  REQUIRE(truncated > 0);
}

TEST_CASE("NStepReplay over PrioritizedReplay: discounts, weights and priority updates",
          "[algorithms][nstep][per]") {
  using PER = tabrl::PrioritizedReplay<>;
  tabrl::NStepReplay<PER> m(PER(16, {.alpha = 1.0, .beta = 0.5, .beta_steps = 10}), 2, 0.5);
  m.push(tabrl::Transition{0, 0, 1.0, 1, false});
  m.push(tabrl::Transition{1, 1, 2.0, 2, false});  // emits (0, 0, 1 + 0.5*2 = 2, s'=2, 0.25)
  m.push(tabrl::Transition{2, 2, 4.0, 3, true});   // emits (1, 1, 2 + 2 = 4, 3, T), (2, 2, 4, 3, T)
  REQUIRE(m.size() == 3);
  REQUIRE(m.memory().memory()[0] == tabrl::Transition{0, 0, 2.0, 2, false});
  REQUIRE(m.memory().memory()[1] == tabrl::Transition{1, 1, 4.0, 3, true});
  REQUIRE(m.discount_at(0) == 0.25);
  REQUIRE(m.memory().tree().total() == 3.0);  // each entered at the initial max priority 1
  tabrl::Minibatch batch;
  tabrl::Rng rng(4);
  m.sample(3, rng, batch);
  REQUIRE(batch.discounts.size() == 3);
  REQUIRE(batch.weights.size() == 3);
  REQUIRE(batch.weights.maxCoeff() == 1.0);
  Eigen::VectorXd errors = Eigen::VectorXd::Constant(3, 2.5);
  m.update_priorities(batch, errors);  // forwarded: p = 2.5 + epsilon for the sampled slots
  for (Eigen::Index i = 0; i < 3; ++i) {
    REQUIRE_THAT(m.memory().tree().get(static_cast<std::size_t>(batch.slots[i])),
                 WithinAbs(2.5 + 1e-6, 1e-15));
  }
  static_assert(HasUpdatePriorities<tabrl::NStepReplay<PER>>);
  static_assert(!HasUpdatePriorities<tabrl::NStepReplay<>>);  // train() then skips the call
}

TEST_CASE("n = 1 over either memory trains exactly like that memory, with gamma < 1",
          "[algorithms][nstep]") {
  tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 100);
  const tabrl::TDOptions cfg{.gamma = 0.9, .alpha = 0.7, .epsilon = 0.2};
  const tabrl::TrainOptions options{.episodes = 40, .batch_size = 16, .seed = 13};
  {
    tabrl::QLearningAgent<> plain(48, 4, cfg), nstep(48, 4, cfg);
    tabrl::ReplayMemory<> memory(1000, tabrl::Sampling::with_replacement);
    tabrl::NStepReplay<> one(tabrl::ReplayMemory<>(1000, tabrl::Sampling::with_replacement), 1,
                             0.9);
    REQUIRE(tabrl::train(plain, env, memory, options) == tabrl::train(nstep, env, one, options));
    REQUIRE(plain.q_values() == nstep.q_values());
  }
  {
    using PER = tabrl::PrioritizedReplay<>;
    tabrl::ExpectedSarsaAgent<> plain(48, 4, cfg), nstep(48, 4, cfg);
    PER memory(1000, {.beta_steps = 500});
    tabrl::NStepReplay<PER> one(PER(1000, {.beta_steps = 500}), 1, 0.9);
    REQUIRE(tabrl::train(plain, env, memory, options) == tabrl::train(nstep, env, one, options));
    REQUIRE(plain.q_values() == nstep.q_values());
    REQUIRE(memory.tree().total() == one.memory().tree().total());
  }
}

TEST_CASE("Schedules: exact messages; AlphaSchedule drives the learning rate",
          "[algorithms][schedules]") {
  REQUIRE_THROWS_WITH(tabrl::Schedule::exponential(1, 0, 1.5),
                      "tabrl::Schedule::exponential: rate must be in (0, 1], got 1.5");
  REQUIRE_THROWS_WITH(tabrl::Schedule::linear(std::nan(""), 0, 3),
                      Catch::StartsWith("tabrl::Schedule::linear: start must be finite, got "));
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 1.0, .epsilon = 0.1});
  std::vector<double> seen;
  struct Both {
    tabrl::AlphaSchedule<tabrl::QLearningAgent<>> alpha;
    std::vector<double>& seen;
    void on_episode_end(const tabrl::EpisodeEvent& e) {
      alpha.on_episode_end(e);
      seen.push_back(alpha.agent.alpha());
    }
  } obs{{agent, tabrl::Schedule::exponential(1.0, 0.0, 0.5)}, seen};
  tabrl::ReplayMemory<> memory(500);
  (void)tabrl::train(agent, env, memory, {.episodes = 4, .batch_size = 8}, obs);
  REQUIRE(seen == std::vector<double>{0.5, 0.25, 0.125, 0.0625});
}
