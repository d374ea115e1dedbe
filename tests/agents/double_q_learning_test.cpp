// DoubleQLearningAgent: the reproducible coin, each update changing one table evaluated by the
// other (online and minibatch, every duplicate rule, the coin predicted), the acting table
// A + B, and save/load of both tables and the coin.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <tabrl/agents/double_q_learning.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/concepts.hpp>
#include <tabrl/replay/replay_memory.hpp>

#include "agents/settings_fields.hpp"
#include "saveable.hpp"

static_assert(tabrl::MinibatchAgent<tabrl::DoubleQLearningAgent<>, tabrl::ReplayMemory<>>);
static_assert(tabrl::ReportsTDErrors<tabrl::DoubleQLearningAgent<>>);
static_assert(tabrl::Saveable<tabrl::DoubleQLearningAgent<>>);

namespace {

constexpr tabrl::DuplicateRule all_rules[] = {tabrl::DuplicateRule::last,
                                              tabrl::DuplicateRule::mean,
                                              tabrl::DuplicateRule::sequential};

// The Double Q-learning coin: true (update A) when the top bit of the next draw of a
// generator seeded like the agent's is set. Predicting it keeps the tests exact.
std::vector<bool> coins(std::uint64_t seed, int n) {
  tabrl::Rng rng(seed);
  std::vector<bool> out;
  for (int i = 0; i < n; ++i) out.push_back((rng() >> 63U) != 0);
  return out;
}

tabrl::Minibatch rows(std::initializer_list<tabrl::Transition> ts) {
  tabrl::Minibatch b;
  for (const auto& t : ts) b.push_back(t);
  return b;
}

// A = [[0, 0], [1, 5]] (argmax_A(s1) = 1), B = [[0, 0], [7, 3]] (argmax_B(s1) = 0).
tabrl::DoubleQLearningAgent<> hand_agent(std::uint64_t seed,
                                         tabrl::DuplicateRule rule = tabrl::DuplicateRule::last) {
  tabrl::DoubleQLearningAgent<> agent(2, 2, {.gamma = 1.0, .alpha = 0.5, .duplicates = rule}, seed);
  tabrl::QTable<double> a(2, 2), b(2, 2);
  a << 0, 0, 1, 5;
  b << 0, 0, 7, 3;
  agent.set_tables(a, b);
  return agent;
}

template <class M>
concept MutableQ = requires(M& a) { a.q_values()(0, 0) = 1.0; };

}  // namespace

TEST_CASE("DoubleQLearningAgent: the coin is reproducible from coin_seed", "[agents]") {
  REQUIRE(tabrl::DoubleQLearningAgent<>::kind() == "DoubleQLearningAgent");
  // Seeds chosen so both tables get updated within the first few flips.
  const auto expected = coins(11, 8);
  REQUIRE(std::count(expected.begin(), expected.end(), true) > 0);
  REQUIRE(std::count(expected.begin(), expected.end(), false) > 0);
  tabrl::DoubleQLearningAgent<> agent(1, 1, {.gamma = 0.0, .alpha = 1.0}, 11);
  REQUIRE(agent.coin() == tabrl::Rng(11));
  for (int i = 0; i < 8; ++i) {
    agent.set_tables(tabrl::QTable<double>::Zero(1, 1), tabrl::QTable<double>::Zero(1, 1));
    (void)agent.update(tabrl::Transition{0, 0, 1.0, 0, true});
    CAPTURE(i);
    REQUIRE(agent.table_a()(0, 0) == (expected[static_cast<std::size_t>(i)] ? 1.0 : 0.0));
    REQUIRE(agent.table_b()(0, 0) == (expected[static_cast<std::size_t>(i)] ? 0.0 : 1.0));
  }
  tabrl::Rng after(11);
  for (int i = 0; i < 8; ++i) (void)after();
  REQUIRE(agent.coin() == after);  // one draw per update
  // Two agents with the same seed make the same choices; a copy continues the same stream.
  tabrl::DoubleQLearningAgent<> x(2, 2, {}, 5), y(2, 2, {}, 5);
  for (int i = 0; i < 50; ++i) {
    const tabrl::Transition t{i % 2, (i / 2) % 2, static_cast<double>(i % 7) - 3.0, (i + 1) % 2,
                              i % 5 == 0};
    REQUIRE(x.update(t) == y.update(t));
  }
  REQUIRE(x.table_a() == y.table_a());
  REQUIRE(x.table_b() == y.table_b());
  auto z = x;
  const tabrl::Transition t{0, 1, 1.0, 1, false};
  REQUIRE(x.update(t) == z.update(t));
  REQUIRE(x.table_a() == z.table_a());
}

