// libFuzzer target: the checkpoint loader rejects any malformed input with a tabrl::Error and
// leaves its targets usable. The bytes are parsed as each list of parts the seed corpus holds
// (tests/fuzz/make_checkpoint_corpus.cpp): format 1, and format 2 for every kind of agent and
// memory; a checkpoint that loads is trained from.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <tabrl/tabrl.hpp>

namespace {
// A greedy table can circle for ever: every run stops after a few hundred steps.
struct StopAfter {
  int steps;
  tabrl::Control on_step(const tabrl::StepEvent&) {
    return --steps <= 0 ? tabrl::Control::stop : tabrl::Control::proceed;
  }
};

template <class Agent, class Memory>
void replay_run(const std::vector<unsigned char>& bytes, Agent agent, Memory memory,
                bool with_env) {
  tabrl::CliffWalking env;
  tabrl::TrainingState state(0, 48);
  tabrl::TrainOptions options;
  try {
    if (with_env) {
      tabrl::parse_checkpoint(bytes, "fuzz", agent, memory, env, state, options);
    } else {
      tabrl::parse_checkpoint(bytes, "fuzz", agent, memory, state, options);
      env.reset(0);
    }
    options.episodes = state.episode + 1;
    if (options.batch_size > memory.capacity()) options.batch_size = 8;
    if (options.updates_per_step > 4) options.updates_per_step = 4;
    StopAfter stop{200};
    tabrl::run_training(agent, env, memory, options, state, stop);
  } catch (const tabrl::Error&) {
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  replay_run(bytes, tabrl::QLearningAgent<>(48, 4), tabrl::ReplayMemory<>(64), false);
  replay_run(bytes, tabrl::QLearningAgent<>(48, 4), tabrl::ReplayMemory<>(64), true);
  replay_run(bytes, tabrl::DoubleQLearningAgent<>(48, 4),
             tabrl::NStepReplay<tabrl::PrioritizedReplay<>>(tabrl::PrioritizedReplay<>(64), 3, 1.0),
             true);
  {
    tabrl::SarsaAgent<> agent(48, 4);
    tabrl::CliffWalking env;
    tabrl::TrainingState state(0, 48);
    tabrl::TrainOptions options;
    try {
      tabrl::parse_checkpoint(bytes, "fuzz", agent, env, state, options);
      options.episodes = state.episode + 1;
      options.updates_per_step = 1;
      StopAfter stop{200};
      tabrl::run_online_training(agent, env, options, state, stop);
    } catch (const tabrl::Error&) {
    }
  }
  return 0;
}
