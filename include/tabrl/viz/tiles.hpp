#pragma once
/// \file viz/tiles.hpp
/// Sprite-like frames of every environment tabrl ships (CliffWalking, FrozenLake, Taxi and
/// the chapter-8 mazes): pixel-art tiles drawn on a 16 x 16 design grid and scaled by an
/// integer, an agent (or taxi) sprite, the trail of cells already visited, and a status bar
/// with the step, the action and the return so far in the built-in font. Frames are plain
/// RgbImages, so the GIF, PNG and MP4 writers take them, and they are the same bytes on every
/// machine.

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "../concepts.hpp"
#include "../envs/cliff_walking.hpp"
#include "../envs/frozen_lake.hpp"
#include "../envs/maze.hpp"
#include "../envs/taxi.hpp"
#include "../error.hpp"
#include "../training/evaluate.hpp"
#include "color.hpp"
#include "font.hpp"
#include "image.hpp"

namespace tabrl::viz {

/// The tiles a grid cell can show.
enum class Tile : std::uint8_t {
  floor,  ///< a free cell (CliffWalking, mazes)
  start,  ///< the start cell (an "S")
  goal,   ///< the goal (a flag)
  cliff,  ///< CliffWalking's cliff (rock)
  ice,    ///< FrozenLake's frozen surface
  hole,   ///< FrozenLake's hole (dark water in the ice)
  wall,   ///< a maze wall (bricks)
  road,   ///< Taxi's free cell
};

/// Colours of the tiles and sprites.
struct TilePalette {
  Rgb floor{0xf4, 0xf1, 0xea};         ///< free cells
  Rgb floor_speck{0xdf, 0xd9, 0xcc};   ///< texture and the one-pixel cell border
  Rgb start{0xb8, 0xdf, 0xb0};         ///< start cell
  Rgb start_letter{0x2d, 0x6a, 0x2d};  ///< its "S"
  Rgb goal{0xf2, 0xc1, 0x4e};          ///< goal cell
  Rgb flag{0xc0, 0x39, 0x2b};          ///< the goal's flag
  Rgb pole{0x4a, 0x3b, 0x1f};          ///< its pole
  Rgb cliff{0x5b, 0x2a, 0x1e};         ///< cliff rock
  Rgb cliff_light{0x80, 0x45, 0x33};   ///< rock highlights
  Rgb cliff_dark{0x3b, 0x17, 0x0f};    ///< cracks
  Rgb ice{0xd6, 0xec, 0xf7};           ///< frozen surface
  Rgb ice_sheen{0xff, 0xff, 0xff};     ///< its sheen
  Rgb hole{0x1b, 0x3b, 0x5a};          ///< water in a hole
  Rgb hole_inner{0x24, 0x50, 0x7a};    ///< its lighter middle
  Rgb wall{0x6e, 0x6a, 0x66};          ///< bricks
  Rgb mortar{0x48, 0x45, 0x42};        ///< between bricks; also Taxi's walls
  Rgb road{0xeb, 0xe7, 0xdf};          ///< Taxi's free cells
  Rgb agent{0x1f, 0x4e, 0xc8};         ///< the agent's body
  Rgb agent_head{0xf0, 0xc8, 0xa0};    ///< the agent's head
  Rgb trail{0x8f, 0xb3, 0xf0};         ///< cells visited earlier (a dot)
  /// Taxi's stands R, G, Y, B.
  std::array<Rgb, 4> stands{
      {{0xd6, 0x3a, 0x2f}, {0x2a, 0x9d, 0x4a}, {0xe0, 0xb4, 0x20}, {0x1f, 0x4e, 0xc8}}};
  Rgb taxi{0xf1, 0xc4, 0x0f};         ///< the taxi's body
  Rgb taxi_window{0xae, 0xd6, 0xf1};  ///< its windows
  Rgb wheel{0x22, 0x22, 0x22};        ///< its wheels
  Rgb passenger{0x8e, 0x44, 0xad};    ///< the passenger (waiting, or a head in the window)
  Rgb bar{0x2b, 0x2b, 0x2b};          ///< the status bar under the grid
  Rgb bar_text{0xff, 0xff, 0xff};     ///< its text
};

/// How frames are drawn.
struct TileOptions {
  int scale = 3;           ///< pixels per design unit: a tile is 16 * scale pixels square, [1, 16]
  bool trail = true;       ///< dot the cells the rollout has already visited
  bool status_bar = true;  ///< the step / action / return bar under the grid
  TilePalette palette{};   ///< colours
};

/// Side of one tile in pixels.
[[nodiscard]] inline int tile_size(const TileOptions& options) noexcept {
  return 16 * options.scale;
}

namespace detail {

inline void check_tile_options(const char* who, const TileOptions& options) {
  if (options.scale < 1 || options.scale > 16)
    tabrl::detail::throw_invalid(who, "scale must be in [1, 16]", options.scale);
}

// Draws on one tile in design units (16 per side), each unit `u` pixels.
class TilePen {
 public:
  TilePen(RgbImage& image, int x0, int y0, int u) noexcept : img_(image), x0_(x0), y0_(y0), u_(u) {}

