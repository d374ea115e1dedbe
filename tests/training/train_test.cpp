// The training loop: determinism, bookkeeping, validation, observers, resumption, and the
// notebook's result.

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/evaluate.hpp>
#include <tabrl/training/train.hpp>

namespace {

constexpr tabrl::TDOptions notebook{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};

struct Run {
  tabrl::QTable<> q;
  tabrl::TrainingLog log;
};

Run run(std::uint64_t seed, int episodes = 100) {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(2000);
  auto log = tabrl::train(agent, env, memory, {.episodes = episodes, .batch_size = 32, .seed = seed});
  return {agent.q_values(), std::move(log)};
}

// FNV-1a over the bytes of the Q table and the integer parts of the log.
std::uint64_t fingerprint(const Run& r) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ULL;
  };
  mix(r.q.data(), static_cast<std::size_t>(r.q.size()) * sizeof(double));
  mix(r.log.returns.data(), r.log.returns.size() * sizeof(double));
  mix(r.log.lengths.data(), r.log.lengths.size() * sizeof(std::int64_t));
  mix(r.log.visit_counts.data(), r.log.visit_counts.size() * sizeof(std::int64_t));
  return h;
}

}  // namespace

TEST_CASE("train: the same seed gives a bit-identical run, another seed a different one",
          "[training]") {
  const Run a = run(3), b = run(3), c = run(4);
  REQUIRE(a.log == b.log);
  REQUIRE(std::memcmp(a.q.data(), b.q.data(), sizeof(double) * 192) == 0);
  REQUIRE_FALSE(a.log == c.log);
  // After 100 episodes both tables have converged to the same values, so compare early ones.
  REQUIRE(run(3, 10).q != run(4, 10).q);
}

TEST_CASE("train: the run for seed 0 is pinned (same on g++ and clang++)", "[training]") {
  // If this changes, every published figure changes: only update it on purpose.
  const Run r = run(0);
  CAPTURE(fingerprint(r));
  REQUIRE(r.log.env_steps == 2299);
  REQUIRE(r.log.updates == 2267);
  REQUIRE(fingerprint(r) == 0x56e54781a7f2b95eULL);
}

TEST_CASE("train: the log's bookkeeping adds up", "[training]") {
  const Run r = run(1, 50);
  const auto& log = r.log;
  REQUIRE(log.returns.size() == 50);
  REQUIRE(log.lengths.size() == 50);
  std::int64_t steps = 0, visits = 0;
  for (auto l : log.lengths) steps += l;
  for (auto v : log.visit_counts) visits += v;
  REQUIRE(steps == log.env_steps);
  REQUIRE(visits == log.env_steps + 50);  // every step plus every episode's start state
  // Updates start once the memory holds more than one batch: after step 33 of the run.
  REQUIRE(log.updates == log.env_steps - 32);
  for (int s = 37; s < 47; ++s) REQUIRE(log.visit_counts[static_cast<std::size_t>(s)] == 0);
  REQUIRE(log.visit_counts[47] == 50);  // every episode ends at the goal
  REQUIRE(log.seconds > 0.0);
  for (std::size_t e = 0; e < 50; ++e) REQUIRE(log.returns[e] <= -static_cast<double>(log.lengths[e]) + 0.0);
  REQUIRE(log.mean_return_last(10) ==
          (log.returns[40] + log.returns[41] + log.returns[42] + log.returns[43] + log.returns[44] +
           log.returns[45] + log.returns[46] + log.returns[47] + log.returns[48] + log.returns[49]) / 10);
}

TEST_CASE("train: updates_per_step multiplies the updates", "[training]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(500);
  auto log = tabrl::train(agent, env, memory, {.episodes = 5, .batch_size = 8, .updates_per_step = 3});
  REQUIRE(log.updates == 3 * (log.env_steps - 8));
}

TEST_CASE("train: bad options and mismatched sizes throw", "[training]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4);
  tabrl::ReplayMemory<> memory(16);
  REQUIRE_THROWS_WITH(tabrl::train(agent, env, memory, {.episodes = -1}),
                      "tabrl::train: episodes must be >= 0, got -1");
  REQUIRE_THROWS_WITH(tabrl::train(agent, env, memory, {.batch_size = 0}),
                      "tabrl::train: batch_size must be >= 1, got 0");
  REQUIRE_THROWS_WITH(tabrl::train(agent, env, memory, {.batch_size = 17}),
                      Catch::Contains("batch_size must be <= memory capacity 16, got 17"));
  REQUIRE_THROWS_AS(tabrl::train(agent, env, memory, {.updates_per_step = -2}), tabrl::InvalidArgument);
  tabrl::QLearningAgent<> wrong(47, 4);
  REQUIRE_THROWS_WITH(tabrl::train(wrong, env, memory, {.batch_size = 4}),
                      Catch::Contains("agent table must match the environment (48 x 4), got 47 x 4"));
  REQUIRE_THROWS_AS(tabrl::TrainingState(0, 0), tabrl::InvalidArgument);
  const auto empty = tabrl::train(agent, env, memory, {.episodes = 0, .batch_size = 4});
  REQUIRE(empty.env_steps == 0);
  REQUIRE(empty.returns.empty());
}

