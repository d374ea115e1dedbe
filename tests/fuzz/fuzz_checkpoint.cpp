// libFuzzer target: the checkpoint loader rejects any malformed input with a tabrl::Error
// (FormatError, or InvalidArgument for out-of-range contents) and leaves its targets usable.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <tabrl/agents/q_learning.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/io/checkpoint.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  tabrl::QLearningAgent<> agent(48, 4);
  tabrl::ReplayMemory<> memory(64);
  tabrl::TrainingState state(0, 48);
  tabrl::TrainOptions options;
  try {
    tabrl::parse_checkpoint(bytes, "fuzz", agent, memory, state, options);
    // A checkpoint that loads must be trainable from.
    tabrl::CliffWalking env;
    options.episodes = state.episode + 1;
    options.batch_size = options.batch_size <= memory.capacity() ? options.batch_size : 8;
    if (options.updates_per_step > 4) options.updates_per_step = 4;
    tabrl::TimeLimit<tabrl::CliffWalking> limited(env, 50);
    tabrl::run_training(agent, limited, memory, options, state);
  } catch (const tabrl::Error&) {
  }
  return 0;
}
