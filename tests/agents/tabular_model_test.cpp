// TabularModel: deterministic and sample models recording outcomes, the observed states and
// actions in order, predecessors kept sorted and moved when a deterministic pair changes,
// Dyna-Q+'s guesses for untried actions, the planning draws (no draw without a choice; counts
// weight outcomes, checked by chi-square), saving and the rejected loads.

#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <vector>

#include <tabrl/agents/tabular_model.hpp>

#include "saveable.hpp"
#include "stats.hpp"

using tabrl::ModelKind;
using tabrl::ModelOutcome;
using tabrl::TabularModel;

static_assert(tabrl::Saveable<TabularModel>);

namespace {
std::vector<ModelOutcome> outcomes(const TabularModel& m, int s, int a) {
  const auto o = m.outcomes(s, a);
  return {o.begin(), o.end()};
}
std::vector<std::int64_t> preds(const TabularModel& m, int s) {
  const auto p = m.predecessors(s);
  return {p.begin(), p.end()};
}
std::vector<int> ints(std::span<const int> v) { return {v.begin(), v.end()}; }
}  // namespace

TEST_CASE("TabularModel: a deterministic model keeps the last outcome and its predecessors",
          "[agents][model]") {
  TabularModel m(3, 2);
  REQUIRE(TabularModel::kind() == "TabularModel");
  REQUIRE(m.model_kind() == ModelKind::deterministic);
  REQUIRE(m.observed_states().empty());
  m.observe(1, 1, 0.5, 2, true, 1);
  m.observe(0, 1, -1.0, 1, false, 2);
  m.observe(0, 0, 0.0, 1, false, 3);
  REQUIRE(ints(m.observed_states()) == std::vector<int>{1, 0});
  REQUIRE(ints(m.observed_actions(0)) == std::vector<int>{1, 0});
  REQUIRE(ints(m.observed_actions(2)).empty());
  REQUIRE(outcomes(m, 1, 1) == std::vector<ModelOutcome>{{2, 0.5, true, 1}});
  REQUIRE(preds(m, 1) == std::vector<std::int64_t>{0, 1});  // cells (0,0), (0,1), increasing
  REQUIRE(preds(m, 2) == std::vector<std::int64_t>{3});
  REQUIRE(m.known(0, 1));
  REQUIRE(!m.known(2, 0));
  REQUIRE(m.tried(0, 0));
  REQUIRE(m.last_taken(0, 1) == 2);
  // The world changed: (0,1) now leads to 2. Its link moves from 1's predecessors to 2's.
  m.observe(0, 1, 3.0, 2, false, 4);
  REQUIRE(outcomes(m, 0, 1) == std::vector<ModelOutcome>{{2, 3.0, false, 1}});
  REQUIRE(preds(m, 1) == std::vector<std::int64_t>{0});
  REQUIRE(preds(m, 2) == std::vector<std::int64_t>{1, 3});
  REQUIRE(m.last_taken(0, 1) == 4);
  REQUIRE(ints(m.observed_actions(0)) == std::vector<int>{1, 0});  // order kept

  REQUIRE_THROWS_WITH(m.observe(3, 0, 0.0, 0, false, 5), "tabrl::TabularModel::observe: state must be in [0, 3), got 3");
  REQUIRE_THROWS_WITH(m.observe(0, 0, 0.0, -1, false, 5), "tabrl::TabularModel::observe: state must be in [0, 3), got -1");
  REQUIRE_THROWS_WITH(m.observe(0, 2, 0.0, 0, false, 5), "tabrl::TabularModel::observe: action must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(m.observe(0, 0, std::numeric_limits<double>::quiet_NaN(), 0, false, 5),
                      "tabrl::TabularModel::observe: reward must be finite, got nan");
  REQUIRE_THROWS_WITH(m.observe(0, 0, 0.0, 0, false, 0), "tabrl::TabularModel::observe: time must be >= 1, got 0");
  REQUIRE_THROWS_WITH(TabularModel(0, 2), "tabrl::TabularModel: num_states must be >= 1, got 0");
}

