// CliffWalking against Gymnasium's rules, restated here independently of the implementation.

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include <tabrl/envs/cliff_walking.hpp>

#include "saveable.hpp"
#include "stats.hpp"

namespace {

struct Expected {
  int next;
  double reward;
  bool terminated;
};

// The rules as the issue states them: 4x12, up/right/down/left, clamp at the edges, cliff is
// row 3 columns 1..10 (-100, back to 36, not terminal), 47 terminates, everything else -1.
Expected rule(int state, int move) {
  int row = state / 12;
  int col = state % 12;
  switch (move) {
    case 0: row = row > 0 ? row - 1 : 0; break;
    case 1: col = col < 11 ? col + 1 : 11; break;
    case 2: row = row < 3 ? row + 1 : 3; break;
    default: col = col > 0 ? col - 1 : 0; break;
  }
  if (row == 3 && col >= 1 && col <= 10) return {36, -100.0, false};
  const int next = row * 12 + col;
  return {next, -1.0, next == 47};
}

}  // namespace

TEST_CASE("CliffWalking: sizes, start state and reset", "[envs][cliff]") {
  tabrl::CliffWalking env;
  REQUIRE(env.num_states() == 48);
  REQUIRE(env.num_actions() == 4);
  REQUIRE(env.reset(0) == 36);
  REQUIRE(env.reset() == 36);
  REQUIRE_FALSE(env.is_slippery());
}

TEST_CASE("CliffWalking: the full deterministic 48 x 4 transition table", "[envs][cliff]") {
  tabrl::CliffWalking env;
  int checked = 0;
  for (int s = 0; s < 48; ++s) {
    for (int a = 0; a < 4; ++a) {
      const auto outcomes = env.transitions(s, a);
      REQUIRE(outcomes.size() == 1);
      const Expected e = rule(s, a);
      CAPTURE(s, a);
      REQUIRE(outcomes[0].probability == 1.0);
      REQUIRE(outcomes[0].next_state == e.next);
      REQUIRE(outcomes[0].reward == e.reward);
      REQUIRE(outcomes[0].terminated == e.terminated);
      ++checked;
    }
  }
  REQUIRE(checked == 192);
}

TEST_CASE("CliffWalking: step() follows the model from every reachable state", "[envs][cliff]") {
  // Drive the real step() into each state by teleporting through a fresh walk, then compare
  // one step with the rule. States are reached by walking from the start along row 2.
  for (int target = 0; target < 48; ++target) {
    if (tabrl::CliffWalking::is_cliff(target) || target == 47) continue;
    for (int a = 0; a < 4; ++a) {
      tabrl::CliffWalking env;
      env.reset(0);
      // Walk: up from 36 to row r, then right to column c (never touches the cliff).
      const int r = target / 12;
      const int c = target % 12;
      int s = 36;
      for (int i = 0; i < 3 - r; ++i) s = env.step(0).next_state;
      for (int i = 0; i < c; ++i) s = env.step(1).next_state;
      if (r == 3) {  // only 36 is a non-cliff, non-goal cell of row 3
        REQUIRE(s == 36);
      }
      REQUIRE(s == target);
      const auto step = env.step(a);
      const Expected e = rule(target, a);
      CAPTURE(target, a);
      REQUIRE(step.next_state == e.next);
      REQUIRE(step.reward == e.reward);
      REQUIRE(step.terminated == e.terminated);
      REQUIRE_FALSE(step.truncated);
    }
  }
}

TEST_CASE("CliffWalking: falling keeps the episode going, the goal ends it", "[envs][cliff]") {
  tabrl::CliffWalking env;
  env.reset(0);
  const auto fall = env.step(tabrl::CliffWalking::right);
  REQUIRE(fall == tabrl::StepResult{36, -100.0, false, false});
  REQUIRE(env.state() == 36);
  env.step(tabrl::CliffWalking::up);
  for (int i = 0; i < 11; ++i) env.step(tabrl::CliffWalking::right);
  const auto last = env.step(tabrl::CliffWalking::down);
  REQUIRE(last == tabrl::StepResult{47, -1.0, true, false});
  REQUIRE_THROWS_AS(env.step(0), tabrl::LogicError);
  REQUIRE_THROWS_WITH(env.step(0), Catch::Contains("call reset()"));
  REQUIRE(env.reset() == 36);
  REQUIRE(env.step(0) == tabrl::StepResult{24, -1.0, false, false});  // a new episode steps
}

