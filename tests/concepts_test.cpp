// The extension points in concepts.hpp: which types the training loops accept, including a
// user's own minimal environment, agent and memory.

#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa.hpp>
#include <tabrl/concepts.hpp>
#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/frozen_lake.hpp>
#include <tabrl/envs/taxi.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/replay/replay_memory.hpp>

namespace {
// The smallest environment the loops accept.
struct Corridor {
  int at = 0;
  [[nodiscard]] int num_states() const { return 3; }
  [[nodiscard]] int num_actions() const { return 2; }
  int reset(std::uint64_t /*seed*/) { return at = 0; }
  tabrl::StepResult step(int action) {
    at = action == 1 ? at + 1 : at;
    return {at, -1.0, at == 2, false};
  }
};
struct NoStep {
  [[nodiscard]] int num_states() const { return 3; }
  [[nodiscard]] int num_actions() const { return 2; }
  int reset(std::uint64_t) { return 0; }
};
struct WrongStep : NoStep {
  int step(int) { return 0; }  // must return a StepResult
};
// A model: transitions(s, a) lists the outcomes.
struct CorridorModel : Corridor {
  [[nodiscard]] std::vector<tabrl::Outcome> transitions(int s, int a) const {
    return {{1.0, a == 1 ? s + 1 : s, -1.0, s + 1 == 2}};
  }
};
// A user's agent without a minibatch rule or TD errors, and one that has both.
struct OnlineOnly {
  [[nodiscard]] int num_states() const { return 3; }
  [[nodiscard]] int num_actions() const { return 2; }
  int act(int, tabrl::Rng&) const { return 0; }
  void update(const tabrl::Transition&) {}
};
struct WithBatches : OnlineOnly {
  using OnlineOnly::update;
  void update(const tabrl::Minibatch&) {}
  [[nodiscard]] std::vector<double> last_td_errors() const { return {}; }
};
// A user's memory: push, size, capacity, sample into the BasicMinibatch type it names.
struct UserMemory {
  using minibatch_type = tabrl::Minibatch;
  void push(const tabrl::Transition&) {}
  [[nodiscard]] std::size_t size() const { return 0; }
  [[nodiscard]] std::size_t capacity() const { return 1; }
  template <class G>
  void sample(std::size_t, G&, minibatch_type&) {}
};
struct NoSample {
  using minibatch_type = tabrl::Minibatch;
  void push(const tabrl::Transition&) {}
  [[nodiscard]] std::size_t size() const { return 0; }
  [[nodiscard]] std::size_t capacity() const { return 1; }
};
}  // namespace

// Environments.
static_assert(tabrl::DiscreteEnvironment<Corridor>);
static_assert(tabrl::DiscreteEnvironment<tabrl::CliffWalking>);
static_assert(tabrl::DiscreteEnvironment<tabrl::TimeLimit<tabrl::Taxi>>);
static_assert(!tabrl::DiscreteEnvironment<NoStep>);
static_assert(!tabrl::DiscreteEnvironment<WrongStep>);
static_assert(tabrl::ModelEnvironment<CorridorModel>);
static_assert(tabrl::ModelEnvironment<tabrl::FrozenLake>);
static_assert(!tabrl::ModelEnvironment<Corridor>);
// Agents.
static_assert(tabrl::Agent<OnlineOnly>);
static_assert(tabrl::Agent<tabrl::SarsaAgent<>>);
static_assert(!tabrl::Agent<Corridor>);
static_assert(tabrl::OnPolicyAgent<tabrl::SarsaAgent<float>>);
static_assert(!tabrl::OnPolicyAgent<OnlineOnly>);
static_assert(!tabrl::MinibatchAgent<OnlineOnly, tabrl::ReplayMemory<>>);
static_assert(tabrl::MinibatchAgent<WithBatches, tabrl::ReplayMemory<>>);
static_assert(tabrl::MinibatchAgent<WithBatches, UserMemory>);
static_assert(tabrl::MinibatchAgent<tabrl::QLearningAgent<>, tabrl::NStepReplay<tabrl::PrioritizedReplay<>>>);
static_assert(!tabrl::MinibatchAgent<tabrl::SarsaAgent<>, tabrl::ReplayMemory<>>);
static_assert(tabrl::ReportsTDErrors<tabrl::QLearningAgent<>>);
static_assert(tabrl::ReportsTDErrors<tabrl::DoubleQLearningAgent<>>);
static_assert(tabrl::ReportsTDErrors<WithBatches>);
static_assert(!tabrl::ReportsTDErrors<OnlineOnly>);
static_assert(!tabrl::ReportsTDErrors<tabrl::SarsaAgent<>>);
// Memories.
static_assert(tabrl::ExperienceMemory<UserMemory>);
static_assert(!tabrl::ExperienceMemory<NoSample>);
static_assert(tabrl::ExperienceMemory<tabrl::ReplayMemory<float>>);
static_assert(tabrl::ExperienceMemory<tabrl::NStepReplay<>>);
static_assert(!tabrl::PrioritizedMemory<UserMemory>);
static_assert(!tabrl::PrioritizedMemory<tabrl::ReplayMemory<>>);
static_assert(tabrl::PrioritizedMemory<tabrl::PrioritizedReplay<>>);
static_assert(tabrl::PrioritizedMemory<tabrl::NStepReplay<tabrl::PrioritizedReplay<>>>);
static_assert(!tabrl::PrioritizedMemory<tabrl::NStepReplay<>>);
static_assert(tabrl::EpisodicMemory<tabrl::NStepReplay<tabrl::PrioritizedReplay<>>>);
static_assert(!tabrl::EpisodicMemory<tabrl::PrioritizedReplay<>>);
static_assert(!tabrl::EpisodicMemory<UserMemory>);

TEST_CASE("concepts: a user's minimal environment runs", "[concepts]") {
  Corridor env;
  REQUIRE(env.reset(0) == 0);
  REQUIRE(env.step(1) == tabrl::StepResult{1, -1.0, false, false});
  REQUIRE(env.step(1).terminated);
}