  void rect(double x, double y, double w, double h, Rgb c) noexcept {
    const int px = x0_ + to_px(x), py = y0_ + to_px(y);
    img_.fill_rect(px, py, x0_ + to_px(x + w) - px, y0_ + to_px(y + h) - py, c);
  }
  // A disc around (cx, cy) of radius r (design units), pixel centres inside; only the
  // bounding box is visited.
  void disc(double cx, double cy, double r, Rgb c) noexcept {
    const double pcx = x0_ + cx * u_, pcy = y0_ + cy * u_, pr = r * u_;
    const int xa = std::max(0, static_cast<int>(pcx - pr) - 1);
    const int xb = std::min(img_.width() - 1, static_cast<int>(pcx + pr) + 1);
    const int ya = std::max(0, static_cast<int>(pcy - pr) - 1);
    const int yb = std::min(img_.height() - 1, static_cast<int>(pcy + pr) + 1);
    for (int y = ya; y <= yb; ++y) {
      for (int x = xa; x <= xb; ++x) {
        const double dx = x + 0.5 - pcx, dy = y + 0.5 - pcy;
        if (dx * dx + dy * dy <= pr * pr) img_.fill_rect(x, y, 1, 1, c);
      }
    }
  }
  // One character of the built-in font, vertically centred, horizontally centred or (left)
  // two units from the tile's left edge.
  void letter(char ch, Rgb c, bool left = false) {
    const int fs = std::max(1, u_);
    const int w = FontMetrics::glyph_width * fs, h = FontMetrics::glyph_height * fs;
    const int side = 16 * u_;
    const int x = left ? 2 * u_ : (side - w) / 2;
    draw_text(img_, x0_ + x, y0_ + (side - h) / 2, std::string_view(&ch, 1), c, fs);
  }
  [[nodiscard]] int unit() const noexcept { return u_; }

