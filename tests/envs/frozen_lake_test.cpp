// FrozenLake against Gymnasium's rules, restated here: every state and action of both maps.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <tabrl/concepts.hpp>
#include <tabrl/envs/frozen_lake.hpp>

#include "saveable.hpp"
#include "stats.hpp"

static_assert(tabrl::DiscreteEnvironment<tabrl::FrozenLake>);

namespace {
// Independent statement: 0 left, 1 down, 2 right, 3 up; clamp; G -> reward 1; G/H terminate;
// from G or H everything stays put with reward 0, terminated.
tabrl::Outcome expected_move(const std::vector<std::string>& map, int s, int b, double p) {
  const int rows = static_cast<int>(map.size()), cols = static_cast<int>(map[0].size());
  int r = s / cols, c = s % cols;
  const int dr[4] = {0, 1, 0, -1}, dc[4] = {-1, 0, 1, 0};
  r = std::min(std::max(r + dr[b], 0), rows - 1);
  c = std::min(std::max(c + dc[b], 0), cols - 1);
  const char l = map[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
  return {p, r * cols + c, l == 'G' ? 1.0 : 0.0, l == 'G' || l == 'H'};
}
void check_table(const std::vector<std::string>& map, bool slippery) {
  tabrl::FrozenLake env(map, {.is_slippery = slippery});
  const int cols = static_cast<int>(map[0].size());
  int pairs = 0;
  for (int s = 0; s < env.num_states(); ++s) {
    const char here = map[static_cast<std::size_t>(s / cols)][static_cast<std::size_t>(s % cols)];
    for (int a = 0; a < 4; ++a) {
      CAPTURE(s, a, slippery);
      const auto got = env.transitions(s, a);
      std::vector<tabrl::Outcome> want;
      if (here == 'G' || here == 'H') {
        want = {{1.0, s, 0.0, true}};
      } else if (!slippery) {
        want = {expected_move(map, s, a, 1.0)};
      } else {
        for (int b : {(a + 3) % 4, a, (a + 1) % 4}) want.push_back(expected_move(map, s, b, 1.0 / 3.0));
      }
      REQUIRE(got == want);
      ++pairs;
    }
  }
  REQUIRE(pairs == env.num_states() * 4);
}
}  // namespace

TEST_CASE("FrozenLake: full transition tables of both standard maps, both modes", "[envs][frozen_lake]") {
  for (bool slippery : {false, true}) {
    check_table(tabrl::FrozenLake::map_4x4(), slippery);
    check_table(tabrl::FrozenLake::map_8x8(), slippery);
    check_table({"SFH", "FHG"}, slippery);
  }
  tabrl::FrozenLake env;
  REQUIRE(env.num_states() == 16);
  REQUIRE(env.is_slippery());  // Gymnasium's default
  REQUIRE(tabrl::FrozenLake(tabrl::FrozenLake::map_8x8()).num_states() == 64);
}

TEST_CASE("FrozenLake: stepping follows the model, terminal states end the episode", "[envs][frozen_lake]") {
  tabrl::FrozenLake env(tabrl::FrozenLake::map_4x4(), {.is_slippery = false});
  REQUIRE(env.reset(0) == 0);
  REQUIRE_THROWS_AS(env.step(4), tabrl::InvalidArgument);
  // Right, right, down, down, down, right: 1, 2, 6, 10, 14, 15 (goal).
  const int path[] = {2, 2, 1, 1, 1, 2};
  const int states[] = {1, 2, 6, 10, 14, 15};
  for (int i = 0; i < 6; ++i) {
    const auto r = env.step(path[i]);
    REQUIRE(r.next_state == states[i]);
    REQUIRE(r.reward == (i == 5 ? 1.0 : 0.0));
    REQUIRE(r.terminated == (i == 5));
  }
  REQUIRE_THROWS_AS(env.step(0), tabrl::LogicError);
  env.reset();
  REQUIRE(env.step(1).next_state == 4);
  const auto hole = env.step(2);  // 5 is a hole
  REQUIRE(hole == tabrl::StepResult{5, 0.0, true, false});
  REQUIRE(env.render_ansi() == "SFFF\nF@FH\nFFFH\nHFFG\n");
}

TEST_CASE("FrozenLake slippery: each of the three moves 1/3 of the time", "[envs][frozen_lake]") {
  tabrl::FrozenLake env(tabrl::FrozenLake::map_4x4());
  std::vector<double> counts(3, 0.0);  // action down from 0: left->0 (stays), down->4, right->1
  env.reset(77);
  for (int i = 0; i < 30000; ++i) {
    env.reset();
    const int s = env.step(1).next_state;
    REQUIRE((s == 0 || s == 4 || s == 1));
    counts[s == 0 ? 0 : (s == 4 ? 1 : 2)] += 1;
  }
  REQUIRE(tabrl::test::chi_square_uniform(counts) < 13.82);  // 2 dof, 0.999
}

TEST_CASE("FrozenLake: maps are validated, naming the problem", "[envs][frozen_lake]") {
  using FL = tabrl::FrozenLake;
  REQUIRE_THROWS_WITH(FL(std::vector<std::string>{}), Catch::Contains("map must not be empty"));
  REQUIRE_THROWS_WITH(FL({"SF", "FFG"}), Catch::Contains("map must be rectangular"));
  REQUIRE_THROWS_WITH(FL({"SX", "FG"}), "tabrl::FrozenLake: map cells must be one of S F H G, got X");
  REQUIRE_THROWS_WITH(FL({"SF", "SG"}), "tabrl::FrozenLake: map must have exactly one S, got 2");
  REQUIRE_THROWS_WITH(FL({"FF", "FG"}), "tabrl::FrozenLake: map must have exactly one S, got 0");
  REQUIRE_THROWS_WITH(FL({"SF", "FF"}), "tabrl::FrozenLake: map must have at least one G, got 0");
  REQUIRE_THROWS_AS(FL().transitions(16, 0), tabrl::InvalidArgument);
  REQUIRE_THROWS_AS(FL().letter(-1), tabrl::InvalidArgument);
  // Range errors name the environment, the call, the range and the value.
  REQUIRE_THROWS_WITH(FL().transitions(16, 0),
                      "tabrl::FrozenLake::transitions: state must be in [0, 16), got 16");
  REQUIRE_THROWS_WITH(FL().transitions(0, -1),
                      "tabrl::FrozenLake::transitions: action must be in [0, 4), got -1");
  REQUIRE_THROWS_WITH(FL().letter(-1), "tabrl::FrozenLake::letter: state must be in [0, 16), got -1");
}

TEST_CASE("FrozenLake::random_map: seeded, valid, always solvable", "[envs][frozen_lake]") {
  REQUIRE(tabrl::FrozenLake::random_map(8, 0.8, 5) == tabrl::FrozenLake::random_map(8, 0.8, 5));
  REQUIRE(tabrl::FrozenLake::random_map(8, 0.8, 5) != tabrl::FrozenLake::random_map(8, 0.8, 6));
  int holes = 0;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto map = tabrl::FrozenLake::random_map(6, 0.6, seed);  // many holes: retries happen
    tabrl::FrozenLake env(map, {.is_slippery = false});             // validates the map
    REQUIRE(map.front().front() == 'S');
    REQUIRE(map.back().back() == 'G');
    for (const auto& row : map) holes += static_cast<int>(std::count(row.begin(), row.end(), 'H'));
    // Solvable: breadth-first search over the deterministic model reaches G.
    std::set<int> seen{0};
    std::vector<int> frontier{0};
    bool reached = false;
    while (!frontier.empty() && !reached) {
      std::vector<int> next;
      for (int s : frontier) {
        for (int a = 0; a < 4; ++a) {
          const auto o = env.transitions(s, a)[0];
          if (env.letter(o.next_state) == 'G') reached = true;
          if (!o.terminated && seen.insert(o.next_state).second) next.push_back(o.next_state);
        }
      }
      frontier = next;
    }
    CAPTURE(seed);
    REQUIRE(reached);
  }
  REQUIRE(holes > 50 * 5);  // p = 0.6 leaves about 40% holes; the generator really draws them
  REQUIRE_THROWS_WITH(tabrl::FrozenLake::random_map(1, 0.8, 0),
                      "tabrl::FrozenLake::random_map: size must be in [2, 1024], got 1");
  REQUIRE_THROWS_AS(tabrl::FrozenLake::random_map(1025, 0.8, 0), tabrl::InvalidArgument);
  REQUIRE(tabrl::FrozenLake::random_map(2, 1.0, 0) == std::vector<std::string>{"SF", "FG"});
  REQUIRE_THROWS_AS(tabrl::FrozenLake::random_map(4, 0.0, 0), tabrl::InvalidArgument);
}

