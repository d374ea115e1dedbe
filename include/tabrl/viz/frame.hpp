#pragma once
/// \file viz/frame.hpp
/// RGB frames of CliffWalking drawn by tabrl itself (no Gymnasium, no pygame): the cliff, the
/// start and goal cells, the agent and the trail of cells it has left.

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../envs/cliff_walking.hpp"
#include "../error.hpp"
#include "../training/evaluate.hpp"
#include "color.hpp"
#include "image.hpp"

namespace tabrl::viz {

/// Sizes and colours of a frame. Cell (r, c) covers pixels [c*cell+1, (c+1)*cell) x
/// [r*cell+1, (r+1)*cell); one-pixel grid lines sit between cells and around the border, so
/// a frame is (cols*cell + 1) x (rows*cell + 1) pixels.
struct FrameStyle {
  int cell = 32;                     ///< cell side in pixels (>= 8)
  Rgb background{0xf4, 0xf1, 0xea};  ///< free cells
  Rgb grid{0x9a, 0x94, 0x8a};        ///< lines between cells
  Rgb cliff{0x5b, 0x2a, 0x1e};       ///< cliff cells
  Rgb start{0xb8, 0xdf, 0xb0};       ///< the start cell
  Rgb goal{0xf2, 0xc1, 0x4e};        ///< the goal cell
  Rgb agent{0x1f, 0x4e, 0xc8};       ///< the agent (a disc)
  Rgb trail{0x8f, 0xb3, 0xf0};       ///< cells visited earlier (a small dot)
};

/// Pixel centre of a state's cell (x, y), for tests and overlays.
[[nodiscard]] inline std::pair<int, int> cell_center(int state, const FrameStyle& style = {}) {
  const int r = state / CliffWalking::cols, c = state % CliffWalking::cols;
  return {c * style.cell + style.cell / 2, r * style.cell + style.cell / 2};
}

/// The grid with the agent in `agent_state` and a dot in every cell of `trail`. Throws on a
/// state outside [0, 48) or a cell smaller than 8 pixels.
[[nodiscard]] inline RgbImage render_cliff_walking(int agent_state, std::span<const int> trail = {},
                                                   const FrameStyle& style = {}) {
  constexpr int rows = CliffWalking::rows, cols = CliffWalking::cols;
  if (style.cell < 8)
    tabrl::detail::throw_invalid("viz::render_cliff_walking", "cell must be >= 8", style.cell);
  auto check = [](int s) {
    if (s < 0 || s >= CliffWalking::num_states()) {
      tabrl::detail::throw_invalid("viz::render_cliff_walking", "state must be in [0, 48)", s);
    }
  };
  check(agent_state);
  for (int s : trail) check(s);
  const int k = style.cell;
  RgbImage img(cols * k + 1, rows * k + 1, style.grid);
  for (int s = 0; s < rows * cols; ++s) {
    Rgb fill = style.background;
    if (CliffWalking::is_cliff(s)) fill = style.cliff;
    if (s == CliffWalking::start_state) fill = style.start;
    if (s == CliffWalking::goal_state) fill = style.goal;
    img.fill_rect((s % cols) * k + 1, (s / cols) * k + 1, k - 1, k - 1, fill);
  }
  // Disc centres sit on the cell's pixel centre so the centre pixel is exactly the disc colour.
  for (int s : trail) {
    const auto [x, y] = cell_center(s, style);
    img.fill_circle(x + 0.5, y + 0.5, 0.16 * k, style.trail);
  }
  const auto [ax, ay] = cell_center(agent_state, style);
  img.fill_circle(ax + 0.5, ay + 0.5, 0.34 * k, style.agent);
  return img;
}

/// One frame per state of the rollout: frame i shows the agent in rollout.states[i] and the
/// trail states[0..i). A rollout of n steps gives n + 1 frames.
[[nodiscard]] inline std::vector<RgbImage> render_rollout(const Rollout& rollout,
                                                          const FrameStyle& style = {}) {
  std::vector<RgbImage> frames;
  frames.reserve(rollout.states.size());
  for (std::size_t i = 0; i < rollout.states.size(); ++i) {
    frames.push_back(render_cliff_walking(rollout.states[i],
                                          std::span<const int>(rollout.states.data(), i), style));
  }
  return frames;
}

}  // namespace tabrl::viz

namespace tabrl::viz {

/// CliffWalking's special cells for policy_text / svg_policy: "C" on the cliff, "G" on the
/// goal (no action is taken there), empty elsewhere.
[[nodiscard]] inline std::vector<std::string> cliff_walking_marks() {
  std::vector<std::string> marks(static_cast<std::size_t>(CliffWalking::num_states()));
  for (int s = 0; s < CliffWalking::num_states(); ++s) {
    if (CliffWalking::is_cliff(s)) marks[static_cast<std::size_t>(s)] = "C";
  }
  marks[CliffWalking::goal_state] = "G";
  return marks;
}

/// CliffWalking's cell colours (as in the frames) for svg_policy.
[[nodiscard]] inline std::vector<Rgb> cliff_walking_fills(const FrameStyle& style = {}) {
  std::vector<Rgb> fills(static_cast<std::size_t>(CliffWalking::num_states()), style.background);
  for (int s = 0; s < CliffWalking::num_states(); ++s) {
    if (CliffWalking::is_cliff(s)) fills[static_cast<std::size_t>(s)] = style.cliff;
  }
  fills[CliffWalking::start_state] = style.start;
  fills[CliffWalking::goal_state] = style.goal;
  return fills;
}

}  // namespace tabrl::viz
