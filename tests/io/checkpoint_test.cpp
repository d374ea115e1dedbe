// Checkpoints: bit-identical resume for every agent and memory at episode boundaries and in the
// middle of episodes, format 2's layout and its checks (kinds, part counts, cross-part
// agreement), version-1 files, atomic saves, bad files that change nothing.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/io/checkpoint.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/training/train_online.hpp>

#include "io/io_test_util.hpp"
#include "run_util.hpp"
#include "saveable.hpp"

using tabrl::FormatProblem;
using tabrl::test::Bytes;

namespace {
using tabrl::test::same_bits;
using tabrl::test::StopAfter;
constexpr tabrl::TDOptions notebook{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
const tabrl::TrainOptions options{.episodes = 60, .batch_size = 32, .seed = 11};

template <class... Parts>
Bytes checkpoint_bytes(const Parts&... parts) {
  std::ostringstream out;
  tabrl::write_checkpoint(out, parts...);
  const std::string s = std::move(out).str();
  return {s.begin(), s.end()};
}

template <class... Parts>
FormatProblem problem_of(const Bytes& bytes, Parts&... parts) {
  try {
    tabrl::parse_checkpoint(bytes, "ckpt", parts...);
  } catch (const tabrl::FormatError& e) {
    return e.problem();
  }
  FAIL("accepted a bad checkpoint");
  return FormatProblem::value;
}

// A format-2 file written by hand (the layout io/checkpoint.hpp documents): magic, version,
// body length, part count, then per part its kind (u32 length + text) and its payload (u64
// length + bytes), then the FNV-1a checksum of everything before it.
struct Part {
  std::string kind;
  Bytes payload;
};
Bytes format2(const std::vector<Part>& parts, std::uint32_t version = 2) {
  std::uint64_t body = 4;
  for (const auto& p : parts) body += 4 + p.kind.size() + 8 + p.payload.size();
  return tabrl::test::payload([&](tabrl::BinaryWriter& w) {
    w.bytes("TABRLCK", 8);
    w.value(version);
    w.value(body);
    w.value(static_cast<std::uint32_t>(parts.size()));
    for (const auto& p : parts) {
      w.string(p.kind);
      w.value(static_cast<std::uint64_t>(p.payload.size()));
      w.bytes(p.payload.data(), p.payload.size());
    }
    w.checksum();
  });
}
template <class T>
Part part_of(const T& object) {
  return {T::kind(), tabrl::test::saved(object)};
}

// TrainingState's payload from its public fields, written without save()'s consistency check
// (to build the inconsistent files a loader must refuse).
Bytes state_payload(const tabrl::TrainingState& s) {
  return tabrl::test::payload([&s](tabrl::BinaryWriter& w) {
    for (const std::uint64_t word : s.rng.state()) w.value(word);
    w.value(static_cast<std::int32_t>(s.episode));
    w.value(static_cast<std::int64_t>(s.log.env_steps));
    w.value(static_cast<std::int64_t>(s.log.updates));
    w.value(s.log.seconds);
    w.vector<double>(s.log.returns);
    w.vector<std::int64_t>(s.log.lengths);
    w.vector<std::int64_t>(s.log.visit_counts);
    w.value(static_cast<std::uint8_t>(s.progress.active ? 1 : 0));
    w.value(static_cast<std::int32_t>(s.progress.state));
    w.value(static_cast<std::int32_t>(s.progress.action));
    w.value(s.progress.episode_return);
    w.value(static_cast<std::int64_t>(s.progress.length));
  });
}

// A version-1 file (tabrl 0.1) written by hand from the layout its header documented:
//   magic "TABRLCK\0", u32 version = 1
//   options: i32 episodes, u64 batch_size, i32 updates_per_step, u64 seed
//   agent:   f64 gamma, f64 alpha, f64 epsilon, u8 duplicate rule, u8 scalar code, u64 rows,
//            u64 cols, rows*cols scalars
//   memory:  u8 reward code, u8 sizeof(Index), u8 sizeof(Action), u8 sampling, u64 capacity,
//            u64 size, u64 head, then the five columns (size entries each)
//   state:   4 x u64 generator state, i32 episode, i64 env_steps, i64 updates, f64 seconds,
//            u64 n + n f64 returns, u64 n + n i64 lengths, u64 n + n i64 visit counts
//   u64 FNV-1a 64 of everything before
template <class AgentT>
Bytes format1(const AgentT& agent, const tabrl::ReplayMemory<>& memory, const tabrl::TrainingState& state,
              const tabrl::TrainOptions& o) {
  return tabrl::test::payload([&](tabrl::BinaryWriter& w) {
    w.bytes("TABRLCK", 8);
    w.value(std::uint32_t{1});
    w.value(static_cast<std::int32_t>(o.episodes));
    w.value(static_cast<std::uint64_t>(o.batch_size));
    w.value(static_cast<std::int32_t>(o.updates_per_step));
    w.value(o.seed);
    w.value(agent.gamma());
    w.value(agent.alpha());
    w.value(agent.epsilon());
    w.value(static_cast<std::uint8_t>(agent.duplicates()));
    w.value(std::uint8_t{2});
    w.value(static_cast<std::uint64_t>(agent.num_states()));
    w.value(static_cast<std::uint64_t>(agent.num_actions()));
    for (int s = 0; s < agent.num_states(); ++s) {
      for (int a = 0; a < agent.num_actions(); ++a) w.value(agent.q(s, a));
    }
    w.value(std::uint8_t{2});
    w.value(std::uint8_t{4});
    w.value(std::uint8_t{1});
    w.value(static_cast<std::uint8_t>(memory.sampling()));
    w.value(static_cast<std::uint64_t>(memory.capacity()));
    w.value(static_cast<std::uint64_t>(memory.size()));
    w.value(static_cast<std::uint64_t>(memory.head()));
    for (const auto x : memory.states()) w.value(x);
    for (const auto x : memory.actions()) w.value(x);
    for (const auto x : memory.rewards()) w.value(x);
    for (const auto x : memory.next_states()) w.value(x);
    for (const auto x : memory.terminated()) w.value(x);
    for (const std::uint64_t word : state.rng.state()) w.value(word);
    w.value(static_cast<std::int32_t>(state.episode));
    w.value(static_cast<std::int64_t>(state.log.env_steps));
    w.value(static_cast<std::int64_t>(state.log.updates));
    w.value(state.log.seconds);
    w.vector<double>(state.log.returns);
    w.vector<std::int64_t>(state.log.lengths);
    w.vector<std::int64_t>(state.log.visit_counts);
    w.checksum();
  });
}



using Env = tabrl::TimeLimit<tabrl::CliffWalking>;
Env make_env() { return Env(tabrl::CliffWalking({.is_slippery = true}), 60); }

// The run is cut after `steps` env steps (mid-episode, or at an episode's end) or, with
// steps < 0, after -steps episodes.
struct Cut {
  std::int64_t steps;
};

// Trains `whole` uninterrupted; then for each cut trains fresh objects up to it, writes a
// checkpoint, loads it into objects made with other settings, and continues: the result must
// be bit-identical to the uninterrupted run. With `env_part` the environment is a part of the
// checkpoint and the run continues on a fresh environment; without it, on the same object.
template <class AgentT, class Memory>
void check_resume(const std::function<AgentT(bool)>& make_agent,
                  const std::function<Memory(bool)>& make_memory, const tabrl::TrainOptions& run,
                  const std::vector<Cut>& cuts, bool env_part) {
  Env env_whole = make_env();
  AgentT whole = make_agent(false);
  Memory whole_memory = make_memory(false);
  tabrl::TrainingState whole_state(run.seed, 48);
  tabrl::run_training(whole, env_whole, whole_memory, run, whole_state);
  bool saw_open_window = false;
  for (const Cut cut : cuts) {
    CAPTURE(AgentT::kind(), Memory::kind(), cut.steps, env_part);
    Env env = make_env();
    AgentT agent = make_agent(false);
    Memory memory = make_memory(false);
    tabrl::TrainingState state(run.seed, 48);
    if (cut.steps >= 0) {
      StopAfter stop{cut.steps};
      tabrl::run_training(agent, env, memory, run, state, stop);
    } else {
      auto first = run;
      first.episodes = static_cast<int>(-cut.steps);
      tabrl::run_training(agent, env, memory, first, state);
    }
    if constexpr (requires { memory.pending(); }) {
      if (state.progress.active && memory.pending() > 0) saw_open_window = true;
    }
    const Bytes bytes = env_part ? checkpoint_bytes(agent, memory, env, state, run)
                                 : checkpoint_bytes(agent, memory, state, run);
    AgentT agent2 = make_agent(true);
    Memory memory2 = make_memory(true);
    tabrl::TrainingState state2(999, 48);
    tabrl::TrainOptions run2{.episodes = 1, .batch_size = 1, .seed = 3};
    Env fresh = make_env();
    Env& env2 = env_part ? fresh : env;
    if (env_part) {
      tabrl::parse_checkpoint(bytes, "ckpt", agent2, memory2, env2, state2, run2);
    } else {
      tabrl::parse_checkpoint(bytes, "ckpt", agent2, memory2, state2, run2);
    }
    REQUIRE(run2 == run);
    REQUIRE(state2.episode == state.episode);
    REQUIRE(state2.progress == state.progress);
    tabrl::run_training(agent2, env2, memory2, run2, state2);
    REQUIRE(state2.log == whole_state.log);
    REQUIRE(state2.rng == whole_state.rng);
    REQUIRE(same_bits(agent2.q_values(), whole.q_values()));
    REQUIRE(tabrl::test::saved(agent2) == tabrl::test::saved(whole));  // tables, coin, settings
    REQUIRE(tabrl::test::saved(memory2) == tabrl::test::saved(whole_memory));
  }
  if constexpr (requires { whole_memory.pending(); }) REQUIRE(saw_open_window);
}

template <class AgentT>
std::function<AgentT(bool)> agent_maker(tabrl::DuplicateRule rule) {
  return [rule](bool other) {
    if (other) return AgentT(48, 4, {.gamma = 0.5, .alpha = 0.1, .epsilon = 0.9});
    return AgentT(48, 4, {.gamma = 0.95, .alpha = 0.6, .epsilon = 0.15, .duplicates = rule});
  };
}
template <>
std::function<tabrl::DoubleQLearningAgent<>(bool)> agent_maker(tabrl::DuplicateRule rule) {
  return [rule](bool other) {
    if (other) return tabrl::DoubleQLearningAgent<>(48, 4, {.alpha = 0.1}, 77);
    return tabrl::DoubleQLearningAgent<>(48, 4, {.gamma = 0.95, .alpha = 0.6, .epsilon = 0.15, .duplicates = rule}, 4);
  };
}

using PER = tabrl::PrioritizedReplay<>;
// Small memories, so the rings wrap before the later cuts.
tabrl::ReplayMemory<> uniform(bool other) {
  return tabrl::ReplayMemory<>(300, other ? tabrl::Sampling::with_replacement : tabrl::Sampling::without_replacement);
}
PER prioritized(bool other) {
  return other ? PER(300) : PER(300, {.alpha = 0.7, .beta = 0.3, .beta_steps = 900, .epsilon = 0.01});
}
tabrl::NStepReplay<> nstep_uniform(bool other) { return {uniform(other), 3, 0.95}; }
tabrl::NStepReplay<PER> nstep_prioritized(bool other) { return {prioritized(other), 3, 0.95}; }

const std::vector<Cut> cuts{{-1}, {-7}, {1}, {2}, {133}, {402}, {777}};
const tabrl::TrainOptions resume_run{.episodes = 25, .batch_size = 16, .seed = 21};

// A short Q-learning run with a uniform memory of 64: the parts most format tests save.
struct SmallRun {
  tabrl::QLearningAgent<> agent{48, 4, notebook};
  tabrl::ReplayMemory<> memory{64};
  tabrl::TrainingState state;
  tabrl::TrainOptions run;
  explicit SmallRun(std::uint64_t seed) : state(seed, 48), run{.episodes = 3, .batch_size = 8, .seed = seed} {
    tabrl::CliffWalking env;
    tabrl::run_training(agent, env, memory, run, state);
  }
};

// Objects to load into, holding values that a refused load must leave alone.
struct Targets {
  tabrl::QLearningAgent<> q{48, 4};
  tabrl::ReplayMemory<> m{64};
  tabrl::TrainingState s{0, 48};
  tabrl::TrainOptions o;
  double fill;
  explicit Targets(double value) : fill(value) { q.q_values().setConstant(value); }
  void require_unchanged() const {
    REQUIRE((q.q_values().array() == fill).all());
    REQUIRE(m.empty());
    REQUIRE(s.episode == 0);
    REQUIRE(o == tabrl::TrainOptions{});
  }
};
}  // namespace

TEST_CASE("checkpoint: resuming at any episode boundary is bit-identical", "[io][checkpoint]") {
  tabrl::test::ScratchDir dir("ckpt");
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> whole_agent(48, 4, notebook);
  tabrl::ReplayMemory<> whole_memory(500);  // small, so the ring has wrapped at later cuts
  tabrl::TrainingState whole(options.seed, 48);
  tabrl::run_training(whole_agent, env, whole_memory, options, whole);

  for (int cut : {0, 1, 17, 30, 59}) {
    CAPTURE(cut);
    {  // first process: train up to the cut and save
      tabrl::QLearningAgent<> agent(48, 4, notebook);
      tabrl::ReplayMemory<> memory(500);
      tabrl::TrainingState state(options.seed, 48);
      auto first = options;
      first.episodes = cut;
      tabrl::run_training(agent, env, memory, first, state);
      tabrl::save_checkpoint(dir / "run.ckpt", agent, memory, state, options);
    }
    // second process: fresh objects with other settings, restored from the file
    tabrl::QLearningAgent<> agent(48, 4, {.gamma = 0.5, .alpha = 0.1, .epsilon = 0.9});
    tabrl::ReplayMemory<> memory(500, tabrl::Sampling::with_replacement);
    tabrl::TrainingState state(999, 48);
    tabrl::TrainOptions restored;
    tabrl::load_checkpoint(dir / "run.ckpt", agent, memory, state, restored);
    REQUIRE(state.episode == cut);
    REQUIRE(restored.seed == options.seed);
    REQUIRE(restored.episodes == options.episodes);
    REQUIRE(agent.alpha() == 0.9);
    REQUIRE(memory.sampling() == tabrl::Sampling::without_replacement);
    tabrl::run_training(agent, env, memory, restored, state);
    REQUIRE(state.log == whole.log);
    REQUIRE(agent.q_values() == whole_agent.q_values());
    REQUIRE(state.rng == whole.rng);
    REQUIRE(memory.head() == whole_memory.head());
    for (std::size_t i = 0; i < memory.size(); ++i) REQUIRE(memory[i] == whole_memory[i]);
  }
}

TEST_CASE("checkpoint: every agent and memory resumes bit-identically, at episode ends and in "
          "the middle of episodes", "[io][checkpoint]") {
  // Cuts after 1 and 7 episodes and after 1, 2, 133, 402 and 777 env steps (mostly inside an
  // episode: the TrainingState keeps the unfinished episode, the n-step window is open, the
  // slippery environment's generator is mid-stream). Each duplicate rule appears.
  using tabrl::DuplicateRule;
  for (const bool env_part : {false, true}) {
    check_resume<tabrl::QLearningAgent<>, tabrl::ReplayMemory<>>(
        agent_maker<tabrl::QLearningAgent<>>(DuplicateRule::last), uniform, resume_run, cuts, env_part);
    check_resume<tabrl::ExpectedSarsaAgent<>, PER>(
        agent_maker<tabrl::ExpectedSarsaAgent<>>(DuplicateRule::mean), prioritized, resume_run, cuts, env_part);
    check_resume<tabrl::DoubleQLearningAgent<>, tabrl::NStepReplay<>>(
        agent_maker<tabrl::DoubleQLearningAgent<>>(DuplicateRule::sequential), nstep_uniform, resume_run,
        cuts, env_part);
    check_resume<tabrl::QLearningAgent<>, tabrl::NStepReplay<PER>>(
        agent_maker<tabrl::QLearningAgent<>>(DuplicateRule::sequential), nstep_prioritized, resume_run, cuts,
        env_part);
  }
  // The remaining pairs, memory by memory, with the environment kept.
  check_resume<tabrl::ExpectedSarsaAgent<>, tabrl::ReplayMemory<>>(
      agent_maker<tabrl::ExpectedSarsaAgent<>>(DuplicateRule::sequential), uniform, resume_run, cuts, false);
  check_resume<tabrl::DoubleQLearningAgent<>, tabrl::ReplayMemory<>>(
      agent_maker<tabrl::DoubleQLearningAgent<>>(DuplicateRule::mean), uniform, resume_run, cuts, false);
  check_resume<tabrl::QLearningAgent<>, PER>(
      agent_maker<tabrl::QLearningAgent<>>(DuplicateRule::mean), prioritized, resume_run, cuts, false);
  check_resume<tabrl::DoubleQLearningAgent<>, PER>(
      agent_maker<tabrl::DoubleQLearningAgent<>>(DuplicateRule::last), prioritized, resume_run, cuts, false);
  check_resume<tabrl::QLearningAgent<>, tabrl::NStepReplay<>>(
      agent_maker<tabrl::QLearningAgent<>>(DuplicateRule::mean), nstep_uniform, resume_run, cuts, false);
  check_resume<tabrl::ExpectedSarsaAgent<>, tabrl::NStepReplay<>>(
      agent_maker<tabrl::ExpectedSarsaAgent<>>(DuplicateRule::last), nstep_uniform, resume_run, cuts, false);
  check_resume<tabrl::ExpectedSarsaAgent<>, tabrl::NStepReplay<PER>>(
      agent_maker<tabrl::ExpectedSarsaAgent<>>(DuplicateRule::sequential), nstep_prioritized, resume_run, cuts,
      false);
  check_resume<tabrl::DoubleQLearningAgent<>, tabrl::NStepReplay<PER>>(
      agent_maker<tabrl::DoubleQLearningAgent<>>(DuplicateRule::mean), nstep_prioritized, resume_run, cuts,
      false);
}

TEST_CASE("checkpoint: online training resumes bit-identically, SARSA's chosen a' included",
          "[io][checkpoint]") {
  const tabrl::TrainOptions run{.episodes = 30, .seed = 17};
  auto check = [&run](auto make_agent) {
    Env env_whole = make_env();
    auto whole = make_agent(false);
    tabrl::TrainingState whole_state(run.seed, 48);
    tabrl::run_online_training(whole, env_whole, run, whole_state);
    for (const std::int64_t cut : {-1, -12, 1, 5, 250, 600}) {
      for (const bool env_part : {false, true}) {
        CAPTURE(decltype(whole)::kind(), cut, env_part);
        Env env = make_env();
        auto agent = make_agent(false);
        tabrl::TrainingState state(run.seed, 48);
        if (cut >= 0) {
          StopAfter stop{cut};
          tabrl::run_online_training(agent, env, run, state, stop);
        } else {
          auto first = run;
          first.episodes = static_cast<int>(-cut);
          tabrl::run_online_training(agent, env, first, state);
        }
        const Bytes bytes = env_part ? checkpoint_bytes(agent, env, state, run) : checkpoint_bytes(agent, state, run);
        auto agent2 = make_agent(true);
        tabrl::TrainingState state2(1, 48);
        tabrl::TrainOptions run2;
        Env fresh = make_env();
        Env& env2 = env_part ? fresh : env;
        if (env_part) {
          tabrl::parse_checkpoint(bytes, "ckpt", agent2, env2, state2, run2);
        } else {
          tabrl::parse_checkpoint(bytes, "ckpt", agent2, state2, run2);
        }
        REQUIRE(state2.progress == state.progress);
        tabrl::run_online_training(agent2, env2, run2, state2);
        REQUIRE(state2.log == whole_state.log);
        REQUIRE(state2.rng == whole_state.rng);
        REQUIRE(tabrl::test::saved(agent2) == tabrl::test::saved(whole));
      }
    }
  };
  check([](bool other) { return tabrl::SarsaAgent<>(48, 4, other ? tabrl::TDOptions{.alpha = 0.1} : tabrl::TDOptions{.gamma = 0.9, .alpha = 0.5, .epsilon = 0.2}); });
  check([](bool other) { return tabrl::QLearningAgent<>(48, 4, other ? tabrl::TDOptions{.alpha = 0.1} : tabrl::TDOptions{.gamma = 0.9, .alpha = 0.5, .epsilon = 0.2}); });
  check([](bool other) { return tabrl::ExpectedSarsaAgent<>(48, 4, other ? tabrl::TDOptions{.alpha = 0.1} : tabrl::TDOptions{.gamma = 0.9, .alpha = 0.5, .epsilon = 0.2}); });
  check([](bool other) { return tabrl::DoubleQLearningAgent<>(48, 4, other ? tabrl::TDOptions{.alpha = 0.1} : tabrl::TDOptions{.gamma = 0.9, .alpha = 0.5, .epsilon = 0.2}, other ? 1 : 8); });
}

TEST_CASE("checkpoint: a round trip keeps each duplicate rule", "[io][checkpoint]") {
  for (const auto rule : {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean, tabrl::DuplicateRule::sequential}) {
    CAPTURE(static_cast<int>(rule));
    tabrl::CliffWalking env;
    tabrl::QLearningAgent<> agent(48, 4, {.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1, .duplicates = rule});
    tabrl::ReplayMemory<> memory(100);
    tabrl::TrainingState state(4, 48);
    const tabrl::TrainOptions o{.episodes = 3, .batch_size = 8, .seed = 4};
    tabrl::run_training(agent, env, memory, o, state);
    for (const auto other : {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean, tabrl::DuplicateRule::sequential}) {
      tabrl::QLearningAgent<> into(48, 4, {.duplicates = other});
      tabrl::ReplayMemory<> m(100);
      tabrl::TrainingState s(0, 48);
      tabrl::TrainOptions restored;
      tabrl::parse_checkpoint(checkpoint_bytes(agent, memory, state, o), "ckpt", into, m, s, restored);
      REQUIRE(into.duplicates() == rule);
      REQUIRE(into.q_values() == agent.q_values());
    }
  }
}

TEST_CASE("checkpoint format 2: the documented layout, part by part", "[io][checkpoint]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::PrioritizedReplay<> memory(64);
  tabrl::TrainingState state(options.seed, 48);
  const tabrl::TrainOptions o{.episodes = 4, .batch_size = 8, .seed = 11};
  tabrl::run_training(agent, env, memory, o, state);
  const Bytes bytes = checkpoint_bytes(agent, memory, state, o);
  REQUIRE(bytes == format2({part_of(agent), part_of(memory), part_of(state), part_of(o)}));
  REQUIRE(std::string(bytes.begin(), bytes.begin() + 8) == std::string("TABRLCK\0", 8));
  REQUIRE(bytes[8] == 2);  // the version
  REQUIRE(tabrl::checkpoint_format_version == 2);
  // ... and a hand-written file loads.
  tabrl::QLearningAgent<> a(48, 4);
  tabrl::PrioritizedReplay<> m(64);
  tabrl::TrainingState s(0, 48);
  tabrl::TrainOptions restored;
  tabrl::parse_checkpoint(format2({part_of(agent), part_of(memory), part_of(state), part_of(o)}), "ckpt", a, m, s,
                          restored);
  REQUIRE(a.q_values() == agent.q_values());
  REQUIRE(tabrl::test::saved(m) == tabrl::test::saved(memory));
  REQUIRE(s.log == state.log);
  REQUIRE(restored == o);
}

TEST_CASE("checkpoint format 2: a part of another kind, or another number of parts, is refused",
          "[io][checkpoint]") {
  const SmallRun run(11);
  const Bytes good = checkpoint_bytes(run.agent, run.memory, run.state, run.run);
  Targets t(5.0);
  auto& q = t.q;
  auto& m = t.m;
  auto& s = t.s;
  auto& to = t.o;
  auto unchanged = [&t] { t.require_unchanged(); };
  // A Q-learning table into an Expected SARSA agent, a uniform memory into a prioritized one.
  tabrl::ExpectedSarsaAgent<> expected(48, 4);
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint(good, "ckpt", expected, m, s, to),
                      "ckpt: wrong kind (part 0 holds a QLearningAgent, this run has a ExpectedSarsaAgent)");
  tabrl::DoubleQLearningAgent<> dq(48, 4);
  REQUIRE(problem_of(good, dq, m, s, to) == FormatProblem::kind);
  tabrl::PrioritizedReplay<> per(64);
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint(good, "ckpt", q, per, s, to),
                      "ckpt: wrong kind (part 1 holds a ReplayMemory, this run has a PrioritizedReplay)");
  tabrl::NStepReplay<> nstep(tabrl::ReplayMemory<>(64), 2, 1.0);
  REQUIRE(problem_of(good, q, nstep, s, to) == FormatProblem::kind);
  REQUIRE(problem_of(good, q, s, m, to) == FormatProblem::kind);  // parts in another order
  unchanged();
  // Fewer or more parts than the file holds.
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint(good, "ckpt", q, m, s), "ckpt: wrong kind (file holds 4 parts, expected 3)");
  tabrl::TrainOptions extra;
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint(good, "ckpt", q, m, s, to, extra),
                      "ckpt: wrong kind (file holds 4 parts, expected 5)");
  unchanged();
  // An n-step memory over one kind into one over another.
  tabrl::NStepReplay<PER> nstep_per(PER(64), 2, 1.0);
  const Bytes nstep_bytes = checkpoint_bytes(q, nstep, s, to);
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint(nstep_bytes, "ckpt", q, nstep_per, s, to),
                      Catch::Contains("part 1 holds a NStepReplay<ReplayMemory>, this run has a NStepReplay<PrioritizedReplay>"));
}

