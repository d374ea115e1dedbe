#pragma once
/// \file envs/cliff_walking.hpp
/// Gymnasium's CliffWalking (v0 rules by default, v1's slippery option on request).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../detail/compiler.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../serialization.hpp"
#include "../types.hpp"

namespace tabrl {

namespace detail {
// CliffWalking's moves: entry state * 4 + move holds the next state in its low 6 bits, and
// bit 7 where the move enters the cliff (reward -100, back to the start).
[[nodiscard]] constexpr std::array<std::uint8_t, std::size_t{48} * 4>
cliff_walking_moves() noexcept {
  constexpr std::array<int, 4> dr{-1, 0, 1, 0};
  constexpr std::array<int, 4> dc{0, 1, 0, -1};
  auto clamp = [](int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); };
  std::array<std::uint8_t, std::size_t{48} * 4> table{};
  for (int state = 0; state < 48; ++state) {
    for (int move = 0; move < 4; ++move) {
      const int r = clamp(state / 12 + dr[static_cast<std::size_t>(move)], 0, 3);
      const int c = clamp(state % 12 + dc[static_cast<std::size_t>(move)], 0, 11);
      const int next = r * 12 + c;
      const bool cliff = next > 36 && next < 47;
      table[static_cast<std::size_t>(state * 4 + move)] =
          cliff ? std::uint8_t{0x80U | 36U} : static_cast<std::uint8_t>(next);
    }
  }
  return table;
}
}  // namespace detail

/// CliffWalking's options (outside the class so it can be a default argument).
struct CliffWalkingOptions {
  bool is_slippery = false;  ///< Gymnasium's CliffWalking-v1 option; v0 is not slippery
};

/// CliffWalking on a 4x12 grid (Sutton & Barto, Example 6.6), with Gymnasium's rules:
/// state = row * 12 + col; actions 0 up, 1 right, 2 down, 3 left; start 36, goal 47.
/// Moving off the grid leaves the agent where it is. Entering the cliff (row 3, columns
/// 1..10) costs -100 and sends the agent back to the start without ending the episode; every
/// other move costs -1; entering the goal terminates. There is no time limit (wrap it in
/// TimeLimit for one). With `is_slippery`, the intended move or either perpendicular move
/// happens, each with probability 1/3.
class CliffWalking {
 public:
  static constexpr int rows = 4;          ///< grid rows
  static constexpr int cols = 12;         ///< grid columns
  static constexpr int start_state = 36;  ///< bottom-left
  static constexpr int goal_state = 47;   ///< bottom-right
  static constexpr int up = 0;            ///< action: one row up
  static constexpr int right = 1;         ///< action: one column right
  static constexpr int down = 2;          ///< action: one row down
  static constexpr int left = 3;          ///< action: one column left

  using Options = CliffWalkingOptions;  ///< the options (see CliffWalkingOptions)

  /// Gymnasium's CliffWalking-v0 (not slippery).
  CliffWalking() = default;
  /// With the given options.
  explicit CliffWalking(Options options) : options_(options) {}

  /// 48.
  [[nodiscard]] static constexpr int num_states() noexcept { return rows * cols; }
  /// 4.
  [[nodiscard]] static constexpr int num_actions() noexcept { return 4; }
  /// Whether moves slip sideways (CliffWalking-v1's option).
  [[nodiscard]] bool is_slippery() const noexcept { return options_.is_slippery; }

  /// True for the cliff cells (row 3, columns 1..10).
  [[nodiscard]] static constexpr bool is_cliff(int state) noexcept {
    return state > start_state && state < goal_state;
  }

  /// Starts an episode. The seed drives the slippery moves; without one the generator
  /// continues where it was. Returns the start state.
  int reset(std::optional<std::uint64_t> seed = std::nullopt) {
    if (seed) rng_.reseed(*seed);
    state_ = start_state;
    done_ = false;
    started_ = true;
    return state_;
  }

  /// Takes one step. Throws on an action outside 0..3, before reset() or after termination.
  StepResult step(int action) {
    check_action("step", action);
    if (!started_) throw LogicError("tabrl::CliffWalking::step: called before reset()");
    if (done_) {
      throw LogicError(
          "tabrl::CliffWalking::step: episode has terminated, call reset() before stepping");
    }
    int move = action;
    if (options_.is_slippery) {
      // Outcome order matches transitions(): (a - 1) % 4, a, (a + 1) % 4.
      move = (action + 3 + static_cast<int>(detail::bounded(rng_, 3))) % 4;
    }
    const Outcome o = deterministic_outcome(state_, move);
    state_ = o.next_state;
    done_ = o.terminated;
    return {o.next_state, o.reward, o.terminated, false};
  }

