// Prints one hash per (configuration, seed) of the Q table bytes and the TrainingLog after a
// short training run. The hot-path optimisations must leave every line unchanged (bit-identical
// draws and floating-point results), under g++ and clang++ alike: run it before and after a
// change, and with both compilers, and diff the outputs.
//   tabrl_fingerprint > before.txt; ...change...; tabrl_fingerprint | diff before.txt -

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include <tabrl/tabrl.hpp>

namespace {

// FNV-1a over raw bytes: any change in any bit of any value changes the hash.
struct Hash {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ULL;
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    bytes(v.data(), v.size() * sizeof(T));
  }
};

template <class Agent>
std::uint64_t table_hash(const Agent& agent) {
  Hash h;
  h.bytes(agent.q_values().data(),
          static_cast<std::size_t>(agent.q_values().size()) * sizeof(agent.q_values()(0, 0)));
  return h.h;
}

std::uint64_t log_hash(const tabrl::TrainingLog& log) {
  Hash h;
  h.vec(log.returns);
  h.vec(log.lengths);
  h.vec(log.visit_counts);
  h.bytes(&log.env_steps, sizeof log.env_steps);
  h.bytes(&log.updates, sizeof log.updates);
  return h.h;
}

template <class Agent, class Env, class Memory>
void run(const char* name, Agent agent, Env env, Memory memory, tabrl::TrainOptions options) {
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    Agent a = agent;
    Memory m = memory;
    Env e = env;
    options.seed = seed;
    const tabrl::TrainingLog log = tabrl::train(a, e, m, options);
    std::printf("%-28s seed %llu  q %016llx  log %016llx  steps %lld\n", name,
                static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(table_hash(a)),
                static_cast<unsigned long long>(log_hash(log)),
                static_cast<long long>(log.env_steps));
  }
}

// The same for online learning (train_online: no memory, one update per env step).
template <class Agent, class Env>
void run_online(const char* name, Agent agent, Env env, tabrl::TrainOptions options) {
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    Agent a = agent;
    Env e = env;
    options.seed = seed;
    const tabrl::TrainingLog log = tabrl::train_online(a, e, options);
    std::printf("%-28s seed %llu  q %016llx  log %016llx  steps %lld\n", name,
                static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(table_hash(a)),
                static_cast<unsigned long long>(log_hash(log)),
                static_cast<long long>(log.env_steps));
  }
}

}  // namespace