TEST_CASE("checkpoint format 2: parts must agree with each other", "[io][checkpoint]") {
  tabrl::QLearningAgent<> agent(10, 3);
  tabrl::ReplayMemory<> memory(16);
  memory.push(9, 2, -1.0, 0, false);
  tabrl::TrainingState state(1, 10);
  const tabrl::TrainOptions o{.episodes = 5, .batch_size = 4};
  const Part a = part_of(agent), m = part_of(memory), s = part_of(state), opt = part_of(o);
  REQUIRE_NOTHROW(checkpoint_bytes(agent, memory, state, o));

  tabrl::QLearningAgent<> q(10, 3);
  q.q_values().setConstant(2.0);
  tabrl::ReplayMemory<> mem(16);
  tabrl::TrainingState st(0, 10);
  tabrl::TrainOptions to;
  auto expect_shape = [&](const Bytes& bytes, const std::string& text) {
    try {
      tabrl::parse_checkpoint(bytes, "ckpt", q, mem, st, to);
      FAIL("accepted parts that disagree");
    } catch (const tabrl::FormatError& e) {
      CAPTURE(e.what());
      REQUIRE(e.problem() == FormatProblem::shape);
      REQUIRE_THAT(std::string(e.what()), Catch::Contains(text));
    }
    REQUIRE((q.q_values().array() == 2.0).all());
    REQUIRE(mem.empty());
    REQUIRE(st.log.returns.empty());
  };
  // A memory holding a state or an action outside the agent's table.
  tabrl::ReplayMemory<> wide(16);
  wide.push(10, 0, -1.0, 0, false);
  expect_shape(format2({a, part_of(wide), s, opt}),
               "the memory holds states up to 10 and actions up to 0, the agent's table is 10 x 3");
  tabrl::ReplayMemory<> far(16);
  far.push(0, 0, -1.0, 12, false);
  expect_shape(format2({a, part_of(far), s, opt}), "the memory holds states up to 12");
  tabrl::ReplayMemory<> many(16);
  many.push(0, 3, -1.0, 0, false);
  expect_shape(format2({a, part_of(many), s, opt}), "actions up to 3, the agent's table is 10 x 3");
  tabrl::NStepReplay<> nstep(tabrl::ReplayMemory<>(16), 1, 1.0);
  nstep.push(tabrl::Transition{11, 0, 0.0, 0, false});
  tabrl::NStepReplay<> nstep_target(tabrl::ReplayMemory<>(16), 1, 1.0);
  try {
    tabrl::parse_checkpoint(format2({a, part_of(nstep), s, opt}), "ckpt", q, nstep_target, st, to);
    FAIL("accepted an n-step memory beyond the table");
  } catch (const tabrl::FormatError& e) {
    REQUIRE(e.problem() == FormatProblem::shape);
  }
  // A training state for another number of states (the agent's table has 10).
  tabrl::TrainingState other_states(1, 12);
  tabrl::TrainingState target12(0, 12);
  try {
    tabrl::parse_checkpoint(format2({a, m, part_of(other_states), opt}), "ckpt", q, mem, target12, to);
    FAIL("accepted a state for 12 states with a 10-state table");
  } catch (const tabrl::FormatError& e) {
    REQUIRE(e.problem() == FormatProblem::shape);
    REQUIRE_THAT(e.what(), Catch::Contains("the training log counts 12 states, the agent's table has 10"));
  }
  // An unfinished episode whose chosen action is outside the table.
  tabrl::TrainingState open(1, 10);
  open.progress = {true, 4, 3, -1.0, 1};
  open.log.visit_counts[4] = 2;
  expect_shape(format2({a, m, {"TrainingState", state_payload(open)}, opt}),
               "the unfinished episode's action 3 is outside the agent's 3 actions");
  // Options asking for fewer episodes than the state has run.
  tabrl::TrainingState ran(1, 10);
  ran.episode = 2;
  ran.log.returns = {-1.0, -1.0};
  ran.log.lengths = {1, 1};
  ran.log.env_steps = 2;
  ran.log.visit_counts[0] = 4;
  const tabrl::TrainOptions fewer{.episodes = 1, .batch_size = 4};
  expect_shape(format2({a, m, part_of(ran), part_of(fewer)}), "the options ask for 1 episodes, the state is at episode 2");
  // write_checkpoint refuses what load would refuse, naming the same problem.
  REQUIRE_THROWS_WITH(checkpoint_bytes(agent, wide, state, o),
                      Catch::StartsWith("tabrl::write_checkpoint: shape mismatch (the memory holds states up to 10"));
  REQUIRE_THROWS_AS(checkpoint_bytes(agent, memory, ran, fewer), tabrl::InvalidArgument);
}

