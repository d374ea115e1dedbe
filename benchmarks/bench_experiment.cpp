// The experiment engine's costs (docs/experiments.md cites these):
//  - overhead per run: the same runs through the bare training call (train_online / train)
//    and through run_sweep with the Sequential executor; the ratio of the two times is what
//    the engine adds (dispatch, curves, statistics). Evaluation is off (eval_episodes 0) so
//    both do the same work.
//  - thread scaling: the same grid on 1 and 2 threads (real time); parallel efficiency is
//    t(1) / (2 t(2)).
// Run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true and compare
// medians; say what else the machine was doing.

#include <benchmark/benchmark.h>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/experiment/experiment.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/train.hpp>
#include <tabrl/training/train_online.hpp>

namespace {

namespace ex = tabrl::experiment;
constexpr int runs_per_iteration = 64;

ex::Grid grid(bool replay, std::int64_t runs) {
  ex::Grid g;
  g.set("alpha", replay ? "0.9" : "0.5");
  g.set("replay", replay ? "uniform" : "online");
  g.set("episodes", "100");
  g.set("eval_episodes", "0");
  g.set_runs(runs);
  return g;
}

void bare(benchmark::State& state, bool replay) {
  for (auto _ : state) {
    double sink = 0;
    for (int r = 0; r < runs_per_iteration; ++r) {
      tabrl::CliffWalking env;
      const tabrl::TrainOptions options{.episodes = 100, .batch_size = 32, .seed = ex::Grid::run_seed(0, r)};
      if (replay) {
        tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
        tabrl::ReplayMemory<> memory(2000);
        sink += tabrl::train(agent, env, memory, options).returns.back();
      } else {
        tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1});
        sink += tabrl::train_online(agent, env, options).returns.back();
      }
    }
    benchmark::DoNotOptimize(sink);
  }
  state.counters["runs/s"] = benchmark::Counter(static_cast<double>(state.iterations() * runs_per_iteration),
                                                benchmark::Counter::kIsRate);
}

void engine(benchmark::State& state, bool replay) {
  const ex::Grid g = grid(replay, runs_per_iteration);
  ex::SweepOptions o;
  o.bootstrap = 0;
  for (auto _ : state) {
    const ex::SweepResult r = ex::run_sweep(g, ex::Sequential{}, o);
    benchmark::DoNotOptimize(r.cells.front().returns.mean().back());
  }
  state.counters["runs/s"] = benchmark::Counter(static_cast<double>(state.iterations() * runs_per_iteration),
                                                benchmark::Counter::kIsRate);
}

void BM_BareOnline(benchmark::State& s) { bare(s, false); }
void BM_EngineOnline(benchmark::State& s) { engine(s, false); }
void BM_BareReplay(benchmark::State& s) { bare(s, true); }
void BM_EngineReplay(benchmark::State& s) { engine(s, true); }
BENCHMARK(BM_BareOnline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineOnline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareReplay)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineReplay)->Unit(benchmark::kMillisecond);

// 1 or 2 threads on 1,024 online runs (64 blocks of 16).
void BM_EngineThreads(benchmark::State& state) {
  const ex::Grid g = grid(false, 1024);
  ex::SweepOptions o;
  o.bootstrap = 0;
  for (auto _ : state) {
    const ex::SweepResult r = ex::run_sweep(g, ex::Threads{static_cast<int>(state.range(0))}, o);
    benchmark::DoNotOptimize(r.cells.front().returns.mean().back());
  }
  state.counters["runs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 1024), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EngineThreads)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
