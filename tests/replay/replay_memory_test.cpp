// Ring-buffer replay memory: order, overwrite, validation, sampling (copied and viewed) and its
// exact draws and uniformity, select(), restore(), and save/load.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <type_traits>
#include <vector>

#include <tabrl/replay/replay_memory.hpp>

#include "replay/memory_fields.hpp"
#include "saveable.hpp"
#include "stats.hpp"

using Catch::Matchers::Contains;

namespace {
tabrl::Transition t(int i) { return {i, i % 4, -static_cast<double>(i), i + 1, i % 5 == 0}; }

template <class Batch>
std::vector<typename Batch::index_type> slots_of(const Batch& b) {
  return {b.slots().begin(), b.slots().end()};
}

// The draws of ReplayMemory::sample, restated: with replacement, k uniform slots; without,
// rejection of repeats while 4k <= n, else Floyd's algorithm and a Fisher-Yates shuffle.
std::vector<std::int32_t> reference_draw(std::size_t n, std::size_t k, bool with_replacement,
                                         tabrl::Rng& rng) {
  std::vector<std::int32_t> out;
  if (with_replacement) {
    for (std::size_t i = 0; i < k; ++i) out.push_back(static_cast<std::int32_t>(tabrl::uniform_index(rng, n)));
    return out;
  }
  std::set<std::size_t> taken;
  if (4 * k <= n) {
    while (out.size() < k) {
      const std::size_t s = tabrl::uniform_index(rng, n);
      if (taken.insert(s).second) out.push_back(static_cast<std::int32_t>(s));
    }
    return out;
  }
  for (std::size_t j = n - k; j < n; ++j) {
    const std::size_t s = tabrl::uniform_index(rng, j + 1);
    const std::size_t pick = taken.count(s) != 0 ? j : s;
    taken.insert(pick);
    out.push_back(static_cast<std::int32_t>(pick));
  }
  for (std::size_t m = k - 1; m > 0; --m) std::swap(out[m], out[tabrl::uniform_index(rng, m + 1)]);
  return out;
}

// A generator that cannot be copied (the memory then draws from it directly).
struct MoveOnlyRng {
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  explicit MoveOnlyRng(std::uint64_t seed) : rng(seed) {}
  MoveOnlyRng(const MoveOnlyRng&) = delete;
  MoveOnlyRng& operator=(const MoveOnlyRng&) = delete;
  MoveOnlyRng(MoveOnlyRng&&) = default;
  MoveOnlyRng& operator=(MoveOnlyRng&&) = default;
  ~MoveOnlyRng() = default;
  result_type operator()() { return rng(); }
  tabrl::Rng rng;
};
}  // namespace

static_assert(std::is_same_v<tabrl::ReplayMemory<>::minibatch_type, tabrl::Minibatch>);
static_assert(std::is_same_v<tabrl::ReplayMemory<float, std::int64_t, std::int32_t>::minibatch_type,
                             tabrl::BasicMinibatch<float, std::int64_t, std::int32_t>>);
static_assert(tabrl::Saveable<tabrl::ReplayMemory<>>);

TEST_CASE("ReplayMemory: capacity 0 throws, new memory is empty", "[replay]") {
  REQUIRE_THROWS_WITH(tabrl::ReplayMemory<>(0), "tabrl::ReplayMemory: capacity must be >= 1, got 0");
  tabrl::ReplayMemory<> m(3);
  REQUIRE(m.capacity() == 3);
  REQUIRE(m.size() == 0);
  REQUIRE(m.empty());
  REQUIRE_FALSE(m.full());
  REQUIRE(m.head() == 0);
  REQUIRE(m.sampling() == tabrl::Sampling::without_replacement);
  REQUIRE(m.columns().max_state == -1);
  REQUIRE(m.columns().max_action == -1);
  REQUIRE(tabrl::ReplayMemory<>::kind() == "ReplayMemory");
}