int main() {
  using tabrl::DuplicateRule;
  const tabrl::TDOptions nb{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
  const tabrl::TrainOptions o100{.episodes = 100, .batch_size = 32};
  const tabrl::CliffWalking cliff;
  // The notebook's defaults.
  run("notebook", tabrl::QLearningAgent<>(48, 4, nb), cliff, tabrl::ReplayMemory<>(2000), o100);
  // After 100 episodes most entries sit exactly on their fixed point whatever the seed, so
  // short runs hash a table still in motion.
  const tabrl::TrainOptions o5{.episodes = 5, .batch_size = 32};
  run("notebook-5-episodes", tabrl::QLearningAgent<>(48, 4, nb), cliff, tabrl::ReplayMemory<>(2000),
      o5);
  run("alpha-0.1-5-episodes", tabrl::QLearningAgent<>(48, 4, {.gamma = 0.99, .alpha = 0.1}), cliff,
      tabrl::ReplayMemory<>(2000), o5);
  // Other memory layouts and sampling modes (Floyd's branch: 4 * batch > size).
  run("f32-memory", tabrl::QLearningAgent<>(48, 4, nb), cliff,
      tabrl::ReplayMemory<float, std::int32_t, std::uint8_t>(2000), o100);
  run("with-replacement", tabrl::QLearningAgent<>(48, 4, nb), cliff,
      tabrl::ReplayMemory<>(2000, tabrl::Sampling::with_replacement), o100);
  run("floyd-batch256-mem300", tabrl::QLearningAgent<>(48, 4, nb), cliff,
      tabrl::ReplayMemory<>(300), {.episodes = 30, .batch_size = 256});
  // Every duplicate rule, a float table, two updates per step.
  auto mean_cfg = nb;
  mean_cfg.duplicates = DuplicateRule::mean;
  run("dup-mean", tabrl::QLearningAgent<>(48, 4, mean_cfg), cliff, tabrl::ReplayMemory<>(2000), o100);
  auto seq_cfg = nb;
  seq_cfg.duplicates = DuplicateRule::sequential;
  run("dup-sequential", tabrl::QLearningAgent<>(48, 4, seq_cfg), cliff, tabrl::ReplayMemory<>(2000),
      o100);
  run("float-table-2-updates", tabrl::QLearningAgent<float>(48, 4, nb), cliff,
      tabrl::ReplayMemory<>(2000), {.episodes = 100, .batch_size = 32, .updates_per_step = 2});
  // The other agents on the shared minibatch engine, prioritized replay, n-step returns.
  run("expected-sarsa", tabrl::ExpectedSarsaAgent<>(48, 4, nb), cliff, tabrl::ReplayMemory<>(2000),
      o100);
  run("double-q", tabrl::DoubleQLearningAgent<>(48, 4, nb), cliff, tabrl::ReplayMemory<>(2000),
      o100);
  run("prioritized", tabrl::QLearningAgent<>(48, 4, nb), cliff, tabrl::PrioritizedReplay<>(2000),
      o100);
  run("n-step-3", tabrl::QLearningAgent<>(48, 4, nb), cliff,
      tabrl::NStepReplay<>(tabrl::ReplayMemory<>(2000), 3, 1.0), o100);
  // A non-4-action table (the dynamic-size path) and a slippery, time-limited environment.
  run("taxi", tabrl::QLearningAgent<>(500, 6, nb),
      tabrl::make_taxi(), tabrl::ReplayMemory<>(2000), {.episodes = 20, .batch_size = 32});
  run("slippery-cliff-limit", tabrl::QLearningAgent<>(48, 4, nb),
      tabrl::TimeLimit(tabrl::CliffWalking({.is_slippery = true}), 200),
      tabrl::ReplayMemory<>(2000), o100);
  // More agents x memories x duplicate rules, and expected SARSA away from epsilon 0.5.
  auto es_cfg = nb;
  es_cfg.epsilon = 0.3;
  run("expected-sarsa-eps-0.3", tabrl::ExpectedSarsaAgent<>(48, 4, es_cfg), cliff,
      tabrl::ReplayMemory<>(2000), o100);
  auto es_mean = es_cfg;
  es_mean.duplicates = DuplicateRule::mean;
  run("expected-sarsa-dup-mean", tabrl::ExpectedSarsaAgent<>(48, 4, es_mean), cliff,
      tabrl::ReplayMemory<>(2000), o100);
  run("double-q-dup-sequential", tabrl::DoubleQLearningAgent<>(48, 4, seq_cfg, 7), cliff,
      tabrl::ReplayMemory<>(2000), o100);
  run("prioritized-dup-mean", tabrl::QLearningAgent<>(48, 4, mean_cfg), cliff,
      tabrl::PrioritizedReplay<>(2000, {.alpha = 0.5}), o100);
  run("prioritized-dup-sequential", tabrl::ExpectedSarsaAgent<>(48, 4, seq_cfg), cliff,
      tabrl::PrioritizedReplay<>(2000), o100);
  run("n-step-2-over-prioritized", tabrl::QLearningAgent<>(48, 4, nb), cliff,
      tabrl::NStepReplay<tabrl::PrioritizedReplay<>>(tabrl::PrioritizedReplay<>(2000), 2, 1.0),
      o100);
  run("n-step-3-sequential", tabrl::QLearningAgent<>(48, 4, seq_cfg), cliff,
      tabrl::NStepReplay<>(tabrl::ReplayMemory<>(500), 3, 1.0), o5);
  run("taxi-expected-sarsa", tabrl::ExpectedSarsaAgent<>(500, 6, es_cfg), tabrl::make_taxi(),
      tabrl::ReplayMemory<>(2000), {.episodes = 20, .batch_size = 32});
  run("taxi-double-q-mean", tabrl::DoubleQLearningAgent<>(500, 6, mean_cfg, 3),
      tabrl::make_taxi(), tabrl::ReplayMemory<>(2000), {.episodes = 20, .batch_size = 32});
  run("frozen-lake-8x8", tabrl::QLearningAgent<>(64, 4, {.gamma = 0.99, .alpha = 0.5}),
      tabrl::make_frozen_lake_8x8(), tabrl::ReplayMemory<>(2000), {.episodes = 50, .batch_size = 32});
  // Online learning: every agent, the book's settings and a slippery, time-limited cliff.
  const tabrl::TDOptions book{.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1};
  run_online("online-q", tabrl::QLearningAgent<>(48, 4, book), cliff, o100);
  run_online("online-sarsa", tabrl::SarsaAgent<>(48, 4, book), cliff, o100);
  run_online("online-expected-sarsa", tabrl::ExpectedSarsaAgent<>(48, 4, book), cliff, o100);
  run_online("online-double-q", tabrl::DoubleQLearningAgent<>(48, 4, book, 11), cliff, o100);
  run_online("online-sarsa-slippery", tabrl::SarsaAgent<>(48, 4, {.gamma = 0.9, .alpha = 0.2}),
             tabrl::TimeLimit(tabrl::CliffWalking({.is_slippery = true}), 100), o100);
  run_online("online-q-taxi-float", tabrl::QLearningAgent<float>(500, 6, book), tabrl::make_taxi(),
             {.episodes = 50});
  return 0;
}
