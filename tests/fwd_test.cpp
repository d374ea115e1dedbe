// fwd.hpp alone: every class template is declared with the defaults of its definition.

#include <catch2/catch.hpp>

#include <cstdint>
#include <type_traits>

#include <tabrl/fwd.hpp>

static_assert(std::is_same_v<tabrl::Transition, tabrl::BasicTransition<double>>);
static_assert(std::is_same_v<tabrl::Minibatch, tabrl::BasicMinibatch<double, std::int32_t, std::uint8_t>>);
static_assert(std::is_same_v<tabrl::ReplayMemory<>, tabrl::ReplayMemory<double, std::int32_t, std::uint8_t>>);
static_assert(std::is_same_v<tabrl::PrioritizedReplay<>, tabrl::PrioritizedReplay<double, std::int32_t, std::uint8_t>>);
static_assert(std::is_same_v<tabrl::NStepReplay<>, tabrl::NStepReplay<tabrl::ReplayMemory<>>>);
static_assert(std::is_same_v<tabrl::QLearningAgent<>, tabrl::QLearningAgent<double>>);
static_assert(std::is_same_v<tabrl::DoubleQLearningAgent<>, tabrl::DoubleQLearningAgent<double>>);

TEST_CASE("fwd.hpp compiles on its own and names the defaults", "[fwd]") {
  // A function that only names the types needs no definition.
  const tabrl::QLearningAgent<>* none = nullptr;
  REQUIRE(none == nullptr);
}