TEST_CASE("checkpoint: a bad file changes nothing and says what was wrong", "[io][checkpoint]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(500);
  tabrl::TrainingState state(options.seed, 48);
  auto first = options;
  first.episodes = 5;
  tabrl::run_training(agent, env, memory, first, state);
  const Bytes good = checkpoint_bytes(agent, memory, state, options);

  tabrl::QLearningAgent<> target(48, 4, notebook);
  target.q_values().setConstant(7.0);
  tabrl::ReplayMemory<> target_memory(500);
  target_memory.push(1, 1, -1.0, 2, false);
  tabrl::TrainingState target_state(3, 48);
  tabrl::TrainOptions target_options;
  auto expect = [&](const Bytes& bytes, FormatProblem p) {
    try {
      tabrl::parse_checkpoint(bytes, "ckpt", target, target_memory, target_state, target_options);
      FAIL("accepted a bad checkpoint");
    } catch (const tabrl::FormatError& e) {
      CAPTURE(e.what());
      REQUIRE(e.problem() == p);
    }
    REQUIRE((target.q_values().array() == 7.0).all());
    REQUIRE(target_memory.size() == 1);
    REQUIRE(target_state.episode == 0);
    REQUIRE(target_state.rng == tabrl::Rng(3));
    REQUIRE(target_options == tabrl::TrainOptions{});
  };
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{40}, good.size() / 2, good.size() - 1}) {
    expect(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)), FormatProblem::truncated);
  }
  auto bad = good;
  bad[1] = 'x';
  expect(bad, FormatProblem::magic);
  bad = good;
  bad[8] = 3;
  expect(bad, FormatProblem::version);
  bad = good;
  bad[good.size() / 2] ^= 0x10;
  expect(bad, FormatProblem::checksum);
  bad = good;
  bad.push_back(0);
  expect(bad, FormatProblem::checksum);  // stray bytes after the announced body

  tabrl::QLearningAgent<> small(16, 4, notebook);
  REQUIRE_THROWS_AS(tabrl::parse_checkpoint(good, "ckpt", small, target_memory, target_state, target_options),
                    tabrl::FormatError);
  tabrl::ReplayMemory<> other_capacity(100);
  try {
    tabrl::parse_checkpoint(good, "ckpt", target, other_capacity, target_state, target_options);
    FAIL("accepted a checkpoint for another capacity");
  } catch (const tabrl::FormatError& e) {
    REQUIRE(e.problem() == FormatProblem::shape);
    REQUIRE_THAT(e.what(), Catch::Contains("replay capacity is 500, the memory's is 100"));
    REQUIRE_THAT(e.what(), Catch::StartsWith("ckpt: ReplayMemory: "));  // the part is named
  }
  tabrl::QLearningAgent<float> float_agent(48, 4, notebook);
  try {
    tabrl::parse_checkpoint(good, "ckpt", float_agent, target_memory, target_state, target_options);
    FAIL("accepted a double table into a float agent");
  } catch (const tabrl::FormatError& e) {
    REQUIRE(e.problem() == FormatProblem::scalar_type);
  }
  // Malformed part lists, each with a valid checksum.
  const Part pa = part_of(agent), pm = part_of(memory), ps = part_of(state), po = part_of(options);
  Part longer = po;
  longer.payload.push_back(0);
  expect(format2({pa, pm, ps, longer}), FormatProblem::value);  // a part left partly unread
  Part shorter = po;
  shorter.payload.pop_back();
  expect(format2({pa, pm, ps, shorter}), FormatProblem::truncated);
  expect(format2({pa, pm, ps, {std::string(300, 'T'), po.payload}}), FormatProblem::truncated);  // kind > 256
  expect(format2({pa, pm, ps, po}, 7), FormatProblem::version);
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint(format2({pa, pm, ps, po}, 7), "ckpt", target, target_memory,
                                              target_state, target_options),
                      "ckpt: unsupported version (file has version 7, this build reads 1 and 2)");
  // A body length that does not match the file.
  bad = format2({pa, pm, ps, po});
  std::uint64_t body = 0;
  std::memcpy(&body, bad.data() + 12, 8);
  body += 1;  // announces one byte more than there is
  std::memcpy(bad.data() + 12, &body, 8);
  expect(bad, FormatProblem::truncated);
}

