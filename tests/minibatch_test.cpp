// BasicMinibatch: the one type of sampled rows. Every accessor on a batch built by hand and on
// a memory's view, push_back's checks and messages, weights and discounts, copies and moves.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include <tabrl/minibatch.hpp>
#include <tabrl/replay/n_step.hpp>
#include <tabrl/replay/replay_memory.hpp>

using Catch::Matchers::Contains;

static_assert(std::is_same_v<tabrl::Minibatch,
                             tabrl::BasicMinibatch<double, std::int32_t, std::uint8_t>>);
static_assert(std::is_same_v<tabrl::Minibatch::transition_type, tabrl::Transition>);

namespace {

// Every field of every row, read through the accessors.
template <class Batch>
std::vector<tabrl::Transition> rows_of(const Batch& b) {
  std::vector<tabrl::Transition> out;
  for (Eigen::Index i = 0; i < b.size(); ++i) {
    out.push_back({static_cast<int>(b.state(i)), static_cast<int>(b.action(i)),
                   static_cast<double>(b.reward(i)), static_cast<int>(b.next_state(i)),
                   b.terminated(i)});
    REQUIRE(b.row(i) == out.back());  // row() agrees with the single accessors
  }
  return out;
}

tabrl::Minibatch three_rows() {
  tabrl::Minibatch b;
  b.push_back(tabrl::Transition{3, 2, -1.5, 4, false});
  b.push_back(7, 1, 2.0, 0, true);
  b.push_back(tabrl::BasicTransition<float>{0, 255, 0.25F, 9, false});
  return b;
}

const std::vector<tabrl::Transition> three_rows_expected{
    {3, 2, -1.5, 4, false}, {7, 1, 2.0, 0, true}, {0, 255, 0.25, 9, false}};

}  // namespace

TEST_CASE("Minibatch: a new batch is empty, owns its rows and has no weights or discounts",
          "[minibatch]") {
  const tabrl::Minibatch b;
  REQUIRE(b.size() == 0);
  REQUIRE(b.empty());
  REQUIRE_FALSE(b.is_view());
  REQUIRE_FALSE(b.weighted());
  REQUIRE_FALSE(b.discounted());
  REQUIRE(b.slots().empty());
  REQUIRE(b.weights().empty());
  REQUIRE(b.columns().discounts == nullptr);
  REQUIRE_THROWS_WITH(b.state(0), "tabrl::Minibatch: row must be in [0, 0), got 0");
  REQUIRE_THROWS_AS(b.discount(0), tabrl::LogicError);
}

TEST_CASE("Minibatch: rows pushed by hand are read back by every accessor", "[minibatch]") {
  const tabrl::Minibatch b = three_rows();
  REQUIRE(b.size() == 3);
  REQUIRE_FALSE(b.empty());
  REQUIRE_FALSE(b.is_view());
  REQUIRE(rows_of(b) == three_rows_expected);
  for (Eigen::Index i = 0; i < 3; ++i) {
    REQUIRE(b.slot(i) == i);  // a hand-built batch's slot is its row index
    REQUIRE(b.weight(i) == 1.0);
  }
  REQUIRE(std::vector<std::int32_t>(b.slots().begin(), b.slots().end()) ==
          std::vector<std::int32_t>{0, 1, 2});
  REQUIRE_FALSE(b.weighted());
  REQUIRE_FALSE(b.discounted());
  REQUIRE_THROWS_WITH(
      b.discount(0),
      "tabrl::Minibatch::discount: this batch has no discounts (the agent's gamma applies)");
  // The raw columns hold the rows in order, and the bounds are unknown (the agent checks).
  const auto& c = b.columns();
  REQUIRE(c.states[0] == 3);
  REQUIRE(c.states[2] == 0);
  REQUIRE(c.actions[2] == 255);
  REQUIRE(c.rewards[1] == 2.0);
  REQUIRE(c.next_states[2] == 9);
  REQUIRE(c.terminated[1] == 1);
  REQUIRE(c.terminated[0] == 0);
  REQUIRE(c.max_state == -1);
  REQUIRE(c.max_action == -1);
  // Every row accessor checks its index.
  const std::string bad = "tabrl::Minibatch: row must be in [0, 3), got ";
  REQUIRE_THROWS_WITH(b.state(3), bad + "3");
  REQUIRE_THROWS_WITH(b.action(-1), bad + "-1");
  REQUIRE_THROWS_WITH(b.reward(3), bad + "3");
  REQUIRE_THROWS_WITH(b.next_state(4), bad + "4");
  REQUIRE_THROWS_WITH(b.terminated(3), bad + "3");
  REQUIRE_THROWS_WITH(b.slot(3), bad + "3");
  REQUIRE_THROWS_WITH(b.weight(3), bad + "3");
  REQUIRE_THROWS_WITH(b.row(-2), bad + "-2");
}

