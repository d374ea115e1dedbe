#pragma once
/// \file envs/frozen_lake.hpp
/// Gymnasium's FrozenLake: cross a frozen lake from S to G without falling into a hole H.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "../types.hpp"
#include "detail/table_model.hpp"

namespace tabrl {

/// FrozenLake's options (outside the class so it can be a default argument).
struct FrozenLakeOptions {
  bool is_slippery = true;  ///< Gymnasium's default
};

/// FrozenLake with Gymnasium's rules: a map of S (start), F (frozen), H (hole), G (goal);
/// state = row * cols + col; actions 0 left, 1 down, 2 right, 3 up; moving off the map stays
/// put. Reaching G gives reward 1, every other step 0; reaching H or G terminates (and in the
/// model H and G are absorbing: reward 0, terminated). Slippery (the default, as in
/// Gymnasium): the intended move or either perpendicular one, each with probability 1/3,
/// listed in the order (a - 1) % 4, a, (a + 1) % 4.
class FrozenLake {
 public:
  static constexpr int left = 0;   ///< action: one column left
  static constexpr int down = 1;   ///< action: one row down
  static constexpr int right = 2;  ///< action: one column right
  static constexpr int up = 3;     ///< action: one row up

  using Options = FrozenLakeOptions;  ///< the options (see FrozenLakeOptions)

  /// The standard 4x4 map.
  [[nodiscard]] static std::vector<std::string> map_4x4() {
    return {"SFFF", "FHFH", "FFFH", "HFFG"};
  }
  /// The standard 8x8 map.
  [[nodiscard]] static std::vector<std::string> map_8x8() {
    return {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
            "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};
  }

  /// Builds the lake from `map`. Throws InvalidArgument if the map is empty or not
  /// rectangular, has a character other than S F H G, not exactly one S, or no G.
  explicit FrozenLake(std::vector<std::string> map = map_4x4(), Options options = {})
      : map_(std::move(map)), options_(options) {
    validate_map(map_);
    rows_ = static_cast<int>(map_.size());
    cols_ = static_cast<int>(map_[0].size());
    model_ = detail::TableModel(rows_ * cols_, 4, "FrozenLake");
    for (int s = 0; s < rows_ * cols_; ++s) {
      if (s_letter(s) == 'S') start_ = s;
      for (int a = 0; a < 4; ++a) model_.add(rule(s, a));
    }
  }

  /// The most cells a map may have (1024 x 1024): the model stores up to three outcomes per
  /// cell and action, about 400 MB at this size.
  static constexpr int max_cells = 1 << 20;
  /// random_map's budget: at most this many maps drawn, and at most max_cells * 64 cells in
  /// all (about a second), before it gives up.
  static constexpr int max_attempts = 10000;

  /// A seeded random map of size x size with S top-left, G bottom-right, each other cell
  /// frozen with probability p, redrawn until G is reachable from S (Gymnasium's
  /// generate_random_map, with tabrl's generator). Throws on size outside [2, 1024], p outside
  /// (0, 1], or when no map with a path turns up within the budget (p too small for the size).
  [[nodiscard]] static std::vector<std::string> random_map(int size, double p, std::uint64_t seed) {
    if (size < 2 || size > 1024) {
      detail::throw_invalid("FrozenLake::random_map", "size must be in [2, 1024]", size);
    }
    if (!(p > 0.0 && p <= 1.0))
      detail::throw_invalid("FrozenLake::random_map", "p must be in (0, 1]", p);
    Rng rng(seed);
    const auto cells = static_cast<std::int64_t>(size) * size;
    const std::int64_t attempts =
        std::min<std::int64_t>(max_attempts, std::int64_t{max_cells} * 64 / cells);
    for (std::int64_t attempt = 0; attempt < attempts; ++attempt) {
      std::vector<std::string> board(static_cast<std::size_t>(size),
                                     std::string(static_cast<std::size_t>(size), 'F'));
      for (auto& row : board) {
        for (auto& cell : row) cell = uniform_real(rng) < p ? 'F' : 'H';
      }
      board.front().front() = 'S';
      board.back().back() = 'G';
      if (has_path(board)) return board;
    }
    detail::throw_invalid(
        "FrozenLake::random_map",
        detail::concat("no ", size, " x ", size, " map with p = ", p, " had a path from S to G in ",
                       attempts, " draws; p must be larger for this size"),
        p);
  }

  /// rows() * cols().
  [[nodiscard]] int num_states() const noexcept { return rows_ * cols_; }
  /// 4.
  [[nodiscard]] static constexpr int num_actions() noexcept { return 4; }
  /// Rows of the map.
  [[nodiscard]] int rows() const noexcept { return rows_; }
  /// Columns of the map.
  [[nodiscard]] int cols() const noexcept { return cols_; }
  /// Whether moves slip sideways.
  [[nodiscard]] bool is_slippery() const noexcept { return options_.is_slippery; }
  /// The map, row by row.
  [[nodiscard]] const std::vector<std::string>& map() const noexcept { return map_; }
  /// The S cell.
  [[nodiscard]] int start_state() const noexcept { return start_; }
  /// The map letter of a state ('S', 'F', 'H' or 'G').
  [[nodiscard]] char letter(int state) const {
    model_.check_state("letter", state);
    return s_letter(state);
  }

  /// Starts an episode at S; the seed drives the slippery moves (without one the generator
  /// continues). Returns the start state.
  int reset(std::optional<std::uint64_t> seed = std::nullopt) {
    cursor_.reseed(seed);
    cursor_.start(start_);
    return start_;
  }

  /// Takes one step. Throws on an action outside 0..3, before reset() or after termination.
  StepResult step(int action) {
    model_.check_action("step", action);
    cursor_.check_can_step("FrozenLake");
    return cursor_.advance(model_.sample(cursor_.state(), action, cursor_.rng));
  }

  /// The model: every outcome of `action` in `state` (Gymnasium's P[state][action]).
  [[nodiscard]] std::vector<Outcome> transitions(int state, int action) const {
    return model_.transitions(state, action);
  }
  /// The agent's current cell.
  [[nodiscard]] int state() const noexcept { return cursor_.state(); }

  /// "FrozenLake" (Saveable: an environment's place in its episode, for checkpoints taken
  /// in the middle of one).
  [[nodiscard]] static std::string kind() { return "FrozenLake"; }
  /// Writes the map, the slippery flag and the position in the episode (Saveable).
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::uint8_t>(options_.is_slippery ? 1 : 0));
    out.value(static_cast<std::uint32_t>(map_.size()));
    for (const auto& row : map_) out.string(row);
    cursor_.save(out);
  }
  /// Reads the position back (Saveable); the map and the slippery flag must be this lake's.
  void load(BinaryReader& in) {
    const bool slippery = in.value<std::uint8_t>() != 0;
    const auto rows = in.value<std::uint32_t>();
    if (slippery != options_.is_slippery || rows != map_.size()) {
      in.fail(FormatProblem::shape, "the saved lake has another map or slipperiness");
    }
    for (const auto& row : map_) {
      if (in.string(row.size()) != row)
        in.fail(FormatProblem::shape, "the saved lake has another map");
    }
    cursor_.load(in, num_states());
  }

