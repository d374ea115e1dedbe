// custom_environment: bring your own environment.
//
// Anything with num_states(), num_actions(), reset(seed) and step(action) -> StepResult is a
// tabrl::DiscreteEnvironment and trains with the same loop, memories and agents as the
// built-in ones. Here: a corridor of 10 cells with a coin at the right end (+10) and a small
// cost per step; the agent starts in the middle and must learn to go right.

#include <cstdint>
#include <fmt/core.h>

#include <tabrl/tabrl.hpp>

/// A 1-D corridor: states 0..9, actions 0 left / 1 right, start at 4, the coin at 9.
class Corridor {
 public:
  static constexpr int length = 10;

  [[nodiscard]] int num_states() const { return length; }
  [[nodiscard]] int num_actions() const { return 2; }

  int reset(std::uint64_t /*seed*/) {
    position_ = 4;
    return position_;
  }

  tabrl::StepResult step(int action) {
    if (action != 0 && action != 1) throw tabrl::InvalidArgument("Corridor: action must be 0 or 1");
    position_ += action == 1 ? 1 : -1;
    if (position_ < 0) position_ = 0;  // the left wall
    const bool coin = position_ == length - 1;
    return {position_, coin ? 10.0 : -0.1, coin, false};
  }

 private:
  int position_ = 4;
};

static_assert(tabrl::DiscreteEnvironment<Corridor>);

int main() {
  Corridor env;
  tabrl::QLearningAgent<> agent(env.num_states(), env.num_actions(),
                                {.gamma = 0.95, .alpha = 0.5, .epsilon = 0.2});
  tabrl::ReplayMemory<> memory(500);
  const auto log = tabrl::train(agent, env, memory, {.episodes = 50, .batch_size = 16, .seed = 1});

  tabrl::Rng rng(0);
  const auto path = tabrl::greedy_rollout(agent, env, rng, 50);
  fmt::print("trained {} episodes ({} steps); greedy path from 4: {} steps, return {:.1f}\n",
             log.returns.size(), log.env_steps, path.length(), path.total_return);
  // The shortest way to the coin is 5 steps right.
  return path.terminated && path.length() == 5 ? 0 : 1;
}
