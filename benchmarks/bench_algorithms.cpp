// Algorithms II (issue 19): what traces and planning cost per step, next to the one-step
// Q-learning update they extend.
//  - BM_one_step_q_update: QLearningAgent::update(transition), the baseline.
//  - BM_trace_step/<agent>/active:K: one online step of a trace agent with exactly K active
//    traces (lambda = gamma = 1 and threshold 0, so none decays away; the steps cycle through
//    K pairs already traced). The cost should grow linearly in K, not with the table's size.
//  - BM_dyna_planning_update/<model>: one planning update of Dyna-Q from a model of every
//    CliffWalking pair (items: planning updates).
//  - BM_dyna_step/n:N: a real Dyna-Q step with N planning updates.
//  - BM_sweeping_update: one queue update of prioritized sweeping, sweeping back from the goal
//    through a model of every CliffWalking pair (items: queue updates).
//  - BM_sweeping_step: a real prioritized-sweeping step (up to 32 queue updates) replaying
//    CliffWalking transitions.

#include <benchmark/benchmark.h>

#include <vector>

#include <tabrl/agents/dyna_q.hpp>
#include <tabrl/agents/prioritized_sweeping.hpp>
#include <tabrl/agents/q_lambda.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa_lambda.hpp>
#include <tabrl/agents/true_online_sarsa.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/training/train_online.hpp>

