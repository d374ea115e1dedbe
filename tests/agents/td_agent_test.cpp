// TDAgent: hyperparameters, range checks, the greedy and epsilon-greedy policies, and
// save/load of the one-table agents (Q-learning, Expected SARSA, SARSA share it).

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/agents/expected_sarsa.hpp>
#include <tabrl/agents/q_learning.hpp>
#include <tabrl/agents/sarsa.hpp>

#include "agents/settings_fields.hpp"
#include "saveable.hpp"
#include "stats.hpp"

static_assert(tabrl::Saveable<tabrl::QLearningAgent<>>);
static_assert(tabrl::Saveable<tabrl::ExpectedSarsaAgent<float>>);
static_assert(tabrl::Saveable<tabrl::SarsaAgent<>>);

TEST_CASE("TDAgent: hyperparameters outside their range throw, naming them", "[agents]") {
  using A = tabrl::QLearningAgent<>;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(A(48, 4, {.gamma = -0.1}), "tabrl::QLearningAgent: gamma must be in [0, 1], got -0.10000000000000001");
  REQUIRE_THROWS_WITH(A(48, 4, {.gamma = 1.5}), Catch::Contains("gamma must be in [0, 1], got 1.5"));
  REQUIRE_THROWS_WITH(A(48, 4, {.gamma = nan}), Catch::Contains("gamma must be in [0, 1], got nan"));
  REQUIRE_THROWS_WITH(A(48, 4, {.alpha = 0.0}), "tabrl::QLearningAgent: alpha must be in (0, 1], got 0");
  REQUIRE_THROWS_WITH(A(48, 4, {.alpha = 1.5}), "tabrl::QLearningAgent: alpha must be in (0, 1], got 1.5");
  REQUIRE_THROWS_WITH(A(48, 4, {.alpha = nan}), Catch::Contains("alpha must be in (0, 1]"));
  REQUIRE_THROWS_WITH(A(48, 4, {.epsilon = -0.5}), Catch::Contains("epsilon must be in [0, 1], got -0.5"));
  REQUIRE_THROWS_WITH(A(48, 4, {.epsilon = 2.0}), Catch::Contains("epsilon must be in [0, 1], got 2"));
  REQUIRE_THROWS_WITH(A(48, 4, {.duplicates = static_cast<tabrl::DuplicateRule>(3)}),
                      "tabrl::QLearningAgent: duplicates must be last, mean or sequential, got 3");
  REQUIRE_THROWS_WITH(A(0, 4), "tabrl::QLearningAgent: num_states must be >= 1, got 0");
  REQUIRE_THROWS_WITH(A(48, 0), "tabrl::QLearningAgent: num_actions must be >= 1, got 0");
  REQUIRE_THROWS_WITH(tabrl::SarsaAgent<>(-3, 2), "tabrl::SarsaAgent: num_states must be >= 1, got -3");
  REQUIRE_THROWS_WITH(tabrl::ExpectedSarsaAgent<>(2, 2, {.alpha = 2.0}),
                      "tabrl::ExpectedSarsaAgent: alpha must be in (0, 1], got 2");
  // Boundaries are accepted, and kept.
  const A low(1, 1, {.gamma = 0.0, .alpha = 1.0, .epsilon = 0.0});
  REQUIRE(low.gamma() == 0.0);
  REQUIRE(low.alpha() == 1.0);
  REQUIRE(low.epsilon() == 0.0);
  const A high(1, 1, {.gamma = 1.0, .alpha = 1e-9, .epsilon = 1.0, .duplicates = tabrl::DuplicateRule::sequential});
  REQUIRE(high.gamma() == 1.0);
  REQUIRE(high.alpha() == 1e-9);
  REQUIRE(high.epsilon() == 1.0);
  REQUIRE(high.duplicates() == tabrl::DuplicateRule::sequential);
  A agent(2, 2);
  REQUIRE(agent.gamma() == 1.0);  // the TDOptions defaults
  REQUIRE(agent.alpha() == 0.5);
  REQUIRE(agent.epsilon() == 0.1);
  REQUIRE(agent.duplicates() == tabrl::DuplicateRule::last);
  REQUIRE(std::string(agent.name()) == "QLearningAgent");
  REQUIRE_THROWS_AS(agent.set_alpha(0.0), tabrl::InvalidArgument);
  REQUIRE(agent.alpha() == 0.5);  // a rejected value leaves the old one
  REQUIRE_THROWS_AS(agent.set_gamma(1.01), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(agent.set_epsilon(nan), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(agent.set_duplicates(static_cast<tabrl::DuplicateRule>(7)), tabrl::InvalidArgument);
  REQUIRE(agent.gamma() == 1.0);
  REQUIRE(agent.epsilon() == 0.1);
  REQUIRE(agent.duplicates() == tabrl::DuplicateRule::last);
  agent.set_epsilon(0.25);
  agent.set_gamma(0.75);
  agent.set_alpha(0.125);
  agent.set_duplicates(tabrl::DuplicateRule::mean);
  const tabrl::TDOptions o = agent.options();
  REQUIRE(o.gamma == 0.75);
  REQUIRE(o.alpha == 0.125);
  REQUIRE(o.epsilon == 0.25);
  REQUIRE(o.duplicates == tabrl::DuplicateRule::mean);
  REQUIRE(agent.num_states() == 2);
  REQUIRE(agent.num_actions() == 2);
  REQUIRE(agent.q_values().rows() == 2);
  REQUIRE((agent.q_values().array() == 0.0).all());
}

TEST_CASE("TDAgent: out-of-range states and actions throw", "[agents]") {
  tabrl::QLearningAgent<> agent(3, 2);
  tabrl::Rng rng(0);
  REQUIRE_THROWS_WITH(agent.greedy_action(3, rng),
                      "tabrl::QLearningAgent::greedy_action: state must be in [0, 3), got 3");
  REQUIRE_THROWS_WITH(agent.epsilon_greedy_action(-1, rng),
                      "tabrl::QLearningAgent::epsilon_greedy_action: state must be in [0, 3), got -1");
  REQUIRE_THROWS_AS(agent.act(3, rng), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(agent.q(0, 2), "tabrl::QLearningAgent::q: action must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(agent.q(-1, 0), "tabrl::QLearningAgent::q: state must be in [0, 3), got -1");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 5, 0.0, 1, false}),
                      "tabrl::QLearningAgent::update: action must be in [0, 2), got 5");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{3, 0, 0.0, 1, false}),
                      "tabrl::QLearningAgent::update: state must be in [0, 3), got 3");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, 0.0, 9, false}),
                      "tabrl::QLearningAgent::update: state must be in [0, 3), got 9");
  REQUIRE_THROWS_WITH(agent.update(tabrl::Transition{0, 0, std::nan(""), 1, false}),
                      "tabrl::QLearningAgent::update: reward must be finite, got nan");
  REQUIRE((agent.q_values().array() == 0.0).all());  // rejected updates change nothing
  REQUIRE(rng == tabrl::Rng(0));                       // and draw nothing
}

