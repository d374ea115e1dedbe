// GridMaze: the three mazes of Sutton & Barto's chapter 8 (layouts, shortest paths 14, 10
// and 16 steps), moves and walls, the wall change at the book's step (counted over
// episodes), the model, rendering, bad layouts, and save/load.

#include <catch2/catch.hpp>

#include <cmath>

#include <tabrl/concepts.hpp>
#include <tabrl/envs/maze.hpp>
#include <tabrl/planning/value_iteration.hpp>

#include "saveable.hpp"

using tabrl::GridMaze;

static_assert(tabrl::DiscreteEnvironment<GridMaze>);
static_assert(tabrl::ModelEnvironment<GridMaze>);
static_assert(tabrl::Saveable<GridMaze>);

namespace {
// Steps of the shortest path from the start under the current walls: reward 1 at the goal
// and gamma 0.5 make V*(start) = 0.5^(steps - 1).
int shortest_path(const GridMaze& maze) {
  const auto vi = tabrl::value_iteration(maze, 0.5);
  return static_cast<int>(std::lround(std::log(vi.v[maze.layout().start]) / std::log(0.5))) + 1;
}
}  // namespace

TEST_CASE("GridMaze: the Dyna maze of Example 8.1", "[envs]") {
  GridMaze maze = GridMaze::dyna_maze();
  REQUIRE(maze.name() == "DynaMaze");
  REQUIRE(maze.num_states() == 54);
  REQUIRE(maze.render_ansi() ==
          ". . . . . . . # G\n"
          ". . # . . . . # .\n"
          "S . # . . . . # .\n"
          ". . # . . . . . .\n"
          ". . . . . # . . .\n"
          ". . . . . . . . .\n");
  REQUIRE(shortest_path(maze) == 14);
  REQUIRE(maze.reset() == 18);
  // Up from the start, into the wall at (2, 2) from (2, 1), off the grid on the left.
  REQUIRE(maze.step(GridMaze::left) == tabrl::StepResult{18, 0.0, false, false});
  REQUIRE(maze.step(GridMaze::right) == tabrl::StepResult{19, 0.0, false, false});
  REQUIRE(maze.step(GridMaze::right) == tabrl::StepResult{19, 0.0, false, false});
  REQUIRE(maze.steps_taken() == 3);
  REQUIRE(maze.transitions(17, GridMaze::up) == std::vector<tabrl::Outcome>{{1.0, 8, 1.0, true}});
  REQUIRE(!maze.changed());
}

TEST_CASE("GridMaze: the blocking maze's wall moves after 1000 steps", "[envs]") {
  GridMaze maze = GridMaze::blocking_maze();
  REQUIRE(maze.render_ansi() ==
          ". . . . . . . . G\n"
          ". . . . . . . . .\n"
          ". . . . . . . . .\n"
          "# # # # # # # # .\n"
          ". . . . . . . . .\n"
          ". . . S . . . . .\n");
  REQUIRE(shortest_path(maze) == 10);
  (void)maze.reset();
  // 999 steps bumping the bottom edge, over several episodes: still the old wall.
  for (int i = 0; i < 999; ++i) {
    if (i % 100 == 0) (void)maze.reset(7);
    REQUIRE(maze.step(GridMaze::down).next_state == 48);
  }
  REQUIRE(!maze.changed());
  REQUIRE(!maze.is_wall(35));
  (void)maze.step(GridMaze::down);  // the 1000th step
  REQUIRE(maze.changed());
  REQUIRE(maze.is_wall(35));
  REQUIRE(!maze.is_wall(27));
  REQUIRE(shortest_path(maze) == 16);
}

TEST_CASE("GridMaze: the shortcut maze opens a shorter path after 3000 steps", "[envs]") {
  GridMaze maze = GridMaze::shortcut_maze();
  REQUIRE(shortest_path(maze) == 16);
  (void)maze.reset();
  for (int i = 0; i < 3000; ++i) (void)maze.step(GridMaze::down);
  REQUIRE(shortest_path(maze) == 10);
  // A maze with an early change, for the test: the wall switches after 2 steps.
  GridMaze quick = GridMaze::shortcut_maze(2);
  (void)quick.reset();
  REQUIRE(quick.is_wall(35));
  (void)quick.step(GridMaze::up);
  (void)quick.step(GridMaze::up);
  REQUIRE(!quick.is_wall(35));
}

TEST_CASE("GridMaze: stepping rules and bad layouts", "[envs]") {
  GridMaze maze = GridMaze::dyna_maze();
  REQUIRE_THROWS_WITH(maze.step(0), "tabrl::DynaMaze::step: called before reset()");
  (void)maze.reset();
  REQUIRE_THROWS_WITH(maze.step(4), "tabrl::DynaMaze::step: action must be in [0, 4), got 4");
  REQUIRE_THROWS_WITH(maze.transitions(54, 0), "tabrl::DynaMaze::transitions: state must be in [0, 54), got 54");
  // A one-row maze: two steps right reach the goal.
  GridMaze tiny({1, 3, 0, 2, {}, {}, 0});
  (void)tiny.reset();
  REQUIRE(tiny.step(GridMaze::right) == tabrl::StepResult{1, 0.0, false, false});
  REQUIRE(tiny.step(GridMaze::right) == tabrl::StepResult{2, 1.0, true, false});
  REQUIRE_THROWS_WITH(tiny.step(GridMaze::right), Catch::Contains("episode has terminated"));
  REQUIRE_THROWS_WITH(GridMaze({0, 3, 0, 2, {}, {}, 0}), "tabrl::GridMaze: rows and cols must be >= 1 with at most 2^20 cells, got 0 x 3");
  REQUIRE_THROWS_WITH(GridMaze({1, 3, 0, 0, {}, {}, 0}), "tabrl::GridMaze: start must differ from goal, got 0");
  REQUIRE_THROWS_WITH(GridMaze({1, 3, 0, 2, {3}, {}, 0}), "tabrl::GridMaze: wall cells must be in [0, 3), got 3");
  REQUIRE_THROWS_WITH(GridMaze({1, 3, 0, 2, {}, {2}, 5}), "tabrl::GridMaze: start and goal must not be walls, got 2");
  REQUIRE_THROWS_WITH(GridMaze({1, 3, 0, 2, {}, {}, -1}), "tabrl::GridMaze: change_after must be >= 0, got -1");
}

TEST_CASE("GridMaze: save and load keep the step counter and the place", "[envs]") {
  GridMaze a = GridMaze::blocking_maze();
  (void)a.reset();
  for (int i = 0; i < 1003; ++i) (void)a.step(GridMaze::left);
  GridMaze b = GridMaze::blocking_maze();
  tabrl::test::require_round_trip(a, b);
  REQUIRE(b.changed());
  REQUIRE(b.state() == a.state());
  GridMaze other = GridMaze::shortcut_maze();
  REQUIRE_THROWS_AS(tabrl::test::load_from(other, tabrl::test::saved(a)), tabrl::FormatError);
  tabrl::test::require_truncations_rejected(b, tabrl::test::saved(a));
}
