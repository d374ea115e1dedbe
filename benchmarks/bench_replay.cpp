// Replay memory: push and sampling, at the notebook's capacity and at a million.

#include <benchmark/benchmark.h>

#include <tabrl/replay/replay_memory.hpp>

namespace {

template <class Memory>
void fill(Memory& m, std::size_t n) {
  tabrl::Rng rng(1);
  for (std::size_t i = 0; i < n; ++i) {
    m.push(static_cast<int>(tabrl::uniform_index(rng, 48)), static_cast<int>(tabrl::uniform_index(rng, 4)),
           -1.0, static_cast<int>(tabrl::uniform_index(rng, 48)), false);
  }
}

void BM_replay_push(benchmark::State& state) {
  tabrl::ReplayMemory<> m(2000);
  int i = 0;
  for (auto _ : state) {
    m.push(i & 31, i & 3, -1.0, (i + 1) & 31, false);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_replay_push);

// args: capacity, batch, with_replacement
void BM_replay_sample(benchmark::State& state) {
  const auto capacity = static_cast<std::size_t>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  tabrl::ReplayMemory<> m(capacity, state.range(2) != 0 ? tabrl::Sampling::with_replacement
                                                        : tabrl::Sampling::without_replacement);
  fill(m, capacity);
  tabrl::Rng rng(2);
  tabrl::Minibatch out;
  for (auto _ : state) {
    m.sample(batch, rng, out);
    benchmark::DoNotOptimize(out.columns().states);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}
BENCHMARK(BM_replay_sample)
    ->ArgNames({"capacity", "batch", "with_replacement"})
    ->ArgsProduct({{2000, 1000000}, {32, 256}, {0, 1}});

void BM_replay_bytes_per_transition(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(state.iterations());
  state.counters["bytes_default"] = tabrl::ReplayMemory<>::bytes_per_transition;
  state.counters["bytes_float_i32_u8"] =
      tabrl::ReplayMemory<float, std::int32_t, std::uint8_t>::bytes_per_transition;
}
BENCHMARK(BM_replay_bytes_per_transition)->Iterations(1);

}  // namespace