  /// The map with the agent's cell shown as '@'.
  [[nodiscard]] std::string render_ansi() const {
    std::string out;
    for (int r = 0; r < rows_; ++r) {
      for (int c = 0; c < cols_; ++c) {
        out += r * cols_ + c == cursor_.state()
                   ? '@'
                   : map_[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
      }
      out += '\n';
    }
    return out;
  }

 private:
  [[nodiscard]] char s_letter(int s) const {
    return map_[static_cast<std::size_t>(s / cols_)][static_cast<std::size_t>(s % cols_)];
  }

  [[nodiscard]] std::vector<Outcome> rule(int s, int a) const {
    const char here = s_letter(s);
    if (here == 'H' || here == 'G') return {{1.0, s, 0.0, true}};
    auto move = [&](int b) {
      int r = s / cols_, c = s % cols_;
      if (b == left) c = c > 0 ? c - 1 : 0;
      if (b == down) r = r + 1 < rows_ ? r + 1 : r;
      if (b == right) c = c + 1 < cols_ ? c + 1 : c;
      if (b == up) r = r > 0 ? r - 1 : 0;
      const int next = r * cols_ + c;
      const char l = s_letter(next);
      return Outcome{1.0, next, l == 'G' ? 1.0 : 0.0, l == 'G' || l == 'H'};
    };
    if (!options_.is_slippery) return {move(a)};
    std::vector<Outcome> out;
    for (int b : {(a + 3) % 4, a, (a + 1) % 4}) {
      Outcome o = move(b);
      o.probability = 1.0 / 3.0;
      out.push_back(o);
    }
    return out;
  }

  static void validate_map(const std::vector<std::string>& map) {
    if (map.empty() || map[0].empty())
      detail::throw_invalid("FrozenLake", "map must not be empty", map.size());
    if (map.size() > static_cast<std::size_t>(max_cells) ||
        map[0].size() > static_cast<std::size_t>(max_cells) / map.size()) {
      detail::throw_invalid("FrozenLake",
                            detail::concat("map must have at most ", max_cells, " cells"),
                            detail::concat(map.size(), " rows of ", map[0].size()));
    }
    int starts = 0, goals = 0;
    for (std::size_t r = 0; r < map.size(); ++r) {
      if (map[r].size() != map[0].size()) {
        detail::throw_invalid("FrozenLake",
                              detail::concat("map must be rectangular (row 0 has ", map[0].size(),
                                             " cells), row ", r, " has"),
                              map[r].size());
      }
      for (char ch : map[r]) {
        if (ch != 'S' && ch != 'F' && ch != 'H' && ch != 'G') {
          detail::throw_invalid("FrozenLake", "map cells must be one of S F H G",
                                std::string(1, ch));
        }
        starts += ch == 'S' ? 1 : 0;
        goals += ch == 'G' ? 1 : 0;
      }
    }
    if (starts != 1) detail::throw_invalid("FrozenLake", "map must have exactly one S", starts);
    if (goals < 1) detail::throw_invalid("FrozenLake", "map must have at least one G", goals);
  }

  static bool has_path(const std::vector<std::string>& board) {
    const int n = static_cast<int>(board.size());
    std::vector<char> seen(static_cast<std::size_t>(n * n), 0);
    std::vector<std::pair<int, int>> stack{{0, 0}};
    seen[0] = 1;
    while (!stack.empty()) {
      auto [r, c] = stack.back();
      stack.pop_back();
      if (board[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)] == 'G') return true;
      constexpr std::array<std::pair<int, int>, 4> d{{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}};
      for (auto [dr, dc] : d) {
        const int nr = r + dr, nc = c + dc;
        if (nr < 0 || nc < 0 || nr >= n || nc >= n) continue;
        const auto k = static_cast<std::size_t>(nr * n + nc);
        if (seen[k] != 0 ||
            board[static_cast<std::size_t>(nr)][static_cast<std::size_t>(nc)] == 'H')
          continue;
        seen[k] = 1;
        stack.emplace_back(nr, nc);
      }
    }
    return false;
  }

  std::vector<std::string> map_;
  Options options_;
  int rows_ = 0, cols_ = 0, start_ = 0;
  detail::TableModel model_;
  detail::EpisodeCursor cursor_;
};

}  // namespace tabrl
