// The training loop with a memory: determinism, bookkeeping, validation, observers, stopping
// and resuming, the loop written out by hand for every kind of memory, TrainOptions and
// TrainingState (and their save/load), and what the loop learns on each environment.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/make.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/planning/value_iteration.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/replay/replay_memory.hpp>
#include <tabrl/training/evaluate.hpp>
#include <tabrl/training/observers.hpp>
#include <tabrl/training/train.hpp>

#include "run_util.hpp"
#include "saveable.hpp"

namespace {
using tabrl::test::same_bits;
using tabrl::test::StopAfter;

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
  REQUIRE(log.mean_return_last(1000) ==
          std::accumulate(log.returns.begin(), log.returns.end(), 0.0) / 50);
  REQUIRE(log.mean_return_last(0) == 0.0);
  REQUIRE(tabrl::TrainingLog{}.mean_return_last(5) == 0.0);
}

TEST_CASE("train: updates_per_step multiplies the updates", "[training]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(500);
  auto log = tabrl::train(agent, env, memory, {.episodes = 5, .batch_size = 8, .updates_per_step = 3});
  REQUIRE(log.updates == 3 * (log.env_steps - 8));
  tabrl::QLearningAgent<> idle(48, 4, notebook);
  tabrl::ReplayMemory<> memory2(500);
  log = tabrl::train(idle, env, memory2, {.episodes = 3, .batch_size = 8, .updates_per_step = 0});
  REQUIRE(log.updates == 0);
  REQUIRE((idle.q_values().array() == 0.0).all());
  REQUIRE(memory2.size() == std::min<std::size_t>(500, static_cast<std::size_t>(log.env_steps)));
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
                      "tabrl::train: batch_size must be <= memory capacity 16, got 17");
  REQUIRE_THROWS_WITH(tabrl::train(agent, env, memory, {.updates_per_step = -2}),
                      "tabrl::train: updates_per_step must be >= 0, got -2");
  tabrl::QLearningAgent<> wrong(47, 4);
  REQUIRE_THROWS_WITH(tabrl::train(wrong, env, memory, {.batch_size = 4}),
                      "tabrl::train: agent table must match the environment (48 x 4), got 47 x 4");
  tabrl::QLearningAgent<> narrow(48, 3);
  REQUIRE_THROWS_WITH(tabrl::train(narrow, env, memory, {.batch_size = 4}),
                      Catch::Contains("agent table must match the environment (48 x 4), got 48 x 3"));
  REQUIRE_THROWS_WITH(tabrl::TrainingState(0, 0), "tabrl::TrainingState: num_states must be >= 1, got 0");
  tabrl::TrainingState other(0, 16);
  REQUIRE_THROWS_WITH(tabrl::run_training(agent, env, memory, {.batch_size = 4}, other),
                      "tabrl::train: TrainingState must be made for the environment's state count, got 16");
  const auto empty = tabrl::train(agent, env, memory, {.episodes = 0, .batch_size = 4});
  REQUIRE(empty.env_steps == 0);
  REQUIRE(empty.returns.empty());
  REQUIRE(empty.visit_counts == std::vector<std::int64_t>(48, 0));
  REQUIRE(memory.empty());
  REQUIRE((agent.q_values().array() == 0.0).all());
}

TEST_CASE("TrainOptions: validate names the first setting out of range", "[training]") {
  REQUIRE_NOTHROW(tabrl::TrainOptions{}.validate());
  REQUIRE_THROWS_WITH((tabrl::TrainOptions{.episodes = -1}.validate()),
                      "tabrl::TrainOptions: episodes must be >= 0, got -1");
  REQUIRE_THROWS_WITH((tabrl::TrainOptions{.batch_size = 0}.validate("run")),
                      "tabrl::run: batch_size must be >= 1, got 0");
  REQUIRE_THROWS_WITH((tabrl::TrainOptions{.updates_per_step = -1}.validate()),
                      "tabrl::TrainOptions: updates_per_step must be >= 0, got -1");
  const auto max_batch = tabrl::TrainOptions::max_batch_size;
  REQUIRE_NOTHROW(tabrl::TrainOptions{.batch_size = max_batch}.validate());
  REQUIRE_THROWS_AS((tabrl::TrainOptions{.batch_size = max_batch + 1}.validate()), tabrl::InvalidArgument);
  const int max_updates = tabrl::TrainOptions::max_updates_per_step;
  REQUIRE_NOTHROW(tabrl::TrainOptions{.updates_per_step = max_updates}.validate());
  REQUIRE_THROWS_AS((tabrl::TrainOptions{.updates_per_step = max_updates + 1}.validate()),
                    tabrl::InvalidArgument);
  // Equality compares every field.
  const tabrl::TrainOptions a{.episodes = 3, .batch_size = 4, .updates_per_step = 2, .seed = 9};
  REQUIRE(a == tabrl::TrainOptions{.episodes = 3, .batch_size = 4, .updates_per_step = 2, .seed = 9});
  REQUIRE_FALSE(a == tabrl::TrainOptions{.episodes = 4, .batch_size = 4, .updates_per_step = 2, .seed = 9});
  REQUIRE_FALSE(a == tabrl::TrainOptions{.episodes = 3, .batch_size = 5, .updates_per_step = 2, .seed = 9});
  REQUIRE_FALSE(a == tabrl::TrainOptions{.episodes = 3, .batch_size = 4, .updates_per_step = 1, .seed = 9});
  REQUIRE_FALSE(a == tabrl::TrainOptions{.episodes = 3, .batch_size = 4, .updates_per_step = 2, .seed = 8});
}

