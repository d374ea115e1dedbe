// Ring-buffer replay memory: order, overwrite, sampling modes and their uniformity.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include <tabrl/replay/replay_memory.hpp>

#include "stats.hpp"

namespace {
tabrl::Transition t(int i) { return {i, i % 4, -static_cast<double>(i), i + 1, i % 5 == 0}; }
}  // namespace

TEST_CASE("ReplayMemory: capacity 0 throws, new memory is empty", "[replay]") {
  REQUIRE_THROWS_WITH(tabrl::ReplayMemory<>(0), "tabrl::ReplayMemory: capacity must be >= 1, got 0");
  tabrl::ReplayMemory<> m(3);
  REQUIRE(m.capacity() == 3);
  REQUIRE(m.size() == 0);
  REQUIRE(m.empty());
  REQUIRE(m.sampling() == tabrl::Sampling::without_replacement);
}

TEST_CASE("ReplayMemory: ring order and overwrite of the oldest", "[replay]") {
  tabrl::ReplayMemory<> m(4);
  for (int i = 0; i < 3; ++i) m.push(t(i));
  REQUIRE(m.size() == 3);
  REQUIRE(m.head() == 3);
  for (int i = 0; i < 3; ++i) REQUIRE(m[static_cast<std::size_t>(i)] == t(i));
  for (int i = 3; i < 10; ++i) m.push(t(i));  // wraps around twice
  REQUIRE(m.full());
  REQUIRE(m.size() == 4);
  REQUIRE(m.head() == 10 % 4);
  // Oldest first: 6, 7, 8, 9.
  for (int i = 0; i < 4; ++i) REQUIRE(m[static_cast<std::size_t>(i)] == t(6 + i));
  // Physical slots: 8 went to slot 0, 9 to slot 1, 6 to slot 2, 7 to slot 3.
  REQUIRE(m.at_slot(0) == t(8));
  REQUIRE(m.at_slot(1) == t(9));
  REQUIRE(m.at_slot(2) == t(6));
  REQUIRE(m.at_slot(3) == t(7));
  REQUIRE(std::vector<int>(m.states().begin(), m.states().end()) == std::vector<int>{8, 9, 6, 7});
  REQUIRE_THROWS_AS(m[4], tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(m.at_slot(4), tabrl::InvalidArgument);
  m.clear();
  REQUIRE(m.empty());
  REQUIRE(m.capacity() == 4);
}

TEST_CASE("ReplayMemory: push validates its input", "[replay]") {
  tabrl::ReplayMemory<> m(4);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(m.push(0, 0, nan, 1, false), Catch::Contains("reward must be finite"));
  REQUIRE_THROWS_AS(m.push(0, 0, inf, 1, false), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(m.push(0, 0, -inf, 1, false), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(m.push(-1, 0, 0.0, 1, false), Catch::Contains("state must be >= 0"));
  REQUIRE_THROWS_WITH(m.push(0, 0, 0.0, -3, false), Catch::Contains("next_state must be >= 0"));
  REQUIRE_THROWS_WITH(m.push(0, -1, 0.0, 1, false), Catch::Contains("action must be >= 0"));
  REQUIRE_THROWS_WITH(m.push(0, 256, 0.0, 1, false), Catch::Contains("got 256"));  // uint8 actions
  REQUIRE(m.empty());  // nothing half-written
}

TEST_CASE("ReplayMemory: storage width follows the template parameters", "[replay]") {
  STATIC_REQUIRE(tabrl::ReplayMemory<float, std::int32_t, std::uint8_t>::bytes_per_transition == 14);
  STATIC_REQUIRE(tabrl::ReplayMemory<>::bytes_per_transition == 18);
  tabrl::ReplayMemory<float> m(2);
  m.push(1, 2, -1.5, 3, true);
  REQUIRE(m[0] == tabrl::BasicTransition<float>{1, 2, -1.5F, 3, true});
  REQUIRE_THROWS_AS((tabrl::ReplayMemory<double, std::int8_t>(200)), tabrl::InvalidArgument);
}

TEST_CASE("ReplayMemory: sampling preconditions", "[replay]") {
  tabrl::Rng rng(1);
  tabrl::Minibatch batch;
  tabrl::ReplayMemory<> m(10);
  REQUIRE_THROWS_WITH(m.sample(1, rng, batch), Catch::Contains("memory must not be empty"));
  for (int i = 0; i < 5; ++i) m.push(t(i));
  REQUIRE_THROWS_WITH(m.sample(6, rng, batch), Catch::Contains("batch_size must be <= size() = 5"));
  REQUIRE_THROWS_AS(m.sample(0, rng, batch), tabrl::InvalidArgument);
  m.set_sampling(tabrl::Sampling::with_replacement);
  REQUIRE_NOTHROW(m.sample(50, rng, batch));  // with replacement, any positive batch works
  REQUIRE(batch.size() == 50);
}

TEST_CASE("ReplayMemory: sampled rows are the stored transitions of their slots", "[replay]") {
  tabrl::Rng rng(2);
  tabrl::Minibatch batch;
  tabrl::ReplayMemory<> m(8);
  for (int i = 0; i < 13; ++i) m.push(t(i));
  for (auto mode : {tabrl::Sampling::without_replacement, tabrl::Sampling::with_replacement}) {
    m.set_sampling(mode);
    m.sample(6, rng, batch);
    for (Eigen::Index i = 0; i < batch.size(); ++i) {
      REQUIRE(batch.row(i) == m.at_slot(static_cast<std::size_t>(batch.slots[i])));
    }
  }
}

TEST_CASE("ReplayMemory: without replacement gives distinct slots on both code paths",
          "[replay]") {
  tabrl::Rng rng(3);
  tabrl::Minibatch batch;
  tabrl::ReplayMemory<> m(100);
  for (int i = 0; i < 100; ++i) m.push(t(i));
  for (std::size_t k : {1U, 10U, 25U, 26U, 60U, 99U, 100U}) {  // <= n/4: rejection, else Floyd
    for (int rep = 0; rep < 50; ++rep) {
      m.sample(k, rng, batch);
      std::set<int> distinct(batch.slots.data(), batch.slots.data() + batch.size());
      REQUIRE(distinct.size() == k);
    }
  }
  // batch == size is a permutation of all slots
  m.sample(100, rng, batch);
  std::vector<int> all(batch.slots.data(), batch.slots.data() + 100);
  std::sort(all.begin(), all.end());
  for (int i = 0; i < 100; ++i) REQUIRE(all[static_cast<std::size_t>(i)] == i);
}

namespace {
// The marks a draw leaves behind: bit marks (large memories) are cleared after each draw;
// byte marks hold the stamp of the draw that set them, never more than the latest stamp, and
// are all zero when the stamp is 0.
bool marks_consistent(const tabrl::Minibatch& batch) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(batch.seen.data());
  const std::size_t n = batch.seen.size() * sizeof(std::uint64_t);
  return std::all_of(bytes, bytes + n, [&](unsigned char b) { return b <= batch.seen_stamp; });
}
}  // namespace

TEST_CASE("ReplayMemory: byte marks (small memory) and bit marks (large) draw the same slots",
          "[replay]") {
  // Which slots are drawn depends on size() and the generator only; the marks that remember
  // drawn slots are a byte per slot up to 65,536 slots of capacity (stamped with the draw,
  // zeroed when the stamp wraps after 255 draws) and a bit per slot beyond.
  tabrl::ReplayMemory<> small(1000);
  tabrl::ReplayMemory<> large(100000);
  for (int i = 0; i < 1000; ++i) {
    small.push(t(i));
    large.push(t(i));
  }
  tabrl::Rng rng_small(9), rng_large(9), rng_shared(9);
  tabrl::Minibatch a, b, shared;
  int draws = 0;
  // k <= 250 takes the rejection path, larger k Floyd's algorithm and a shuffle. 280 draws
  // per batch: `a`'s stamp wraps once.
  for (std::size_t k : {1U, 8U, 32U, 250U, 251U, 600U, 1000U}) {
    for (int rep = 0; rep < 40; ++rep) {
      small.sample(k, rng_small, a);
      large.sample(k, rng_large, b);
      ++draws;
      CAPTURE(k, rep);
      REQUIRE(a.slots == b.slots);
      std::set<int> distinct(b.slots.data(), b.slots.data() + b.size());
      REQUIRE(distinct.size() == k);
      // One minibatch used by both memories in turn, in runs of 3 draws.
      (rep / 3 % 2 == 0 ? small : large).sample(k, rng_shared, shared);
      REQUIRE(shared.slots == a.slots);
      REQUIRE(marks_consistent(shared));
    }
  }
  REQUIRE(rng_small == rng_large);
  REQUIRE(a.seen_stamp == draws % 255);
  REQUIRE(marks_consistent(a));
  // The bit path clears after itself; the last shared draw used the large memory.
  for (const auto* batch : {&b, &shared}) {
    REQUIRE(batch->seen_stamp == 0);
    REQUIRE(std::all_of(batch->seen.begin(), batch->seen.end(), [](auto w) { return w == 0; }));
  }
}

TEST_CASE("ReplayMemory: a reused minibatch is not reallocated", "[replay]") {
  tabrl::Rng rng(4);
  tabrl::Minibatch batch;
  tabrl::ReplayMemory<> m(64);
  for (int i = 0; i < 64; ++i) m.push(t(i));
  m.sample(32, rng, batch);
  const auto* states = batch.states.data();
  const auto* rewards = batch.rewards.data();
  const auto* seen = batch.seen.data();
  for (int i = 0; i < 600; ++i) m.sample(32, rng, batch);
  REQUIRE(batch.states.data() == states);
  REQUIRE(batch.rewards.data() == rewards);
  REQUIRE(batch.seen.data() == seen);
  REQUIRE(batch.seen_stamp == 601 % 255);
  REQUIRE(marks_consistent(batch));
}

namespace {
// Counts how often each slot lands in each row position over many samples; returns the
// chi-square statistics of the slot totals and of every position's column.
struct SlotStats {
  double overall;
  double worst_position;
};
SlotStats sample_counts(tabrl::Sampling mode, std::size_t size, std::size_t k, int reps,
                        std::uint64_t seed) {
  tabrl::ReplayMemory<> m(size, mode);
  for (std::size_t i = 0; i < size; ++i) m.push(t(static_cast<int>(i)));
  tabrl::Rng rng(seed);
  tabrl::Minibatch batch;
  std::vector<double> total(size, 0.0);
  std::vector<std::vector<double>> per_position(k, std::vector<double>(size, 0.0));
  for (int r = 0; r < reps; ++r) {
    m.sample(k, rng, batch);
    for (std::size_t i = 0; i < k; ++i) {
      const auto s = static_cast<std::size_t>(batch.slots[static_cast<Eigen::Index>(i)]);
      total[s] += 1;
      per_position[i][s] += 1;
    }
  }
  double worst = 0;
  for (const auto& col : per_position) worst = std::max(worst, tabrl::test::chi_square_uniform(col));
  return {tabrl::test::chi_square_uniform(total), worst};
}
}  // namespace

TEST_CASE("ReplayMemory: sampling is uniform over slots and positions", "[replay][statistics]") {
  // 20 slots -> 19 degrees of freedom. Overall: 0.999 quantile 43.82. Per position the worst of
  // k columns is checked against the 0.999^(1/k)-ish level 50 (k <= 8 columns, each p < 1e-4).
  for (auto mode : {tabrl::Sampling::without_replacement, tabrl::Sampling::with_replacement}) {
    for (std::size_t k : {4U, 8U}) {  // k=4 takes the rejection path, k=8 Floyd + shuffle
      const auto stats = sample_counts(mode, 20, k, 20000, 77 + k);
      CAPTURE(static_cast<int>(mode), k, stats.overall, stats.worst_position);
      REQUIRE(stats.overall < 43.82);
      REQUIRE(stats.worst_position < 50.0);
    }
  }
}

TEST_CASE("ReplayMemory: restore round trip and rejection of inconsistent input", "[replay]") {
  tabrl::ReplayMemory<> a(5);
  for (int i = 0; i < 7; ++i) a.push(t(i));
  tabrl::ReplayMemory<> b(5);
  b.restore(a.head(), a.states(), a.actions(), a.rewards(), a.next_states(), a.terminated());
  REQUIRE(b.size() == a.size());
  REQUIRE(b.head() == a.head());
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(b[i] == a[i]);
  tabrl::Rng r1(9), r2(9);
  tabrl::Minibatch x, y;
  a.sample(3, r1, x);
  b.sample(3, r2, y);
  REQUIRE(x.slots == y.slots);

  tabrl::ReplayMemory<> small(3);
  REQUIRE_THROWS_WITH(
      small.restore(0, a.states(), a.actions(), a.rewards(), a.next_states(), a.terminated()),
      Catch::Contains("size must be <= capacity"));
  const std::vector<int> two{1, 2};
  const std::vector<std::uint8_t> acts{0, 1}, flags{0, 0};
  const std::vector<double> rew{0.0, 1.0};
  REQUIRE_THROWS_WITH(b.restore(1, two, acts, rew, two, flags), Catch::Contains("head must equal size"));
  const std::vector<double> bad{0.0, std::nan("")};
  REQUIRE_THROWS_WITH(b.restore(2, two, acts, bad, two, flags), Catch::Contains("reward must be finite"));
  const std::vector<int> one{1};
  REQUIRE_THROWS_WITH(b.restore(2, two, acts, rew, one, flags), Catch::Contains("same length"));
}
