// The notebook's whole training step (act, env step, push, sample 32, update) through tabrl,
// beside the same step written as one minimal hand-written loop on plain arrays with the same
// generator and the same draws. Their ratio is the cost of tabrl's abstractions.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include <tabrl/tabrl.hpp>

namespace {

constexpr std::size_t kMemory = 2000;
constexpr std::size_t kBatch = 32;
constexpr double kGamma = 1.0, kAlpha = 0.9, kEpsilon = 0.1;

// ---- tabrl ---------------------------------------------------------------------------------
// Split = false: the path train() takes (sample_view + update: rows read in place).
// Split = true: the public two-step form, sample() into a minibatch, then update(minibatch).
template <bool Split>
struct TabrlLoop {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent{48, 4, {.gamma = kGamma, .alpha = kAlpha, .epsilon = kEpsilon}};
  tabrl::ReplayMemory<> memory{kMemory};
  tabrl::Minibatch batch;
  tabrl::Rng rng{42};
  int s = 0;

  TabrlLoop() { s = env.reset(0); }
  void step() {
    const int a = agent.act(s, rng);
    const tabrl::StepResult r = env.step(a);
    memory.push(s, a, r.reward, r.next_state, r.terminated);
    if (memory.size() > kBatch) {
      if constexpr (Split) {
        memory.sample(kBatch, rng, batch);
        agent.update(batch);
      } else {
        memory.sample_view(kBatch, rng, batch);
        agent.update(batch);
      }
    }
    s = r.terminated ? env.reset() : r.next_state;
  }
  const double* q() const { return agent.q_values().data(); }
};

// ---- hand-written: no tabrl types, only tabrl::Rng and the same draws --------------------
struct HandLoop {
  double q[48 * 4] = {};
  int mem_s[kMemory], mem_a[kMemory], mem_ns[kMemory];
  double mem_r[kMemory];
  unsigned char mem_t[kMemory];
  std::size_t size = 0, head = 0;
  unsigned char seen[kMemory] = {};  // seen[k] == stamp: slot k drawn by this step
  unsigned char stamp = 0;
  int slots[kBatch];
  double cur[kBatch], nmax[kBatch];
  long lin[kBatch];
  tabrl::Rng rng{42};
  int s = 36;