TEST_CASE("CliffWalking: bad actions and states throw, step before reset throws",
          "[envs][cliff]") {
  tabrl::CliffWalking env;
  REQUIRE_THROWS_AS(env.step(0), tabrl::LogicError);
  env.reset();
  REQUIRE_THROWS_AS(env.step(-1), tabrl::InvalidArgument);
  REQUIRE_THROWS_WITH(env.step(4), "tabrl::CliffWalking::step: action must be in [0, 4), got 4");
  REQUIRE_THROWS_WITH(env.transitions(48, 0),
                      "tabrl::CliffWalking::transitions: state must be in [0, 48), got 48");
  REQUIRE_THROWS_AS(env.transitions(-1, 0), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(env.transitions(0, 7), tabrl::InvalidArgument);
}

TEST_CASE("CliffWalking slippery: the full table has the intended and both perpendicular moves",
          "[envs][cliff]") {
  tabrl::CliffWalking env({.is_slippery = true});
  REQUIRE(env.is_slippery());
  for (int s = 0; s < 48; ++s) {
    for (int a = 0; a < 4; ++a) {
      const auto outcomes = env.transitions(s, a);
      REQUIRE(outcomes.size() == 3);
      const std::array<int, 3> moves{(a + 3) % 4, a, (a + 1) % 4};
      for (std::size_t k = 0; k < 3; ++k) {
        const Expected e = rule(s, moves[k]);
        CAPTURE(s, a, k);
        REQUIRE(outcomes[k].probability == 1.0 / 3.0);
        REQUIRE(outcomes[k].next_state == e.next);
        REQUIRE(outcomes[k].reward == e.reward);
        REQUIRE(outcomes[k].terminated == e.terminated);
      }
    }
  }
}

TEST_CASE("CliffWalking slippery: step() picks each of the three moves 1/3 of the time",
          "[envs][cliff]") {
  // From state 13 (row 1, col 1) every move lands on a different cell: up 1, right 14,
  // down 25, left 12. Action right (1) can go up, right or down.
  tabrl::CliffWalking env({.is_slippery = true});
  env.reset(12345);
  std::vector<double> counts(3, 0.0);
  constexpr int n = 30000;
  for (int i = 0; i < n; ++i) {
    // Walk to 13: from 36 up twice -> 12, right -> 13 (slippery, so retry until there).
    env.reset();
    int s = 36;
    int guard = 0;
    while (s != 13 && guard++ < 1000) {
      const int col = s % 12, row = s / 12;
      const int a = row > 1 ? 0 : (row < 1 ? 2 : (col < 1 ? 1 : 3));
      auto r = env.step(a);
      s = r.next_state;
      if (r.terminated) s = env.reset();
    }
    REQUIRE(s == 13);
    const int next = env.step(1).next_state;
    REQUIRE((next == 1 || next == 14 || next == 25));
    counts[next == 1 ? 0 : (next == 14 ? 1 : 2)] += 1;
  }
  // Chi-square, 2 degrees of freedom: 13.82 is the 0.999 quantile.
  REQUIRE(tabrl::test::chi_square_uniform(counts) < 13.82);
}

TEST_CASE("CliffWalking slippery: the same seed replays the same episode", "[envs][cliff]") {
  auto run = [](std::uint64_t seed) {
    tabrl::CliffWalking env({.is_slippery = true});
    env.reset(seed);
    std::vector<int> states;
    for (int i = 0; i < 200; ++i) {
      auto r = env.step(i % 4);
      states.push_back(r.next_state);
      if (r.terminated) env.reset();
    }
    return states;
  };
  REQUIRE(run(5) == run(5));
  REQUIRE(run(5) != run(6));
}

TEST_CASE("CliffWalking: render_ansi draws agent, cliff, goal and free cells", "[envs][cliff]") {
  tabrl::CliffWalking env;
  env.reset();
  const std::string start =
      "o o o o o o o o o o o o\n"
      "o o o o o o o o o o o o\n"
      "o o o o o o o o o o o o\n"
      "x C C C C C C C C C C T\n";
  REQUIRE(env.render_ansi() == start);
  env.step(0);
  const std::string moved =
      "o o o o o o o o o o o o\n"
      "o o o o o o o o o o o o\n"
      "x o o o o o o o o o o o\n"
      "o C C C C C C C C C C T\n";
  REQUIRE(env.render_ansi() == moved);
}

namespace {
// CliffWalking's payload field by field: slippery flag, cell, done, started, generator.
tabrl::test::Bytes cliff_fields(std::uint8_t slippery, std::int32_t cell, std::uint8_t done,
                                std::uint8_t started, std::uint64_t word = 1) {
  return tabrl::test::payload([&](tabrl::BinaryWriter& w) {
    w.value(slippery);
    w.value(cell);
    w.value(done);
    w.value(started);
    for (int i = 0; i < 4; ++i) w.value(word == 0 ? word : word + static_cast<std::uint64_t>(i));
  });
}
}  // namespace

static_assert(tabrl::Saveable<tabrl::CliffWalking>);

TEST_CASE("CliffWalking save/load: the place in the episode and the generator come back",
          "[envs][cliff][saveable]") {
  REQUIRE(tabrl::CliffWalking::kind() == "CliffWalking");
  tabrl::CliffWalking env({.is_slippery = true});
  env.reset(8);
  for (int i = 0; i < 5; ++i) (void)env.step(i % 4);
  const auto bytes = tabrl::test::saved(env);
  std::vector<tabrl::StepResult> expected;
  tabrl::CliffWalking copy = env;
  for (int i = 0; i < 40; ++i) {
    const auto r = copy.step(i % 3);
    expected.push_back(r);
    if (r.terminated) break;
  }
  tabrl::CliffWalking other({.is_slippery = true});
  other.reset(99);
  tabrl::test::load_from(other, bytes);
  REQUIRE(other.state() == env.state());
  REQUIRE(tabrl::test::saved(other) == bytes);
  for (std::size_t i = 0; i < expected.size(); ++i) REQUIRE(other.step(static_cast<int>(i % 3)) == expected[i]);

  // Before reset, and after the goal, the flags come back too.
  tabrl::CliffWalking fresh;
  tabrl::CliffWalking target;
  target.reset();
  tabrl::test::load_from(target, tabrl::test::saved(fresh));
  REQUIRE_THROWS_WITH(target.step(0), Catch::Contains("called before reset()"));
  tabrl::test::load_from(target, cliff_fields(0, 35, 1, 1));
  REQUIRE_THROWS_WITH(target.step(0), Catch::Contains("call reset()"));
  tabrl::test::load_from(target, cliff_fields(0, 35, 0, 1));
  REQUIRE(target.step(tabrl::CliffWalking::down) == tabrl::StepResult{47, -1.0, true, false});

  using tabrl::FormatProblem;
  tabrl::CliffWalking plain;
  plain.reset();
  tabrl::test::require_truncations_rejected(plain, cliff_fields(0, 24, 0, 1));
  tabrl::test::require_rejected(plain, cliff_fields(1, 24, 0, 1), FormatProblem::shape,
                                "the saved grid has another slipperiness");
  tabrl::test::require_rejected(plain, cliff_fields(0, 37, 0, 1), FormatProblem::value,
                                "cell must be in [0, 48) and not in the cliff, got 37");
  tabrl::test::require_rejected(plain, cliff_fields(0, 48, 0, 1), FormatProblem::value, "got 48");
  tabrl::test::require_rejected(plain, cliff_fields(0, -1, 0, 1), FormatProblem::value, "got -1");
  tabrl::test::require_rejected(plain, cliff_fields(0, 24, 2, 1), FormatProblem::value, "episode flags must be 0 or 1");
  tabrl::test::require_rejected(plain, cliff_fields(0, 24, 0, 2), FormatProblem::value, "episode flags must be 0 or 1");
  tabrl::test::require_rejected(plain, cliff_fields(0, 24, 0, 1, 0), FormatProblem::value,
                                "generator state is all zero");
  REQUIRE(plain.state() == 36);
}
