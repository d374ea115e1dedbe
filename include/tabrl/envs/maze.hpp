#pragma once
/// \file envs/maze.hpp
/// Grid mazes of Sutton & Barto's chapter 8: the Dyna maze, and the blocking and shortcut
/// mazes whose walls change after a number of steps.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../detail/compiler.hpp"
#include "../error.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "detail/table_model.hpp"

namespace tabrl {

/// A maze's layout: cells numbered row * cols + col from the top-left; walls cannot be
/// entered. With change_after > 0 the walls become walls_after once that many steps have
/// been taken in total (over all episodes).
struct MazeLayout {
  int rows = 6;                   ///< grid rows, >= 1
  int cols = 9;                   ///< grid columns, >= 1
  int start = 0;                  ///< where every episode starts
  int goal = 1;                   ///< the terminal cell (reward 1)
  std::vector<int> walls;         ///< cells that cannot be entered
  std::vector<int> walls_after;   ///< the walls once change_after steps have been taken
  std::int64_t change_after = 0;  ///< steps before the change; 0: the walls never change

  /// Field-by-field equality.
  friend bool operator==(const MazeLayout&, const MazeLayout&) = default;
};

/// A deterministic grid maze (Sutton & Barto, Examples 8.1 to 8.3). Actions 0 up, 1 right,
/// 2 down, 3 left; a move into a wall or off the grid leaves the agent where it is. Every
/// step earns 0 except the one entering the goal, which earns +1 and terminates. There is no
/// time limit. The step counter runs over all episodes (reset keeps it) and switches the
/// walls of a changing maze; an agent standing where a wall appears can still step out.
class GridMaze {
 public:
  static constexpr int up = 0;     ///< action: one row up
  static constexpr int right = 1;  ///< action: one column right
  static constexpr int down = 2;   ///< action: one row down
  static constexpr int left = 3;   ///< action: one column left

  /// A maze of `layout`; throws when its sizes are < 1 or above 2^20 cells, a cell is out of
  /// range, start equals goal, start or goal is a wall, or change_after < 0.
  explicit GridMaze(MazeLayout layout, std::string name = "GridMaze")
      : layout_(std::move(layout)), name_(std::move(name)) {
    const MazeLayout& l = layout_;
    if (l.rows < 1 || l.cols < 1 ||
        static_cast<std::int64_t>(l.rows) * l.cols > (std::int64_t{1} << 20)) {
      detail::throw_invalid(name_, "rows and cols must be >= 1 with at most 2^20 cells",
                            detail::concat(l.rows, " x ", l.cols));
    }
    const int cells = l.rows * l.cols;
    const auto in_grid = [cells](int c) { return c >= 0 && c < cells; };
    if (!in_grid(l.start))
      detail::throw_invalid(name_, detail::concat("start must be in [0, ", cells, ")"), l.start);
    if (!in_grid(l.goal))
      detail::throw_invalid(name_, detail::concat("goal must be in [0, ", cells, ")"), l.goal);
    if (l.start == l.goal) detail::throw_invalid(name_, "start must differ from goal", l.start);
    if (l.change_after < 0)
      detail::throw_invalid(name_, "change_after must be >= 0", l.change_after);
    before_.assign(static_cast<std::size_t>(cells), 0);
    after_.assign(static_cast<std::size_t>(cells), 0);
    for (const auto* list : {&l.walls, &l.walls_after}) {
      auto& mask = list == &l.walls ? before_ : after_;
      for (const int w : *list) {
        if (!in_grid(w))
          detail::throw_invalid(name_, detail::concat("wall cells must be in [0, ", cells, ")"), w);
        if (w == l.start || w == l.goal)
          detail::throw_invalid(name_, "start and goal must not be walls", w);
        mask[static_cast<std::size_t>(w)] = 1;
      }
    }
    if (l.change_after == 0) after_ = before_;
  }

