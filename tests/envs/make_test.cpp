// The named factories: Gymnasium's registered environments with their time limits.

#include <catch2/catch.hpp>

#include <type_traits>

#include <tabrl/envs/make.hpp>

TEST_CASE("factories apply Gymnasium's registered time limits", "[envs][wrappers]") {
  REQUIRE(tabrl::make_frozen_lake().max_episode_steps() == 100);
  REQUIRE(tabrl::make_frozen_lake_8x8().max_episode_steps() == 200);
  REQUIRE(tabrl::make_frozen_lake_8x8().num_states() == 64);
  REQUIRE(tabrl::make_taxi().max_episode_steps() == 200);
  REQUIRE(tabrl::make_frozen_lake().unwrapped().is_slippery());
  REQUIRE_FALSE(tabrl::make_frozen_lake(false).unwrapped().is_slippery());
  auto cliff = tabrl::make_cliff_walking();
  static_assert(std::is_same_v<decltype(cliff), tabrl::CliffWalking>);  // no limit
  // Taxi: a policy that only waits (west into the wall at col 0 row 4...) is truncated at 200.
  auto taxi = tabrl::make_taxi();
  taxi.reset(0);
  tabrl::StepResult r;
  int steps = 0;
  do {
    r = taxi.step(tabrl::Taxi::pickup);  // illegal or legal, never terminates
    ++steps;
  } while (!r.truncated && !r.terminated);
  REQUIRE(steps == 200);
  REQUIRE(r.truncated);
}