namespace {

// A ring of CliffWalking transitions from an epsilon-greedy run, for agents to learn from.
std::vector<tabrl::Transition> cliff_transitions(std::size_t n) {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> walker(48, 4, {.alpha = 0.5, .epsilon = 0.3});
  tabrl::Rng rng(11);
  std::vector<tabrl::Transition> out;
  int s = env.reset(0);
  while (out.size() < n) {
    const int a = walker.act(s, rng);
    const tabrl::StepResult r = env.step(a);
    const tabrl::Transition t{s, a, r.reward, r.next_state, r.terminated};
    (void)walker.update(t);
    out.push_back(t);
    s = r.terminated ? env.reset(out.size()) : r.next_state;
  }
  return out;
}

// Times agent.update over a ring of 4096 CliffWalking transitions, one step per iteration.
template <class AgentT>
void ring_steps(benchmark::State& state, AgentT& agent) {
  const auto ring = cliff_transitions(4096);
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(agent.update(ring[k]));
    k = (k + 1) & 4095U;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_one_step_q_update(benchmark::State& state) {
  tabrl::QLearningAgent<> agent(48, 4, {.alpha = 0.5});
  ring_steps(state, agent);
}
BENCHMARK(BM_one_step_q_update);

template <class AgentT>
void trace_step(benchmark::State& state, AgentT agent) {
  const auto active = static_cast<int>(state.range(0));
  // Pairs (s, 0) for s = 0 .. K-1 visited in a cycle: every step marks a traced pair.
  const auto step = [&](int i) {
    const tabrl::Transition t{i % active, 0, 0.0, (i + 1) % active, false};
    if constexpr (tabrl::OnPolicyAgent<AgentT>) {
      return agent.update(t, 0);
    } else {
      return agent.update(t);
    }
  };
  for (int i = 0; i < active; ++i) (void)step(i);
  if (static_cast<int>(agent.traces().size()) != active) state.SkipWithError("the trace count is not the one asked for");
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(step(i));
    i = i + 1 == active ? 0 : i + 1;
  }
  state.counters["active"] = static_cast<double>(agent.traces().size());
  state.SetItemsProcessed(state.iterations());
}

constexpr int trace_states = 4096;  // the table is larger than any trace set measured
const tabrl::TraceOptions every_trace{.lambda = 1.0, .kind = tabrl::TraceKind::replacing, .threshold = 0.0};

void BM_trace_step_sarsa_lambda(benchmark::State& state) {
  trace_step(state, tabrl::SarsaLambdaAgent<>(trace_states, 4, {.gamma = 1.0, .alpha = 0.1}, every_trace));
}
void BM_trace_step_true_online(benchmark::State& state) {
  trace_step(state, tabrl::TrueOnlineSarsaAgent<>(trace_states, 4, {.gamma = 1.0, .alpha = 0.1}, every_trace));
}
void BM_trace_step_q_lambda(benchmark::State& state) {
  trace_step(state, tabrl::QLambdaAgent<>(trace_states, 4, {.gamma = 1.0, .alpha = 0.1}, every_trace));
}
BENCHMARK(BM_trace_step_sarsa_lambda)->ArgName("active")->RangeMultiplier(4)->Range(1, 4096);
BENCHMARK(BM_trace_step_true_online)->ArgName("active")->RangeMultiplier(4)->Range(1, 4096);
BENCHMARK(BM_trace_step_q_lambda)->ArgName("active")->RangeMultiplier(4)->Range(1, 4096);

// Dyna-Q with a model of every CliffWalking pair; arg 0: deterministic, 1: sample model.
void BM_dyna_planning_update(benchmark::State& state) {
  const auto kind = state.range(0) == 0 ? tabrl::ModelKind::deterministic : tabrl::ModelKind::sample;
  tabrl::DynaQAgent<> agent(48, 4, {.alpha = 0.5}, {.planning_steps = 0, .model = kind}, 3);
  tabrl::CliffWalking env;
  for (int s = 0; s < 48; ++s) {
    for (int a = 0; a < 4; ++a) {
      const tabrl::Outcome o = env.transitions(s, a)[0];
      (void)agent.update(tabrl::Transition{s, a, o.reward, o.next_state, o.terminated});
    }
  }
  constexpr int batch = 1024;
  for (auto _ : state) agent.plan(batch);
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_dyna_planning_update)->ArgName("sample_model")->Arg(0)->Arg(1);

void BM_dyna_step(benchmark::State& state) {
  tabrl::DynaQAgent<> agent(48, 4, {.alpha = 0.5}, {.planning_steps = static_cast<int>(state.range(0))}, 3);
  ring_steps(state, agent);
}
BENCHMARK(BM_dyna_step)->ArgName("n")->Arg(0)->Arg(5)->Arg(32)->Arg(50);

// Prioritized sweeping with a model of every CliffWalking pair: each iteration starts from
// Q = 0, learns the step into the goal and sweeps up to 1024 queue updates (items: the queue
// updates made; the reset is not timed).
void BM_sweeping_update(benchmark::State& state) {
  tabrl::PrioritizedSweepingAgent<> agent(48, 4, {.alpha = 0.5}, {.planning_steps = 1, .theta = 1e-4});
  tabrl::CliffWalking env;
  for (int s = 0; s < 48; ++s) {
    for (int a = 0; a < 4; ++a) {
      const tabrl::Outcome o = env.transitions(s, a)[0];
      (void)agent.update(tabrl::Transition{s, a, o.reward, o.next_state, o.terminated});
    }
  }
  const tabrl::Transition into_goal{35, tabrl::CliffWalking::down, -1.0, 47, true};
  std::int64_t updates = 0;
  for (auto _ : state) {
    state.PauseTiming();
    agent.q_values().setZero();
    const std::int64_t before = agent.planning_updates();
    state.ResumeTiming();
    (void)agent.update(into_goal);
    agent.sweep(1023);
    updates += agent.planning_updates() - before;
  }
  state.counters["updates_per_iteration"] = static_cast<double>(updates) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(updates);
}
BENCHMARK(BM_sweeping_update);

// A real prioritized-sweeping step with up to 32 queue updates, replaying a ring of CliffWalking
// transitions (once learned, most steps find nothing above theta: the queue is idle).
void BM_sweeping_step(benchmark::State& state) {
  tabrl::PrioritizedSweepingAgent<> agent(48, 4, {.alpha = 0.5}, {.planning_steps = 32, .theta = 1e-4});
  ring_steps(state, agent);
}
BENCHMARK(BM_sweeping_step);

}  // namespace