TEST_CASE("checkpoint: a failing save leaves the previous checkpoint intact", "[io][checkpoint]") {
  tabrl::test::ScratchDir dir("ckpt-fail");
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(500);
  tabrl::TrainingState state(options.seed, 48);
  tabrl::save_checkpoint(dir / "run.ckpt", agent, memory, state, options);
  const auto before = tabrl::test::read_bytes(dir / "run.ckpt");
  auto more = options;
  more.episodes = 3;
  tabrl::run_training(agent, env, memory, more, state);
  tabrl::test::FailingBuffer buffer(64);
  std::ostream failing(&buffer);
  REQUIRE_THROWS_AS(tabrl::atomic_write(dir / "run.ckpt",
                                        [&](std::ostream&) {
                                          tabrl::write_checkpoint(failing, agent, memory, state, options);
                                        }),
                    tabrl::IoError);
  REQUIRE(tabrl::test::read_bytes(dir / "run.ckpt") == before);
  REQUIRE_THROWS_AS(tabrl::save_checkpoint(dir / "nope" / "run.ckpt", agent, memory, state, options),
                    tabrl::IoError);
  // Loading: a missing file and a directory are I/O errors, not format errors.
  REQUIRE_THROWS_AS(tabrl::load_checkpoint(dir / "missing.ckpt", agent, memory, state, more), tabrl::IoError);
  REQUIRE_THROWS_WITH(tabrl::load_checkpoint(dir.path, agent, memory, state, more),
                      Catch::Contains("is not a regular file"));
}