TEST_CASE("TrainOptions save/load: layout, round trip, every rejection", "[training][saveable]") {
  REQUIRE(tabrl::TrainOptions::kind() == "TrainOptions");
  const tabrl::TrainOptions o{.episodes = 7, .batch_size = 12, .updates_per_step = 3, .seed = 0xABCDEF};
  auto fields = [](std::int32_t episodes, std::uint64_t batch, std::int32_t updates, std::uint64_t seed) {
    return tabrl::test::payload([&](tabrl::BinaryWriter& w) {
      w.value(episodes);
      w.value(batch);
      w.value(updates);
      w.value(seed);
    });
  };
  REQUIRE(tabrl::test::saved(o) == fields(7, 12, 3, 0xABCDEF));
  tabrl::TrainOptions into;
  tabrl::test::require_round_trip(o, into);
  REQUIRE(into == o);
  tabrl::test::require_truncations_rejected(into, fields(7, 12, 3, 1));
  using tabrl::FormatProblem;
  tabrl::test::require_rejected(into, fields(-1, 12, 3, 1), FormatProblem::value, "episodes must be >= 0, got -1");
  tabrl::test::require_rejected(into, fields(7, 0, 3, 1), FormatProblem::value, "batch_size must be >= 1, got 0");
  tabrl::test::require_rejected(into, fields(7, 12, -3, 1), FormatProblem::value, "updates_per_step must be >= 0, got -3");
  tabrl::test::require_rejected(into, fields(7, tabrl::TrainOptions::max_batch_size + 1, 3, 1),
                                FormatProblem::value, "batch_size must be <=");
  REQUIRE(into == o);
}

namespace {
// A TrainingState's payload written field by field (the layout TrainingState::save documents),
// for a 4-state environment, consistent unless a test changes a field.
struct StateFields {
  std::uint64_t rng[4] = {1, 2, 3, 4};
  std::int32_t episode = 2;
  std::int64_t env_steps = 5, updates = 3;
  double seconds = 0.25;
  std::vector<double> returns{-3.0, -2.0};
  std::vector<std::int64_t> lengths{3, 2};
  std::vector<std::int64_t> visits{2, 3, 2, 0};  // 5 steps + 2 starts
  std::uint8_t active = 0;
  std::int32_t state = 0, action = -1;
  double episode_return = 0.0;
  std::int64_t length = 0;
  [[nodiscard]] tabrl::test::Bytes bytes() const {
    return tabrl::test::payload([this](tabrl::BinaryWriter& w) {
      for (const std::uint64_t word : rng) w.value(word);
      w.value(episode);
      w.value(env_steps);
      w.value(updates);
      w.value(seconds);
      w.vector<double>(returns);
      w.vector<std::int64_t>(lengths);
      w.vector<std::int64_t>(visits);
      w.value(active);
      w.value(state);
      w.value(action);
      w.value(episode_return);
      w.value(length);
    });
  }
};
}  // namespace

