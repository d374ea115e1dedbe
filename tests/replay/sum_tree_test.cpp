// SumTree: totals, prefix searches against brute force, exact boundaries, validation.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <tabrl/random.hpp>
#include <tabrl/replay/sum_tree.hpp>

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("SumTree: totals and searches match brute force after random updates", "[replay][per]") {
  for (std::size_t capacity : {1U, 2U, 7U, 64U, 1000U}) {
    tabrl::SumTree tree(capacity);
    REQUIRE(tree.capacity() == capacity);
    REQUIRE(tree.total() == 0.0);
    std::vector<double> values(capacity, 0.0);
    tabrl::Rng rng(capacity);
    for (int step = 0; step < 3000; ++step) {
      const auto i = static_cast<std::size_t>(tabrl::uniform_index(rng, capacity));
      const double v = tabrl::uniform_index(rng, 5) == 0 ? 0.0 : tabrl::uniform_real(rng) * 10;
      tree.set(i, v);
      values[i] = v;
      REQUIRE(tree.get(i) == v);
      const double sum = std::accumulate(values.begin(), values.end(), 0.0);
      REQUIRE_THAT(tree.total(), WithinRel(sum, 1e-12) || WithinAbs(sum, 1e-12));
      if (sum > 0) {
        const double prefix = tabrl::uniform_real(rng) * sum;
        // Brute force: first index where the running sum exceeds prefix.
        double run = 0;
        std::size_t expected = 0;
        for (std::size_t k = 0; k < capacity; ++k) {
          run += values[k];
          if (run > prefix) {
            expected = k;
            break;
          }
        }
        const std::size_t got = tree.find(prefix);
        CAPTURE(capacity, step, prefix, expected, got);
        REQUIRE(values[got] > 0.0);
        // Equal up to rounding at a boundary: the found leaf's interval contains prefix.
        double before = 0;
        for (std::size_t k = 0; k < got; ++k) before += values[k];
        REQUIRE(prefix >= before - 1e-9);
        REQUIRE(prefix < before + values[got] + 1e-9);
      }
    }
  }
}

TEST_CASE("SumTree: find at exact boundaries skips empty leaves and clamps", "[replay][per]") {
  tabrl::SumTree tree(5);  // not a power of two: three padding leaves
  const double v[5] = {1.0, 2.0, 0.0, 3.0, 0.0};
  for (std::size_t i = 0; i < 5; ++i) tree.set(i, v[i]);
  REQUIRE(tree.total() == 6.0);
  REQUIRE(tree.find(0.0) == 0);
  REQUIRE(tree.find(0.999) == 0);
  REQUIRE(tree.find(1.0) == 1);  // the smallest i with sum(0..i) > prefix
  REQUIRE(tree.find(2.999) == 1);
  REQUIRE(tree.find(3.0) == 3);  // leaf 2 is empty
  REQUIRE(tree.find(5.999) == 3);
  REQUIRE(tree.find(6.0) == 3);  // at or past the total: the last non-empty leaf
  REQUIRE(tree.find(1e9) == 3);
  tree.set(0, 0.0);
  REQUIRE(tree.find(0.0) == 1);
  REQUIRE(tree.find(0.5) == 1);
}

// LIBRARY BUG, reported: find() documents that prefixes outside [0, total) are clamped and that
// a zero leaf is never returned while the total is positive; a negative prefix walks left into
// an empty leaf 0 instead. (Prioritized sampling never passes a negative prefix.)
TEST_CASE("SumTree: a negative prefix is clamped to 0", "[replay][per][!mayfail]") {
  tabrl::SumTree tree(4);
  tree.set(1, 1.0);
  tree.set(3, 2.0);
  REQUIRE(tree.find(0.0) == 1);
  REQUIRE(tree.find(-1.0) == tree.find(0.0));
}

TEST_CASE("SumTree: parents are recomputed from their children, so no rounding accumulates",
          "[replay][per]") {
  tabrl::SumTree tree(4);
  const double last[4] = {0.1, 0.2, 0.3, 0.7};
  for (int round = 0; round < 1000; ++round) {
    for (std::size_t i = 0; i < 4; ++i) tree.set(i, 1e10 * static_cast<double>(round % 7) + 0.1 * static_cast<double>(i));
  }
  for (std::size_t i = 0; i < 4; ++i) tree.set(i, last[i]);
  REQUIRE(tree.total() == (0.1 + 0.2) + (0.3 + 0.7));  // exactly the children's sums
}

TEST_CASE("SumTree: bad indices, values and capacity throw, naming them", "[replay][per]") {
  tabrl::SumTree t(4);
  REQUIRE_THROWS_WITH(t.set(4, 1.0), "tabrl::SumTree: index must be < 4, got 4");
  REQUIRE_THROWS_WITH(t.get(4), "tabrl::SumTree: index must be < 4, got 4");
  REQUIRE_THROWS_WITH(t.set(0, -1.0), "tabrl::SumTree::set: value must be finite and >= 0, got -1");
  REQUIRE_THROWS_AS(t.set(0, std::nan("")), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(t.set(0, std::numeric_limits<double>::infinity()), tabrl::InvalidArgument);
  REQUIRE(t.total() == 0.0);  // refused values change nothing
  tabrl::SumTree five(5);
  REQUIRE_THROWS_AS(five.set(5, 1.0), tabrl::InvalidArgument);  // padding leaves are not slots
  REQUIRE_THROWS_WITH(tabrl::SumTree(0), "tabrl::SumTree: capacity must be >= 1, got 0");
}