namespace {
// The tie-breaking rule, restated: one draw k in [0, ties) only when there is a tie, and the
// k-th maximal action in increasing order.
int reference_greedy(const std::vector<double>& row, tabrl::Rng& rng) {
  const double best = *std::max_element(row.begin(), row.end());
  std::vector<int> tied;
  for (std::size_t a = 0; a < row.size(); ++a) {
    if (row[a] == best) tied.push_back(static_cast<int>(a));
  }
  if (tied.size() == 1) return tied[0];
  return tied[tabrl::uniform_index(rng, tied.size())];
}
}  // namespace

TEST_CASE("TDAgent: greedy_action breaks ties uniformly and is exact without ties",
          "[agents][statistics]") {
  tabrl::QLearningAgent<> agent(2, 4);
  agent.q_values().row(0) << 1.0, 3.0, 3.0, 3.0;  // tie among 1, 2, 3
  agent.q_values().row(1) << 0.0, -1.0, 2.0, 1.0;
  tabrl::Rng rng(5);
  std::vector<double> counts(3, 0.0);
  constexpr int n = 30000;
  for (int i = 0; i < n; ++i) {
    const int a = agent.greedy_action(0, rng);
    REQUIRE(a >= 1);
    counts[static_cast<std::size_t>(a - 1)] += 1;
    REQUIRE(agent.greedy_action(1, rng) == 2);
  }
  REQUIRE(tabrl::test::chi_square_uniform(counts) < 13.82);  // 2 dof, 0.999 quantile

  // Without a tie no randomness is consumed.
  tabrl::Rng a(1), b(1);
  (void)agent.greedy_action(1, a);
  REQUIRE(a == b);
}