  int act() {
    const double* row = q + s * 4;
    if (tabrl::uniform_real(rng) < kEpsilon) return static_cast<int>(tabrl::uniform_index(rng, 4));
    double best = row[0];
    int count = 1, choice = 0;
    for (int a = 1; a < 4; ++a) {
      if (row[a] > best) { best = row[a]; count = 1; choice = a; }
      else if (row[a] == best) ++count;
    }
    if (count == 1) return choice;
    auto k = static_cast<int>(tabrl::uniform_index(rng, static_cast<std::uint64_t>(count)));
    for (int a = choice;; ++a) if (row[a] == best && k-- == 0) return a;
  }
  void step() {
    const int a = act();
    int r = s / 12, c = s % 12;
    if (a == 0) r = r > 0 ? r - 1 : 0;
    else if (a == 1) c = c < 11 ? c + 1 : 11;
    else if (a == 2) r = r < 3 ? r + 1 : 3;
    else c = c > 0 ? c - 1 : 0;
    int next = r * 12 + c;
    double reward = -1.0;
    if (next > 36 && next < 47) { next = 36; reward = -100.0; }
    const bool term = next == 47;
    mem_s[head] = s; mem_a[head] = a; mem_r[head] = reward; mem_ns[head] = next; mem_t[head] = term;
    head = head + 1 == kMemory ? 0 : head + 1;
    if (size < kMemory) ++size;
    if (size > kBatch) {
      if (stamp == 255) { std::memset(seen, 0, sizeof seen); stamp = 0; }
      ++stamp;
      if (4 * kBatch <= size) {  // same sampling as tabrl: rejection against byte marks...
        for (std::size_t i = 0; i < kBatch; ++i) {
          std::size_t k;
          do { k = tabrl::uniform_index(rng, size); } while (seen[k] == stamp);
          seen[k] = stamp;
          slots[i] = static_cast<int>(k);
        }
      } else {  // ...or, while the memory is small, Floyd's algorithm and a shuffle
        std::size_t i = 0;
        for (std::size_t j = size - kBatch; j < size; ++j) {
          const std::size_t t = tabrl::uniform_index(rng, j + 1);
          const std::size_t pick = seen[t] == stamp ? j : t;
          seen[pick] = stamp;
          slots[i++] = static_cast<int>(pick);
        }
        for (std::size_t m = kBatch - 1; m > 0; --m) std::swap(slots[m], slots[tabrl::uniform_index(rng, m + 1)]);
      }
      for (std::size_t i = 0; i < kBatch; ++i) {
        const int k = slots[i];
        lin[i] = mem_s[k] * 4 + mem_a[k];
        cur[i] = q[lin[i]];
        const double* row = q + mem_ns[k] * 4;
        double m = row[0];
        for (int j = 1; j < 4; ++j) m = row[j] > m ? row[j] : m;
        nmax[i] = m;
      }
      for (std::size_t i = 0; i < kBatch; ++i) {
        const int k = slots[i];
        const double target = mem_r[k] + kGamma * (mem_t[k] == 0 ? nmax[i] : 0.0);
        q[lin[i]] = cur[i] + kAlpha * (target - cur[i]);
      }
    }
    s = term ? 36 : next;
  }
};

template <class Loop>
void warm(Loop& loop) {
  for (int i = 0; i < 5000; ++i) loop.step();
}

// Times one step per iteration of a warmed-up (full memory) loop.
template <class Loop>
void time_steps(benchmark::State& state) {
  Loop loop;
  warm(loop);
  for (auto _ : state) loop.step();
  state.SetItemsProcessed(state.iterations());
}

void BM_training_step_tabrl(benchmark::State& state) { time_steps<TabrlLoop<false>>(state); }
BENCHMARK(BM_training_step_tabrl);

void BM_training_step_tabrl_split(benchmark::State& state) { time_steps<TabrlLoop<true>>(state); }
BENCHMARK(BM_training_step_tabrl_split);

void BM_training_step_handwritten(benchmark::State& state) {
  // The loops must be the same algorithm: the same Q table and the same generator state
  // (every draw consumed alike) after the same steps, checked early (before the Q table
  // settles on the exact integers it converges to) and late.
  {
    TabrlLoop<false> a;
    TabrlLoop<true> c;
    HandLoop b;
    for (int i = 1; i <= 20000; ++i) {
      a.step();
      b.step();
      c.step();
      if (i != 300 && i != 20000) continue;
      if (std::memcmp(a.q(), b.q, sizeof b.q) != 0 || std::memcmp(c.q(), b.q, sizeof b.q) != 0 ||
          !(a.rng == b.rng) || !(c.rng == b.rng)) {
        state.SkipWithError("hand-written loop diverged from tabrl: not the same algorithm");
        return;
      }
    }
  }
  time_steps<HandLoop>(state);
}
BENCHMARK(BM_training_step_handwritten);

// The loops in one benchmark, interleaved in short chunks so machine noise (this runs on a
// shared 2-core VM) hits them alike; reports each one's median chunk time per step and the
// ratios tabrl / hand-written, for train()'s path and for the split sample() + update() form.
void BM_training_step_ratio(benchmark::State& state) {
  TabrlLoop<false> tabrl_loop;
  TabrlLoop<true> split_loop;
  HandLoop hand_loop;
  warm(tabrl_loop);
  warm(split_loop);
  warm(hand_loop);
  constexpr int kChunk = 2000;
  std::vector<double> tabrl_ns, split_ns, hand_ns;
  auto time_chunk = [](auto& loop) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kChunk; ++i) loop.step();
    benchmark::ClobberMemory();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
               .count() /
           kChunk;
  };
  for (auto _ : state) {
    tabrl_ns.push_back(time_chunk(tabrl_loop));
    split_ns.push_back(time_chunk(split_loop));
    hand_ns.push_back(time_chunk(hand_loop));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  const double t = median(tabrl_ns), p = median(split_ns), h = median(hand_ns);
  state.counters["tabrl_ns"] = t;
  state.counters["split_ns"] = p;
  state.counters["handwritten_ns"] = h;
  state.counters["ratio"] = h > 0 ? t / h : 0.0;
  state.counters["ratio_split"] = h > 0 ? p / h : 0.0;
  state.SetItemsProcessed(state.iterations() * 3 * kChunk);
}
BENCHMARK(BM_training_step_ratio)->Unit(benchmark::kMicrosecond);

// The notebook's whole experiment: 100 episodes with its defaults, through tabrl::train (the
// log's `seconds` is the training loop alone), with the default memory and a compact one.
template <class Memory>
void BM_train_100_episodes(benchmark::State& state) {
  std::uint64_t seed = 0;
  std::int64_t steps = 0;
  double train_seconds = 0;
  for (auto _ : state) {
    tabrl::CliffWalking env;
    tabrl::QLearningAgent<> agent(48, 4, {.gamma = kGamma, .alpha = kAlpha, .epsilon = kEpsilon});
    Memory memory(kMemory);
    const auto log = tabrl::train(agent, env, memory,
                                  {.episodes = 100, .batch_size = kBatch, .seed = seed++ % 20});
    steps += log.env_steps;
    train_seconds += log.seconds;
  }
  state.counters["env_steps_per_run"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kAvgIterations);
  state.counters["ns_per_env_step"] = train_seconds * 1e9 / static_cast<double>(steps);
  state.counters["train_ms_per_run"] =
      train_seconds * 1e3 / static_cast<double>(state.iterations());
}
BENCHMARK(BM_train_100_episodes<tabrl::ReplayMemory<>>)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_train_100_episodes<tabrl::ReplayMemory<float, std::int32_t, std::uint8_t>>)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
