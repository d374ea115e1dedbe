// Prioritized replay: settings, proportional sampling, importance weights, priority updates
// (with alpha = 1 and other alphas), annealed beta, the cost of a sample, and save/load.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <tabrl/concepts.hpp>
#include <tabrl/replay/prioritized_replay.hpp>
#include <tabrl/replay/sum_tree.hpp>

#include "replay/memory_fields.hpp"
#include "saveable.hpp"
#include "stats.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

static_assert(tabrl::Saveable<tabrl::PrioritizedReplay<>>);
static_assert(tabrl::PrioritizedMemory<tabrl::PrioritizedReplay<>>);
static_assert(!tabrl::PrioritizedMemory<tabrl::ReplayMemory<>>);

namespace {
template <class Batch>
std::vector<typename Batch::index_type> slots_of(const Batch& b) {
  return {b.slots().begin(), b.slots().end()};
}

// The weight a row of slot `slot` must carry: (N P(slot))^-beta before normalisation.
double raw_weight(const tabrl::PrioritizedReplay<>& per, std::int32_t slot, double beta) {
  const double p = per.tree().get(static_cast<std::size_t>(slot)) / per.tree().total();
  return std::pow(static_cast<double>(per.size()) * p, -beta);
}
}  // namespace

TEST_CASE("PrioritizedReplay: settings are validated, naming them", "[replay][per]") {
  using PER = tabrl::PrioritizedReplay<>;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(PER(4, {.alpha = -1}), "tabrl::PrioritizedReplay: alpha must be in [0, 16], got -1");
  REQUIRE_THROWS_WITH(PER(4, {.alpha = inf}), Contains("alpha must be in [0, 16], got inf"));
  REQUIRE_THROWS_WITH(PER(4, {.alpha = 16.5}), Contains("alpha must be in [0, 16], got 16.5"));
  REQUIRE_THROWS_AS(PER(4, {.alpha = nan}), tabrl::InvalidArgument);
  REQUIRE(PER(4, {.alpha = PER::max_alpha}).options().alpha == 16.0);
  REQUIRE_THROWS_WITH(PER(4, {.beta = 1.5}), "tabrl::PrioritizedReplay: beta must be in [0, 1], got 1.5");
  REQUIRE_THROWS_WITH(PER(4, {.beta = -0.25}), Contains("beta must be in [0, 1], got -0.25"));
  REQUIRE_THROWS_WITH(PER(4, {.beta = nan}), Contains("beta must be in [0, 1], got nan"));
  REQUIRE_THROWS_WITH(PER(4, {.beta_steps = 0}), "tabrl::PrioritizedReplay: beta_steps must be >= 1, got 0");
  REQUIRE_THROWS_WITH(PER(4, {.epsilon = 0}), "tabrl::PrioritizedReplay: epsilon must be finite and > 0, got 0");
  REQUIRE_THROWS_WITH(PER(4, {.epsilon = nan}), Contains("epsilon must be finite and > 0, got nan"));
  REQUIRE_THROWS_WITH(PER(4, {.epsilon = inf}), Contains("epsilon must be finite and > 0, got inf"));
  REQUIRE_THROWS_AS(PER(0), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS((tabrl::PrioritizedReplay<double, std::int8_t>(128)), tabrl::InvalidArgument);
  REQUIRE((tabrl::PrioritizedReplay<double, std::int8_t>(127)).capacity() == 127);
  // The bounds themselves are accepted.
  const PER edge(4, {.alpha = 0.0, .beta = 1.0, .beta_steps = 1, .epsilon = 1e-300});
  REQUIRE(edge.options().alpha == 0.0);
  REQUIRE(edge.options().beta == 1.0);
  REQUIRE(edge.options().beta_steps == 1);
  REQUIRE(edge.options().epsilon == 1e-300);

  const PER per(5, {.alpha = 0.7, .beta = 0.25, .beta_steps = 40, .epsilon = 0.01});
  REQUIRE(per.capacity() == 5);
  REQUIRE(per.size() == 0);
  REQUIRE(per.head() == 0);
  REQUIRE(per.max_priority() == 1.0);
  REQUIRE(per.beta() == 0.25);
  REQUIRE(per.memory().sampling() == tabrl::Sampling::with_replacement);
  REQUIRE(per.tree().capacity() == 5);
  REQUIRE(per.options().alpha == 0.7);
  REQUIRE(per.options().beta_steps == 40);
  REQUIRE(per.options().epsilon == 0.01);
  REQUIRE(PER::kind() == "PrioritizedReplay");
}

TEST_CASE("PrioritizedReplay: sampling frequencies follow p^alpha / sum", "[replay][per][statistics]") {
  tabrl::PrioritizedReplay<> per(8, {.alpha = 0.7, .beta = 0.4, .beta_steps = 1000, .epsilon = 1e-6});
  for (int i = 0; i < 8; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  const double raw[8] = {1, 2, 3, 4, 0.5, 8, 1, 2};
  std::vector<double> probs(8);
  double total = 0;
  for (int i = 0; i < 8; ++i) {
    per.set_priority(static_cast<std::size_t>(i), raw[i]);
    total += std::pow(raw[i], 0.7);
  }
  for (int i = 0; i < 8; ++i) probs[static_cast<std::size_t>(i)] = std::pow(raw[i], 0.7) / total;
  tabrl::Rng rng(2024);
  tabrl::Minibatch batch;
  std::vector<double> counts(8, 0.0);
  for (int rep = 0; rep < 5000; ++rep) {
    per.sample(16, rng, batch);
    for (Eigen::Index i = 0; i < batch.size(); ++i) counts[static_cast<std::size_t>(batch.slot(i))] += 1;
  }
  // 7 degrees of freedom: 24.32 is the 0.999 quantile (stratified draws only lower the variance).
  REQUIRE(tabrl::test::chi_square(counts, probs) < 24.32);
}

TEST_CASE("PrioritizedReplay: importance weights on a hand-built case", "[replay][per]") {
  // alpha 1, beta 0.5 (beta_steps huge, so it stays ~0.5 for the first sample).
  tabrl::PrioritizedReplay<> per(4, {.alpha = 1.0, .beta = 0.5, .beta_steps = 1000000000, .epsilon = 1e-6});
  for (int i = 0; i < 4; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  per.set_priority(0, 1);
  per.set_priority(1, 1);
  per.set_priority(2, 2);
  per.set_priority(3, 4);  // P = 1/8, 1/8, 2/8, 4/8; N = 4
  tabrl::Rng rng(1);
  tabrl::Minibatch batch;
  per.sample(64, rng, batch);
  REQUIRE(batch.weighted());
  REQUIRE_FALSE(batch.is_view());
  // w = (N P)^-beta = (0.5)^-0.5, 0.5^-0.5, 1^-0.5, 2^-0.5, normalised by the largest present.
  const std::vector<double> probability{0.125, 0.125, 0.25, 0.5};
  double max_w = 0;
  for (Eigen::Index i = 0; i < batch.size(); ++i) {
    max_w = std::max(max_w, std::pow(4 * probability[static_cast<std::size_t>(batch.slot(i))], -0.5));
  }
  REQUIRE(max_w == std::pow(0.5, -0.5));  // 64 stratified draws always include slots 0 or 1
  for (Eigen::Index i = 0; i < batch.size(); ++i) {
    const double p = probability[static_cast<std::size_t>(batch.slot(i))];
    REQUIRE_THAT(batch.weight(i), WithinAbs(std::pow(4 * p, -0.5) / max_w, 1e-12));
    REQUIRE(batch.row(i) == per.memory().at_slot(static_cast<std::size_t>(batch.slot(i))));
  }
  const auto w = batch.weights();
  REQUIRE(*std::max_element(w.begin(), w.end()) == 1.0);
  REQUIRE_THAT(*std::min_element(w.begin(), w.end()), WithinAbs(std::sqrt(0.5) / std::sqrt(2.0), 1e-12));  // = 0.5
  // Stratified: one draw per equal slice of the total, so the 64 rows come in slot order and
  // each slot gets its share exactly (8, 8, 16, 32 rows).
  std::vector<int> per_slot(4, 0);
  for (Eigen::Index i = 0; i < batch.size(); ++i) per_slot[static_cast<std::size_t>(batch.slot(i))] += 1;
  REQUIRE(per_slot == std::vector<int>{8, 8, 16, 32});
  REQUIRE(std::is_sorted(batch.slots().begin(), batch.slots().end()));
}

TEST_CASE("PrioritizedReplay: sample_view draws what sample draws, with the same weights",
          "[replay][per][view]") {
  tabrl::PrioritizedReplay<> a(16, {.alpha = 0.6, .beta = 0.4, .beta_steps = 7});
  for (int i = 0; i < 20; ++i) a.push(tabrl::Transition{i % 9, i % 4, -1.0 * i, (i + 1) % 9, i % 6 == 0});
  for (std::size_t s = 0; s < 16; ++s) a.set_priority(s, 0.5 + static_cast<double>(s % 5));
  auto b = a;
  tabrl::Rng ra(8), rb(8);
  tabrl::Minibatch copied, view;
  for (int rep = 0; rep < 10; ++rep) {
    a.sample(12, ra, copied);
    b.sample_view(12, rb, view);
    REQUIRE(ra == rb);
    REQUIRE(view.is_view());
    REQUIRE(view.columns().states == b.memory().columns().states);
    REQUIRE(slots_of(view) == slots_of(copied));
    for (Eigen::Index i = 0; i < view.size(); ++i) {
      REQUIRE(view.row(i) == copied.row(i));
      REQUIRE(view.weight(i) == copied.weight(i));
    }
    REQUIRE(a.beta() == b.beta());
  }
  tabrl::PrioritizedReplay<> empty(4);
  REQUIRE_THROWS_WITH(empty.sample(1, ra, copied), "tabrl::PrioritizedReplay::sample: memory must not be empty, got 0");
  REQUIRE_THROWS_WITH(empty.sample_view(1, ra, view),
                      "tabrl::PrioritizedReplay::sample_view: memory must not be empty, got 0");
  REQUIRE_THROWS_WITH(a.sample(0, ra, copied), "tabrl::PrioritizedReplay::sample: batch_size must be >= 1, got 0");
}

TEST_CASE("PrioritizedReplay: priorities follow TD errors, beta anneals to 1", "[replay][per]") {
  tabrl::PrioritizedReplay<> per(4, {.alpha = 1.0, .beta = 0.4, .beta_steps = 10, .epsilon = 0.5});
  for (int i = 0; i < 3; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  REQUIRE(per.tree().total() == 3.0);  // new transitions at max priority 1
  tabrl::Minibatch batch;
  tabrl::Rng rng(0);
  per.sample(2, rng, batch);
  Eigen::VectorXd errors(2);
  errors << -3.0, 0.25;
  per.update_priorities(batch, errors);
  REQUIRE(per.max_priority() == 3.5);
  per.push(tabrl::Transition{3, 0, 0.0, 3, false});  // enters at the new maximum
  REQUIRE(per.tree().get(3) == 3.5);
  REQUIRE_THAT(per.beta(), WithinAbs(0.4 + 0.06, 1e-12));  // one sample taken of 10
  for (int i = 0; i < 20; ++i) per.sample(1, rng, batch);
  REQUIRE(per.beta() == 1.0);
  Eigen::VectorXd bad(1);
  bad << std::nan("");
  REQUIRE_THROWS_WITH(per.update_priorities(batch, bad),
                      "tabrl::PrioritizedReplay::update_priorities: TD errors must be finite, got nan");
}

TEST_CASE("PrioritizedReplay: with alpha != 1 priorities are raised to alpha once",
          "[replay][per]") {
  const double alpha = 0.6;
  tabrl::PrioritizedReplay<> per(4, {.alpha = alpha, .beta = 0.4, .beta_steps = 100, .epsilon = 0.01});
  for (int i = 0; i < 4; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  REQUIRE(per.tree().total() == 4.0);  // 1^alpha each
  tabrl::Minibatch rows;  // slots 0, 1, 2 (a batch built by hand: slot i is row i)
  for (int i = 0; i < 3; ++i) rows.push_back(tabrl::Transition{i, 0, 0.0, i, false});
  Eigen::VectorXd errors(3);
  errors << -3.0, 0.5, 0.0;
  per.update_priorities(rows, errors);
  REQUIRE(per.tree().get(0) == std::pow(3.01, alpha));
  REQUIRE(per.tree().get(1) == std::pow(0.51, alpha));
  REQUIRE(per.tree().get(2) == std::pow(0.01, alpha));  // epsilon keeps it above 0
  REQUIRE(per.tree().get(3) == 1.0);
  REQUIRE(per.max_priority() == 3.01);  // kept before the exponent
  per.push(tabrl::Transition{9, 0, 0.0, 9, false});  // overwrites slot 0 at max^alpha
  REQUIRE(per.tree().get(0) == std::pow(3.01, alpha));
  per.set_priority(2, 4.0);
  REQUIRE(per.tree().get(2) == std::pow(4.0, alpha));
  REQUIRE(per.max_priority() == 4.0);
  per.push(tabrl::Transition{10, 0, 0.0, 10, false});  // slot 1 at the new max
  REQUIRE(per.tree().get(1) == std::pow(4.0, alpha));

  // The weights use P(i) = p_i^alpha / sum: (N P)^-beta over the batch maximum.
  tabrl::Minibatch batch;
  tabrl::Rng rng(12);
  const double beta = per.beta();
  per.sample(16, rng, batch);
  double max_w = 0;
  for (Eigen::Index i = 0; i < batch.size(); ++i) max_w = std::max(max_w, raw_weight(per, batch.slot(i), beta));
  for (Eigen::Index i = 0; i < batch.size(); ++i) {
    REQUIRE_THAT(batch.weight(i), WithinRel(raw_weight(per, batch.slot(i), beta) / max_w, 1e-12));
  }
  REQUIRE(per.beta() == 0.4 + 0.6 * 0.01);

  // alpha = 0: every priority counts as 1 (uniform sampling), whatever the errors.
  tabrl::PrioritizedReplay<> flat(3, {.alpha = 0.0});
  for (int i = 0; i < 3; ++i) flat.push(tabrl::Transition{i, 0, 0.0, i, false});
  flat.set_priority(1, 50.0);
  REQUIRE(flat.tree().total() == 3.0);
}

TEST_CASE("PrioritizedReplay: bad update_priorities and set_priority calls change nothing",
          "[replay][per]") {
  tabrl::PrioritizedReplay<> per(8, {.alpha = 1.0});
  for (int i = 0; i < 3; ++i) per.push(tabrl::Transition{i, 0, 0.0, i, false});
  tabrl::Minibatch rows;
  for (int i = 0; i < 4; ++i) rows.push_back(tabrl::Transition{i, 0, 0.0, i, false});  // slot 3 >= size
  REQUIRE_THROWS_WITH(per.update_priorities(rows, Eigen::VectorXd::Ones(3)),
                      "tabrl::PrioritizedReplay::update_priorities: one TD error per row is needed, got 3");
  REQUIRE_THROWS_WITH(per.update_priorities(rows, Eigen::VectorXd::Ones(4)),
                      "tabrl::PrioritizedReplay::update_priorities: slots must be in [0, 3), got 3");
  REQUIRE(per.tree().total() == 3.0);
  REQUIRE(per.max_priority() == 1.0);
  REQUIRE_THROWS_WITH(per.set_priority(3, 1.0), "tabrl::PrioritizedReplay::set_priority: slot must be < size(), got 3");
  REQUIRE_THROWS_WITH(per.set_priority(0, 0.0), "tabrl::PrioritizedReplay::set_priority: priority must be > 0, got 0");
  REQUIRE_THROWS_AS(per.set_priority(0, std::numeric_limits<double>::infinity()), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(per.set_priority(0, std::nan("")), tabrl::InvalidArgument);
  REQUIRE(per.tree().total() == 3.0);
  REQUIRE(per.max_priority() == 1.0);

  // Priorities are bounded so that capacity x p^alpha stays finite.
  REQUIRE(per.priority_limit() == std::numeric_limits<double>::max() / 8.0);  // alpha 1
  tabrl::PrioritizedReplay<> half(8, {.alpha = 0.5});
  REQUIRE(half.priority_limit() == std::pow(std::numeric_limits<double>::max() / 8.0, 2.0));
  REQUIRE_THROWS_WITH(per.set_priority(0, std::numeric_limits<double>::max()),
                      Catch::StartsWith("tabrl::PrioritizedReplay::set_priority: priorities must be <= "));
  per.set_priority(0, per.priority_limit());  // the limit itself is accepted
  REQUIRE(std::isfinite(per.tree().total()));
  tabrl::Minibatch two;
  for (int i = 0; i < 2; ++i) two.push_back(tabrl::Transition{i, 0, 0.0, i, false});
  Eigen::VectorXd huge(2);
  huge << 1.0, std::numeric_limits<double>::max();
  const double before = per.tree().get(1);
  REQUIRE_THROWS_WITH(per.update_priorities(two, huge),
                      Catch::StartsWith("tabrl::PrioritizedReplay::update_priorities: priorities must be <= "));
  REQUIRE(per.tree().get(1) == before);  // checked before any is set
  REQUIRE(tabrl::PrioritizedReplay<>(8, {.alpha = 0.0}).priority_limit() == std::numeric_limits<double>::max());
}

namespace {
// A generator that counts its draws (and otherwise is tabrl::Rng).
struct CountingRng {
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() {
    ++draws;
    return rng();
  }
  tabrl::Rng rng{7};
  std::int64_t draws = 0;
};

template <class F>
double best_seconds_of(int repetitions, F&& f) {
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repetitions; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, s);
  }
  return best;
}
}  // namespace

// The cost of prioritized sampling: a batch of 32 from 1,000,000 entries is O(batch x log n)
// work, not O(n). Checked two ways: the randomness it uses (exactly one draw per row, so no
// rejection or scan over entries) and its time next to a single O(n) pass over the
// priorities, with a margin wide enough for a loaded machine (numbers below).
TEST_CASE("PrioritizedReplay: a batch of 32 from 1,000,000 entries costs O(batch log n)",
          "[replay][per]") {
  constexpr std::size_t n = 1'000'000;
  // float rewards and 32-bit indices keep the memory small; the sum tree is the same.
  tabrl::PrioritizedReplay<float> per(n, {.alpha = 0.6, .beta = 0.4, .beta_steps = 1000});
  for (std::size_t i = 0; i < n; ++i) {
    const auto s = static_cast<int>(i % 48);
    per.push(tabrl::BasicTransition<float>{s, 0, -1.0F, s, false});
  }
  REQUIRE(per.size() == n);
  // Uneven priorities, so the search has real work to do: every 1000th entry 1..7.
  for (std::size_t i = 0; i < n; i += 1000) per.set_priority(i, 1.0 + static_cast<double>(i % 7));

  tabrl::BasicMinibatch<float> batch;
  CountingRng counting;
  per.sample(32, counting, batch);
  REQUIRE(batch.size() == 32);
  REQUIRE(counting.draws == 32);  // one uniform draw per row, whatever n is

  // An O(n) sampler must at least read every priority once per batch. Time that pass and 1000
  // batches: an O(n) sampler would take >= 1000 passes, the sum tree (20 levels) took about 17
  // (RelWithDebInfo: 17 ms for the batches, mostly cache misses and pow() for the weights, vs
  // 1 ms per pass) and about 4 under -O0 with ASan+UBSan (0.10 s vs 0.028 s). The bound, 150
  // passes, leaves room for a loaded machine and sits 6x below any O(n) sampler.
  const tabrl::SumTree& tree = per.tree();
  double sink = 0.0;
  const double pass = best_seconds_of(3, [&] {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += tree.get(i);
    sink += sum;
  });
  tabrl::Rng rng(11);
  const double batches = best_seconds_of(3, [&] {
    for (int b = 0; b < 1000; ++b) {
      per.sample(32, rng, batch);
      sink += static_cast<double>(batch.slot(0));
    }
  });
  CAPTURE(pass, batches, batches / pass);
  REQUIRE(sink > 0.0);
  REQUIRE(batches < 150.0 * pass);
}

namespace {
// PrioritizedReplay's payload written field by field: settings, beta position, max priority,
// the memory's payload, then one leaf per stored row.
struct PerFields {
  double alpha = 0.6, beta = 0.4;
  std::int64_t beta_steps = 100;
  double epsilon = 0.01;
  std::int64_t samples = 3;
  double max_priority = 2.5;
  std::uint8_t sampling = 1;
  std::uint64_t capacity = 4;
  std::vector<double> leaves{1.0, 0.5};
  // the memory: two rows, head 2
  [[nodiscard]] tabrl::test::Bytes memory() const {
    tabrl::test::MemoryFields m;
    m.sampling = sampling;
    m.capacity = capacity;
    m.size = m.head = 2;
    m.states = {1, 2};
    m.actions = {0, 1};
    m.rewards = {-1.0, 1.0};
    m.next_states = {2, 3};
    m.terminated = {0, 1};
    return m.bytes();
  }
  [[nodiscard]] tabrl::test::Bytes bytes() const {
    return tabrl::test::payload([this](tabrl::BinaryWriter& w) {
      w.value(alpha);
      w.value(beta);
      w.value(beta_steps);
      w.value(epsilon);
      w.value(samples);
      w.value(max_priority);
      const auto m = memory();
      w.bytes(m.data(), m.size());
      w.array(leaves.data(), leaves.size());
    });
  }
};
}  // namespace

TEST_CASE("PrioritizedReplay save/load: layout, round trip, same draws and weights after",
          "[replay][per][saveable]") {
  using PER = tabrl::PrioritizedReplay<>;
  PER loaded(4, {.alpha = 1.0, .beta = 1.0, .beta_steps = 1, .epsilon = 1.0});
  loaded.push(tabrl::Transition{3, 3, 3.0, 3, false});
  tabrl::test::load_from(loaded, PerFields{}.bytes());
  REQUIRE(loaded.options().alpha == 0.6);
  REQUIRE(loaded.options().beta == 0.4);
  REQUIRE(loaded.options().beta_steps == 100);
  REQUIRE(loaded.options().epsilon == 0.01);
  REQUIRE(loaded.beta() == 0.4 + 0.6 * 0.03);  // three samples taken of 100
  REQUIRE(loaded.max_priority() == 2.5);
  REQUIRE(loaded.size() == 2);
  REQUIRE(loaded.head() == 2);
  REQUIRE(loaded.memory()[1] == tabrl::Transition{2, 1, 1.0, 3, true});
  REQUIRE(loaded.tree().get(0) == 1.0);  // leaves as stored (already raised to alpha)
  REQUIRE(loaded.tree().get(1) == 0.5);
  REQUIRE(loaded.tree().total() == 1.5);
  REQUIRE(tabrl::test::saved(loaded) == PerFields{}.bytes());
  loaded.push(tabrl::Transition{0, 0, 0.0, 0, false});  // at the loaded max priority
  REQUIRE(loaded.tree().get(2) == std::pow(2.5, 0.6));

  // A run's memory round-trips and then samples the same rows with the same weights.
  PER a(32, {.alpha = 0.7, .beta = 0.3, .beta_steps = 50, .epsilon = 0.05});
  tabrl::Rng rng(4);
  tabrl::Minibatch batch;
  for (int i = 0; i < 40; ++i) {
    a.push(tabrl::Transition{i % 7, i % 4, -1.0, (i + 1) % 7, i % 9 == 0});
    if (a.size() > 4) {
      a.sample(4, rng, batch);
      Eigen::VectorXd errors(4);
      for (Eigen::Index k = 0; k < 4; ++k) errors[k] = tabrl::uniform_real(rng) * 4 - 2;
      a.update_priorities(batch, errors);
    }
  }
  PER b(32);
  tabrl::test::require_round_trip(a, b);
  REQUIRE(b.beta() == a.beta());
  REQUIRE(b.max_priority() == a.max_priority());
  REQUIRE(b.tree().total() == a.tree().total());
  tabrl::Rng ra(9), rb(9);
  tabrl::Minibatch x, y;
  a.sample(16, ra, x);
  b.sample(16, rb, y);
  REQUIRE(slots_of(x) == slots_of(y));
  for (Eigen::Index i = 0; i < 16; ++i) REQUIRE(x.weight(i) == y.weight(i));
  REQUIRE(tabrl::test::saved(a) == tabrl::test::saved(b));
}

TEST_CASE("PrioritizedReplay load: every field out of its domain is refused, naming it",
          "[replay][per][saveable]") {
  using tabrl::FormatProblem;
  tabrl::PrioritizedReplay<> per(4, {.alpha = 0.5});
  per.push(tabrl::Transition{1, 1, 1.0, 1, false});
  per.set_priority(0, 3.0);
  tabrl::test::require_truncations_rejected(per, PerFields{}.bytes());
  auto with = [](auto change) { return tabrl::test::changed<PerFields>(change); };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.alpha = -0.5; }), FormatProblem::value,
                                "alpha must be in [0, 16], got -0.5");
  tabrl::test::require_rejected(per, with([&](PerFields& f) { f.beta = nan; }), FormatProblem::value,
                                "beta must be in [0, 1], got nan");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.beta_steps = 0; }), FormatProblem::value,
                                "beta_steps must be >= 1, got 0");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.epsilon = 0.0; }), FormatProblem::value,
                                "epsilon must be finite and > 0, got 0");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.samples = -1; }), FormatProblem::value,
                                "prioritized replay sample count must be >= 0, got -1");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.max_priority = 0.005; }), FormatProblem::value,
                                "prioritized replay max priority must be finite and >= epsilon 0.01, got 0.005");
  tabrl::test::require_rejected(per, with([&](PerFields& f) { f.max_priority = inf; }), FormatProblem::value,
                                "max priority must be finite");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.sampling = 0; }), FormatProblem::value,
                                "prioritized replay samples with replacement, the file says without");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.capacity = 5; }), FormatProblem::shape,
                                "replay capacity is 5, the memory's is 4");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.leaves[1] = 0.0; }), FormatProblem::value,
                                "prioritized replay priority[1] must be finite and > 0, got 0");
  tabrl::test::require_rejected(per, with([&](PerFields& f) { f.leaves[0] = nan; }), FormatProblem::value,
                                "prioritized replay priority[0] must be finite and > 0, got nan");
  tabrl::test::require_rejected(per, with([](PerFields& f) { f.leaves[0] = -1.0; }), FormatProblem::value,
                                "priority[0] must be finite and > 0, got -1");
  REQUIRE(per.tree().get(0) == std::pow(3.0, 0.5));  // and the memory kept its own state
  REQUIRE(per.options().alpha == 0.5);
}
