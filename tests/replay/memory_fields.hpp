#pragma once
// ReplayMemory<>'s payload written field by field (the layout ReplayMemory::save documents),
// for the tests of the memory and of the memories that embed one.

#include <cstdint>
#include <vector>

#include "saveable.hpp"

namespace tabrl::test {

// ReplayMemory's payload written field by field (the layout save() documents).
struct MemoryFields {
  std::uint8_t reward_code = 2, index_bytes = 4, action_bytes = 1, sampling = 0;
  std::uint64_t capacity = 8, size = 3, head = 3;
  std::vector<std::int32_t> states{1, 2, 3};
  std::vector<std::uint8_t> actions{0, 1, 3};
  std::vector<double> rewards{-1.0, 0.5, 2.0};
  std::vector<std::int32_t> next_states{2, 3, 4};
  std::vector<std::uint8_t> terminated{0, 0, 1};
  [[nodiscard]] Bytes bytes() const {
    return payload([this](BinaryWriter& w) {
      w.value(reward_code);
      w.value(index_bytes);
      w.value(action_bytes);
      w.value(sampling);
      w.value(capacity);
      w.value(size);
      w.value(head);
      w.array(states.data(), states.size());
      w.array(actions.data(), actions.size());
      w.array(rewards.data(), rewards.size());
      w.array(next_states.data(), next_states.size());
      w.array(terminated.data(), terminated.size());
    });
  }
};

}  // namespace tabrl::test
