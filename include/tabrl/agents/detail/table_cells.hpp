#pragma once
/// \file agents/detail/table_cells.hpp
/// The size check every per-(state, action) structure of the agents makes.

#include <cstddef>
#include <cstdint>
#include <limits>

#include "../../error.hpp"

namespace tabrl::detail {

/// num_states * num_actions, after checking both are >= 1 and the product fits the int32
/// positions the structures index their cells with; throws InvalidArgument naming `who`.
[[nodiscard]] inline std::size_t checked_cells(const char* who, int num_states, int num_actions) {
  if (num_states < 1) throw_invalid(who, "num_states must be >= 1", num_states);
  if (num_actions < 1) throw_invalid(who, "num_actions must be >= 1", num_actions);
  const auto cells = static_cast<std::int64_t>(num_states) * num_actions;
  if (cells > std::numeric_limits<std::int32_t>::max()) {
    throw_invalid(who, "num_states * num_actions must be < 2^31", cells);
  }
  return static_cast<std::size_t>(cells);
}

}  // namespace tabrl::detail