TEST_CASE("TDAgent: the tie-breaking draw, exactly, for 4 actions and for other widths",
          "[agents]") {
  // The 4-action table takes its own branch-free path; both must draw as the rule says.
  const std::vector<std::vector<double>> rows4{
      {1, 3, 3, 3}, {5, 5, 5, 5}, {2, 0, 2, 0}, {0, 0, -1, 7}, {4, 1, 1, 4}, {-2, -2, -3, -1}};
  const std::vector<std::vector<double>> rows5{{1, 3, 3, 3, 0}, {5, 5, 5, 5, 5}, {2, 0, 2, 0, 2},
                                               {0, 0, -1, 7, 7}, {-1, -1, -2, -9, -1}};
  const std::vector<std::vector<double>> rows3{{1, 1, 0}, {0, 0, 0}, {-1, 2, 2}, {3, 2, 1}};
  for (const auto* rows : {&rows4, &rows5, &rows3}) {
    const auto width = static_cast<int>((*rows)[0].size());
    tabrl::QLearningAgent<> agent(static_cast<int>(rows->size()), width);
    for (std::size_t s = 0; s < rows->size(); ++s) {
      for (int a = 0; a < width; ++a) agent.q_values()(static_cast<Eigen::Index>(s), a) = (*rows)[s][static_cast<std::size_t>(a)];
    }
    tabrl::Rng rng(77), ref(77);
    for (int rep = 0; rep < 200; ++rep) {
      for (std::size_t s = 0; s < rows->size(); ++s) {
        CAPTURE(width, s, rep);
        REQUIRE(agent.greedy_action(static_cast<int>(s), rng) == reference_greedy((*rows)[s], ref));
        REQUIRE(rng == ref);
      }
    }
  }
}

TEST_CASE("TDAgent: epsilon-greedy explores with probability epsilon", "[agents][statistics]") {
  tabrl::QLearningAgent<> agent(1, 4, {.epsilon = 0.3});
  agent.q_values().row(0) << 0.0, 0.0, 5.0, 0.0;
  tabrl::Rng rng(8);
  std::vector<double> counts(4, 0.0);
  constexpr int n = 40000;
  for (int i = 0; i < n; ++i) counts[static_cast<std::size_t>(agent.act(0, rng))] += 1;
  // P(2) = 0.7 + 0.3/4 = 0.775; each other action 0.075. 3 dof, 0.999 quantile 16.27.
  REQUIRE(tabrl::test::chi_square(counts, {0.075, 0.075, 0.775, 0.075}) < 16.27);
  tabrl::QLearningAgent<> greedy(1, 4, {.epsilon = 0.0});
  greedy.q_values().row(0) << 0.0, 0.0, 5.0, 0.0;
  for (int i = 0; i < 100; ++i) REQUIRE(greedy.act(0, rng) == 2);

  // Exactly: one uniform_real draw against epsilon, then a uniform action or the greedy one.
  for (const int width : {4, 3}) {
    tabrl::QLearningAgent<> exact(1, width, {.epsilon = 0.4});
    exact.q_values()(0, 1) = 2.0;
    tabrl::Rng r(21), ref(21);
    for (int i = 0; i < 500; ++i) {
      const int expected = tabrl::uniform_real(ref) < 0.4
                               ? static_cast<int>(tabrl::uniform_index(ref, static_cast<std::uint64_t>(width)))
                               : 1;
      REQUIRE(exact.act(0, r) == expected);
      REQUIRE(r == ref);
    }
  }
}

TEST_CASE("TDAgent: greedy_policy takes the first maximum", "[agents]") {
  tabrl::QLearningAgent<> agent(3, 2);
  agent.q_values() << 1, 2, 3, 3, 0, -1;
  const Eigen::Vector3i expected(1, 0, 0);
  REQUIRE(agent.greedy_policy() == expected);
}