 private:
  // Coordinates are >= 0, where adding 0.5 and truncating rounds half up.
  [[nodiscard]] int to_px(double v) const noexcept {
    return static_cast<int>(v * u_ + 0.5);  // NOLINT(bugprone-incorrect-roundings)
  }
  RgbImage& img_;
  int x0_, y0_, u_;
};

inline void draw_floor_texture(TilePen& pen, Rgb base, Rgb speck) {
  pen.rect(0, 0, 16, 16, base);
  pen.rect(3, 4, 1, 1, speck);
  pen.rect(11, 10, 1, 1, speck);
  pen.rect(7, 13, 1, 1, speck);
}

}  // namespace detail

/// Draws tile `t` with its top-left pixel at (x, y), 16 * scale pixels square (clipped to the
/// image). Throws when options.scale is outside [1, 16].
inline void draw_tile(RgbImage& image, int x, int y, Tile t, const TileOptions& options = {}) {
  detail::check_tile_options("viz::draw_tile", options);
  const TilePalette& p = options.palette;
  detail::TilePen pen(image, x, y, options.scale);
  switch (t) {
    case Tile::floor:
      detail::draw_floor_texture(pen, p.floor, p.floor_speck);
      break;
    case Tile::road:
      pen.rect(0, 0, 16, 16, p.road);
      break;
    case Tile::start:
      pen.rect(0, 0, 16, 16, p.start);
      pen.letter('S', p.start_letter);
      break;
    case Tile::goal:
      pen.rect(0, 0, 16, 16, p.goal);
      pen.rect(5, 2, 1, 12, p.pole);
      pen.rect(4, 14, 4, 1, p.pole);
      for (int i = 0; i < 5; ++i) pen.rect(6, 2 + i, 6 - i, 1, p.flag);
      break;
    case Tile::cliff:
      pen.rect(0, 0, 16, 16, p.cliff);
      pen.rect(2, 3, 4, 1, p.cliff_light);
      pen.rect(9, 6, 5, 1, p.cliff_light);
      pen.rect(4, 10, 3, 1, p.cliff_light);
      pen.rect(11, 12, 3, 1, p.cliff_light);
      pen.rect(7, 2, 1, 4, p.cliff_dark);
      pen.rect(3, 6, 1, 3, p.cliff_dark);
      pen.rect(12, 8, 1, 3, p.cliff_dark);
      pen.rect(8, 12, 1, 3, p.cliff_dark);
      break;
    case Tile::ice:
      pen.rect(0, 0, 16, 16, p.ice);
      pen.rect(2, 3, 4, 1, p.ice_sheen);
      pen.rect(3, 4, 2, 1, p.ice_sheen);
      pen.rect(10, 10, 4, 1, p.ice_sheen);
      pen.rect(11, 11, 2, 1, p.ice_sheen);
      break;
    case Tile::hole:
      pen.rect(0, 0, 16, 16, p.ice);
      pen.disc(8, 8, 6, p.hole);
      pen.disc(8, 8, 3.5, p.hole_inner);
      break;
    case Tile::wall:
      pen.rect(0, 0, 16, 16, p.wall);
      for (int row = 0; row < 4; ++row) {
        pen.rect(0, row * 4 + 3, 16, 1, p.mortar);
        const int offset = row % 2 == 0 ? 3 : 7;
        pen.rect(offset, row * 4, 1, 3, p.mortar);
        pen.rect(offset + 8, row * 4, 1, 3, p.mortar);
      }
      break;
  }
}

/// The agent sprite (a figure: head and body) on the tile at (x, y).
inline void draw_agent(RgbImage& image, int x, int y, const TileOptions& options = {}) {
  detail::check_tile_options("viz::draw_agent", options);
  const TilePalette& p = options.palette;
  detail::TilePen pen(image, x, y, options.scale);
  pen.disc(8, 4.5, 2.5, p.agent_head);
  pen.rect(5, 7, 6, 5, p.agent);
  pen.rect(5, 12, 2, 3, p.agent);
  pen.rect(9, 12, 2, 3, p.agent);
}

/// The taxi sprite on the tile at (x, y); with the passenger aboard a head shows in the
/// window.
inline void draw_taxi(RgbImage& image, int x, int y, bool passenger_aboard,
                      const TileOptions& options = {}) {
  detail::check_tile_options("viz::draw_taxi", options);
  const TilePalette& p = options.palette;
  detail::TilePen pen(image, x, y, options.scale);
  pen.rect(4, 3, 8, 4, p.taxi);
  pen.rect(2, 7, 12, 5, p.taxi);
  pen.rect(5, 4, 2.5, 3, p.taxi_window);
  pen.rect(8.5, 4, 2.5, 3, p.taxi_window);
  if (passenger_aboard) pen.disc(9.75, 5.25, 1.25, p.passenger);
  pen.disc(5, 12.5, 1.75, p.wheel);
  pen.disc(11, 12.5, 1.75, p.wheel);
}

/// The waiting passenger (a small figure) on the tile at (x, y).
inline void draw_passenger(RgbImage& image, int x, int y, const TileOptions& options = {}) {
  detail::check_tile_options("viz::draw_passenger", options);
  detail::TilePen pen(image, x, y, options.scale);
  pen.disc(11.5, 3.5, 1.75, options.palette.passenger);
  pen.rect(10, 5.5, 3, 4, options.palette.passenger);
  pen.rect(10, 9.5, 1, 3, options.palette.passenger);
  pen.rect(12, 9.5, 1, 3, options.palette.passenger);
}

/// What a frame shows besides the grid: the status bar's two lines (empty: no bar).
struct FrameCaption {
  std::string line1;  ///< e.g. "step 3/13  right"
  std::string line2;  ///< e.g. "return -3"
};

namespace detail {

// The environment under any wrappers (TimeLimit...).
template <class Env>
[[nodiscard]] const auto& base_env(const Env& env) {
  if constexpr (requires { env.unwrapped(); }) {
    return base_env(env.unwrapped());
  } else {
    return env;
  }
}

// A grid of rows x cols tiles plus the status bar; the canvas is widened (grid centred) when
// the text would not fit at font scale 1.
struct FrameLayout {
  int tile = 0, rows = 0, cols = 0, grid_x = 0, width = 0, height = 0, bar_y = 0, font = 1, pad = 0;
};

[[nodiscard]] inline FrameLayout frame_layout(int rows, int cols, const TileOptions& options,
                                              const FrameCaption* caption) {
  FrameLayout l;
  l.tile = tile_size(options);
  l.rows = rows;
  l.cols = cols;
  const int grid_w = cols * l.tile, grid_h = rows * l.tile;
  l.width = grid_w;
  l.height = grid_h;
  l.bar_y = grid_h;
  if (caption != nullptr && options.status_bar) {
    const std::string text = caption->line1 + "\n" + caption->line2;
    // The largest font scale (at most the tile scale) whose text fits the grid's width.
    l.font = 1;
    for (int f = options.scale; f >= 1; --f) {
      if (text_width(text, f) + 2 * 2 * f <= grid_w) {
        l.font = f;
        break;
      }
    }
    l.pad = 2 * l.font;
    l.width = std::max(grid_w, text_width(text, l.font) + 2 * l.pad);
    l.height = grid_h + text_height(text, l.font) + 2 * l.pad;
  }
  l.grid_x = (l.width - grid_w) / 2;
  return l;
}

inline void draw_caption(RgbImage& img, const FrameLayout& l, const FrameCaption* caption,
                         const TileOptions& options) {
  if (caption == nullptr || !options.status_bar) return;
  img.fill_rect(0, l.bar_y, l.width, l.height - l.bar_y, options.palette.bar);
  draw_text(img, l.pad, l.bar_y + l.pad, caption->line1 + "\n" + caption->line2,
            options.palette.bar_text, l.font);
}

inline void check_state(const char* who, int s, int n) {
  if (s < 0 || s >= n)
    tabrl::detail::throw_invalid(who, tabrl::detail::concat("state must be in [0, ", n, ")"), s);
}

// Draws tiles, trail, agent and caption for a grid environment whose cells are its states.
template <class TileOf>
[[nodiscard]] RgbImage grid_frame(const char* who, int rows, int cols, TileOf tile_of, int agent,
                                  std::span<const int> trail, const FrameCaption* caption,
                                  const TileOptions& options) {
  check_tile_options(who, options);
  const int n = rows * cols;
  check_state(who, agent, n);
  for (const int s : trail) check_state(who, s, n);
  const FrameLayout l = frame_layout(rows, cols, options, caption);
  RgbImage img(l.width, l.height, options.palette.bar);
  for (int s = 0; s < n; ++s) {
    const int x = l.grid_x + (s % cols) * l.tile, y = (s / cols) * l.tile;
    const Tile t = tile_of(s);
    draw_tile(img, x, y, t, options);
    if (t == Tile::floor) {  // a faint border between plain cells, so the grid reads
      img.fill_rect(x, y, l.tile, 1, options.palette.floor_speck);
      img.fill_rect(x, y, 1, l.tile, options.palette.floor_speck);
    }
  }
  if (options.trail) {
    for (const int s : trail) {
      TilePen pen(img, l.grid_x + (s % cols) * l.tile, (s / cols) * l.tile, options.scale);
      pen.disc(8, 8, 1.75, options.palette.trail);
    }
  }
  draw_agent(img, l.grid_x + (agent % cols) * l.tile, (agent / cols) * l.tile, options);
  draw_caption(img, l, caption, options);
  return img;
}

}  // namespace detail

/// A CliffWalking frame: floor, cliff, start and goal tiles, the agent in `state`, a dot on
/// every cell of `trail`, and the caption's status bar under the grid (none when caption is
/// null). 12 x 4 tiles. Throws on a state outside [0, 48) or a bad scale.
[[nodiscard]] inline RgbImage cliff_walking_frame(int state, std::span<const int> trail = {},
                                                  const FrameCaption* caption = nullptr,
                                                  const TileOptions& options = {}) {
  return detail::grid_frame(
      "viz::cliff_walking_frame", CliffWalking::rows, CliffWalking::cols,
      [](int s) {
        if (CliffWalking::is_cliff(s)) return Tile::cliff;
        if (s == CliffWalking::start_state) return Tile::start;
        if (s == CliffWalking::goal_state) return Tile::goal;
        return Tile::floor;
      },
      state, trail, caption, options);
}

/// A FrozenLake frame: ice, holes, start and goal, the agent, the trail and the status bar.
[[nodiscard]] inline RgbImage frozen_lake_frame(const FrozenLake& lake, int state,
                                                std::span<const int> trail = {},
                                                const FrameCaption* caption = nullptr,
                                                const TileOptions& options = {}) {
  return detail::grid_frame(
      "viz::frozen_lake_frame", lake.rows(), lake.cols(),
      [&lake](int s) {
        const char l = lake.letter(s);
        return l == 'H' ? Tile::hole : l == 'S' ? Tile::start : l == 'G' ? Tile::goal : Tile::ice;
      },
      state, trail, caption, options);
}

/// A maze frame (GridMaze, walls as they stand now): bricks, start, goal, the agent, the
/// trail and the status bar.
[[nodiscard]] inline RgbImage maze_frame(const GridMaze& maze, int state,
                                         std::span<const int> trail = {},
                                         const FrameCaption* caption = nullptr,
                                         const TileOptions& options = {}) {
  const MazeLayout& m = maze.layout();
  return detail::grid_frame(
      "viz::maze_frame", m.rows, m.cols,
      [&maze, &m](int s) {
        if (maze.is_wall(s)) return Tile::wall;
        if (s == m.start) return Tile::start;
        if (s == m.goal) return Tile::goal;
        return Tile::floor;
      },
      state, trail, caption, options);
}

/// A Taxi frame: 5 x 5 road tiles, the four stands in their colours with their letters (the
/// destination's stand framed and flagged), the walls, the waiting passenger, the taxi (a head
/// in its window once the passenger is aboard) and the status bar. Throws on a state outside
/// [0, 500).
[[nodiscard]] inline RgbImage taxi_frame(int state, const FrameCaption* caption = nullptr,
                                         const TileOptions& options = {}) {
  detail::check_tile_options("viz::taxi_frame", options);
  const Taxi::Decoded d = Taxi::decode(state);  // validates the state
  const TilePalette& p = options.palette;
  const detail::FrameLayout l = detail::frame_layout(5, 5, options, caption);
  const int k = l.tile, u = options.scale;
  RgbImage img(l.width, l.height, p.bar);
  auto at = [&](int r, int c) { return std::pair<int, int>(l.grid_x + c * k, r * k); };
  for (int r = 0; r < 5; ++r) {
    for (int c = 0; c < 5; ++c) {
      const auto [x, y] = at(r, c);
      draw_tile(img, x, y, Tile::road, options);
      img.fill_rect(x, y, k, 1, p.floor_speck);
      img.fill_rect(x, y, 1, k, p.floor_speck);
    }
  }
  static constexpr std::string_view names = "RGYB";
  for (int i = 0; i < 4; ++i) {
    const auto rc = Taxi::stand(i);
    const auto [x, y] = at(rc[0], rc[1]);
    detail::TilePen pen(img, x, y, u);
    const Rgb fill = p.stands[static_cast<std::size_t>(i)];
    if (i == d.destination) {
      pen.rect(0, 0, 16, 16, p.mortar);  // a dark frame marks the destination
      pen.rect(2, 2, 12, 12, fill);
    } else {
      pen.rect(1, 1, 14, 14, fill);
    }
    // The letter sits left, so a waiting passenger (right half) never covers it.
    pen.letter(names[static_cast<std::size_t>(i)], text_color_on(fill), true);
  }
  const auto map = Taxi::map();
  for (int r = 0; r < 5; ++r) {
    for (int c = 0; c < 4; ++c) {
      if (map[static_cast<std::size_t>(r + 1)][static_cast<std::size_t>(2 * c + 2)] == '|') {
        const auto [x, y] = at(r, c + 1);
        img.fill_rect(x - u, y, 2 * u, k, p.mortar);  // the wall east of (r, c)
      }
    }
  }
  img.fill_rect(l.grid_x, 0, 5 * k, u, p.mortar);  // the outer wall
  img.fill_rect(l.grid_x, 5 * k - u, 5 * k, u, p.mortar);
  img.fill_rect(l.grid_x, 0, u, 5 * k, p.mortar);
  img.fill_rect(l.grid_x + 5 * k - u, 0, u, 5 * k, p.mortar);
  if (d.passenger < 4) {
    const auto rc = Taxi::stand(d.passenger);
    const auto [x, y] = at(rc[0], rc[1]);
    draw_passenger(img, x, y, options);
  }
  const auto [tx, ty] = at(d.taxi_row, d.taxi_col);
  draw_taxi(img, tx, ty, d.passenger == Taxi::in_taxi, options);
  detail::draw_caption(img, l, caption, options);
  return img;
}

/// True for the environments tiles can draw (CliffWalking, FrozenLake, Taxi, GridMaze, under
/// any wrappers such as TimeLimit).
template <class Env>
inline constexpr bool can_draw_frames =
    std::is_same_v<std::remove_cvref_t<decltype(detail::base_env(std::declval<const Env&>()))>,
                   CliffWalking> ||
    std::is_same_v<std::remove_cvref_t<decltype(detail::base_env(std::declval<const Env&>()))>,
                   FrozenLake> ||
    std::is_same_v<std::remove_cvref_t<decltype(detail::base_env(std::declval<const Env&>()))>,
                   Taxi> ||
    std::is_same_v<std::remove_cvref_t<decltype(detail::base_env(std::declval<const Env&>()))>,
                   GridMaze>;

/// How an environment's states sit on a grid, for heatmaps and reports: rows x cols cells,
/// a short mark per cell (start, goal, cliff, holes, walls, Taxi's stands) with a line that
/// says what they mean, and what one cell is ("state", or "taxi cell" for Taxi, whose 500
/// states fold onto 25 cells).
struct GridView {
  int rows = 0;                     ///< grid rows
  int cols = 0;                     ///< grid columns
  std::vector<std::string> marks;   ///< per cell: "S", "G", "C", "H", "#", "R"... or empty
  std::string marks_note;           ///< e.g. "S start, G goal, C cliff"
  std::string cell_name = "state";  ///< what a cell is
};

/// The grid of a drawable environment (can_draw_frames).
template <class Env>
requires can_draw_frames<Env>
[[nodiscard]] GridView grid_view(const Env& env) {
  const auto& base = detail::base_env(env);
  using Base = std::remove_cvref_t<decltype(base)>;
  GridView g;
  if constexpr (std::is_same_v<Base, CliffWalking>) {
    g.rows = CliffWalking::rows;
    g.cols = CliffWalking::cols;
    g.marks.assign(static_cast<std::size_t>(CliffWalking::num_states()), "");
    for (int s = 0; s < CliffWalking::num_states(); ++s) {
      if (CliffWalking::is_cliff(s)) g.marks[static_cast<std::size_t>(s)] = "C";
    }
    g.marks[CliffWalking::start_state] = "S";
    g.marks[CliffWalking::goal_state] = "G";
    g.marks_note = "S start, G goal, C cliff";
  } else if constexpr (std::is_same_v<Base, FrozenLake>) {
    g.rows = base.rows();
    g.cols = base.cols();
    g.marks.assign(static_cast<std::size_t>(base.num_states()), "");
    for (int s = 0; s < base.num_states(); ++s) {
      const char l = base.letter(s);
      if (l != 'F') g.marks[static_cast<std::size_t>(s)] = std::string(1, l);
    }
    g.marks_note = "S start, G goal, H hole";
  } else if constexpr (std::is_same_v<Base, GridMaze>) {
    const MazeLayout& m = base.layout();
    g.rows = m.rows;
    g.cols = m.cols;
    g.marks.assign(static_cast<std::size_t>(base.num_states()), "");
    // assign(1, c), not = "c": GCC 12 at -O3 warns (-Wrestrict, a false positive) on the latter.
    for (int s = 0; s < base.num_states(); ++s) {
      if (base.is_wall(s)) g.marks[static_cast<std::size_t>(s)].assign(1, '#');
    }
    g.marks[static_cast<std::size_t>(m.start)].assign(1, 'S');
    g.marks[static_cast<std::size_t>(m.goal)].assign(1, 'G');
    g.marks_note = "S start, G goal, # wall";
  } else {
    g.rows = 5;
    g.cols = 5;
    g.marks.assign(25, "");
    static constexpr std::string_view names = "RGYB";
    for (int i = 0; i < 4; ++i) {
      const auto rc = Taxi::stand(i);
      g.marks[static_cast<std::size_t>(rc[0] * 5 + rc[1])] =
          std::string(1, names[static_cast<std::size_t>(i)]);
    }
    g.marks_note = "R, G, Y, B: the stands; values summed over passenger and destination";
    g.cell_name = "taxi cell";
  }
  return g;
}

/// The grid cell of `state`: the state itself, or Taxi's taxi cell (row * 5 + col).
template <class Env>
[[nodiscard]] int grid_cell(const Env& env, int state) {
  using Base = std::remove_cvref_t<decltype(detail::base_env(env))>;
  if constexpr (std::is_same_v<Base, Taxi>) {
    const Taxi::Decoded d = Taxi::decode(state);
    return d.taxi_row * 5 + d.taxi_col;
  } else {
    (void)env;
    return state;
  }
}

/// Per-state values folded onto the grid's cells (summed where several states share a cell,
/// as Taxi's do); `per_state` must have one entry per state.
template <class Env, class T>
[[nodiscard]] std::vector<double> grid_values(const Env& env, std::span<const T> per_state) {
  const GridView g = grid_view(env);
  std::vector<double> cells(static_cast<std::size_t>(g.rows) * static_cast<std::size_t>(g.cols),
                            0.0);
  const auto n = static_cast<std::size_t>(detail::base_env(env).num_states());
  if (per_state.size() != n) {
    tabrl::detail::throw_invalid("viz::grid_values",
                                 tabrl::detail::concat("per_state must have ", n, " entries"),
                                 per_state.size());
  }
  for (std::size_t s = 0; s < n; ++s)
    cells[static_cast<std::size_t>(grid_cell(env, static_cast<int>(s)))] +=
        static_cast<double>(per_state[s]);
  return cells;
}

/// Short names of an environment's actions, by index: up/right/down/left (CliffWalking,
/// mazes), left/down/right/up (FrozenLake), south/north/east/west/pickup/dropoff (Taxi);
/// "0", "1", ... for any other environment.
template <class Env>
[[nodiscard]] std::vector<std::string> action_names(const Env& env) {
  using Base = std::remove_cvref_t<decltype(detail::base_env(env))>;
  if constexpr (std::is_same_v<Base, CliffWalking> || std::is_same_v<Base, GridMaze>) {
    return {"up", "right", "down", "left"};
  } else if constexpr (std::is_same_v<Base, FrozenLake>) {
    return {"left", "down", "right", "up"};
  } else if constexpr (std::is_same_v<Base, Taxi>) {
    return {"south", "north", "east", "west", "pickup", "dropoff"};
  } else {
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(env.num_actions()));
    for (int a = 0; a < env.num_actions(); ++a) names.push_back(std::to_string(a));
    return names;
  }
}

