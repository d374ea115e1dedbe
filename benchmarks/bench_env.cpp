// Environment: one CliffWalking step.

#include <benchmark/benchmark.h>

#include <tabrl/envs/cliff_walking.hpp>

namespace {

void BM_cliff_walking_step(benchmark::State& state) {
  tabrl::CliffWalking env;
  env.reset(0);
  int a = 0;
  for (auto _ : state) {
    // up, right, down, left in turn: never reaches the goal, sometimes falls.
    auto r = env.step(a);
    benchmark::DoNotOptimize(r);
    a = (a + 1) & 3;
  }
}
BENCHMARK(BM_cliff_walking_step);

}  // namespace