TEST_CASE("ReplayMemory: capacity at the index type's limit", "[replay]") {
  REQUIRE(tabrl::ReplayMemory<double, std::int8_t>(127).capacity() == 127);
  REQUIRE_THROWS_WITH((tabrl::ReplayMemory<double, std::int8_t>(128)),
                      "tabrl::ReplayMemory: capacity must fit in the index type, got 128");
  REQUIRE_THROWS_AS((tabrl::ReplayMemory<double, std::int8_t>(200)), tabrl::InvalidArgument);
  REQUIRE(tabrl::ReplayMemory<float, std::int16_t>(32767).capacity() == 32767);
  REQUIRE_THROWS_AS((tabrl::ReplayMemory<float, std::int16_t>(32768)), tabrl::InvalidArgument);
  // A full int8 memory stores and samples its last slot.
  tabrl::ReplayMemory<double, std::int8_t> m(127);
  for (int i = 0; i < 127; ++i) m.push(i, 0, 0.0, 126 - i, false);
  REQUIRE(m.full());
  REQUIRE(m.at_slot(126) == tabrl::Transition{126, 0, 0.0, 0, false});
  tabrl::BasicMinibatch<double, std::int8_t> batch;
  tabrl::Rng rng(3);
  m.sample(127, rng, batch);
  std::vector<int> all;
  for (Eigen::Index i = 0; i < batch.size(); ++i) all.push_back(batch.slot(i));
  std::sort(all.begin(), all.end());
  REQUIRE(all.front() == 0);
  REQUIRE(all.back() == 126);
  REQUIRE(std::set<int>(all.begin(), all.end()).size() == 127);
}

TEST_CASE("ReplayMemory: ring order and overwrite of the oldest", "[replay]") {
  tabrl::ReplayMemory<> m(4);
  for (int i = 0; i < 3; ++i) m.push(t(i));
  REQUIRE(m.size() == 3);
  REQUIRE(m.head() == 3);
  REQUIRE_FALSE(m.full());
  for (int i = 0; i < 3; ++i) REQUIRE(m[static_cast<std::size_t>(i)] == t(i));
  m.push(t(3));
  REQUIRE(m.full());
  REQUIRE(m.head() == 0);  // wrapped
  for (int i = 4; i < 10; ++i) m.push(t(i));  // wraps around twice
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
  REQUIRE(std::vector<std::uint8_t>(m.actions().begin(), m.actions().end()) ==
          std::vector<std::uint8_t>{0, 1, 2, 3});
  REQUIRE(std::vector<double>(m.rewards().begin(), m.rewards().end()) ==
          std::vector<double>{-8, -9, -6, -7});
  REQUIRE(std::vector<int>(m.next_states().begin(), m.next_states().end()) ==
          std::vector<int>{9, 10, 7, 8});
  REQUIRE(std::vector<std::uint8_t>(m.terminated().begin(), m.terminated().end()) ==
          std::vector<std::uint8_t>{0, 0, 0, 0});
  REQUIRE_THROWS_WITH(m[4], "tabrl::ReplayMemory::operator[]: index must be < size(), got 4");
  REQUIRE_THROWS_WITH(m.at_slot(4), "tabrl::ReplayMemory::at_slot: slot must be < size(), got 4");
  m.clear();
  REQUIRE(m.empty());
  REQUIRE(m.head() == 0);
  REQUIRE(m.capacity() == 4);
  REQUIRE(m.states().empty());
  REQUIRE_THROWS_AS(m[0], tabrl::InvalidArgument);
  m.push(t(20));
  REQUIRE(m[0] == t(20));
  REQUIRE(m.at_slot(0) == t(20));
}