  /// Sutton & Barto's Example 8.1 (Figure 8.2): 6 x 9, start in row 2 at the left edge, goal
  /// in the top-right corner, walls in column 2 (rows 1-3), column 5 (row 4) and column 7
  /// (rows 0-2). The shortest path takes 14 steps.
  [[nodiscard]] static GridMaze dyna_maze() {
    return GridMaze({6,
                     9,
                     2 * 9 + 0,
                     0 * 9 + 8,
                     {1 * 9 + 2, 2 * 9 + 2, 3 * 9 + 2, 4 * 9 + 5, 0 * 9 + 7, 1 * 9 + 7, 2 * 9 + 7},
                     {},
                     0},
                    "DynaMaze");
  }
  /// Example 8.2 (Figure 8.4): 6 x 9, start in the bottom row (column 3), goal top-right, a
  /// wall across row 3 with a gap at the right end (shortest path 10 steps); after
  /// `change_after` steps (the book: 1000) the gap moves to the left end (16 steps).
  [[nodiscard]] static GridMaze blocking_maze(std::int64_t change_after = 1000) {
    return GridMaze({6, 9, 5 * 9 + 3, 8, row_wall(0, 7), row_wall(1, 8), change_after},
                    "BlockingMaze");
  }
  /// Example 8.3 (Figure 8.5): as the blocking maze but the wall first leaves a gap at the
  /// left end only (16 steps); after `change_after` steps (the book: 3000) a second gap opens
  /// at the right end (10 steps).
  [[nodiscard]] static GridMaze shortcut_maze(std::int64_t change_after = 3000) {
    return GridMaze({6, 9, 5 * 9 + 3, 8, row_wall(1, 8), row_wall(1, 7), change_after},
                    "ShortcutMaze");
  }

  /// rows * cols (walls included, never entered).
  [[nodiscard]] int num_states() const noexcept { return layout_.rows * layout_.cols; }
  /// 4.
  [[nodiscard]] static constexpr int num_actions() noexcept { return 4; }
  /// The layout.
  [[nodiscard]] const MazeLayout& layout() const noexcept { return layout_; }
  /// The class name used in messages and Saveable's kind check ("DynaMaze", ...).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// Steps taken over all episodes.
  [[nodiscard]] std::int64_t steps_taken() const noexcept { return steps_; }
  /// True once the walls have changed.
  [[nodiscard]] bool changed() const noexcept {
    return layout_.change_after > 0 && steps_ >= layout_.change_after;
  }
  /// True when `cell` is a wall now.
  [[nodiscard]] bool is_wall(int cell) const {
    check_state("is_wall", cell);
    return walls()[static_cast<std::size_t>(cell)] != 0;
  }
  /// The agent's cell (the start before the first reset).
  [[nodiscard]] int state() const noexcept { return reset_ ? cursor_.state() : layout_.start; }

  /// Starts an episode at the start cell (the maze has no randomness: the seed is unused;
  /// the step counter keeps running).
  int reset(std::optional<std::uint64_t> /*seed*/ = std::nullopt) {
    cursor_.start(layout_.start);
    reset_ = true;
    return layout_.start;
  }

  /// Takes one step. Throws on an action outside 0..3, before reset() or after termination.
  StepResult step(int action) {
    check_action("step", action);
    cursor_.check_can_step(name_.c_str());
    const Outcome o = outcome(cursor_.state(), action);
    ++steps_;
    return cursor_.advance(o);
  }

  /// The model under the current walls: one outcome of probability 1.
  [[nodiscard]] std::vector<Outcome> transitions(int state, int action) const {
    check_state("transitions", state);
    check_action("transitions", action);
    return {outcome(state, action)};
  }

  /// The grid as text, one line per row: `x` agent, `#` wall, `S` start, `G` goal, `.` free.
  [[nodiscard]] std::string render_ansi() const {
    std::string out;
    for (int r = 0; r < layout_.rows; ++r) {
      for (int c = 0; c < layout_.cols; ++c) {
        const int s = r * layout_.cols + c;
        char ch = '.';
        if (reset_ && s == cursor_.state()) {
          ch = 'x';
        } else if (walls()[static_cast<std::size_t>(s)] != 0) {
          ch = '#';
        } else if (s == layout_.start) {
          ch = 'S';
        } else if (s == layout_.goal) {
          ch = 'G';
        }
        out += ch;
        out += c + 1 < layout_.cols ? ' ' : '\n';
      }
    }
    return out;
  }