TEST_CASE("TrainingState save/load: layout, an unfinished episode, every rejection",
          "[training][saveable]") {
  REQUIRE(tabrl::TrainingState::kind() == "TrainingState");
  tabrl::TrainingState state(11, 4);
  REQUIRE(state.log.visit_counts == std::vector<std::int64_t>(4, 0));
  REQUIRE(state.rng == tabrl::Rng(11));
  REQUIRE(state.episode == 0);
  REQUIRE_FALSE(state.progress.active);
  tabrl::test::load_from(state, StateFields{}.bytes());
  REQUIRE(state.rng.state() == tabrl::Rng::state_type{1, 2, 3, 4});
  REQUIRE(state.episode == 2);
  REQUIRE(state.log.env_steps == 5);
  REQUIRE(state.log.updates == 3);
  REQUIRE(state.log.seconds == 0.25);
  REQUIRE(state.log.returns == std::vector<double>{-3.0, -2.0});
  REQUIRE(state.log.visit_counts == std::vector<std::int64_t>{2, 3, 2, 0});
  REQUIRE(tabrl::test::saved(state) == StateFields{}.bytes());

  // An episode in progress: its visits (start + steps) count, and it comes back.
  StateFields open;
  open.active = 1;
  open.state = 3;
  open.action = 2;
  open.episode_return = -4.5;
  open.length = 2;
  open.visits = {2, 3, 3, 2};  // + 1 start + 2 steps
  tabrl::test::load_from(state, open.bytes());
  REQUIRE(state.progress == tabrl::EpisodeProgress{true, 3, 2, -4.5, 2});
  REQUIRE(tabrl::test::saved(state) == open.bytes());
  // An inactive episode's fields are ignored and saved as the defaults.
  StateFields closed;
  closed.state = 3;
  closed.length = 9;
  tabrl::test::load_from(state, closed.bytes());
  REQUIRE(state.progress == tabrl::EpisodeProgress{});
  REQUIRE(tabrl::test::saved(state) == StateFields{}.bytes());

  using tabrl::FormatProblem;
  auto with = [](auto change) { return tabrl::test::changed<StateFields>(change); };
  tabrl::test::require_truncations_rejected(state, StateFields{}.bytes());
  tabrl::test::require_rejected(state, with([](StateFields& f) { std::fill(f.rng, f.rng + 4, 0U); }),
                                FormatProblem::value, "generator state is all zero");
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.visits.push_back(0); }),
                                FormatProblem::value, "training log counts visits of 5 states, expected 4");
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.episode = 3; }), FormatProblem::value,
                                "training log holds 2 returns and 2 lengths for episode counter 3");
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.episode = -1; }), FormatProblem::value,
                                "for episode counter -1");
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.lengths.pop_back(); }), FormatProblem::value,
                                "training log holds 2 returns and 1 lengths");
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.active = 2; }), FormatProblem::value,
                                "episode-in-progress flag must be 0 or 1");
  const std::string open_bad = "unfinished episode must have a state in [0, 4), an action >= -1, a length >= 1 and a finite return";
  auto opened = [](auto change) {
    StateFields f;
    f.active = 1;
    f.state = 1;
    f.length = 1;
    f.visits = {2, 4, 3, 0};  // 5 steps + 2 starts + this episode's start and step
    change(f);
    return f.bytes();
  };
  tabrl::test::load_from(state, opened([](StateFields&) {}));  // the base of the next cases is valid
  REQUIRE(state.progress.active);
  tabrl::test::require_rejected(state, opened([](StateFields& f) { f.state = 4; }), FormatProblem::value, open_bad);
  tabrl::test::require_rejected(state, opened([](StateFields& f) { f.state = -1; }), FormatProblem::value, open_bad);
  tabrl::test::require_rejected(state, opened([](StateFields& f) { f.action = -2; }), FormatProblem::value, open_bad);
  tabrl::test::require_rejected(state, opened([](StateFields& f) { f.length = 0; }), FormatProblem::value, open_bad);
  tabrl::test::require_rejected(state, opened([](StateFields& f) { f.episode_return = std::nan(""); }),
                                FormatProblem::value, open_bad);
  // Counters each in range whose sums contradict the log.
  const std::string counters = "training log counters are inconsistent";
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.visits[0] += 1; }), FormatProblem::value,
                                counters + " (lengths sum to 5, env_steps 5, visits sum to 8, expected 7)");
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.visits[0] -= 1; f.visits[3] += 2; }),
                                FormatProblem::value, counters);
  tabrl::test::require_rejected(state, opened([](StateFields& f) { f.length = 2; }), FormatProblem::value, counters);
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.env_steps = 6; }), FormatProblem::value, counters);
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.lengths = {6, -1}; }), FormatProblem::value,
                                counters);  // the sum is right, one length is not
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.updates = -1; }), FormatProblem::value, counters);
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.seconds = -1.0; }), FormatProblem::value, counters);
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.seconds = std::numeric_limits<double>::infinity(); }),
                                FormatProblem::value, counters);
  tabrl::test::require_rejected(state, with([](StateFields& f) { f.returns[1] = std::nan(""); }),
                                FormatProblem::value, counters);
  tabrl::test::require_rejected(state, with([](StateFields& f) {
    f.visits[3] = std::numeric_limits<std::int64_t>::max() - 1;  // would overflow when stepped
  }), FormatProblem::value, counters);
  tabrl::test::require_rejected(state, with([](StateFields& f) {
    f.env_steps = std::int64_t{1} << 53;
    f.lengths = {std::int64_t{1} << 53, 0};
    f.visits = {(std::int64_t{1} << 53) + 2, 0, 0, 0};
  }), FormatProblem::value, counters);
  REQUIRE(state.progress.active);  // the last valid load stands
}

