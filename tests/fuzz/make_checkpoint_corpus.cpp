// Regenerates the format-2 checkpoints of the checkpoint fuzzer's seed corpus: one per list
// of parts that fuzz_checkpoint.cpp parses, each cut in the middle of an episode so that the
// unfinished-episode fields, the environment's place and an n-step window are populated. Build and run from the
// repository root:
//   g++ -std=c++20 -I include -I /usr/include/eigen3 tests/fuzz/make_checkpoint_corpus.cpp \
//     -o /tmp/mcc && /tmp/mcc tests/fuzz/corpus/checkpoint

#include <string>

#include <tabrl/tabrl.hpp>

namespace {
// Stops a run after a number of environment steps.
struct StopAfter {
  long steps;
  tabrl::Control on_step(const tabrl::StepEvent&) {
    return --steps == 0 ? tabrl::Control::stop : tabrl::Control::proceed;
  }
};
}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/checkpoint";
  const tabrl::TDOptions td{.gamma = 1.0, .alpha = 0.5, .epsilon = 0.1};
  const tabrl::TrainOptions options{.episodes = 20, .batch_size = 8, .seed = 5};
  {
    tabrl::CliffWalking env;
    tabrl::QLearningAgent<> agent(48, 4, td);
    tabrl::ReplayMemory<> memory(64);
    tabrl::TrainingState state(options.seed, 48);
    StopAfter stop{150};
    tabrl::run_training(agent, env, memory, options, state, stop);
    tabrl::save_checkpoint(dir + "/v2_q_uniform.ckpt", agent, memory, env, state, options);
  }
  {
    tabrl::CliffWalking env;
    tabrl::DoubleQLearningAgent<> agent(48, 4, td, 9);
    tabrl::NStepReplay<tabrl::PrioritizedReplay<>> memory(tabrl::PrioritizedReplay<>(64), 3, 1.0);
    tabrl::TrainingState state(options.seed, 48);
    StopAfter stop{150};
    tabrl::run_training(agent, env, memory, options, state, stop);
    tabrl::save_checkpoint(dir + "/v2_double_q_n_step_prioritized.ckpt", agent, memory, env,
                           state, options);
  }
  {
    tabrl::CliffWalking env;
    tabrl::SarsaAgent<> agent(48, 4, td);
    tabrl::TrainingState state(options.seed, 48);
    StopAfter stop{150};
    tabrl::run_online_training(agent, env, {.episodes = 20, .seed = 5}, state, stop);
    tabrl::save_checkpoint(dir + "/v2_sarsa_online.ckpt", agent, env, state,
                           tabrl::TrainOptions{.episodes = 20, .seed = 5});
  }
  return 0;
}