TEST_CASE("train: observers see every step and every episode", "[training]") {
  struct Counter {
    std::int64_t steps = 0;
    int episodes = 0;
    double returns = 0;
    void on_step(const tabrl::StepEvent& e) {
      ++steps;
      REQUIRE(e.step_in_episode >= 1);
      REQUIRE(e.result.next_state >= 0);
    }
    void on_episode_end(const tabrl::EpisodeEvent& e) {
      REQUIRE(e.episode == episodes);
      REQUIRE(e.episodes_total == 7);
      ++episodes;
      returns += e.episode_return;
    }
  };
  struct EpisodesOnly {
    int n = 0;
    void on_episode_end(const tabrl::EpisodeEvent&) { ++n; }
  };
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(100);
  Counter counter;
  auto log = tabrl::train(agent, env, memory, {.episodes = 7, .batch_size = 8}, counter);
  REQUIRE(counter.steps == log.env_steps);
  REQUIRE(counter.episodes == 7);
  double sum = 0;
  for (double r : log.returns) sum += r;
  REQUIRE(counter.returns == sum);
  EpisodesOnly only;
  (void)tabrl::train(agent, env, memory, {.episodes = 3, .batch_size = 8}, only);
  REQUIRE(only.n == 3);
}

TEST_CASE("run_training in chunks equals one uninterrupted run", "[training]") {
  const Run whole = run(9);
  for (int cut : {1, 30, 99}) {
    tabrl::CliffWalking env;
    tabrl::QLearningAgent<> agent(48, 4, notebook);
    tabrl::ReplayMemory<> memory(2000);
    tabrl::TrainingState state(9, 48);
    tabrl::run_training(agent, env, memory, {.episodes = cut, .batch_size = 32, .seed = 9}, state);
    REQUIRE(state.episode == cut);
    tabrl::run_training(agent, env, memory, {.episodes = 100, .batch_size = 32, .seed = 9}, state);
    CAPTURE(cut);
    REQUIRE(state.log == whole.log);
    REQUIRE(agent.q_values() == whole.q);
  }
}

TEST_CASE("train: truncated episodes are stored as not terminated and keep bootstrapping",
          "[training]") {
  // Every episode is cut after 5 steps (the goal is at least 13 away), so no stored
  // transition may be terminated, and the values must have bootstrapped across steps.
  tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 5);
  tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.5});
  tabrl::ReplayMemory<> memory(1000);
  auto log = tabrl::train(agent, env, memory, {.episodes = 40, .batch_size = 4, .seed = 2});
  for (auto l : log.lengths) REQUIRE(l == 5);
  REQUIRE(memory.size() == 200);
  for (std::size_t i = 0; i < memory.size(); ++i) REQUIRE_FALSE(memory[i].terminated);
  // With bootstrapping, some value must fall below the -1 a single step can give... by more
  // than a one-step target could produce.
  REQUIRE(agent.q_values().minCoeff() < -1.5);
}

TEST_CASE("notebook defaults: the greedy policy walks the 13-step optimal path",
          "[training][notebook]") {
  // Issue requirement: at least 19 of 20 fixed seeds; all 20 do with this implementation.
  int optimal = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    tabrl::CliffWalking env;
    tabrl::QLearningAgent<> agent(48, 4, notebook);
    tabrl::ReplayMemory<> memory(2000);
    (void)tabrl::train(agent, env, memory, {.episodes = 100, .batch_size = 32, .seed = seed});
    tabrl::Rng rng(tabrl::derive_seed(seed, 0xE7A1));
    const auto rollout = tabrl::greedy_rollout(agent, env, rng, 100);
    CAPTURE(seed);
    REQUIRE(rollout.terminated);
    REQUIRE(rollout.total_return == -13.0);
    REQUIRE(rollout.length() == 13);
    optimal += 1;
  }
  REQUIRE(optimal >= 19);
}

TEST_CASE("greedy_rollout stops at the step cap on a policy that never arrives", "[training]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4);
  agent.q_values().col(tabrl::CliffWalking::left).setConstant(1.0);  // always push into the wall
  tabrl::Rng rng(0);
  const auto r = tabrl::greedy_rollout(agent, env, rng, 25);
  REQUIRE(r.length() == 25);
  REQUIRE_FALSE(r.terminated);
  REQUIRE(r.total_return == -25.0);
  REQUIRE(r.states.size() == 26);
  for (int s : r.states) REQUIRE(s == 36);
}