TEST_CASE("DoubleQLearningAgent: each online update changes one table, evaluated by the other",
          "[agents]") {
  // The coin is predicted, so each seed's expected table is known.
  bool saw_a = false, saw_b = false;
  for (std::uint64_t seed = 40; seed < 46; ++seed) {
    const bool update_a = coins(seed, 1)[0];
    (update_a ? saw_a : saw_b) = true;
    auto agent = hand_agent(seed);
    REQUIRE(agent.q(1, 0) == 8.0);  // acting uses A + B
    const double delta = agent.update(tabrl::Transition{0, 0, 1.0, 1, false});
    CAPTURE(seed, update_a);
    if (update_a) {
      // A(0,0) += 0.5 * (1 + B(1, argmax A(1)) - 0) = 0.5 * (1 + 3) = 2
      REQUIRE(delta == 4.0);
      REQUIRE(agent.table_a()(0, 0) == 2.0);
      REQUIRE(agent.table_b()(0, 0) == 0.0);
    } else {
      // B(0,0) += 0.5 * (1 + A(1, argmax B(1)) - 0) = 0.5 * (1 + 1) = 1
      REQUIRE(delta == 2.0);
      REQUIRE(agent.table_b()(0, 0) == 1.0);
      REQUIRE(agent.table_a()(0, 0) == 0.0);
    }
    REQUIRE(agent.q(0, 0) == agent.table_a()(0, 0) + agent.table_b()(0, 0));
    // A terminated transition does not bootstrap from either table.
    auto end = hand_agent(seed);
    REQUIRE(end.update(tabrl::Transition{0, 1, -2.0, 1, true}) == -2.0);
    REQUIRE(end.q(0, 1) == -1.0);
  }
  REQUIRE((saw_a && saw_b));  // both branches exercised by the seeds above

  // The coin is fair: over many updates each table is chosen about half the time.
  tabrl::DoubleQLearningAgent<> coin(1, 1, {.gamma = 0.0, .alpha = 1.0}, 7);
  int a_updates = 0;
  for (int i = 0; i < 10000; ++i) {
    coin.set_tables(tabrl::QTable<double>::Zero(1, 1), tabrl::QTable<double>::Zero(1, 1));
    (void)coin.update(tabrl::Transition{0, 0, 1.0, 0, true});
    a_updates += coin.table_a()(0, 0) == 1.0 ? 1 : 0;
  }
  REQUIRE(std::abs(a_updates - 5000) < 250);  // 5 standard deviations (sd = 50)

  tabrl::DoubleQLearningAgent<> checked(3, 2);
  REQUIRE_THROWS_WITH(checked.update(tabrl::Transition{0, 2, 0.0, 1, false}),
                      "tabrl::DoubleQLearningAgent::update: action must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(checked.update(tabrl::Transition{0, 0, 0.0, 3, false}),
                      "tabrl::DoubleQLearningAgent::update: state must be in [0, 3), got 3");
  REQUIRE(checked.coin() == tabrl::Rng(0));  // a refused update flips no coin
}

