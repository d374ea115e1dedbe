// EpisodeStatistics: returns and lengths over a window of episodes.

#include <catch2/catch.hpp>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/episode_statistics.hpp>
#include <tabrl/envs/make.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/train.hpp>

static_assert(tabrl::DiscreteEnvironment<tabrl::EpisodeStatistics<tabrl::CliffWalking>>);
static_assert(tabrl::DiscreteEnvironment<tabrl::EpisodeStatistics<tabrl::TimeLimit<tabrl::Taxi>>>);

TEST_CASE("EpisodeStatistics records returns and lengths over a window", "[envs][wrappers]") {
  tabrl::EpisodeStatistics<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 2);
  REQUIRE(env.mean_return() == 0.0);
  auto optimal = [&] {
    env.reset();
    env.step(0);
    for (int i = 0; i < 11; ++i) env.step(1);
    env.step(2);
  };
  optimal();
  REQUIRE(env.episodes() == 1);
  REQUIRE(env.last_return() == -13.0);
  REQUIRE(env.last_length() == 13);
  env.reset();
  env.step(1);  // fall: -100
  env.step(0);
  for (int i = 0; i < 11; ++i) env.step(1);
  REQUIRE(env.episode_return() == -112.0);
  env.step(2);
  REQUIRE(env.last_return() == -113.0);
  REQUIRE(env.mean_return() == (-13.0 - 113.0) / 2);
  optimal();  // the window of 2 now holds -113 and -13
  REQUIRE(env.mean_return() == -63.0);
  REQUIRE(env.mean_length() == (14.0 + 13.0) / 2);
  REQUIRE(env.episodes() == 3);
  REQUIRE_THROWS_AS(tabrl::EpisodeStatistics<tabrl::CliffWalking>(tabrl::CliffWalking{}, 0), tabrl::InvalidArgument);
}

TEST_CASE("EpisodeStatistics under train() sees what the log sees", "[envs][wrappers]") {
  tabrl::EpisodeStatistics<tabrl::TimeLimit<tabrl::FrozenLake>> env(tabrl::make_frozen_lake(), 1000);
  tabrl::QLearningAgent<> agent(16, 4, {.gamma = 0.99, .alpha = 0.1, .epsilon = 0.2});
  tabrl::ReplayMemory<> memory(1000);
  const auto log = tabrl::train(agent, env, memory, {.episodes = 50, .batch_size = 8, .seed = 1});
  REQUIRE(env.episodes() == 50);
  REQUIRE_THAT(env.mean_return(), Catch::Matchers::WithinAbs(log.mean_return_last(50), 1e-12));
  double mean_len = 0;
  for (auto l : log.lengths) mean_len += static_cast<double>(l);
  REQUIRE_THAT(env.mean_length(), Catch::Matchers::WithinAbs(mean_len / 50, 1e-12));
}
