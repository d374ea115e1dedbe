// Checkpoints: bit-identical resume at any episode boundary, atomic saves, bad files.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/io/checkpoint.hpp>

#include "io/io_test_util.hpp"

namespace {
constexpr tabrl::TDOptions notebook{.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1};
const tabrl::TrainOptions options{.episodes = 60, .batch_size = 32, .seed = 11};
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

TEST_CASE("checkpoint: a bad file changes nothing and says what was wrong", "[io][checkpoint]") {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(48, 4, notebook);
  tabrl::ReplayMemory<> memory(500);
  tabrl::TrainingState state(options.seed, 48);
  auto first = options;
  first.episodes = 5;
  tabrl::run_training(agent, env, memory, first, state);
  std::ostringstream out;
  tabrl::write_checkpoint(out, agent, memory, state, options);
  const std::string s = out.str();
  const std::vector<unsigned char> good(s.begin(), s.end());

  tabrl::QLearningAgent<> target(48, 4, notebook);
  target.q_values().setConstant(7.0);
  tabrl::ReplayMemory<> target_memory(500);
  target_memory.push(1, 1, -1.0, 2, false);
  tabrl::TrainingState target_state(3, 48);
  tabrl::TrainOptions target_options;
  auto expect = [&](const std::vector<unsigned char>& bytes, tabrl::FormatProblem p) {
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
  };
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{40}, good.size() / 2, good.size() - 1}) {
    expect(std::vector<unsigned char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)),
           tabrl::FormatProblem::truncated);
  }
  auto bad = good;
  bad[1] = 'x';
  expect(bad, tabrl::FormatProblem::magic);
  bad = good;
  bad[8] = 3;
  expect(bad, tabrl::FormatProblem::version);
  bad = good;
  bad[good.size() / 2] ^= 0x10;
  expect(bad, tabrl::FormatProblem::checksum);

  tabrl::QLearningAgent<> small(16, 4, notebook);
  REQUIRE_THROWS_AS(tabrl::parse_checkpoint(good, "ckpt", small, target_memory, target_state, target_options),
                    tabrl::FormatError);
  tabrl::ReplayMemory<> other_capacity(100);
  try {
    tabrl::parse_checkpoint(good, "ckpt", target, other_capacity, target_state, target_options);
    FAIL("accepted a checkpoint for another capacity");
  } catch (const tabrl::FormatError& e) {
    REQUIRE(e.problem() == tabrl::FormatProblem::shape);
    REQUIRE_THAT(e.what(), Catch::Contains("replay capacity is 500, the memory's is 100"));
  }
  tabrl::QLearningAgent<float> float_agent(48, 4, notebook);
  try {
    tabrl::parse_checkpoint(good, "ckpt", float_agent, target_memory, target_state, target_options);
    FAIL("accepted a double table into a float agent");
  } catch (const tabrl::FormatError& e) {
    REQUIRE(e.problem() == tabrl::FormatProblem::scalar_type);
  }
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
    std::ostringstream out;
    tabrl::write_checkpoint(out, agent, memory, s, options);
    const std::string str = out.str();
    tabrl::QLearningAgent<> a(48, 4);
    tabrl::ReplayMemory<> m(64);
    tabrl::TrainingState t(0, 48);
    tabrl::TrainOptions o;
    tabrl::parse_checkpoint(std::vector<unsigned char>(str.begin(), str.end()), "ckpt", a, m, t, o);
  };
  REQUIRE_NOTHROW(load(state));
  auto bad = state;
  bad.log.visit_counts[36] = std::numeric_limits<std::int64_t>::max() - 1;
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

// Double Q-learning's two tables are not in the format: saving one must not compile.
template <class AgentT>
concept Checkpointable = requires(AgentT& agent, tabrl::ReplayMemory<>& memory,
                                  tabrl::TrainingState& state, tabrl::TrainOptions& opts) {
  tabrl::save_checkpoint("x", agent, memory, state, opts);
  tabrl::load_checkpoint("x", agent, memory, state, opts);
};
static_assert(Checkpointable<tabrl::QLearningAgent<>>);
static_assert(!Checkpointable<tabrl::DoubleQLearningAgent<>>);
