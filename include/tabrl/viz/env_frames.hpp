#pragma once
/// \file viz/env_frames.hpp
/// RGB frames of FrozenLake and Taxi, in the same style as CliffWalking's (frame.hpp).

#include <span>

#include "../envs/frozen_lake.hpp"
#include "../envs/taxi.hpp"
#include "../error.hpp"
#include "color.hpp"
#include "frame.hpp"
#include "image.hpp"

namespace tabrl::viz {

/// Colours the lake cells: frozen `style.background`, holes `style.cliff`, start
/// `style.start`, goal `style.goal`; the agent as a disc and earlier cells as dots, like
/// render_cliff_walking. The frame is (cols*cell + 1) x (rows*cell + 1) pixels.
[[nodiscard]] inline RgbImage render_frozen_lake(const FrozenLake& lake, int agent_state,
                                                 std::span<const int> trail = {},
                                                 const FrameStyle& style = {}) {
  if (style.cell < 8)
    tabrl::detail::throw_invalid("viz::render_frozen_lake", "cell must be >= 8", style.cell);
  const int rows = lake.rows(), cols = lake.cols(), k = style.cell;
  auto check = [&](int s) {
    if (s < 0 || s >= lake.num_states()) {
      tabrl::detail::throw_invalid(
          "viz::render_frozen_lake",
          tabrl::detail::concat("state must be in [0, ", lake.num_states(), ")"), s);
    }
  };
  check(agent_state);
  for (int s : trail) check(s);
  RgbImage img(cols * k + 1, rows * k + 1, style.grid);
  for (int s = 0; s < rows * cols; ++s) {
    const char l = lake.letter(s);
    const Rgb fill = l == 'H'   ? style.cliff
                     : l == 'S' ? style.start
                     : l == 'G' ? style.goal
                                : style.background;
    img.fill_rect((s % cols) * k + 1, (s / cols) * k + 1, k - 1, k - 1, fill);
  }
  auto centre = [&](int s) {
    const int row = s / cols, col = s % cols, half = k / 2;  // the cell's pixel centre
    return std::pair<double, double>(col * k + half + 0.5, row * k + half + 0.5);
  };

  for (int s : trail) {
    const auto [x, y] = centre(s);
    img.fill_circle(x, y, 0.16 * k, style.trail);
  }
  const auto [ax, ay] = centre(agent_state);
  img.fill_circle(ax, ay, 0.34 * k, style.agent);
  return img;
}

/// Colours of Taxi's four stands R, G, Y, B, the walls and the passenger.
struct TaxiStyle {
  FrameStyle frame{};  ///< the grid's cells and agent
  /// R, G, Y, B.
  Rgb stands[4] = {{0xd6, 0x3a, 0x2f}, {0x2a, 0x9d, 0x4a}, {0xe0, 0xb4, 0x20}, {0x1f, 0x4e, 0xc8}};
  Rgb wall{0x30, 0x2c, 0x28};                 ///< walls between cells
  Rgb passenger{0x8e, 0x44, 0xad};            ///< the waiting passenger
  Rgb taxi_with_passenger{0x8e, 0x44, 0xad};  ///< the taxi once the passenger is aboard
};

/// Taxi's 5 x 5 grid: stand cells in their colours (the destination's stand with a wall-
/// coloured frame), walls as thick lines, the waiting passenger as a square in its stand, the
/// taxi as a disc (the passenger's colour when aboard). (5*cell + 1) pixels square.
[[nodiscard]] inline RgbImage render_taxi(int state, const TaxiStyle& style = {}) {
  const Taxi::Decoded d = Taxi::decode(state);  // validates the state
  const int k = style.frame.cell;
  if (k < 8) tabrl::detail::throw_invalid("viz::render_taxi", "cell must be >= 8", k);
  RgbImage img(5 * k + 1, 5 * k + 1, style.frame.grid);
  for (int r = 0; r < 5; ++r) {
    for (int c = 0; c < 5; ++c)
      img.fill_rect(c * k + 1, r * k + 1, k - 1, k - 1, style.frame.background);
  }
  for (int i = 0; i < 4; ++i) {
    const auto rc = Taxi::stand(i);
    const int x = rc[1] * k + 1, y = rc[0] * k + 1;
    if (i == d.destination) {
      img.fill_rect(x, y, k - 1, k - 1, style.wall);
      img.fill_rect(x + 3, y + 3, k - 7, k - 7, style.stands[i]);
    } else {
      img.fill_rect(x, y, k - 1, k - 1, style.stands[i]);
    }
  }
  const auto map = Taxi::map();
  for (int r = 0; r < 5; ++r) {
    for (int c = 0; c < 4; ++c) {
      if (map[static_cast<std::size_t>(r + 1)][static_cast<std::size_t>(2 * c + 2)] == '|') {
        img.fill_rect((c + 1) * k - 1, r * k, 3, k + 1, style.wall);  // wall east of (r, c)
      }
    }
  }
  if (d.passenger < 4) {
    const auto rc = Taxi::stand(d.passenger);
    img.fill_rect(rc[1] * k + k / 2 - k / 6, rc[0] * k + k / 2 - k / 6, k / 3 + 1, k / 3 + 1,
                  style.passenger);
  }
  const Rgb taxi = d.passenger == Taxi::in_taxi ? style.taxi_with_passenger : style.frame.agent;
  const int half = k / 2;
  img.fill_circle(d.taxi_col * k + half + 0.5, d.taxi_row * k + half + 0.5, 0.3 * k, taxi);
  return img;
}

}  // namespace tabrl::viz