TEST_CASE("TrainingState::save refuses a state load would refuse, writing nothing",
          "[training][saveable]") {
  tabrl::TrainingState state(1, 4);
  state.episode = -5;
  std::ostringstream out;
  tabrl::BinaryWriter w(out);
  REQUIRE_THROWS_AS(state.save(w), tabrl::InvalidArgument);
  REQUIRE(out.str().empty());
  state.episode = 0;
  state.log.visit_counts[1] = 3;  // visits without steps
  REQUIRE_THROWS_WITH(state.save(w), Catch::StartsWith("tabrl::TrainingState::save: training log counters are inconsistent"));
  state.log.visit_counts[1] = 0;
  state.save(w);
  REQUIRE_FALSE(out.str().empty());
}

TEST_CASE("train: observers see every step and every episode", "[training]") {
  struct Counter {
    const tabrl::ReplayMemory<>& memory;
    std::int64_t steps = 0;
    int episodes = 0;
    std::int64_t step_in_episode = 0;
    double returns = 0;
    double episode_return = 0;
    void on_step(const tabrl::StepEvent& e) {
      ++steps;
      REQUIRE(e.episode == episodes);
      REQUIRE(e.step_in_episode == ++step_in_episode);
      // The event is the step just stored in the memory.
      const auto stored = memory[memory.size() - 1];
      REQUIRE(stored == tabrl::Transition{e.state, e.action, e.result.reward, e.result.next_state,
                                          e.result.terminated});
      episode_return += e.result.reward;
    }
    void on_episode_end(const tabrl::EpisodeEvent& e) {
      REQUIRE(e.episode == episodes);
      REQUIRE(e.episodes_total == 7);
      REQUIRE(e.length == step_in_episode);
      REQUIRE(e.episode_return == episode_return);
      REQUIRE(e.log.returns.size() == static_cast<std::size_t>(episodes) + 1);  // this one included
      REQUIRE(e.log.returns.back() == e.episode_return);
      ++episodes;
      returns += e.episode_return;
      step_in_episode = 0;
      episode_return = 0;
    }
  };
  struct EpisodesOnly {
    int n = 0;
    void on_episode_end(const tabrl::EpisodeEvent&) { ++n; }
  };
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(5000);
  Counter counter{memory};
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

namespace {
// A run of Q-learning with 3-step returns on slippery CliffWalking (60-step episodes), for the
// stop-and-continue tests.
struct NStepRun {
  tabrl::TrainOptions options{.episodes = 25, .batch_size = 16, .seed = 5};
  tabrl::TimeLimit<tabrl::CliffWalking> env{tabrl::CliffWalking{{.is_slippery = true}}, 60};
  tabrl::QLearningAgent<> agent{48, 4, notebook};
  tabrl::NStepReplay<> memory{tabrl::ReplayMemory<>(400), 3, 1.0};
  tabrl::TrainingState state{5, 48};
  template <class Observer = tabrl::NullObserver>
  void train(Observer&& observer = {}) {
    tabrl::run_training(agent, env, memory, options, state, std::forward<Observer>(observer));
  }
};
}  // namespace

TEST_CASE("run_training: an observer's Control::stop ends the call after that step, the next "
          "call continues the episode bit-identically", "[training]") {
  NStepRun whole;
  whole.train();
  REQUIRE(whole.state.log.env_steps > 300);

  for (const std::int64_t cut : {1, 2, 17, 150, 301}) {
    CAPTURE(cut);
    NStepRun run;
    StopAfter stop{cut};
    run.train(stop);
    REQUIRE(stop.seen == cut);  // the call returned right after the step that asked
    const std::int64_t done = run.state.log.env_steps + run.state.progress.length;
    REQUIRE(done == cut);
    if (run.state.progress.active) {
      REQUIRE(run.state.progress.action == -1);  // an off-policy loop chooses again when it resumes
      REQUIRE(run.state.episode == static_cast<int>(run.state.log.returns.size()));
      REQUIRE(run.memory.pending() > 0);  // the n-step window is open at the cut
    }
    run.train();  // same environment object
    REQUIRE_FALSE(run.state.progress.active);
    REQUIRE(run.state.log == whole.state.log);
    REQUIRE(run.state.rng == whole.state.rng);
    REQUIRE(same_bits(run.agent.q_values(), whole.agent.q_values()));
    REQUIRE(tabrl::test::saved(run.memory) == tabrl::test::saved(whole.memory));
  }
  // Stopping at an episode's last step, or from on_episode_end, ends the call at the episode
  // boundary.
  struct StopAtEpisodeEnd {
    tabrl::Control on_episode_end(const tabrl::EpisodeEvent& e) {
      return e.episode == 2 ? tabrl::Control::stop : tabrl::Control::proceed;
    }
  } at_end;
  NStepRun ended;
  ended.train(at_end);
  REQUIRE(ended.state.episode == 3);
  REQUIRE_FALSE(ended.state.progress.active);
  REQUIRE(ended.memory.pending() == 0);
  StopAfter last_step{ended.state.log.lengths[0]};
  NStepRun first;
  first.train(last_step);
  REQUIRE(first.state.episode == 1);
  REQUIRE_FALSE(first.state.progress.active);
  REQUIRE(first.state.log.lengths == std::vector<std::int64_t>{ended.state.log.lengths[0]});
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

namespace {
// The loop train() runs, written out: act, step, push, and once the memory holds more than a
// batch, sample (copying), update, and set priorities when the memory has them; end_episode
// for n-step memories.
template <class AgentT, class Memory, class Env>
tabrl::TrainingLog hand_loop(AgentT& agent, Env& env, Memory& memory, const tabrl::TrainOptions& options) {
  tabrl::Rng rng(options.seed);
  tabrl::Minibatch batch;
  tabrl::TrainingLog log;
  log.visit_counts.assign(static_cast<std::size_t>(env.num_states()), 0);
  for (int episode = 0; episode < options.episodes; ++episode) {
    int s = env.reset(tabrl::derive_seed(options.seed, static_cast<std::uint64_t>(episode)));
    ++log.visit_counts[static_cast<std::size_t>(s)];
    double ret = 0;
    std::int64_t length = 0;
    for (;;) {
      const int a = agent.act(s, rng);
      const tabrl::StepResult r = env.step(a);
      ++length;
      ret += r.reward;
      memory.push(tabrl::Transition{s, a, r.reward, r.next_state, r.terminated});
      if (memory.size() > options.batch_size) {
        for (int u = 0; u < options.updates_per_step; ++u) {
          memory.sample(options.batch_size, rng, batch);
          agent.update(batch);
          if constexpr (requires { memory.update_priorities(batch, agent.last_td_errors()); }) {
            memory.update_priorities(batch, agent.last_td_errors());
          }
          ++log.updates;
        }
      }
      s = r.next_state;
      ++log.visit_counts[static_cast<std::size_t>(s)];
      if (r.terminated || r.truncated) break;
    }
    if constexpr (requires { memory.end_episode(); }) memory.end_episode();
    log.env_steps += length;
    log.returns.push_back(ret);
    log.lengths.push_back(length);
  }
  return log;
}

template <class AgentT, class Memory>
void check_train_equals_hand_loop(const Memory& prototype, const tabrl::TrainOptions& options) {
  tabrl::TimeLimit<tabrl::CliffWalking> env_a(tabrl::CliffWalking{{.is_slippery = true}}, 80),
      env_b(tabrl::CliffWalking{{.is_slippery = true}}, 80);
  const tabrl::TDOptions config{.gamma = 0.95, .alpha = 0.6, .epsilon = 0.2};
  AgentT trained(48, 4, config), manual(48, 4, config);
  Memory memory_a = prototype, memory_b = prototype;
  const tabrl::TrainingLog log = tabrl::train(trained, env_a, memory_a, options);
  const tabrl::TrainingLog expected = hand_loop(manual, env_b, memory_b, options);
  REQUIRE(log == expected);
  REQUIRE(log.updates > 500);
  REQUIRE(same_bits(trained.q_values(), manual.q_values()));
  REQUIRE(tabrl::test::saved(memory_a) == tabrl::test::saved(memory_b));
}
}  // namespace

TEST_CASE("train() equals the loop written out, for every memory and minibatch agent",
          "[training][view]") {
  // train() samples views (no copy); the loop above copies. Same draws, same updates, and for
  // prioritized memories the same priorities, bit for bit. The notebook's own case first.
  const tabrl::TrainOptions notebook_options{.episodes = 40, .batch_size = 32, .seed = 3};
  tabrl::CliffWalking env_a, env_b;
  tabrl::QLearningAgent<> trained(48, 4, notebook), manual(48, 4, notebook);
  tabrl::ReplayMemory<> memory_a(500), memory_b(500);
  REQUIRE(tabrl::train(trained, env_a, memory_a, notebook_options) ==
          hand_loop(manual, env_b, memory_b, notebook_options));
  REQUIRE(same_bits(trained.q_values(), manual.q_values()));

  using PER = tabrl::PrioritizedReplay<>;
  const tabrl::TrainOptions options{.episodes = 30, .batch_size = 16, .updates_per_step = 2, .seed = 8};
  const tabrl::ReplayMemory<> uniform(300, tabrl::Sampling::with_replacement);
  const PER prioritized(300, {.alpha = 0.6, .beta = 0.4, .beta_steps = 500});
  const tabrl::NStepReplay<> nstep(tabrl::ReplayMemory<>(300), 3, 0.95);
  const tabrl::NStepReplay<PER> nstep_per(PER(300, {.alpha = 0.7, .beta_steps = 200}), 2, 0.95);
  check_train_equals_hand_loop<tabrl::QLearningAgent<>>(uniform, options);
  check_train_equals_hand_loop<tabrl::ExpectedSarsaAgent<>>(prioritized, options);
  check_train_equals_hand_loop<tabrl::DoubleQLearningAgent<>>(prioritized, options);
  check_train_equals_hand_loop<tabrl::QLearningAgent<>>(nstep, options);
  check_train_equals_hand_loop<tabrl::DoubleQLearningAgent<>>(nstep_per, options);
}

namespace {
// A user's agent with a generic update(batch) that reads the rows through the batch's
// accessors, as a user's own code would: it must see exactly the sampled rows, whether the
// loop hands it a view of the memory or a copy.
struct GenericUserAgent {
  tabrl::QLearningAgent<> inner{48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1}};
  int minibatches = 0;
  int views = 0;

  [[nodiscard]] int num_states() const { return inner.num_states(); }
  [[nodiscard]] int num_actions() const { return inner.num_actions(); }
  int act(int s, tabrl::Rng& rng) const { return inner.act(s, rng); }
  void update(const tabrl::Transition& t) { inner.update(t); }
  template <class Batch>
  void update(const Batch& batch) {
    static_assert(std::is_same_v<Batch, tabrl::Minibatch>);
    ++minibatches;
    views += batch.is_view() ? 1 : 0;
    tabrl::Minibatch copy;  // read row by row
    for (Eigen::Index i = 0; i < batch.size(); ++i) copy.push_back(batch.row(i));
    inner.update(copy);
  }
};
}  // namespace

TEST_CASE("train(): a user's agent reading the batch through its accessors trains like the "
          "built-in one", "[training][view]") {
  const tabrl::TrainOptions options{.episodes = 30, .batch_size = 32, .seed = 5};
  tabrl::CliffWalking env_a, env_b;
  GenericUserAgent user;
  tabrl::QLearningAgent<> reference(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory_a(2000), memory_b(2000);
  const auto log_user = tabrl::train(user, env_a, memory_a, options);
  const auto log_reference = tabrl::train(reference, env_b, memory_b, options);
  REQUIRE(user.minibatches == log_user.updates);
  REQUIRE(user.views == user.minibatches);  // the loop reads the memory in place
  REQUIRE(log_user == log_reference);
  REQUIRE(same_bits(user.inner.q_values(), reference.q_values()));
}

TEST_CASE("notebook defaults: the greedy policy walks the 13-step optimal path",
          "[training][notebook]") {
  // The issue asked for at least 19 of 20 fixed seeds; this implementation gets all 20, and
  // the test requires all 20. Measured over seeds 0..19999: every one finds the 13-step path
  // (a miss rate below 1.5e-4 per seed at 95% confidence, so below 0.3% for these 20 when a
  // legitimate change reshuffles the random streams).
  int optimal = 0;
  std::vector<std::uint64_t> failed;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    tabrl::CliffWalking env;
    tabrl::QLearningAgent<> agent(48, 4, notebook);
    tabrl::ReplayMemory<> memory(2000);
    (void)tabrl::train(agent, env, memory, {.episodes = 100, .batch_size = 32, .seed = seed});
    tabrl::Rng rng(tabrl::derive_seed(seed, 0xE7A1));
    const auto rollout = tabrl::greedy_rollout(agent, env, rng, 100);
    if (rollout.terminated && rollout.total_return == -13.0 && rollout.length() == 13) {
      ++optimal;
    } else {
      failed.push_back(seed);
    }
  }
  CAPTURE(failed);
  REQUIRE(optimal == 20);
}

namespace {
template <class AgentT>
double greedy_return(const AgentT& agent) {
  tabrl::CliffWalking env;
  tabrl::Rng rng(0);
  return tabrl::greedy_rollout(agent, env, rng, 200).total_return;
}
}  // namespace

TEST_CASE("train: each minibatch agent learns CliffWalking's path for its target",
          "[training][learning]") {
  // With replay (alpha 0.5, 100 episodes), Q-learning and Double Q-learning find the 13-step
  // path along the cliff; Expected SARSA values the cliff edge under its exploring policy and
  // keeps one row away (-15) at epsilon 0.1, two rows away (-17) at 0.3. A target that used
  // the max instead of the expectation would give -13. Measured over seeds 0..9999: every seed
  // gives exactly these returns in all four settings, a miss rate below 3e-4 per check at 95%
  // confidence, so the 20 checks below fail with probability below 0.6% (union bound) when a
  // legitimate change reshuffles the random streams.
  auto learned = [](auto agent, std::uint64_t seed) {
    tabrl::CliffWalking env;
    tabrl::ReplayMemory<> memory(2000);
    (void)tabrl::train(agent, env, memory, {.episodes = 100, .batch_size = 32, .seed = seed});
    return greedy_return(agent);
  };
  const tabrl::TDOptions cfg{.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1};
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    CAPTURE(seed);
    REQUIRE(learned(tabrl::QLearningAgent<>(48, 4, cfg), seed) == -13.0);
    REQUIRE(learned(tabrl::ExpectedSarsaAgent<>(48, 4, cfg), seed) == -15.0);
    REQUIRE(learned(tabrl::ExpectedSarsaAgent<>(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.3}), seed) == -17.0);
    REQUIRE(learned(tabrl::DoubleQLearningAgent<>(48, 4, cfg, 5), seed) == -13.0);
  }
}

