#pragma once
/// \file replay/sum_tree.hpp
/// A binary tree of partial sums over non-negative leaf values: O(log n) updates and
/// prefix-sum search, the index behind proportional prioritized replay.

#include <cmath>
#include <cstddef>
#include <vector>

#include "../error.hpp"

namespace tabrl {

/// Leaves 0..capacity-1 hold non-negative values; every inner node the sum of its children.
class SumTree {
 public:
  /// Throws if capacity is 0.
  explicit SumTree(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) detail::throw_invalid("SumTree", "capacity must be >= 1", capacity);
    while (leaves_ < capacity) leaves_ *= 2;
    nodes_.assign(2 * leaves_, 0.0);
  }

  /// The number of leaves.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// Sum of all leaves.
  [[nodiscard]] double total() const noexcept { return nodes_[1]; }
  /// Leaf i; throws for i >= capacity().
  [[nodiscard]] double get(std::size_t i) const {
    check(i);
    return nodes_[leaves_ + i];
  }

  /// Sets leaf i; throws on a bad index or a negative / non-finite value.
  void set(std::size_t i, double value) {
    check(i);
    if (!(value >= 0.0) || !std::isfinite(value)) {
      detail::throw_invalid("SumTree::set", "value must be finite and >= 0", value);
    }
    std::size_t node = leaves_ + i;
    nodes_[node] = value;
    // Recompute parents from their children (not by adding a difference), so rounding
    // errors never accumulate over millions of updates.
    for (node /= 2; node >= 1; node /= 2) nodes_[node] = nodes_[2 * node] + nodes_[2 * node + 1];
  }

  /// The leaf where the running sum passes `prefix`: the smallest i with
  /// sum(leaf 0..i) > prefix, for prefix in [0, total()). Values outside are clamped, and a
  /// zero leaf is never returned while the total is positive.
  [[nodiscard]] std::size_t find(double prefix) const noexcept {
    std::size_t node = 1;
    while (node < leaves_) {
      const std::size_t left = 2 * node;
      if (prefix < nodes_[left] || nodes_[left + 1] <= 0.0) {
        node = left;
      } else {
        prefix -= nodes_[left];
        node = left + 1;
      }
    }
    std::size_t i = node - leaves_;
    // Rounding can land on an empty leaf at the end: step back to the last positive one.
    while (i > 0 && (i >= capacity_ || nodes_[leaves_ + i] <= 0.0)) --i;
    return i;
  }

 private:
  void check(std::size_t i) const {
    if (i >= capacity_)
      detail::throw_invalid("SumTree", detail::concat("index must be < ", capacity_), i);
  }

  std::size_t capacity_;
  std::size_t leaves_ = 1;
  std::vector<double> nodes_;  // 1-based heap layout; nodes_[0] unused
};

}  // namespace tabrl