TEST_CASE("checkpoint: inconsistent counters are rejected (found by the fuzzer)", "[io][checkpoint]") {
  // A visit count near INT64_MAX used to load and then overflow on the next step.
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(64);
  tabrl::TrainingState state(1, 48);
  tabrl::CliffWalking env;
  auto first = options;
  first.episodes = 2;
  tabrl::run_training(agent, env, memory, first, state);
  auto load = [&](const tabrl::TrainingState& s) {
    const Bytes bytes = format2({part_of(agent), part_of(memory), {"TrainingState", state_payload(s)}, part_of(options)});
    tabrl::QLearningAgent<> a(48, 4);
    tabrl::ReplayMemory<> m(64);
    tabrl::TrainingState t(0, 48);
    tabrl::TrainOptions o;
    tabrl::parse_checkpoint(bytes, "ckpt", a, m, t, o);
    return t;
  };
  const tabrl::TrainingState loaded = load(state);
  REQUIRE(loaded.log == state.log);
  REQUIRE(loaded.rng == state.rng);
  REQUIRE(loaded.episode == state.episode);
  REQUIRE(loaded.progress == state.progress);
  auto bad = state;
  bad.log.visit_counts[36] = std::numeric_limits<std::int64_t>::max() - 1;
  REQUIRE_THROWS_WITH(load(bad), Catch::Contains("training log counters are inconsistent"));
  bad = state;
  bad.log.visit_counts[36] += 1;  // every count in range, their sum off by one
  REQUIRE_THROWS_WITH(load(bad), Catch::Contains("training log counters are inconsistent"));
  bad = state;
  bad.log.env_steps += 1;
  REQUIRE_THROWS_AS(load(bad), tabrl::FormatError);
  bad = state;
  bad.log.lengths[0] = -bad.log.lengths[0];
  REQUIRE_THROWS_AS(load(bad), tabrl::FormatError);
  bad = state;
  bad.log.returns[1] = std::nan("");
  REQUIRE_THROWS_AS(load(bad), tabrl::FormatError);
}