TEST_CASE("DoubleQLearningAgent: minibatch update by hand for each duplicate rule", "[agents]") {
  // A = [[0, 0], [1, 5]], B = [[0, 0], [7, 3]], gamma 1, alpha 0.5. Two rows for (0, 0):
  //   (r = 1, s' = 1) and (r = 3, terminated).
  // Updating A: argmax A(1) = 1 -> B(1, 1) = 3: errors 1 + 3 - 0 = 4 and 3 - 0 = 3.
  //   last 0 + 0.5 * 3 = 1.5; mean 0.5 * 3.5 = 1.75; sequential 2, then 2 + 0.5 * (3 - 2) = 2.5
  // Updating B: argmax B(1) = 0 -> A(1, 0) = 1: errors 2 and 3.
  //   last 1.5; mean 0.5 * 2.5 = 1.25; sequential 1, then 1 + 0.5 * (3 - 1) = 2
  const auto batch = rows({{0, 0, 1.0, 1, false}, {0, 0, 3.0, 1, true}});
  struct Expected {
    double value, first_error, second_error;
  };
  auto expected = [](tabrl::DuplicateRule rule, bool a) -> Expected {
    switch (rule) {
      case tabrl::DuplicateRule::last:
        return {1.5, a ? 4.0 : 2.0, 3.0};
      case tabrl::DuplicateRule::mean:
        return {a ? 1.75 : 1.25, a ? 4.0 : 2.0, 3.0};
      case tabrl::DuplicateRule::sequential:
        return {a ? 2.5 : 2.0, a ? 4.0 : 2.0, a ? 1.0 : 2.0};
    }
    return {};
  };
  // One row (0, 1, r = 1, s' = 1): A gets 0.5 * (1 + 3) = 2 or B gets 0.5 * (1 + 1) = 1.
  const auto single = rows({{0, 1, 1.0, 1, false}});
  bool saw_a = false, saw_b = false;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const bool update_a = coins(seed, 1)[0];
    (update_a ? saw_a : saw_b) = true;
    for (const auto rule : all_rules) {
      auto agent = hand_agent(seed, rule);
      agent.update(batch);
      const Expected e = expected(rule, update_a);
      CAPTURE(seed, static_cast<int>(rule), update_a);
      const auto& own = update_a ? agent.table_a() : agent.table_b();
      const auto& other = update_a ? agent.table_b() : agent.table_a();
      REQUIRE(own(0, 0) == e.value);
      REQUIRE(other(0, 0) == 0.0);
      REQUIRE(agent.q(0, 0) == e.value);  // acting table A + B kept in step
      REQUIRE(agent.q(1, 1) == 8.0);      // untouched rows keep their sum
      REQUIRE(agent.last_td_errors()[0] == e.first_error);
      REQUIRE(agent.last_td_errors()[1] == e.second_error);

      auto one = hand_agent(seed, rule);
      one.update(single);
      REQUIRE(one.table_a()(0, 1) == (update_a ? 2.0 : 0.0));
      REQUIRE(one.table_b()(0, 1) == (update_a ? 0.0 : 1.0));
      REQUIRE(one.q(0, 1) == one.table_a()(0, 1) + one.table_b()(0, 1));
      REQUIRE(one.last_td_errors()[0] == (update_a ? 4.0 : 2.0));
    }
  }
  REQUIRE((saw_a && saw_b));  // both branches exercised by the seeds above
}

TEST_CASE("DoubleQLearningAgent: the acting table is read-only and always A + B", "[agents]") {
  static_assert(!MutableQ<tabrl::DoubleQLearningAgent<>>);  // set_tables is the way in
  static_assert(MutableQ<tabrl::QLearningAgent<>>);        // one-table agents stay writable
  tabrl::DoubleQLearningAgent<> agent(2, 2, {.gamma = 0.5, .alpha = 0.5}, 3);
  tabrl::QTable<double> a(2, 2), b(2, 2);
  a << 1, 2, 3, 4;
  b << 10, 20, 30, 40;
  agent.set_tables(a, b);
  REQUIRE(agent.q_values() == a + b);
  REQUIRE(agent.table_a() == a);
  REQUIRE(agent.table_b() == b);
  for (int i = 0; i < 20; ++i) {
    (void)agent.update(tabrl::Transition{i % 2, (i / 2) % 2, 1.0, (i + 1) % 2, i % 3 == 0});
    REQUIRE(agent.q_values() == agent.table_a() + agent.table_b());
  }
  // ... and after minibatch updates, every rule (sequential writes each row in turn).
  for (const auto rule : all_rules) {
    agent.set_duplicates(rule);
    for (int i = 0; i < 10; ++i) {
      agent.update(rows({{0, 0, 1.0, 1, false}, {1, 1, -2.0, 0, false}, {0, 0, 0.5, 0, i % 2 == 0}}));
      REQUIRE(agent.q_values() == agent.table_a() + agent.table_b());
    }
  }
  tabrl::Rng rng(0);
  REQUIRE(agent.greedy_action(0, rng) == (agent.q(0, 1) > agent.q(0, 0) ? 1 : 0));
  REQUIRE_THROWS_WITH(agent.set_tables(tabrl::QTable<double>::Zero(3, 2), b),
                      "tabrl::DoubleQLearningAgent::set_tables: tables must keep their shape 2 x 2, "
                      "got 3 x 2 and 2 x 2");
  REQUIRE_THROWS_AS(agent.set_tables(a, tabrl::QTable<double>::Zero(2, 3)), tabrl::InvalidArgument);
  REQUIRE(agent.q_values() == agent.table_a() + agent.table_b());
}