  /// The maze's name (Saveable: the place in the episode and the step counter).
  [[nodiscard]] static std::string kind() { return "GridMaze"; }
  /// Writes the name, the layout, the place in the episode and the step counter (Saveable).
  void save(BinaryWriter& out) const {
    out.string(name_);
    save_layout(out);
    out.value(static_cast<std::uint8_t>(reset_ ? 1 : 0));
    cursor_.save(out);
    out.value(static_cast<std::int64_t>(steps_));
  }
  /// Reads them back (Saveable); the layout and name must be this maze's. Changes nothing on
  /// error.
  void load(BinaryReader& in) {
    const std::string name = in.string(256);
    MazeLayout l;
    l.rows = in.value<std::int32_t>();
    l.cols = in.value<std::int32_t>();
    l.start = in.value<std::int32_t>();
    l.goal = in.value<std::int32_t>();
    l.change_after = in.value<std::int64_t>();
    for (auto* list : {&l.walls, &l.walls_after}) {
      const auto n = in.value<std::uint64_t>();
      if (n > in.remaining() / 4)
        in.fail(FormatProblem::truncated, detail::concat("maze announces ", n, " walls"));
      if (n > static_cast<std::uint64_t>(num_states()))
        in.fail(FormatProblem::shape, detail::concat("maze announces ", n, " walls"));
      for (std::uint64_t k = 0; k < n; ++k) list->push_back(in.value<std::int32_t>());
    }
    const auto reset = in.value<std::uint8_t>();
    detail::EpisodeCursor cursor = cursor_;
    cursor.load(in, num_states());
    const auto steps = in.value<std::int64_t>();
    if (name != name_ || !(l == layout_))
      in.fail(FormatProblem::shape, "the saved maze has another layout");
    if (reset > 1) in.fail(FormatProblem::value, "reset flag must be 0 or 1");
    if (steps < 0)
      in.fail(FormatProblem::value, detail::concat("step counter must be >= 0, got ", steps));
    reset_ = reset == 1;
    cursor_ = cursor;
    steps_ = steps;
  }

 private:
  [[nodiscard]] static std::vector<int> row_wall(int first, int last) {
    std::vector<int> out;
    for (int c = first; c <= last; ++c) out.push_back(3 * 9 + c);
    return out;
  }
  [[nodiscard]] const std::vector<std::uint8_t>& walls() const noexcept {
    return changed() ? after_ : before_;
  }
  [[nodiscard]] Outcome outcome(int state, int action) const noexcept {
    static constexpr int dr[4] = {-1, 0, 1, 0};
    static constexpr int dc[4] = {0, 1, 0, -1};
    const int r = state / layout_.cols + dr[action];
    const int c = state % layout_.cols + dc[action];
    int next = state;
    if (r >= 0 && r < layout_.rows && c >= 0 && c < layout_.cols &&
        walls()[static_cast<std::size_t>(r * layout_.cols + c)] == 0) {
      next = r * layout_.cols + c;
    }
    const bool goal = next == layout_.goal;
    return {1.0, next, goal ? 1.0 : 0.0, goal};
  }
  void save_layout(BinaryWriter& out) const {
    out.value(static_cast<std::int32_t>(layout_.rows));
    out.value(static_cast<std::int32_t>(layout_.cols));
    out.value(static_cast<std::int32_t>(layout_.start));
    out.value(static_cast<std::int32_t>(layout_.goal));
    out.value(static_cast<std::int64_t>(layout_.change_after));
    for (const auto* list : {&layout_.walls, &layout_.walls_after}) {
      out.value(static_cast<std::uint64_t>(list->size()));
      for (const int w : *list) out.value(static_cast<std::int32_t>(w));
    }
  }
  void check_action(const char* where, int action) const {
    if (action < 0 || action >= num_actions()) [[unlikely]]
      bad_value(where, "action must be in [0, 4)", action);
  }
  void check_state(const char* where, int state) const {
    if (state < 0 || state >= num_states()) [[unlikely]] {
      bad_value(where, detail::concat("state must be in [0, ", num_states(), ")").c_str(), state);
    }
  }
  [[noreturn]] TABRL_DETAIL_COLD void bad_value(const char* where, const char* what,
                                                int value) const {
    detail::throw_invalid(name_ + "::" + where, what, value);
  }

  MazeLayout layout_;
  std::string name_;
  std::vector<std::uint8_t> before_;
  std::vector<std::uint8_t> after_;
  detail::EpisodeCursor cursor_;  // the place in the episode and the errors of stepping out of one
  bool reset_ = false;            // reset() was called (before it, render shows no agent)
  std::int64_t steps_ = 0;
};

}  // namespace tabrl