// A format-2 checkpoint may hold any Saveable agent, Double Q-learning's two tables included.
template <class AgentT>
concept Checkpointable = requires(AgentT& agent, tabrl::ReplayMemory<>& memory,
                                  tabrl::TrainingState& state, tabrl::TrainOptions& opts) {
  tabrl::save_checkpoint("x", agent, memory, state, opts);
  tabrl::load_checkpoint("x", agent, memory, state, opts);
};
static_assert(Checkpointable<tabrl::QLearningAgent<>>);
static_assert(Checkpointable<tabrl::DoubleQLearningAgent<>>);
static_assert(!Checkpointable<tabrl::SumTree>);

TEST_CASE("checkpoint version 1: files written by tabrl 0.1 still load and resume bit-identically",
          "[io][checkpoint]") {
  const tabrl::TrainOptions run{.episodes = 40, .batch_size = 16, .seed = 6};
  auto check = [&run](auto make_agent) {
    tabrl::CliffWalking env;
    auto whole = make_agent();
    tabrl::ReplayMemory<> whole_memory(300);
    tabrl::TrainingState whole_state(run.seed, 48);
    tabrl::run_training(whole, env, whole_memory, run, whole_state);
    for (const int cut : {0, 1, 13, 39}) {
      CAPTURE(cut);
      auto agent = make_agent();
      tabrl::ReplayMemory<> memory(300);
      tabrl::TrainingState state(run.seed, 48);
      auto first = run;
      first.episodes = cut;
      tabrl::run_training(agent, env, memory, first, state);
      const Bytes v1 = format1(agent, memory, state, run);
      auto agent2 = make_agent();
      agent2.set_alpha(0.01);
      tabrl::ReplayMemory<> memory2(300, tabrl::Sampling::with_replacement);
      tabrl::TrainingState state2(0, 48);
      tabrl::TrainOptions run2;
      tabrl::parse_checkpoint(v1, "v1", agent2, memory2, state2, run2);
      REQUIRE(run2 == run);
      REQUIRE(agent2.options().alpha == agent.options().alpha);
      REQUIRE_FALSE(state2.progress.active);
      tabrl::run_training(agent2, env, memory2, run2, state2);
      REQUIRE(state2.log == whole_state.log);
      REQUIRE(same_bits(agent2.q_values(), whole.q_values()));
      REQUIRE(tabrl::test::saved(memory2) == tabrl::test::saved(whole_memory));
    }
  };
  check([] { return tabrl::QLearningAgent<>(48, 4, {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1, .duplicates = tabrl::DuplicateRule::mean}); });
  check([] { return tabrl::ExpectedSarsaAgent<>(48, 4, {.gamma = 0.9, .alpha = 0.5, .epsilon = 0.2}); });

  // The hand-written writer matches a file tabrl 0.1 wrote (the fuzzer's first seed).
  const Bytes old = tabrl::test::read_bytes(std::filesystem::path(TABRL_TEST_DATA_DIR) / ".." / "fuzz" /
                                            "corpus" / "checkpoint" / "small.ckpt");
  REQUIRE(old.size() > 12);
  REQUIRE(old[8] == 1);
  tabrl::QLearningAgent<> agent(48, 4);
  tabrl::ReplayMemory<> memory(64);
  tabrl::TrainingState state(0, 48);
  tabrl::TrainOptions restored;
  tabrl::parse_checkpoint(old, "small.ckpt", agent, memory, state, restored);
  REQUIRE(format1(agent, memory, state, restored) == old);
}