TEST_CASE("train: prioritized replay and n-step returns learn CliffWalking", "[training][learning]") {
  {
    tabrl::CliffWalking env;
    tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
    tabrl::PrioritizedReplay<> per(2000, {.beta_steps = 2000});
    const auto log = tabrl::train(agent, env, per, {.episodes = 100, .batch_size = 32, .seed = 0});
    tabrl::Rng rng(0);
    REQUIRE(tabrl::greedy_rollout(agent, env, rng).total_return == -13.0);
    REQUIRE(log.updates == log.env_steps - 32);
    REQUIRE(per.max_priority() > 1.0);  // the priorities followed the TD errors
    REQUIRE(per.beta() > 0.4);
  }
  {
    tabrl::TimeLimit<tabrl::CliffWalking> env(tabrl::CliffWalking{}, 200);
    tabrl::QLearningAgent<> agent(48, 4, {.gamma = 0.99, .alpha = 0.5, .epsilon = 0.1});
    tabrl::NStepReplay<> m(tabrl::ReplayMemory<>(2000), 3, 0.99);
    (void)tabrl::train(agent, env, m, {.episodes = 200, .batch_size = 32, .seed = 2});
    REQUIRE(m.pending() == 0);  // every episode flushed
    tabrl::Rng rng(0);
    const auto r = tabrl::greedy_rollout(agent, env, rng, 200);
    REQUIRE(r.terminated);
    REQUIRE(r.total_return >= -17.0);  // the optimal or a near-optimal safe path
  }
}

