// Compile-fail check: a type that is not a DiscreteEnvironment passed to tabrl::train must be
// rejected by the concept, with an error that names it (not a wall of template errors).
// Built with -DTABRL_CONTROL, the same file uses a real environment and must compile, so the
// failure cannot come from anything but the concept.

#include <tabrl/tabrl.hpp>

namespace {
#ifdef TABRL_CONTROL
using Env = tabrl::CliffWalking;
#else
// Almost an environment: step() returns the wrong type.
struct Env {
  [[nodiscard]] int num_states() const { return 48; }
  [[nodiscard]] int num_actions() const { return 4; }
  int reset(std::uint64_t) { return 36; }
  int step(int) { return 0; }
};
#endif
}  // namespace

int main() {
  Env env;
  tabrl::QLearningAgent<> agent(48, 4);
  tabrl::ReplayMemory<> memory(100);
  auto log = tabrl::train(agent, env, memory, {.episodes = 1, .batch_size = 8});
  return log.env_steps > 0 ? 0 : 1;
}
