#pragma once
// Helpers for the tests that run the training loops: tables compared bit for bit, and an
// observer that stops a run after a number of environment steps.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <tabrl/training/observers.hpp>

namespace tabrl::test {

/// Same shape and the same bytes (so -0.0 != 0.0 and NaN == NaN of the same payload).
template <class Table>
bool same_bits(const Table& x, const Table& y) {
  return x.rows() == y.rows() && x.cols() == y.cols() &&
         std::memcmp(x.data(), y.data(), sizeof(*x.data()) * static_cast<std::size_t>(x.size())) == 0;
}

/// Asks the loop to stop after its n-th environment step (counted over calls).
struct StopAfter {
  std::int64_t n;
  std::int64_t seen = 0;
  Control on_step(const StepEvent&) { return ++seen == n ? Control::stop : Control::proceed; }
};

}  // namespace tabrl::test