  /// The model: every outcome of `action` in `state`, with its probability. Deterministic
  /// mode gives one outcome; slippery mode three (1/3 each, possibly with equal next states).
  [[nodiscard]] std::vector<Outcome> transitions(int state, int action) const {
    check_state("transitions", state);
    check_action("transitions", action);
    if (!options_.is_slippery) return {deterministic_outcome(state, action)};
    std::vector<Outcome> outcomes;
    outcomes.reserve(3);
    for (int k = 0; k < 3; ++k) {
      Outcome o = deterministic_outcome(state, (action + 3 + k) % 4);
      o.probability = 1.0 / 3.0;
      outcomes.push_back(o);
    }
    return outcomes;
  }

  /// The agent's current cell.
  [[nodiscard]] int state() const noexcept { return state_; }

  /// "CliffWalking" (Saveable: the environment's place in its episode, for checkpoints
  /// taken in the middle of one).
  [[nodiscard]] static std::string kind() { return "CliffWalking"; }
  /// Writes the slippery flag, the cell, the episode flags and the generator (Saveable).
  void save(BinaryWriter& out) const {
    out.value(static_cast<std::uint8_t>(options_.is_slippery ? 1 : 0));
    out.value(static_cast<std::int32_t>(state_));
    out.value(static_cast<std::uint8_t>(done_ ? 1 : 0));
    out.value(static_cast<std::uint8_t>(started_ ? 1 : 0));
    for (const std::uint64_t word : rng_.state()) out.value(word);
  }
  /// Reads them back (Saveable); the slippery flag must be this grid's and the cell not in
  /// the cliff. Changes nothing on error.
  void load(BinaryReader& in) {
    const bool slippery = in.value<std::uint8_t>() != 0;
    const auto state = in.value<std::int32_t>();
    const auto done = in.value<std::uint8_t>();
    const auto started = in.value<std::uint8_t>();
    Rng::state_type words{};
    for (auto& word : words) word = in.value<std::uint64_t>();
    if (slippery != options_.is_slippery) {
      in.fail(FormatProblem::shape, "the saved grid has another slipperiness");
    }
    if (state < 0 || state >= num_states() || is_cliff(state)) {
      in.fail(FormatProblem::value,
              detail::concat("cell must be in [0, 48) and not in the cliff, got ", state));
    }
    if (done > 1 || started > 1) in.fail(FormatProblem::value, "episode flags must be 0 or 1");
    if (words == Rng::state_type{}) in.fail(FormatProblem::value, "generator state is all zero");
    rng_.set_state(words);
    state_ = state;
    done_ = done == 1;
    started_ = started == 1;
  }

  /// The grid as text, one line per row: `x` agent, `C` cliff, `T` goal, `o` free cell.
  [[nodiscard]] std::string render_ansi() const {
    std::string out;
    out.reserve(static_cast<std::size_t>(rows * (cols * 2 + 1)));
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const int s = r * cols + c;
        char ch = 'o';
        if (s == state_) {
          ch = 'x';
        } else if (is_cliff(s)) {
          ch = 'C';
        } else if (s == goal_state) {
          ch = 'T';
        }
        out += ch;
        out += c + 1 < cols ? ' ' : '\n';
      }
    }
    return out;
  }

 private:
  // Every (state, move) pair's result, computed at compile time: a table lookup instead of
  // the row/column arithmetic (the env step is a third of an online step; see
  // docs/performance.md, "The online step").
  static constexpr std::array<std::uint8_t, std::size_t{48}* 4> moves =
      detail::cliff_walking_moves();
  static_assert(rows * cols == 48 && start_state == 36 && goal_state == 47,
                "detail::cliff_walking_moves() is written for the 4 x 12 grid");

  [[nodiscard]] static constexpr Outcome deterministic_outcome(int state, int move) noexcept {
    const unsigned entry = moves[static_cast<std::size_t>(state * 4 + move)];
    const int next = static_cast<int>(entry & 0x3FU);
    if ((entry & 0x80U) != 0U) return {1.0, next, -100.0, false};
    return {1.0, next, -1.0, next == goal_state};
  }
  static void check_action(const char* where, int action) {
    if (action < 0 || action >= num_actions()) [[unlikely]] {
      bad_value(where, "action must be in [0, 4)", action);
    }
  }
  static void check_state(const char* where, int state) {
    if (state < 0 || state >= num_states()) [[unlikely]] {
      bad_value(where, "state must be in [0, 48)", state);
    }
  }
  [[noreturn]] TABRL_DETAIL_COLD static void bad_value(const char* where, const char* what,
                                                       int value) {
    detail::throw_invalid(std::string("CliffWalking::") + where, what, value);
  }

  Options options_{};
  Rng rng_{0};
  int state_ = start_state;
  bool done_ = false;
  bool started_ = false;
};

}  // namespace tabrl