TEST_CASE("TabularModel: a sample model counts outcomes and draws them by count", "[agents][model]") {
  TabularModel m(3, 1, ModelKind::sample);
  m.observe(0, 0, 1.0, 1, false, 1);
  m.observe(0, 0, 1.0, 2, false, 2);
  m.observe(0, 0, 1.0, 1, false, 3);
  m.observe(0, 0, 2.0, 1, false, 4);  // another reward: another outcome
  m.observe(0, 0, 1.0, 1, true, 5);   // terminated: another outcome
  REQUIRE(outcomes(m, 0, 0) == std::vector<ModelOutcome>{
                                   {1, 1.0, false, 2}, {2, 1.0, false, 1}, {1, 2.0, false, 1}, {1, 1.0, true, 1}});
  REQUIRE(preds(m, 1) == std::vector<std::int64_t>{0});
  REQUIRE(preds(m, 2) == std::vector<std::int64_t>{0});
  // Drawn in proportion 2 : 1 : 1 : 1 (chi-square, 3 degrees of freedom: 16.27 is p = 0.001).
  tabrl::Rng rng(5);
  std::vector<double> counts(4, 0.0);
  const auto list = m.outcomes(0, 0);
  for (int i = 0; i < 50000; ++i) {
    const ModelOutcome& o = m.sample_outcome(0, 0, rng);
    counts[static_cast<std::size_t>(&o - list.data())] += 1;
  }
  REQUIRE(tabrl::test::chi_square(counts, {0.4, 0.2, 0.2, 0.2}) < 16.27);
  // One outcome: no draw.
  TabularModel single(2, 1, ModelKind::sample);
  single.observe(0, 0, 1.0, 1, false, 1);
  tabrl::Rng before(9), after(9);
  (void)single.sample_outcome(0, 0, after);
  REQUIRE(before == after);
}

TEST_CASE("TabularModel: sample_pair draws a visited state, then an action taken there", "[agents][model]") {
  TabularModel m(4, 3);
  tabrl::Rng rng(1);
  REQUIRE_THROWS_WITH(m.sample_pair(rng), "tabrl::TabularModel::sample_pair: the model is empty");
  m.observe(2, 1, 0.0, 3, false, 1);
  // One state with one action: no draw.
  tabrl::Rng copy = rng;
  REQUIRE(m.sample_pair(rng) == std::pair<int, int>{2, 1});
  REQUIRE(rng == copy);
  m.observe(2, 0, 0.0, 3, false, 2);
  m.observe(0, 2, 0.0, 1, false, 3);
  // The draws: state = observed[bounded(2)], then action = its actions[bounded(count)].
  for (int i = 0; i < 20; ++i) {
    tabrl::Rng predict = rng;
    const auto k = tabrl::detail::bounded(predict, 2);
    const int s = k == 0 ? 2 : 0;
    const int a = s == 2 ? (tabrl::detail::bounded(predict, 2) == 0 ? 1 : 0) : 2;
    REQUIRE(m.sample_pair(rng) == std::pair<int, int>{s, a});
    REQUIRE(rng == predict);
  }
  // Uniform over states first: state 0 (one action) is drawn half the time although it has a
  // third of the pairs (chi-square, 1 degree of freedom: 10.83 is p = 0.001).
  std::vector<double> counts(2, 0.0);
  for (int i = 0; i < 20000; ++i) counts[m.sample_pair(rng).first == 0 ? 0 : 1] += 1;
  REQUIRE(tabrl::test::chi_square_uniform(counts) < 10.83);
}