TEST_CASE("checkpoint version 1: other kinds and part lists are refused, nothing changes",
          "[io][checkpoint]") {
  const SmallRun base(2);
  const auto& agent = base.agent;
  const auto& memory = base.memory;
  const auto& state = base.state;
  const auto& run = base.run;
  const Bytes v1 = format1(agent, memory, state, run);
  Targets t(3.0);
  auto& q = t.q;
  auto& m = t.m;
  auto& s = t.s;
  auto& o = t.o;
  tabrl::DoubleQLearningAgent<> dq(48, 4);
  REQUIRE(problem_of(v1, dq, m, s, o) == FormatProblem::kind);
  tabrl::SarsaAgent<> sarsa(48, 4);
  REQUIRE(problem_of(v1, sarsa, m, s, o) == FormatProblem::kind);
  tabrl::PrioritizedReplay<> per(64);
  REQUIRE(problem_of(v1, q, per, s, o) == FormatProblem::kind);
  REQUIRE(problem_of(v1, q, m, s) == FormatProblem::version);  // a version-1 file has four parts
  REQUIRE(problem_of(v1, q, s, m, o) == FormatProblem::version);
  tabrl::ReplayMemory<> small(32);
  REQUIRE(problem_of(v1, q, small, s, o) == FormatProblem::shape);
  Bytes corrupt = v1;
  corrupt[100] ^= 0x01;  // the low mantissa byte of a Q value: still a valid number
  REQUIRE(problem_of(corrupt, q, m, s, o) == FormatProblem::checksum);
  REQUIRE(problem_of(Bytes(v1.begin(), v1.end() - 3), q, m, s, o) == FormatProblem::truncated);
  // Inconsistent counters in a version-1 state are refused as in format 2.
  auto bad = state;
  bad.log.visit_counts[0] += 1;
  REQUIRE(problem_of(format1(agent, memory, bad, run), q, m, s, o) == FormatProblem::value);
  // A version-1 memory beyond the table.
  tabrl::QLearningAgent<> narrow(40, 4);
  REQUIRE(problem_of(format1(agent, memory, state, run), narrow, m, s, o) == FormatProblem::shape);
  t.require_unchanged();
}