/// The reward of every step of `rollout`, read off the environment's model (the outcome of
/// (state, action) that lands in the next state); empty when the environment has no model
/// (then only the rollout's total return is known).
template <class Env>
[[nodiscard]] std::vector<double> rollout_rewards(const Env& env, const Rollout& rollout) {
  const auto& base = detail::base_env(env);
  using Base = std::remove_cvref_t<decltype(base)>;
  std::vector<double> rewards;
  if constexpr (ModelEnvironment<Base>) {
    for (std::size_t i = 0; i < rollout.actions.size() && i + 1 < rollout.states.size(); ++i) {
      double r = 0.0;
      for (const Outcome& o : base.transitions(rollout.states[i], rollout.actions[i])) {
        if (o.next_state == rollout.states[i + 1]) {
          r = o.reward;
          break;
        }
      }
      rewards.push_back(r);
    }
  }
  return rewards;
}

/// The status-bar text of every frame of `rollout`: frame i says "step i/n" and the action
/// that led there ("start" for frame 0), then the return so far (the total on the last frame,
/// with "done" when the episode terminated and "cut off" when the step cap or a time limit
/// ended it). Uses rollout_rewards when the model gives them ("return ?" otherwise).
template <class Env>
[[nodiscard]] std::vector<FrameCaption> rollout_captions(const Env& env, const Rollout& rollout) {
  const std::vector<std::string> names = action_names(env);
  const std::vector<double> rewards = rollout_rewards(env, rollout);
  const auto n = rollout.states.size();
  std::vector<FrameCaption> out;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    FrameCaption c;
    const std::size_t steps = n > 0 ? n - 1 : 0;
    std::string action = "start";
    if (i > 0 && i - 1 < rollout.actions.size()) {
      const int a = rollout.actions[i - 1];
      action = a >= 0 && static_cast<std::size_t>(a) < names.size()
                   ? names[static_cast<std::size_t>(a)]
                   : std::to_string(a);
    }
    c.line1 = fmt::format("step {}/{}  {}", i, steps, action);
    if (i > 0 && i - 1 < rewards.size()) sum += rewards[i - 1];
    const bool last = i + 1 == n;
    if (last) {
      c.line2 = fmt::format("return {}, {}", rollout.total_return,
                            rollout.terminated ? "done" : "cut off");
    } else if (!rewards.empty()) {
      c.line2 = fmt::format("return {}", sum);
    } else {
      c.line2 = "return ?";
    }
    out.push_back(std::move(c));
  }
  return out;
}