namespace {
// DoubleQLearningAgent's payload field by field: settings, table A, table B, the coin's state.
struct DoubleFields {
  tabrl::test::SettingsFields settings{.rule = 2};
  std::uint8_t scalar_a = 2, scalar_b = 2;
  std::uint64_t rows_a = 2, rows_b = 2;
  std::vector<double> a{1, 2, 3, 4}, b{-1, 0.5, 0.25, 8};
  std::uint64_t coin[4] = {1, 2, 3, 4};
  [[nodiscard]] tabrl::test::Bytes bytes() const {
    return tabrl::test::payload([this](tabrl::BinaryWriter& w) {
      settings.write(w);
      w.value(scalar_a);
      w.value(rows_a);
      w.value(std::uint64_t{2});
      w.array(a.data(), a.size());
      w.value(scalar_b);
      w.value(rows_b);
      w.value(std::uint64_t{2});
      w.array(b.data(), b.size());
      for (const std::uint64_t word : coin) w.value(word);
    });
  }
};
}  // namespace

TEST_CASE("DoubleQLearningAgent save/load: both tables and the coin, every rejection",
          "[agents][saveable]") {
  tabrl::DoubleQLearningAgent<> agent(2, 2, {}, 99);
  tabrl::test::load_from(agent, DoubleFields{}.bytes());
  REQUIRE(agent.gamma() == 0.9);
  REQUIRE(agent.duplicates() == tabrl::DuplicateRule::sequential);
  REQUIRE(agent.table_a()(1, 1) == 4.0);
  REQUIRE(agent.table_b()(1, 1) == 8.0);
  REQUIRE(agent.q(1, 1) == 12.0);  // the acting table is rebuilt as A + B
  REQUIRE(agent.q(0, 1) == 2.5);
  REQUIRE(agent.coin().state() == tabrl::Rng::state_type{1, 2, 3, 4});
  REQUIRE(tabrl::test::saved(agent) == DoubleFields{}.bytes());

  // A trained agent round-trips and then flips the same coins and learns the same values.
  for (const auto rule : all_rules) {
    tabrl::DoubleQLearningAgent<> from(2, 2, {.gamma = 0.8, .alpha = 0.3, .duplicates = rule}, 21);
    for (int i = 0; i < 15; ++i) {
      (void)from.update(tabrl::Transition{i % 2, (i / 3) % 2, 0.5 * i - 2, (i + 1) % 2, i % 4 == 3});
    }
    tabrl::DoubleQLearningAgent<> into(2, 2, {}, 1);
    tabrl::test::require_round_trip(from, into);
    REQUIRE(into.duplicates() == rule);
    REQUIRE(into.coin() == from.coin());
    REQUIRE(into.q_values() == from.q_values());
    const auto batch = rows({{0, 0, 1.0, 1, false}, {1, 1, 2.0, 0, true}, {0, 0, -1.0, 1, false}});
    for (int i = 0; i < 6; ++i) {
      from.update(batch);
      into.update(batch);
    }
    REQUIRE(tabrl::test::saved(into) == tabrl::test::saved(from));
  }

  using tabrl::FormatProblem;
  auto with = [](auto change) { return tabrl::test::changed<DoubleFields>(change); };
  tabrl::test::require_truncations_rejected(agent, DoubleFields{}.bytes());
  tabrl::test::require_rejected(agent, with([](DoubleFields& f) { f.settings.alpha = 0.0; }), FormatProblem::value,
                                "alpha must be in (0, 1], got 0");
  tabrl::test::require_rejected(agent, with([](DoubleFields& f) { f.settings.rule = 9; }), FormatProblem::value,
                                "duplicate rule must be 0, 1 or 2, got 9");
  tabrl::test::require_rejected(agent, with([](DoubleFields& f) { f.scalar_b = 1; }),
                                FormatProblem::scalar_type, "table B scalar differs from the agent's");
  tabrl::test::require_rejected(agent, with([](DoubleFields& f) { f.rows_a = 3; f.a.resize(6); }),
                                FormatProblem::shape, "table A is 3 x 2, the agent's is 2 x 2");
  tabrl::test::require_rejected(agent, with([](DoubleFields& f) { f.a[3] = std::nan(""); }),
                                FormatProblem::value, "table A (1, 1) must be finite, got nan");
  tabrl::test::require_rejected(agent, with([](DoubleFields& f) { f.b[2] = std::numeric_limits<double>::infinity(); }),
                                FormatProblem::value, "table B (1, 0) must be finite, got inf");
  tabrl::test::require_rejected(agent, with([](DoubleFields& f) { std::fill(f.coin, f.coin + 4, 0U); }),
                                FormatProblem::value, "coin generator state is all zero");
  REQUIRE(agent.coin().state() == tabrl::Rng::state_type{1, 2, 3, 4});
}
