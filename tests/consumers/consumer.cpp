// What a user's first program does: train on CliffWalking with the notebook's settings and
// check that the greedy policy walks the 13-step optimal path. Shared by the three consumer
// projects (find_package, add_subdirectory, FetchContent).

#include <tabrl/tabrl.hpp>

#include <cstdio>

int main() {
  tabrl::CliffWalking env;
  tabrl::QLearningAgent<> agent(env.num_states(), env.num_actions(),
                                {.gamma = 1.0, .alpha = 0.9, .epsilon = 0.1});
  tabrl::ReplayMemory<> memory(2000);
  const auto log = tabrl::train(agent, env, memory, {.episodes = 100, .batch_size = 32, .seed = 0});
  tabrl::Rng rng(1);
  const auto path = tabrl::greedy_rollout(agent, env, rng);
  std::printf("tabrl %s: %lld env steps, greedy return %.0f in %lld steps\n", tabrl::version_string,
              static_cast<long long>(log.env_steps), path.total_return,
              static_cast<long long>(path.length()));
  return path.total_return == -13.0 && path.length() == 13 ? 0 : 1;
}