TEST_CASE("TabularModel: untried actions enter as guesses (Dyna-Q+)", "[agents][model]") {
  TabularModel m(3, 3, ModelKind::sample, true);
  m.observe(1, 2, -1.0, 0, false, 5);
  // Every action of state 1 is in the model; the untried ones lead back to 1 with reward 0.
  REQUIRE(ints(m.observed_actions(1)) == std::vector<int>{0, 1, 2});
  REQUIRE(outcomes(m, 1, 0) == std::vector<ModelOutcome>{{1, 0.0, false, 1}});
  REQUIRE(!m.tried(1, 0));
  REQUIRE(m.last_taken(1, 0) == 0);
  REQUIRE(outcomes(m, 1, 2) == std::vector<ModelOutcome>{{0, -1.0, false, 1}});
  REQUIRE(m.last_taken(1, 2) == 5);
  REQUIRE(preds(m, 1) == std::vector<std::int64_t>{3, 4});
  REQUIRE(preds(m, 0) == std::vector<std::int64_t>{5});
  // The first real outcome replaces a guess, even in a sample model; later ones count.
  m.observe(1, 0, 2.0, 2, false, 6);
  m.observe(1, 0, 2.0, 2, false, 7);
  REQUIRE(outcomes(m, 1, 0) == std::vector<ModelOutcome>{{2, 2.0, false, 2}});
  REQUIRE(preds(m, 1) == std::vector<std::int64_t>{4});
  REQUIRE(preds(m, 2) == std::vector<std::int64_t>{3});
}

TEST_CASE("TabularModel: save and load, bad files are refused", "[agents][model]") {
  TabularModel m(3, 2, ModelKind::sample, true);
  m.observe(1, 1, 0.5, 2, true, 1);
  m.observe(1, 1, 0.25, 0, false, 2);
  m.observe(0, 0, -1.0, 1, false, 3);
  TabularModel other(3, 2, ModelKind::deterministic, false);
  tabrl::test::require_round_trip(m, other);
  REQUIRE(other == m);
  REQUIRE(preds(other, 1) == preds(m, 1));
  tabrl::test::require_truncations_rejected(other, tabrl::test::saved(m));

  TabularModel small(2, 2);
  REQUIRE_THROWS_AS(tabrl::test::load_from(small, tabrl::test::saved(m)), tabrl::FormatError);

  // A deterministic model with one pair: kind, untried flag, pair count, then cell 1: tried,
  // last step, outcome count, outcome (next i32, reward f64, terminated u8, count u64), then
  // observed states.
  TabularModel d(3, 2);
  d.observe(0, 1, 1.0, 2, false, 7);
  const auto good = tabrl::test::saved(d);
  TabularModel target(3, 2);
  const auto with = [&](std::size_t at, auto value) {
    auto b = good;
    std::memcpy(b.data() + at, &value, sizeof value);
    return b;
  };
  // Offsets: kind 0, untried 1, pairs 2, cell 10, tried 18, last 19, n 27, next 35,
  // reward 39, terminated 47, count 48, observed count 56, state 64, action 68.
  using tabrl::FormatProblem;
  tabrl::test::require_rejected(target, with(0, std::uint8_t{2}), FormatProblem::value, "model kind must be 0 or 1, got 2");
  tabrl::test::require_rejected(target, with(10, std::uint64_t{6}), FormatProblem::value, "model cells must increase within [0, 6), got 6");
  tabrl::test::require_rejected(target, with(19, std::int64_t{-1}), FormatProblem::value, "last step of cell 1 must be >= 0");
  tabrl::test::require_rejected(target, with(18, std::uint8_t{0}), FormatProblem::value, "last step of cell 1 must be >= 0 (0 if untried)");
  tabrl::test::require_rejected(target, with(35, std::int32_t{3}), FormatProblem::value, "next state must be in [0, 3), got 3");
  tabrl::test::require_rejected(target, with(39, std::numeric_limits<double>::infinity()), FormatProblem::value, "reward must be finite");
  tabrl::test::require_rejected(target, with(48, std::uint64_t{2}), FormatProblem::value, "count must be >= 1 (1 if deterministic), got 2");
  tabrl::test::require_rejected(target, with(64, std::int32_t{1}), FormatProblem::value, "observed state 1 has 0 pairs in the model");
  tabrl::test::require_rejected(target, with(68, std::int32_t{0}), FormatProblem::value, "actions of state 0 must be its pairs in the model");
  tabrl::test::require_rejected(target, with(56, std::uint64_t{0}), FormatProblem::value, "cell 1 has outcomes but its state is not observed");
  REQUIRE(good.size() == 72);
}