static_assert(tabrl::Saveable<tabrl::FrozenLake>);

TEST_CASE("FrozenLake save/load: the place in the episode comes back, on the same map only",
          "[envs][frozen_lake][saveable]") {
  REQUIRE(tabrl::FrozenLake::kind() == "FrozenLake");
  tabrl::FrozenLake env(tabrl::FrozenLake::map_8x8());
  env.reset(3);
  (void)env.step(2);
  (void)env.step(1);
  const auto bytes = tabrl::test::saved(env);
  tabrl::FrozenLake copy = env;
  std::vector<tabrl::StepResult> expected;
  for (int i = 0; i < 30; ++i) {
    const auto r = copy.step(i % 4);
    expected.push_back(r);
    if (r.terminated) break;
  }
  tabrl::FrozenLake other(tabrl::FrozenLake::map_8x8());
  tabrl::test::load_from(other, bytes);
  for (std::size_t i = 0; i < expected.size(); ++i) REQUIRE(other.step(static_cast<int>(i % 4)) == expected[i]);

  using tabrl::FormatProblem;
  tabrl::FrozenLake lake;
  lake.reset(1);
  const auto lake_bytes = tabrl::test::saved(lake);
  tabrl::test::require_truncations_rejected(lake, lake_bytes);
  tabrl::FrozenLake dry(tabrl::FrozenLake::map_4x4(), {.is_slippery = false});
  tabrl::test::require_rejected(lake, tabrl::test::saved(dry), FormatProblem::shape,
                                "the saved lake has another map or slipperiness");
  tabrl::test::require_rejected(lake, bytes, FormatProblem::shape, "another map");
  tabrl::FrozenLake holes({"SFFF", "FHFH", "FFFF", "HFFG"});  // one cell differs from 4x4's map
  tabrl::test::require_rejected(lake, tabrl::test::saved(holes), FormatProblem::shape,
                                "the saved lake has another map");
  // The position: state in range, flags 0 or 1, a generator that is not all zero.
  auto cursor = [&lake_bytes](std::int32_t state, std::uint8_t done, std::uint8_t started, std::uint64_t word) {
    const std::size_t head = lake_bytes.size() - (4 + 1 + 1 + 32);
    return tabrl::test::payload([&](tabrl::BinaryWriter& w) {
      w.bytes(lake_bytes.data(), head);
      w.value(state);
      w.value(done);
      w.value(started);
      for (int i = 0; i < 4; ++i) w.value(word);
    });
  };
  tabrl::test::load_from(lake, cursor(6, 0, 1, 5));
  REQUIRE(lake.render_ansi() == "SFFF\nFH@H\nFFFH\nHFFG\n");
  tabrl::test::require_rejected(lake, cursor(16, 0, 1, 5), FormatProblem::value,
                                "environment state must be in [0, 16), got 16");
  tabrl::test::require_rejected(lake, cursor(-1, 0, 1, 5), FormatProblem::value, "got -1");
  tabrl::test::require_rejected(lake, cursor(6, 3, 1, 5), FormatProblem::value, "episode flags must be 0 or 1");
  tabrl::test::require_rejected(lake, cursor(6, 0, 1, 0), FormatProblem::value, "generator state is all zero");
}