TEST_CASE("Minibatch::push_back refuses values that do not fit, naming them", "[minibatch]") {
  tabrl::Minibatch b;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(b.push_back(tabrl::Transition{0, 256, 0.0, 0, false}),
                      "tabrl::Minibatch::push_back: action must fit the batch's type [0, 255], got 256");
  REQUIRE_THROWS_WITH(b.push_back(tabrl::Transition{0, -1, 0.0, 0, false}),
                      "tabrl::Minibatch::push_back: action must fit the batch's type [0, 255], got -1");
  REQUIRE_THROWS_WITH(b.push_back(tabrl::Transition{0, 0, nan, 0, false}),
                      "tabrl::Minibatch::push_back: reward must be finite, got nan");
  REQUIRE_THROWS_AS(b.push_back(tabrl::Transition{0, 0, -inf, 0, false}), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(b.push_back(1, 1, inf, 1, false), Contains("reward must be finite, got inf"));
  REQUIRE(b.empty());  // nothing half-written

  tabrl::BasicMinibatch<double, std::int8_t, std::uint8_t> narrow;
  REQUIRE_THROWS_WITH(narrow.push_back(tabrl::Transition{128, 0, 0.0, 0, false}),
                      "tabrl::Minibatch::push_back: state must fit the batch's type [-128, 127], got 128");
  REQUIRE_THROWS_WITH(narrow.push_back(tabrl::Transition{0, 0, 0.0, -129, false}),
                      "tabrl::Minibatch::push_back: next_state must fit the batch's type [-128, 127], got -129");
  narrow.push_back(tabrl::Transition{127, 0, 0.0, -128, false});  // the bounds themselves fit
  REQUIRE(narrow.state(0) == 127);
  REQUIRE(narrow.next_state(0) == -128);

  // Any value of the batch's own types goes in (the agent's update checks the table's range).
  tabrl::BasicMinibatch<double, std::int32_t, std::int32_t> wide;
  wide.push_back(tabrl::Transition{-4, -1, 1.0, 300, true});
  wide.push_back(-4, 300, 1.0, -9, false);
  REQUIRE(wide.row(0) == tabrl::Transition{-4, -1, 1.0, 300, true});
  REQUIRE(wide.action(1) == 300);
  REQUIRE(wide.next_state(1) == -9);
}

TEST_CASE("Minibatch: set_weights and set_discounts take one value per row, in their domains",
          "[minibatch]") {
  tabrl::Minibatch b = three_rows();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  using W = std::vector<double>;
  REQUIRE_THROWS_WITH(b.set_weights(W{1.0, 0.5}),
                      "tabrl::Minibatch::set_weights: one value per row (3) is needed, got 2");
  REQUIRE_THROWS_WITH(b.set_weights(W{1.0, -0.1, 1.0}),
                      "tabrl::Minibatch::set_weights: weights must be finite and >= 0, got -0.10000000000000001");
  REQUIRE_THROWS_WITH(b.set_weights(W{1.0, 1.0, nan}), Contains("weights must be finite and >= 0, got nan"));
  REQUIRE_THROWS_WITH(b.set_weights(W{inf, 1.0, 1.0}), Contains("weights must be finite and >= 0, got inf"));
  REQUIRE_FALSE(b.weighted());  // refused weights leave none
  REQUIRE_THROWS_WITH(b.set_discounts(W{0.5}),
                      "tabrl::Minibatch::set_discounts: one value per row (3) is needed, got 1");
  REQUIRE_THROWS_WITH(b.set_discounts(W{0.5, 1.5, 0.0}),
                      "tabrl::Minibatch::set_discounts: discounts must be in [0, 1], got 1.5");
  REQUIRE_THROWS_WITH(b.set_discounts(W{-0.25, 0.5, 0.0}), Contains("discounts must be in [0, 1], got -0.25"));
  REQUIRE_THROWS_WITH(b.set_discounts(W{0.5, 0.5, nan}), Contains("discounts must be in [0, 1], got nan"));
  REQUIRE_FALSE(b.discounted());

  b.set_weights(W{0.0, 0.5, 2.0});  // the bounds of the domains are accepted
  b.set_discounts(W{0.0, 0.25, 1.0});
  REQUIRE(b.weighted());
  REQUIRE(b.discounted());
  REQUIRE(b.weight(0) == 0.0);
  REQUIRE(b.weight(1) == 0.5);
  REQUIRE(b.weight(2) == 2.0);
  REQUIRE(W(b.weights().begin(), b.weights().end()) == W{0.0, 0.5, 2.0});
  REQUIRE(b.discount(0) == 0.0);
  REQUIRE(b.discount(1) == 0.25);
  REQUIRE(b.discount(2) == 1.0);
  REQUIRE(b.columns().discounts[1] == 0.25);
  REQUIRE(rows_of(b) == three_rows_expected);  // the rows are untouched

  // Rows after weights or discounts are refused: those must come last.
  REQUIRE_THROWS_WITH(b.push_back(1, 1, 1.0, 1, false),
                      "tabrl::Minibatch::push_back: weights or discounts are set; set them after the last row");
  tabrl::Minibatch d = three_rows();
  d.set_discounts(W{1.0, 1.0, 1.0});
  REQUIRE_THROWS_AS(d.push_back(1, 1, 1.0, 1, false), tabrl::LogicError);
  REQUIRE(d.size() == 3);

  // clear() forgets rows, weights and discounts; the batch can be built again.
  b.clear();
  REQUIRE(b.empty());
  REQUIRE_FALSE(b.weighted());
  REQUIRE_FALSE(b.discounted());
  b.push_back(5, 0, 1.0, 6, false);
  REQUIRE(b.row(0) == tabrl::Transition{5, 0, 1.0, 6, false});
  REQUIRE(b.slot(0) == 0);
}

TEST_CASE("Minibatch: a memory's view reads the memory's rows in place, own() copies them",
          "[minibatch][view]") {
  tabrl::ReplayMemory<> memory(5);
  for (int i = 0; i < 5; ++i) memory.push(i, i % 4, -static_cast<double>(i), i + 10, i == 2);
  tabrl::Minibatch b;
  const std::vector<std::int32_t> slots{4, 1, 1, 0};
  memory.select(slots, b);
  REQUIRE(b.is_view());
  REQUIRE(b.size() == 4);
  for (Eigen::Index i = 0; i < 4; ++i) {
    REQUIRE(b.slot(i) == slots[static_cast<std::size_t>(i)]);
    REQUIRE(b.row(i) == memory.at_slot(static_cast<std::size_t>(b.slot(i))));
    REQUIRE(b.state(i) == memory.at_slot(static_cast<std::size_t>(b.slot(i))).state);
    REQUIRE(b.weight(i) == 1.0);
  }
  REQUIRE(b.terminated(0) == false);
  REQUIRE(b.next_state(0) == 14);
  REQUIRE(b.columns().states == memory.columns().states);  // no copy
  REQUIRE(b.columns().max_state == 14);
  REQUIRE(b.columns().max_action == 3);
  REQUIRE_FALSE(b.discounted());

  // The memory is full: the next push overwrites slot 0, and the view sees it.
  memory.push(40, 2, 7.0, 41, true);
  REQUIRE(b.row(3) == tabrl::Transition{40, 2, 7.0, 41, true});
  REQUIRE(b.row(0) == tabrl::Transition{4, 0, -4.0, 14, false});

  b.own();
  REQUIRE_FALSE(b.is_view());
  REQUIRE(b.size() == 4);
  REQUIRE(b.columns().states != memory.columns().states);
  REQUIRE(std::vector<std::int32_t>(b.slots().begin(), b.slots().end()) == slots);  // kept
  REQUIRE(b.row(3) == tabrl::Transition{40, 2, 7.0, 41, true});
  memory.push(50, 3, 8.0, 51, false);  // overwrites slot 1: the owned rows do not change
  REQUIRE(b.row(1) == tabrl::Transition{1, 1, -1.0, 11, false});
  REQUIRE(b.row(2) == tabrl::Transition{1, 1, -1.0, 11, false});
  b.own();  // nothing to do for a batch that owns its rows
  REQUIRE(b.row(1) == tabrl::Transition{1, 1, -1.0, 11, false});

  // A row pushed by hand onto a view first copies the view's rows.
  memory.select(slots, b);
  b.push_back(9, 0, 0.5, 8, false);
  REQUIRE_FALSE(b.is_view());
  REQUIRE(b.size() == 5);
  REQUIRE(b.row(0) == memory.at_slot(4));
  REQUIRE(b.row(4) == tabrl::Transition{9, 0, 0.5, 8, false});
  REQUIRE(b.slot(4) == 4);
}

TEST_CASE("Minibatch: producers' calls (view, weights_to_fill, attach_discounts)",
          "[minibatch][view]") {
  tabrl::ReplayMemory<> memory(4);
  for (int i = 0; i < 4; ++i) memory.push(i, 0, 1.0, i, false);
  tabrl::Minibatch b;
  const std::span<std::int32_t> to = b.view(memory.columns(), 2);
  REQUIRE(to.size() == 2);
  to[0] = 3;
  to[1] = 2;
  REQUIRE(b.is_view());
  REQUIRE(b.state(0) == 3);
  const std::span<double> w = b.weights_to_fill();
  REQUIRE(w.size() == 2);
  w[0] = 0.5;
  w[1] = 1.0;
  REQUIRE(b.weighted());
  REQUIRE(b.weight(0) == 0.5);
  const double per_slot[4] = {0.1, 0.2, 0.3, 0.4};
  b.attach_discounts(per_slot);
  REQUIRE(b.discounted());
  REQUIRE(b.discount(0) == 0.4);  // by memory slot
  REQUIRE(b.discount(1) == 0.3);
  b.own();  // discounts and weights are copied with the rows
  REQUIRE(b.discount(0) == 0.4);
  REQUIRE(b.weight(0) == 0.5);
  REQUIRE(b.columns().discounts != per_slot);
  // A new view forgets the weights; attaching discounts to an owned batch is refused.
  (void)b.view(memory.columns(), 1);
  REQUIRE_FALSE(b.weighted());
  REQUIRE_FALSE(b.discounted());
  tabrl::Minibatch owned = three_rows();
  REQUIRE_THROWS_WITH(owned.attach_discounts(per_slot),
                      "tabrl::Minibatch::attach_discounts: only for views (use set_discounts)");
}

TEST_CASE("Minibatch: copies and moves of an owned batch keep its rows", "[minibatch]") {
  tabrl::Minibatch b = three_rows();
  b.set_weights(std::vector<double>{1.0, 0.5, 0.25});
  b.set_discounts(std::vector<double>{0.5, 0.25, 0.125});
  auto same_as_b = [](const tabrl::Minibatch& x) {
    REQUIRE_FALSE(x.is_view());
    REQUIRE(rows_of(x) == three_rows_expected);
    REQUIRE(x.weight(1) == 0.5);
    REQUIRE(x.discount(2) == 0.125);
    REQUIRE(x.slot(2) == 2);
  };
  tabrl::Minibatch copy(b);
  same_as_b(copy);
  REQUIRE(copy.columns().states != b.columns().states);  // its own storage
  REQUIRE(copy.columns().discounts != b.columns().discounts);
  b.clear();
  same_as_b(copy);  // independent of the original

  tabrl::Minibatch moved(std::move(copy));
  same_as_b(moved);
  REQUIRE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from batch is empty
  REQUIRE_FALSE(copy.is_view());

  tabrl::Minibatch assigned;
  assigned = moved;
  same_as_b(assigned);
  tabrl::Minibatch move_assigned;
  move_assigned.push_back(1, 1, 1.0, 1, false);
  move_assigned = std::move(assigned);
  same_as_b(move_assigned);
  auto& self = move_assigned;
  move_assigned = self;  // self-assignment keeps the rows
  same_as_b(move_assigned);
  // The copies keep working as batches: rows can be rebuilt after clear().
  move_assigned.clear();
  move_assigned.push_back(2, 2, 2.0, 2, true);
  REQUIRE(move_assigned.row(0) == tabrl::Transition{2, 2, 2.0, 2, true});
  same_as_b(moved);

  // A copy of a view is a view of the same memory.
  tabrl::ReplayMemory<> memory(4);
  for (int i = 0; i < 4; ++i) memory.push(i, 0, 1.0, i, false);
  tabrl::Minibatch view;
  memory.select(std::vector<std::int32_t>{2, 0}, view);
  const tabrl::Minibatch view_copy(view);
  REQUIRE(view_copy.is_view());
  REQUIRE(view_copy.columns().states == memory.columns().states);
  REQUIRE(view_copy.row(0) == memory.at_slot(2));
  REQUIRE(view_copy.slot(1) == 0);
}

// LIBRARY BUG, reported: view() keeps the discounts_ of an earlier owned n-step sample, so
// push_back's "weights or discounts are set" check fires on a view that has no discounts.
TEST_CASE("Minibatch: a batch reused after an n-step sample accepts rows on a plain view",
          "[minibatch][view][!mayfail]") {
  // A batch that held an n-step sample (owned, with discounts) and then views a plain memory
  // carries no discounts; pushing a row onto it is allowed like on any view.
  tabrl::NStepReplay<> nstep(tabrl::ReplayMemory<>(16), 2, 0.5);
  tabrl::ReplayMemory<> plain(16);
  for (int i = 0; i < 6; ++i) {
    nstep.push(tabrl::Transition{i, 0, 1.0, i + 1, false});
    plain.push(tabrl::Transition{i, 0, 1.0, i + 1, false});
  }
  tabrl::Minibatch b;
  tabrl::Rng rng(1);
  nstep.sample(3, rng, b);
  REQUIRE(b.discounted());
  plain.sample_view(3, rng, b);
  REQUIRE_FALSE(b.discounted());
  REQUIRE_NOTHROW(b.push_back(9, 0, 1.0, 9, false));
  REQUIRE(b.size() == 4);
  REQUIRE_FALSE(b.discounted());
}

// LIBRARY BUG, reported: push_back checks discounts_ before own() fills it, so a row pushed
// onto an n-step view is accepted and its discount(i) reads past the end of the column.
TEST_CASE("Minibatch: rows cannot be pushed onto an n-step view (its rows carry discounts)",
          "[minibatch][view][!mayfail]") {
  // A discounted batch refuses new rows (their discounts would be missing): true of discounts
  // set by hand, and it must be of discounts attached by an n-step memory too.
  tabrl::NStepReplay<> nstep(tabrl::ReplayMemory<>(16), 2, 0.5);
  for (int i = 0; i < 6; ++i) nstep.push(tabrl::Transition{i, 0, 1.0, i + 1, false});
  tabrl::Minibatch b;
  tabrl::Rng rng(1);
  nstep.sample_view(3, rng, b);
  REQUIRE(b.discounted());
  REQUIRE_THROWS_AS(b.push_back(9, 0, 1.0, 9, false), tabrl::LogicError);
  REQUIRE(b.size() == 3);
}