/// One frame per state of `rollout` of `env` (CliffWalking, FrozenLake, Taxi or a GridMaze,
/// under any wrappers): frame i shows the agent in states[i], the trail states[0..i) and the
/// status bar of rollout_captions. Frames are all the same size.
template <class Env>
requires can_draw_frames<Env>
[[nodiscard]] std::vector<RgbImage> rollout_frames(const Env& env, const Rollout& rollout,
                                                   const TileOptions& options = {}) {
  const auto& base = detail::base_env(env);
  using Base = std::remove_cvref_t<decltype(base)>;
  const std::vector<FrameCaption> captions = rollout_captions(env, rollout);
  std::vector<RgbImage> frames;
  frames.reserve(rollout.states.size());
  // Every frame gets the widest caption's layout, so sizes agree: the bar is laid out for the
  // longest lines and each frame's own text is drawn in it.
  FrameCaption widest;
  for (const FrameCaption& c : captions) {
    if (c.line1.size() > widest.line1.size()) widest.line1 = std::string(c.line1.size(), 'M');
    if (c.line2.size() > widest.line2.size()) widest.line2 = std::string(c.line2.size(), 'M');
  }
  for (std::size_t i = 0; i < rollout.states.size(); ++i) {
    const std::span<const int> trail(rollout.states.data(), i);
    const int s = rollout.states[i];
    RgbImage f;
    // Render with the widest caption for the layout, then redraw the bar with this frame's.
    if constexpr (std::is_same_v<Base, CliffWalking>) {
      f = cliff_walking_frame(s, trail, &widest, options);
    } else if constexpr (std::is_same_v<Base, FrozenLake>) {
      f = frozen_lake_frame(base, s, trail, &widest, options);
    } else if constexpr (std::is_same_v<Base, GridMaze>) {
      f = maze_frame(base, s, trail, &widest, options);
    } else {
      f = taxi_frame(s, &widest, options);
    }
    if (options.status_bar) {
      int rows = 5, cols = 5;
      if constexpr (std::is_same_v<Base, CliffWalking>) {
        rows = CliffWalking::rows;
        cols = CliffWalking::cols;
      } else if constexpr (std::is_same_v<Base, FrozenLake>) {
        rows = base.rows();
        cols = base.cols();
      } else if constexpr (std::is_same_v<Base, GridMaze>) {
        rows = base.layout().rows;
        cols = base.layout().cols;
      }
      const detail::FrameLayout l = detail::frame_layout(rows, cols, options, &widest);
      detail::draw_caption(f, l, &captions[i], options);
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

}  // namespace tabrl::viz