TEST_CASE("ReplayMemory: push validates its input", "[replay]") {
  tabrl::ReplayMemory<> m(4);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(m.push(0, 0, nan, 1, false),
                      Catch::StartsWith("tabrl::ReplayMemory::push: reward must be finite") &&
                          Catch::EndsWith(", got nan"));
  REQUIRE_THROWS_AS(m.push(0, 0, inf, 1, false), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(m.push(0, 0, -inf, 1, false), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(m.push(-1, 0, 0.0, 1, false),
                      "tabrl::ReplayMemory::push: state must be >= 0 and fit the index type, got -1");
  REQUIRE_THROWS_WITH(m.push(0, 0, 0.0, -3, false),
                      "tabrl::ReplayMemory::push: next_state must be >= 0 and fit the index type, got -3");
  REQUIRE_THROWS_WITH(m.push(0, -1, 0.0, 1, false),
                      "tabrl::ReplayMemory::push: action must be >= 0 and fit the action type, got -1");
  REQUIRE_THROWS_WITH(m.push(0, 256, 0.0, 1, false), Contains("got 256"));  // uint8 actions
  REQUIRE(m.empty());  // nothing half-written
  REQUIRE(m.columns().max_state == -1);
  m.push(0, 255, 0.0, 1, false);  // the largest uint8 action fits
  REQUIRE(m[0].action == 255);

  tabrl::ReplayMemory<double, std::int8_t, std::int8_t> narrow(4);
  REQUIRE_THROWS_WITH(narrow.push(128, 0, 0.0, 0, false), Contains("state must be >= 0 and fit the index type, got 128"));
  REQUIRE_THROWS_WITH(narrow.push(0, 0, 0.0, 128, false), Contains("next_state must be >= 0 and fit the index type, got 128"));
  REQUIRE_THROWS_WITH(narrow.push(0, 128, 0.0, 0, false), Contains("action must be >= 0 and fit the action type, got 128"));
  narrow.push(127, 127, 0.0, 127, false);
  REQUIRE(narrow[0] == tabrl::Transition{127, 127, 0.0, 127, false});
  REQUIRE(narrow.size() == 1);

  // A finite double that overflows a float column is refused as it would be stored.
  tabrl::ReplayMemory<float> floats(4);
  REQUIRE_THROWS_WITH(floats.push(0, 0, 1e300, 1, false),
                      Catch::StartsWith("tabrl::ReplayMemory::push: reward must be finite") &&
                          Catch::EndsWith(", got 1.0000000000000001e+300"));
  floats.push(0, 0, 3e38, 1, false);
  REQUIRE(floats[0].reward == 3e38F);
}

TEST_CASE("ReplayMemory: storage width follows the template parameters", "[replay]") {
  STATIC_REQUIRE(tabrl::ReplayMemory<float, std::int32_t, std::uint8_t>::bytes_per_transition == 14);
  STATIC_REQUIRE(tabrl::ReplayMemory<>::bytes_per_transition == 18);
  STATIC_REQUIRE(tabrl::ReplayMemory<double, std::int64_t, std::int32_t>::bytes_per_transition == 29);
  tabrl::ReplayMemory<float> m(2);
  m.push(1, 2, -1.5, 3, true);
  REQUIRE(m[0] == tabrl::BasicTransition<float>{1, 2, -1.5F, 3, true});
  STATIC_REQUIRE(std::is_same_v<decltype(m[0]), tabrl::BasicTransition<float>>);
}

TEST_CASE("ReplayMemory: sampling preconditions, named for sample and sample_view", "[replay]") {
  tabrl::Rng rng(1);
  tabrl::Minibatch batch;
  tabrl::ReplayMemory<> m(10);
  REQUIRE_THROWS_WITH(m.sample(1, rng, batch), "tabrl::ReplayMemory::sample: memory must not be empty, got 0");
  REQUIRE_THROWS_WITH(m.sample_view(1, rng, batch),
                      "tabrl::ReplayMemory::sample_view: memory must not be empty, got 0");
  for (int i = 0; i < 5; ++i) m.push(t(i));
  REQUIRE_THROWS_WITH(m.sample(6, rng, batch),
                      "tabrl::ReplayMemory::sample: batch_size must be <= size() = 5 when sampling "
                      "without replacement, got 6");
  REQUIRE_THROWS_WITH(m.sample_view(6, rng, batch), Contains("sample_view") && Contains("batch_size must be <= size()"));
  REQUIRE_THROWS_WITH(m.sample(0, rng, batch), "tabrl::ReplayMemory::sample: batch_size must be >= 1, got 0");
  REQUIRE_THROWS_WITH(m.sample_view(0, rng, batch), Contains("batch_size must be >= 1"));
  const tabrl::Rng untouched(1);
  REQUIRE(rng == untouched);  // refused requests draw nothing
  m.sample(5, rng, batch);  // batch == size is allowed
  REQUIRE(batch.size() == 5);
  m.set_sampling(tabrl::Sampling::with_replacement);
  REQUIRE(m.sampling() == tabrl::Sampling::with_replacement);
  m.sample(50, rng, batch);  // with replacement, any positive batch works
  REQUIRE(batch.size() == 50);
  m.sample_view(6, rng, batch);
  REQUIRE(batch.size() == 6);
}

TEST_CASE("ReplayMemory: sampled rows are the stored transitions of their slots", "[replay]") {
  tabrl::Rng rng(2);
  tabrl::Minibatch batch;
  tabrl::ReplayMemory<> m(8);
  for (int i = 0; i < 13; ++i) m.push(t(i));
  for (auto mode : {tabrl::Sampling::without_replacement, tabrl::Sampling::with_replacement}) {
    m.set_sampling(mode);
    m.sample(6, rng, batch);
    REQUIRE_FALSE(batch.is_view());
    REQUIRE_FALSE(batch.weighted());
    REQUIRE_FALSE(batch.discounted());
    for (Eigen::Index i = 0; i < batch.size(); ++i) {
      REQUIRE(batch.row(i) == m.at_slot(static_cast<std::size_t>(batch.slot(i))));
    }
  }
}

TEST_CASE("ReplayMemory: the exact draws of every sampling path", "[replay]") {
  // Pinned against a restatement of the algorithm: a change to the draws changes every run.
  tabrl::ReplayMemory<> m(100);
  for (int i = 0; i < 100; ++i) m.push(t(i));
  tabrl::Minibatch batch;
  for (const bool with : {false, true}) {
    m.set_sampling(with ? tabrl::Sampling::with_replacement : tabrl::Sampling::without_replacement);
    tabrl::Rng rng(41), ref(41);
    for (std::size_t k : {1U, 7U, 25U, 26U, 60U, 100U}) {  // <= n/4: rejection, else Floyd
      CAPTURE(with, k);
      m.sample(k, rng, batch);
      REQUIRE(slots_of(batch) == reference_draw(100, k, with, ref));
      REQUIRE(rng == ref);
    }
    // A generator that cannot be copied is drawn from directly, with the same result.
    MoveOnlyRng direct(41);
    tabrl::Rng ref2(41);
    for (std::size_t k : {3U, 50U}) {
      m.sample(k, direct, batch);
      REQUIRE(slots_of(batch) == reference_draw(100, k, with, ref2));
      REQUIRE(direct.rng == ref2);
    }
  }
  // The slots are drawn over size(), not capacity: a half-full memory draws from its rows only.
  tabrl::ReplayMemory<> half(64);
  for (int i = 0; i < 10; ++i) half.push(t(i));
  tabrl::Rng rng(5), ref(5);
  half.sample(2, rng, batch);
  REQUIRE(slots_of(batch) == reference_draw(10, 2, false, ref));
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
      const auto s = slots_of(batch);
      std::set<int> distinct(s.begin(), s.end());
      REQUIRE(distinct.size() == k);
    }
  }
  // batch == size is a permutation of all slots
  m.sample(100, rng, batch);
  std::vector<int> all(batch.slots().begin(), batch.slots().end());
  std::sort(all.begin(), all.end());
  for (int i = 0; i < 100; ++i) REQUIRE(all[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("ReplayMemory: byte marks (small memory) and bit marks (large) draw the same slots",
          "[replay]") {
  // Which slots are drawn depends on size() and the generator only; the marks that remember
  // drawn slots (kept in the memory) are a byte per slot up to 65,536 slots of capacity
  // (stamped with the draw, zeroed when the stamp wraps after 255 draws) and a bit per slot
  // beyond. 280 draws per memory: the small memory's stamp wraps once, and a stale mark
  // after the wrap would change its draws.
  tabrl::ReplayMemory<> small(1000);
  tabrl::ReplayMemory<> large(100000);
  for (int i = 0; i < 1000; ++i) {
    small.push(t(i));
    large.push(t(i));
  }
  tabrl::Rng rng_small(9), rng_large(9), rng_shared(9);
  tabrl::Minibatch a, b, shared;
  // k <= 250 takes the rejection path, larger k Floyd's algorithm and a shuffle.
  for (std::size_t k : {1U, 8U, 32U, 250U, 251U, 600U, 1000U}) {
    for (int rep = 0; rep < 40; ++rep) {
      small.sample(k, rng_small, a);
      large.sample(k, rng_large, b);
      CAPTURE(k, rep);
      REQUIRE(slots_of(a) == slots_of(b));
      const auto s = slots_of(b);
      REQUIRE(std::set<int>(s.begin(), s.end()).size() == k);
      // One minibatch used by both memories in turn, in runs of 3 draws.
      (rep / 3 % 2 == 0 ? small : large).sample(k, rng_shared, shared);
      REQUIRE(slots_of(shared) == slots_of(a));
    }
  }
  REQUIRE(rng_small == rng_large);
}

TEST_CASE("ReplayMemory: a reused minibatch is not reallocated", "[replay]") {
  tabrl::Rng rng(4);
  tabrl::Minibatch batch;
  tabrl::ReplayMemory<> m(64);
  for (int i = 0; i < 64; ++i) m.push(t(i));
  m.sample(32, rng, batch);
  const auto* states = batch.columns().states;
  const auto* rewards = batch.columns().rewards;
  const auto* slots = batch.slots().data();
  for (int i = 0; i < 600; ++i) m.sample(32, rng, batch);
  REQUIRE(batch.columns().states == states);
  REQUIRE(batch.columns().rewards == rewards);
  REQUIRE(batch.slots().data() == slots);
  for (int i = 0; i < 600; ++i) m.sample_view(32, rng, batch);
  REQUIRE(batch.slots().data() == slots);
  const auto s = slots_of(batch);
  REQUIRE(std::set<int>(s.begin(), s.end()).size() == 32);
}

TEST_CASE("sample_view: same draws, same slots, same rows as sample()", "[replay][view]") {
  for (const auto mode : {tabrl::Sampling::without_replacement, tabrl::Sampling::with_replacement}) {
    tabrl::ReplayMemory<float, std::int32_t, std::uint8_t> memory(100, mode);
    tabrl::Rng fill(3);
    for (int i = 0; i < 130; ++i) {
      memory.push(static_cast<int>(tabrl::uniform_index(fill, 6)), static_cast<int>(tabrl::uniform_index(fill, 4)),
                  tabrl::uniform_index(fill, 10) == 0 ? -100.0 : -1.0,
                  static_cast<int>(tabrl::uniform_index(fill, 48)), tabrl::uniform_index(fill, 8) == 0);
    }
    tabrl::Rng a(7), b(7);
    tabrl::BasicMinibatch<float> batch, view;
    for (const std::size_t k : {1U, 10U, 32U, 100U}) {
      if (mode == tabrl::Sampling::without_replacement && k > memory.size()) continue;
      memory.sample(k, a, batch);
      memory.sample_view(k, b, view);
      REQUIRE(a == b);
      REQUIRE(view.is_view());
      REQUIRE_FALSE(batch.is_view());
      REQUIRE(view.size() == static_cast<Eigen::Index>(k));
      REQUIRE(view.columns().states == memory.columns().states);  // read in place
      for (Eigen::Index i = 0; i < view.size(); ++i) {
        REQUIRE(view.slot(i) == batch.slot(i));
        REQUIRE(view.row(i) == batch.row(i));
        REQUIRE(view.row(i) == memory.at_slot(static_cast<std::size_t>(batch.slot(i))));
      }
      tabrl::BasicMinibatch<float> copied = view;
      copied.own();
      REQUIRE(slots_of(copied) == slots_of(batch));
      for (Eigen::Index i = 0; i < copied.size(); ++i) REQUIRE(copied.row(i) == batch.row(i));
    }
  }
}

TEST_CASE("ReplayMemory::select: a view of the given slots, each checked", "[replay][view]") {
  tabrl::ReplayMemory<> m(8);
  for (int i = 0; i < 5; ++i) m.push(t(i));
  tabrl::Minibatch b;
  m.select(std::vector<std::int32_t>{4, 0, 4}, b);
  REQUIRE(b.is_view());
  REQUIRE(slots_of(b) == std::vector<std::int32_t>{4, 0, 4});
  REQUIRE(b.row(0) == t(4));
  REQUIRE(b.row(1) == t(0));
  REQUIRE_THROWS_WITH(m.select(std::vector<std::int32_t>{1, 5}, b),
                      "tabrl::ReplayMemory::select: slot must be in [0, 5), got 5");
  REQUIRE_THROWS_WITH(m.select(std::vector<std::int32_t>{-1}, b),
                      "tabrl::ReplayMemory::select: slot must be in [0, 5), got -1");
  REQUIRE(slots_of(b) == std::vector<std::int32_t>{4, 0, 4});  // a refused select changes nothing
}

TEST_CASE("ReplayMemory: the index bounds in columns() follow push, clear() and restore()",
          "[replay][view]") {
  // A view carries the largest state and action the memory holds; an update skips its
  // per-row checks only when the table covers them. A stale bound would let a bad row through.
  tabrl::ReplayMemory<> source(8);
  source.push(30, 1, -1.0, 3, false);  // state 30
  REQUIRE(source.columns().max_state == 30);
  REQUIRE(source.columns().max_action == 1);
  source.push(2, 3, -1.0, 31, false);  // next_state 31, action 3
  REQUIRE(source.columns().max_state == 31);
  REQUIRE(source.columns().max_action == 3);
  tabrl::ReplayMemory<> memory(8);
  memory.push(1, 0, -1.0, 2, false);
  memory.restore(source.head(), source.states(), source.actions(), source.rewards(),
                 source.next_states(), source.terminated());
  tabrl::Minibatch scratch;
  tabrl::Rng rng(2);
  memory.sample_view(1, rng, scratch);
  REQUIRE(scratch.columns().max_state == 31);
  REQUIRE(scratch.columns().max_action == 3);

  memory.clear();
  REQUIRE(memory.columns().max_state == -1);
  REQUIRE(memory.columns().max_action == -1);
  memory.push(2, 3, -1.0, 19, true);
  memory.sample_view(1, rng, scratch);
  REQUIRE(scratch.columns().max_state == 19);
  REQUIRE(scratch.columns().max_action == 3);
  // restore() computes the bounds of what it restores, not of what was there before.
  tabrl::ReplayMemory<> low(8);
  low.push(1, 0, 0.0, 2, false);
  memory.restore(low.head(), low.states(), low.actions(), low.rewards(), low.next_states(), low.terminated());
  REQUIRE(memory.columns().max_state == 2);
  REQUIRE(memory.columns().max_action == 0);
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
      const auto s = static_cast<std::size_t>(batch.slot(static_cast<Eigen::Index>(i)));
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
  REQUIRE(slots_of(x) == slots_of(y));

  tabrl::ReplayMemory<> small(3);
  REQUIRE_THROWS_WITH(
      small.restore(0, a.states(), a.actions(), a.rewards(), a.next_states(), a.terminated()),
      Contains("size must be <= capacity"));
  const std::vector<int> two{1, 2};
  const std::vector<std::uint8_t> acts{0, 1}, flags{0, 0};
  const std::vector<double> rew{0.0, 1.0};
  REQUIRE_THROWS_WITH(b.restore(1, two, acts, rew, two, flags), Contains("head must equal size"));
  const std::vector<double> bad{0.0, std::nan("")};
  REQUIRE_THROWS_WITH(b.restore(2, two, acts, bad, two, flags), Contains("reward must be finite"));
  const std::vector<int> one{1};
  REQUIRE_THROWS_WITH(b.restore(2, two, acts, rew, one, flags), Contains("same length"));
  REQUIRE_THROWS_WITH(b.restore(5, std::vector<int>(5, 0), std::vector<std::uint8_t>(5, 0), std::vector<double>(5, 0.0),
                                std::vector<int>(5, 0), std::vector<std::uint8_t>(5, 0)),
                      Contains("head must equal size when not full, and be < capacity"));
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(b[i] == a[i]);  // refused restores change nothing
  // A full memory may have its head anywhere below the capacity.
  tabrl::ReplayMemory<> c(5);
  c.restore(3, b.states(), b.actions(), b.rewards(), b.next_states(), b.terminated());
  REQUIRE(c.head() == 3);
  REQUIRE(c[0] == b.at_slot(3));
}


TEST_CASE("ReplayMemory save/load: the documented layout, round trip, same draws after",
          "[replay][saveable]") {
  tabrl::ReplayMemory<> m(8, tabrl::Sampling::with_replacement);
  for (int i = 0; i < 11; ++i) m.push(t(i));  // wrapped: head 3
  tabrl::test::MemoryFields f;
  f.sampling = 1;
  f.size = 8;
  f.head = 3;
  f.states.clear();
  f.actions.clear();
  f.rewards.clear();
  f.next_states.clear();
  f.terminated.clear();
  for (std::size_t s = 0; s < 8; ++s) {
    const auto x = m.at_slot(s);
    f.states.push_back(x.state);
    f.actions.push_back(static_cast<std::uint8_t>(x.action));
    f.rewards.push_back(x.reward);
    f.next_states.push_back(x.next_state);
    f.terminated.push_back(x.terminated ? 1 : 0);
  }
  REQUIRE(tabrl::test::saved(m) == f.bytes());

  tabrl::ReplayMemory<> into(8);
  into.push(t(40));
  tabrl::test::require_round_trip(m, into);
  REQUIRE(into.sampling() == tabrl::Sampling::with_replacement);
  REQUIRE(into.head() == 3);
  REQUIRE(into.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) REQUIRE(into[i] == m[i]);
  REQUIRE(into.columns().max_state == m.columns().max_state);
  REQUIRE(into.columns().max_action == m.columns().max_action);
  tabrl::Rng r1(3), r2(3);
  tabrl::Minibatch x, y;
  m.sample(20, r1, x);
  into.sample(20, r2, y);
  REQUIRE(slots_of(x) == slots_of(y));
  // Both continue the ring at the same place.
  m.push(t(50));
  into.push(t(50));
  REQUIRE(tabrl::test::saved(m) == tabrl::test::saved(into));

  // An empty memory round-trips too.
  tabrl::ReplayMemory<> empty(8);
  tabrl::ReplayMemory<> full_target(8);
  for (int i = 0; i < 8; ++i) full_target.push(t(i));
  tabrl::test::require_round_trip(empty, full_target);
  REQUIRE(full_target.empty());
  REQUIRE(full_target.columns().max_state == -1);
}

TEST_CASE("ReplayMemory load: every field out of its domain is refused, naming it",
          "[replay][saveable]") {
  using tabrl::FormatProblem;
  tabrl::ReplayMemory<> m(8);
  m.push(t(30));
  const tabrl::test::MemoryFields good;
  tabrl::test::load_from(m, good.bytes());  // the field-by-field payload is valid
  REQUIRE(m.size() == 3);
  REQUIRE(m[2] == tabrl::Transition{3, 3, 2.0, 4, true});
  m.push(t(7));  // so each refusal below has something to keep

  tabrl::test::require_truncations_rejected(m, good.bytes());
  auto with = [&good](auto change) {
    tabrl::test::MemoryFields f = good;
    change(f);
    return f.bytes();
  };
  const std::string types = "replay memory column types differ from the memory's";
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.reward_code = 1; }), FormatProblem::scalar_type, types);
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.index_bytes = 8; }), FormatProblem::scalar_type, types);
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.action_bytes = 4; }), FormatProblem::scalar_type, types);
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.sampling = 2; }), FormatProblem::value,
                                "replay sampling mode must be 0 or 1, got 2");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.capacity = 9; }), FormatProblem::shape,
                                "replay capacity is 9, the memory's is 8");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.size = 9; }), FormatProblem::shape,
                                "replay size must be <= capacity 8, got 9");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.head = 1; }), FormatProblem::value,
                                "replay head must be == size 3, got 1");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) {
    f.size = 8;
    f.head = 8;
    f.states.assign(8, 1);
    f.actions.assign(8, 0);
    f.rewards.assign(8, 0.0);
    f.next_states.assign(8, 1);
    f.terminated.assign(8, 0);
  }), FormatProblem::value, "replay head must be < capacity 8, got 8");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.states[1] = -2; }), FormatProblem::value,
                                "replay states[1] must be >= 0, got -2");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.next_states[2] = -1; }), FormatProblem::value,
                                "replay next_states[2] must be >= 0, got -1");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.rewards[1] = std::nan(""); }),
                                FormatProblem::value, "replay rewards[1] must be finite, got nan");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.rewards[0] = -std::numeric_limits<double>::infinity(); }),
                                FormatProblem::value, "replay rewards[0] must be finite, got -inf");
  tabrl::test::require_rejected(m, with([](tabrl::test::MemoryFields& f) { f.terminated[0] = 2; }), FormatProblem::value,
                                "replay terminated[0] must be 0 or 1, got 2");
  // A signed action column refuses negative actions.
  tabrl::ReplayMemory<double, std::int32_t, std::int8_t> signed_actions(8);
  tabrl::test::MemoryFields s = good;
  tabrl::test::load_from(signed_actions, s.bytes());
  s.actions[0] = 0xFD;  // -3 as int8
  tabrl::test::require_rejected(signed_actions, s.bytes(), FormatProblem::value,
                                "replay actions[0] must be >= 0, got -3");
}