namespace {
// The exact probability that a deterministic policy reaches FrozenLake's goal within `horizon`
// steps (the reward is 1 there and 0 elsewhere): finite-horizon policy evaluation on the model.
double success_probability(const tabrl::FrozenLake& env, const Eigen::VectorXi& policy, int horizon) {
  Eigen::VectorXd v = Eigen::VectorXd::Zero(env.num_states());
  for (int t = 0; t < horizon; ++t) {
    Eigen::VectorXd next = Eigen::VectorXd::Zero(env.num_states());
    for (int s = 0; s < env.num_states(); ++s) {
      for (const auto& o : env.transitions(s, policy[s])) {
        next[s] += o.probability * (o.reward + (o.terminated ? 0.0 : v[o.next_state]));
      }
    }
    v = next;
  }
  return v[0];
}
}  // namespace

TEST_CASE("slippery FrozenLake 4x4: greedy policies come close to the best possible 0.744",
          "[training][frozen_lake]") {
  // Constant-step Q-learning (alpha 0.02, 20000 episodes) ends near, not at, the optimum: which
  // of two close action values is larger still flips between runs. Measured over training
  // seeds 0..199, the exact success probability within Gymnasium's 100 steps of the greedy
  // policy has mean 0.677, sd 0.094, and is 0.7402 for 53% of the seeds (0.7442 is optimal);
  // one seed alone is therefore a coin toss for "> 0.70". The test takes the mean over 16
  // seeds, exactly evaluated: a bootstrap of the 200 measured seeds puts the 16-seed mean
  // below 0.57 with probability 1e-4 (the false-failure rate), while a learner whose mean
  // success is 0.50 or less (random play: 0.014) fails it with probability above 0.999.
  auto env = tabrl::make_frozen_lake();
  const double optimal = tabrl::finite_horizon_values(env.unwrapped(), 100)[0];
  REQUIRE_THAT(optimal, Catch::Matchers::WithinAbs(0.7442, 5e-4));
  double sum = 0.0;
  std::vector<double> rates;
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    tabrl::QLearningAgent<> agent(16, 4, {.gamma = 0.99, .alpha = 0.02, .epsilon = 0.3});
    tabrl::ReplayMemory<> memory(2000);
    (void)tabrl::train(agent, env, memory, {.episodes = 20000, .batch_size = 32, .seed = seed});
    const double p = success_probability(env.unwrapped(), agent.greedy_policy(), 100);
    REQUIRE(p <= optimal + 1e-12);  // nothing beats the optimal policy
    rates.push_back(p);
    sum += p;
    if (seed == 0) {
      // Sampled greedy episodes agree with the exact value: 2000 episodes, sd 0.0098; 5 sd.
      tabrl::Rng rng(123);
      int wins = 0;
      for (int i = 0; i < 2000; ++i) {
        wins += tabrl::greedy_rollout(agent, env, rng, 1000000, 1000 + static_cast<std::uint64_t>(i)).total_return > 0.5 ? 1 : 0;
      }
      CAPTURE(wins, p);
      REQUIRE(std::abs(wins / 2000.0 - p) < 5 * std::sqrt(p * (1 - p) / 2000));
    }
  }
  CAPTURE(rates);
  REQUIRE(sum / 16 > 0.57);
}

