#pragma once
// The optimal CliffWalking episode the picture tests draw: up from the start (36), along row 1
// to 35, down to the goal (47); 13 steps, return -13.

#include <tabrl/training/evaluate.hpp>

namespace tabrl::test {

inline Rollout optimal_cliff_path() {
  Rollout r;
  r.states = {36, 24};
  r.actions = {0};
  for (int s = 25; s <= 35; ++s) {
    r.states.push_back(s);
    r.actions.push_back(1);
  }
  r.states.push_back(47);
  r.actions.push_back(2);
  r.total_return = -13;
  r.terminated = true;
  return r;
}

}  // namespace tabrl::test
