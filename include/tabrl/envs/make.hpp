#pragma once
/// \file envs/make.hpp
/// Named factories with the time limits Gymnasium registers for each environment.

#include "cliff_walking.hpp"
#include "frozen_lake.hpp"
#include "taxi.hpp"
#include "time_limit.hpp"

namespace tabrl {

/// CliffWalking-v0: no time limit.
[[nodiscard]] inline CliffWalking make_cliff_walking(bool is_slippery = false) {
  return CliffWalking({.is_slippery = is_slippery});
}
/// FrozenLake-v1 (4x4): 100 steps.
[[nodiscard]] inline TimeLimit<FrozenLake> make_frozen_lake(bool is_slippery = true) {
  return {FrozenLake(FrozenLake::map_4x4(), {.is_slippery = is_slippery}), 100};
}
/// FrozenLake8x8-v1: 200 steps.
[[nodiscard]] inline TimeLimit<FrozenLake> make_frozen_lake_8x8(bool is_slippery = true) {
  return {FrozenLake(FrozenLake::map_8x8(), {.is_slippery = is_slippery}), 200};
}
/// Taxi-v3: 200 steps.
[[nodiscard]] inline TimeLimit<Taxi> make_taxi() {
  return {Taxi(), 200};
}

}  // namespace tabrl