TEST_CASE("Taxi: the greedy policy delivers every passenger", "[training][taxi]") {
  // Each of the 300 valid starts, followed exactly on the deterministic model for at most the
  // 200-step limit. Measured over training seeds 0..299: 299 seeds deliver from all 300 starts,
  // one from 299 (1 failure in 90,000 seed-start pairs). The test allows 8 failures in the
  // 2400 pairs of seeds 0..7: at ten times the 95% upper bound of the measured failure rate
  // (3.3e-4 per pair) that fails with probability about 1e-7.
  auto env = tabrl::make_taxi();
  int failures = 0;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    tabrl::QLearningAgent<> agent(500, 6, {.gamma = 0.99, .alpha = 0.5, .epsilon = 0.1});
    tabrl::ReplayMemory<> memory(2000);
    (void)tabrl::train(agent, env, memory, {.episodes = 2000, .batch_size = 32, .seed = seed});
    const Eigen::VectorXi policy = agent.greedy_policy();
    int starts = 0;
    for (int s = 0; s < 500; ++s) {
      const auto d = tabrl::Taxi::decode(s);
      if (d.passenger >= 4 || d.passenger == d.destination) continue;
      ++starts;
      int x = s;
      bool delivered = false;
      for (int step = 0; step < 200 && !delivered; ++step) {
        const auto o = env.unwrapped().transitions(x, policy[x])[0];
        x = o.next_state;
        delivered = o.terminated;
      }
      failures += delivered ? 0 : 1;
    }
    REQUIRE(starts == 300);
  }
  REQUIRE(failures <= 8);
  // And on the environment itself, sampled starts: seed 0's policy delivers every passenger.
  tabrl::QLearningAgent<> agent(500, 6, {.gamma = 0.99, .alpha = 0.5, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory(2000);
  (void)tabrl::train(agent, env, memory, {.episodes = 2000, .batch_size = 32, .seed = 0});
  tabrl::Rng rng(123);
  for (int i = 0; i < 500; ++i) {
    REQUIRE(tabrl::greedy_rollout(agent, env, rng, 1000000, 1000 + static_cast<std::uint64_t>(i)).terminated);
  }
}