TEST_CASE("checkpoint_version, parse_checkpoint_part and read_checkpoint_file", "[io][checkpoint]") {
  const SmallRun base(2);
  const auto& agent = base.agent;
  const auto& memory = base.memory;
  const auto& state = base.state;
  const auto& run = base.run;
  const Bytes v2 = checkpoint_bytes(run, agent, memory, state);  // the description first
  REQUIRE(tabrl::checkpoint_version(v2, "ckpt") == 2);
  REQUIRE(tabrl::checkpoint_version(format1(agent, memory, state, run), "ckpt") == 1);
  Bytes not_ours = v2;
  not_ours[0] = 'X';
  tabrl::QLearningAgent<> target = agent;
  REQUIRE(problem_of(not_ours, target) == FormatProblem::magic);
  REQUIRE_THROWS_AS(tabrl::checkpoint_version(not_ours, "ckpt"), tabrl::FormatError);
  REQUIRE_THROWS_AS(tabrl::checkpoint_version(Bytes(v2.begin(), v2.begin() + 10), "ckpt"), tabrl::FormatError);

  // One part, by index, without the others.
  tabrl::TrainOptions first;
  tabrl::parse_checkpoint_part(v2, "ckpt", 0, first);
  REQUIRE(first == run);
  tabrl::ReplayMemory<> m(64);
  tabrl::parse_checkpoint_part(v2, "ckpt", 2, m);
  REQUIRE(tabrl::test::saved(m) == tabrl::test::saved(memory));
  tabrl::TrainingState s(0, 48);
  tabrl::parse_checkpoint_part(v2, "ckpt", 3, s);
  REQUIRE(s.log == state.log);
  // Wrong kind, no such part, corrupt or version-1 bytes: refused, the part unchanged.
  tabrl::TrainOptions untouched{.episodes = 9};
  auto part_problem = [&](const Bytes& bytes, std::size_t index) {
    try {
      tabrl::parse_checkpoint_part(bytes, "ckpt", index, untouched);
    } catch (const tabrl::FormatError& e) {
      REQUIRE(untouched == tabrl::TrainOptions{.episodes = 9});
      return e.problem();
    }
    FAIL("accepted");
    return FormatProblem::value;
  };
  REQUIRE(part_problem(v2, 1) == FormatProblem::kind);
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint_part(v2, "ckpt", 1, untouched),
                      "ckpt: wrong kind (part 1 holds a QLearningAgent, not a TrainOptions)");
  REQUIRE_THROWS_WITH(tabrl::parse_checkpoint_part(v2, "ckpt", 4, untouched),
                      "ckpt: wrong kind (file holds 4 parts, no part 4)");
  Bytes corrupt = v2;
  corrupt[30] ^= 0x01;
  REQUIRE(part_problem(corrupt, 0) == FormatProblem::checksum);
  REQUIRE(part_problem(Bytes(v2.begin(), v2.end() - 1), 0) == FormatProblem::truncated);
  REQUIRE(part_problem(format1(agent, memory, state, run), 0) == FormatProblem::version);
  Part longer = part_of(run);
  longer.payload.push_back(0);
  REQUIRE(part_problem(format2({longer}), 0) == FormatProblem::value);

  tabrl::test::ScratchDir dir("ckpt-read");
  tabrl::test::write_bytes(dir / "a.ckpt", v2);
  REQUIRE(tabrl::read_checkpoint_file(dir / "a.ckpt") == v2);
  tabrl::test::write_bytes(dir / "b.ckpt", not_ours);
  REQUIRE_THROWS_AS(tabrl::read_checkpoint_file(dir / "b.ckpt"), tabrl::FormatError);
  REQUIRE_THROWS_AS(tabrl::read_checkpoint_file(dir / "none.ckpt"), tabrl::IoError);
}
