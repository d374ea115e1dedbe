// Agent: minibatch update (small table and a cache-missing million-state table), acting.

#include <benchmark/benchmark.h>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/replay/replay_memory.hpp>

namespace {

// args: num_states, batch
void BM_agent_minibatch_update(benchmark::State& state) {
  const auto num_states = static_cast<int>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  tabrl::QLearningAgent<> agent(num_states, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory(4096);
  tabrl::Rng rng(3);
  for (int i = 0; i < 4096; ++i) {
    memory.push(static_cast<int>(tabrl::uniform_index(rng, static_cast<std::uint64_t>(num_states))),
                static_cast<int>(tabrl::uniform_index(rng, 4)), -1.0,
                static_cast<int>(tabrl::uniform_index(rng, static_cast<std::uint64_t>(num_states))),
                i % 50 == 0);
  }
  // A ring of pre-sampled batches, so the loop times the update alone.
  std::vector<tabrl::Minibatch> batches(64);
  for (auto& b : batches) memory.sample(batch, rng, b);
  std::size_t k = 0;
  for (auto _ : state) {
    agent.update(batches[k]);
    k = (k + 1) & 63U;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}
BENCHMARK(BM_agent_minibatch_update)
    ->ArgNames({"states", "batch"})
    ->ArgsProduct({{48, 1000000}, {32, 256}});

void BM_agent_epsilon_greedy(benchmark::State& state) {
  tabrl::QLearningAgent<> agent(48, 4, {.epsilon = 0.1});
  tabrl::Rng init(4);
  for (Eigen::Index i = 0; i < agent.q_values().size(); ++i) {
    agent.q_values().data()[i] = -static_cast<double>(tabrl::uniform_index(init, 20));
  }
  tabrl::Rng rng(5);
  int s = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(agent.epsilon_greedy_action(s, rng));
    s = s == 47 ? 0 : s + 1;
  }
}
BENCHMARK(BM_agent_epsilon_greedy);

}  // namespace
