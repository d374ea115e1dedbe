#include <catch2/catch.hpp>

#include <cstdint>
#include <numeric>
#include <vector>

#include <tabrl/tabrl.hpp>
#include <tabrl/training/train_online.hpp>

namespace {
// CliffWalking that remembers the seeds it was reset with.
struct SeedRecorder {
  tabrl::CliffWalking env{tabrl::CliffWalkingOptions{.is_slippery = true}};
  std::vector<std::uint64_t> seeds;
  [[nodiscard]] int num_states() const { return env.num_states(); }
  [[nodiscard]] int num_actions() const { return env.num_actions(); }
  int reset(std::uint64_t seed) {
    seeds.push_back(seed);
    return env.reset(seed);
  }
  tabrl::StepResult step(int a) { return env.step(a); }
};

struct Counter {
  std::int64_t steps = 0;
  int episodes = 0;
  void on_step(const tabrl::StepEvent&) { ++steps; }
  void on_episode_end(const tabrl::EpisodeEvent&) { ++episodes; }
};

const tabrl::TDOptions notebook{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
}  // namespace

TEST_CASE("train_online equals the hand-written online Q-learning loop", "[viz][train_online]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  const tabrl::TrainOptions options{.episodes = 30, .seed = 11};
  const tabrl::TrainingLog log = tabrl::train_online(agent, env, options);

  tabrl::CliffWalking env2;
  tabrl::QLearningAgent<> manual(48, 4, notebook);
  tabrl::Rng rng(11);
  std::vector<double> returns;
  std::int64_t steps = 0;
  for (int e = 0; e < 30; ++e) {
    int s = env2.reset(tabrl::derive_seed(11, static_cast<std::uint64_t>(e)));
    double ret = 0;
    for (;;) {
      const int a = manual.act(s, rng);
      const auto r = env2.step(a);
      manual.update(tabrl::Transition{s, a, r.reward, r.next_state, r.terminated});
      ret += r.reward;
      ++steps;
      s = r.next_state;
      if (r.terminated) break;
    }
    returns.push_back(ret);
  }
  CHECK(log.returns == returns);
  CHECK(log.env_steps == steps);
  CHECK(log.updates == steps);
  CHECK(agent.q_values() == manual.q_values());
  const auto visits = std::accumulate(log.visit_counts.begin(), log.visit_counts.end(), std::int64_t{0});
  CHECK(visits == log.env_steps + 30);  // every step's next state plus each episode's start
}

TEST_CASE("train_online seeds episodes exactly as train does", "[viz][train_online]") {
  SeedRecorder a, b;
  tabrl::QLearningAgent<> online(48, 4, notebook), replay(48, 4, notebook);
  tabrl::ReplayMemory<> memory(100);
  const tabrl::TrainOptions options{.episodes = 5, .batch_size = 8, .seed = 42};
  (void)tabrl::train_online(online, a, options);
  (void)tabrl::train(replay, b, memory, options);
  REQUIRE(a.seeds.size() == 5);
  CHECK(a.seeds == b.seeds);
  for (std::uint64_t e = 0; e < 5; ++e) CHECK(a.seeds[e] == tabrl::derive_seed(42, e));
}

TEST_CASE("train_online is deterministic, resumable and calls the observer hooks", "[viz][train_online]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> x(48, 4, notebook), y(48, 4, notebook);
  Counter counter;
  const auto lx = tabrl::train_online(x, env, {.episodes = 20, .seed = 5}, counter);
  CHECK(counter.episodes == 20);
  CHECK(counter.steps == lx.env_steps);

  tabrl::TrainingState state(5, 48);
  tabrl::run_online_training(y, env, {.episodes = 8, .seed = 5}, state);
  tabrl::run_online_training(y, env, {.episodes = 20, .seed = 5}, state);
  CHECK(state.log == lx);
  CHECK(x.q_values() == y.q_values());
}

TEST_CASE("online Q-learning with the notebook's settings learns the optimal path", "[viz][train_online]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  (void)tabrl::train_online(agent, env, {.episodes = 300, .seed = 0});
  tabrl::Rng rng(1);
  const auto rollout = tabrl::greedy_rollout(agent, env, rng, 100);
  CHECK(rollout.terminated);
  CHECK(rollout.total_return == -13.0);
}

TEST_CASE("train_online rejects bad options", "[viz][train_online]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook), wrong(10, 4, notebook);
  CHECK_THROWS_WITH(tabrl::train_online(agent, env, {.episodes = 1, .updates_per_step = 2}),
                    "tabrl::train_online: updates_per_step must be 1 for online learning, got 2");
  CHECK_THROWS_WITH(tabrl::train_online(agent, env, {.episodes = -1}),
                    "tabrl::train_online: episodes must be >= 0, got -1");
  CHECK_THROWS_WITH(tabrl::train_online(wrong, env, {.episodes = 1}),
                    "tabrl::train_online: agent table must match the environment (48 x 4), got 10 x 4");
}