namespace {
// A one-table agent's payload written field by field: settings, then the table.
struct AgentFields {
  tabrl::test::SettingsFields settings;
  std::uint8_t scalar = 2;
  std::uint64_t rows = 3, cols = 2;
  std::vector<double> q{1.0, -2.0, 0.5, 4.0, -0.25, 8.0};
  [[nodiscard]] tabrl::test::Bytes bytes() const {
    return tabrl::test::payload([this](tabrl::BinaryWriter& w) {
      settings.write(w);
      w.value(scalar);
      w.value(rows);
      w.value(cols);
      w.array(q.data(), q.size());
    });
  }
};

template <class AgentT>
void check_agent_saveable(const std::string& kind) {
  REQUIRE(AgentT::kind() == kind);
  // The documented layout, read field by field.
  AgentT agent(3, 2, {.gamma = 0.5, .alpha = 0.5, .epsilon = 0.5});
  agent.q_values().setConstant(3.0);
  tabrl::test::load_from(agent, AgentFields{}.bytes());
  REQUIRE(agent.gamma() == 0.9);
  REQUIRE(agent.alpha() == 0.25);
  REQUIRE(agent.epsilon() == 0.05);
  REQUIRE(agent.duplicates() == tabrl::DuplicateRule::mean);
  REQUIRE(agent.q(1, 1) == 4.0);
  REQUIRE(agent.q(2, 1) == 8.0);
  REQUIRE(tabrl::test::saved(agent) == AgentFields{}.bytes());

  // Round trips with each duplicate rule, into agents with other settings and values.
  for (const auto rule : {tabrl::DuplicateRule::last, tabrl::DuplicateRule::mean,
                          tabrl::DuplicateRule::sequential}) {
    AgentT from(3, 2, {.gamma = 0.3, .alpha = 0.7, .epsilon = 0.2, .duplicates = rule});
    from.q_values() << 0.1, 0.2, -0.3, 1e300, -1e-300, 0.0;
    AgentT into(3, 2, {.gamma = 1.0, .alpha = 1.0, .epsilon = 1.0,
                       .duplicates = rule == tabrl::DuplicateRule::last ? tabrl::DuplicateRule::mean
                                                                        : tabrl::DuplicateRule::last});
    tabrl::test::require_round_trip(from, into);
    REQUIRE(into.duplicates() == rule);
    REQUIRE(into.gamma() == 0.3);
    REQUIRE(into.q_values() == from.q_values());
  }

  // Every field out of its domain, and a table of another shape or scalar type.
  using tabrl::FormatProblem;
  auto with = [](auto change) { return tabrl::test::changed<AgentFields>(change); };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  tabrl::test::require_truncations_rejected(agent, AgentFields{}.bytes());
  tabrl::test::require_rejected(agent, with([&](AgentFields& f) { f.settings.gamma = nan; }), FormatProblem::value,
                                "gamma must be in [0, 1], got nan");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.settings.gamma = 1.5; }), FormatProblem::value,
                                "gamma must be in [0, 1], got 1.5");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.settings.alpha = 0.0; }), FormatProblem::value,
                                "alpha must be in (0, 1], got 0");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.settings.alpha = 1.25; }), FormatProblem::value,
                                "alpha must be in (0, 1], got 1.25");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.settings.epsilon = -0.5; }), FormatProblem::value,
                                "epsilon must be in [0, 1], got -0.5");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.settings.rule = 3; }), FormatProblem::value,
                                "duplicate rule must be 0, 1 or 2, got 3");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.scalar = 1; }), FormatProblem::scalar_type,
                                "Q table scalar differs from the agent's");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.rows = 2; f.q.resize(4); }),
                                FormatProblem::shape, "Q table is 2 x 2, the agent's is 3 x 2");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.cols = 3; f.q.resize(9); }),
                                FormatProblem::shape, "Q table is 3 x 3, the agent's is 3 x 2");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.rows = 0; f.q.clear(); }),
                                FormatProblem::shape, "Q table is 0 x 2");
  tabrl::test::require_rejected(agent, with([&](AgentFields& f) { f.q[5] = nan; }), FormatProblem::value,
                                "Q table (2, 1) must be finite, got nan");
  tabrl::test::require_rejected(agent, with([](AgentFields& f) { f.q[2] = -std::numeric_limits<double>::infinity(); }),
                                FormatProblem::value, "Q table (1, 0) must be finite, got -inf");
  REQUIRE(agent.duplicates() == tabrl::DuplicateRule::mean);  // what the valid load set
}
}  // namespace

TEST_CASE("TDAgent save/load: layout, a round trip with each duplicate rule, every rejection",
          "[agents][saveable]") {
  check_agent_saveable<tabrl::QLearningAgent<>>("QLearningAgent");
  check_agent_saveable<tabrl::ExpectedSarsaAgent<>>("ExpectedSarsaAgent");
  check_agent_saveable<tabrl::SarsaAgent<>>("SarsaAgent");
  // A float agent stores float32 and refuses a float64 table.
  tabrl::QLearningAgent<float> f(3, 2);
  f.q_values()(2, 1) = 0.5F;
  const auto bytes = tabrl::test::saved(f);
  REQUIRE(bytes.size() == 3 * 8 + 1 + 1 + 2 * 8 + 6 * 4);
  REQUIRE(bytes[25] == 1);  // ScalarCode::float32 after the settings
  tabrl::QLearningAgent<float> g(3, 2, {.gamma = 0.5});
  tabrl::test::require_round_trip(f, g);
  REQUIRE(g.q(2, 1) == 0.5F);
  tabrl::test::require_rejected(g, AgentFields{}.bytes(), tabrl::FormatProblem::scalar_type,
                                "Q table scalar differs from the agent's");
}
