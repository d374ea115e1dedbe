#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include <tabrl/envs/cliff_walking.hpp>
#include <tabrl/envs/frozen_lake.hpp>
#include <tabrl/envs/make.hpp>
#include <tabrl/envs/maze.hpp>
#include <tabrl/envs/taxi.hpp>
#include <tabrl/envs/time_limit.hpp>
#include <tabrl/viz/font.hpp>
#include <tabrl/viz/tiles.hpp>

#include "cliff_path.hpp"

using namespace tabrl::viz;

namespace {

using tabrl::test::optimal_cliff_path;

int count_color(const RgbImage& img, Rgb c) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) n += img.at(x, y) == c ? 1 : 0;
  }
  return n;
}

}  // namespace

TEST_CASE("font: glyph pixels, sizes, clipping and bad scales", "[viz][font]") {
  CHECK(text_width("") == 0);
  CHECK(text_width("A") == 5);
  CHECK(text_width("AB") == 11);  // 6 per character, no gap after the last
  CHECK(text_width("AB", 3) == 33);
  CHECK(text_width("ABC\nA") == 17);  // the longest line
  CHECK(text_height("A") == 7);
  CHECK(text_height("A\nB", 2) == 32);  // (9 + 7) * 2
  RgbImage img(12, 9, Rgb{0, 0, 0});
  draw_text(img, 0, 0, "T", Rgb{255, 255, 255});
  // 'T': a full top row, then the middle column.
  for (int x = 0; x < 5; ++x) CHECK(img.at(x, 0) == Rgb{255, 255, 255});
  for (int y = 1; y < 7; ++y) {
    CHECK(img.at(2, y) == Rgb{255, 255, 255});
    CHECK(img.at(1, y) == Rgb{0, 0, 0});
  }
  CHECK(count_color(img, Rgb{255, 255, 255}) == 5 + 6);
  RgbImage big(20, 20, Rgb{0, 0, 0});
  draw_text(big, 0, 0, ".", Rgb{9, 9, 9}, 2);  // '.': a 2 x 2 dot at rows 5-6, cols 1-2
  CHECK(count_color(big, Rgb{9, 9, 9}) == 4 * 4);
  CHECK(big.at(2, 10) == Rgb{9, 9, 9});
  CHECK(big.at(1, 10) == Rgb{0, 0, 0});
  // A character outside printable ASCII draws a hollow box; drawing off the image clips.
  RgbImage box(6, 8, Rgb{0, 0, 0});
  draw_text(box, 0, 0, "\x01", Rgb{1, 1, 1});
  CHECK(count_color(box, Rgb{1, 1, 1}) == 5 + 5 + 2 * 5);
  draw_text(box, -100, -100, "hello", Rgb{2, 2, 2});
  CHECK(count_color(box, Rgb{2, 2, 2}) == 0);
  // Every printable glyph but the space has ink; no two glyphs are the same.
  std::set<std::vector<std::uint8_t>> seen;
  for (char ch = 33; ch < 127; ++ch) {
    RgbImage g(5, 7, Rgb{0, 0, 0});
    draw_text(g, 0, 0, std::string(1, ch), Rgb{255, 255, 255});
    INFO("character " << ch);
    CHECK(count_color(g, Rgb{255, 255, 255}) > 0);
    CHECK(seen.insert(g.pixels()).second);
  }
  CHECK_THROWS_WITH(text_width("a", 0), Catch::Contains("scale must be in [1, 64], got 0"));
  CHECK_THROWS_WITH(draw_text(img, 0, 0, "a", Rgb{}, 65), Catch::Contains("scale must be in [1, 64], got 65"));
}

TEST_CASE("tiles: sizes follow the scale, each tile has its colours", "[viz][tiles]") {
  const TilePalette p;
  for (const int scale : {1, 2, 3}) {
    TileOptions o;
    o.scale = scale;
    CHECK(tile_size(o) == 16 * scale);
    const RgbImage f = cliff_walking_frame(36, {}, nullptr, o);
    CHECK(f.width() == 12 * 16 * scale);
    CHECK(f.height() == 4 * 16 * scale);
  }
  TileOptions bad;
  bad.scale = 0;
  CHECK_THROWS_WITH(cliff_walking_frame(36, {}, nullptr, bad), Catch::Contains("scale must be in [1, 16], got 0"));
  bad.scale = 17;
  RgbImage canvas(4, 4);
  CHECK_THROWS_WITH(draw_tile(canvas, 0, 0, Tile::floor, bad), Catch::Contains("got 17"));
  CHECK_THROWS_WITH(cliff_walking_frame(48), Catch::Contains("state must be in [0, 48), got 48"));
  const std::vector<int> trail{-1};
  CHECK_THROWS_WITH(cliff_walking_frame(36, trail), Catch::Contains("got -1"));

  TileOptions o;  // scale 3: 48-pixel tiles
  const RgbImage f = cliff_walking_frame(24, {}, nullptr, o);
  CHECK(f.at(5 * 48 + 24, 3 * 48 + 24 + 6) == p.cliff);  // a plain patch of a cliff tile
  CHECK(f.at(11 * 48 + 40, 3 * 48 + 40) == p.goal);
  CHECK(f.at(11 * 48 + 7 * 3, 3 * 48 + 3 * 3) == p.flag);  // the flag at design unit (7, 3)
  CHECK(f.at(0 * 48 + 1, 3 * 48 + 1) == p.start);
  CHECK(f.at(0 * 48 + 24, 2 * 48 + 9 * 3) == p.agent);  // the agent's body in state 24
  CHECK(f.at(0 * 48 + 24, 2 * 48 + 4 * 3 + 1) == p.agent_head);
  CHECK(f.at(5 * 48 + 24, 1 * 48 + 24) == p.floor);
  CHECK(f.at(5 * 48, 1 * 48 + 24) == p.floor_speck);  // the cell border
}

TEST_CASE("rollout_frames: one frame per state, trail, status bar with step and return",
          "[viz][tiles]") {
  const tabrl::CliffWalking env;
  const tabrl::Rollout r = optimal_cliff_path();
  const auto captions = rollout_captions(env, r);
  REQUIRE(captions.size() == 14);
  CHECK(captions[0].line1 == "step 0/13  start");
  CHECK(captions[0].line2 == "return 0");
  CHECK(captions[1].line1 == "step 1/13  up");
  CHECK(captions[5].line1 == "step 5/13  right");
  CHECK(captions[5].line2 == "return -5");
  CHECK(captions[13].line1 == "step 13/13  down");
  CHECK(captions[13].line2 == "return -13, done");
  CHECK(rollout_rewards(env, r) == std::vector<double>(13, -1.0));

  const auto frames = rollout_frames(env, r);
  REQUIRE(frames.size() == 14);
  for (const auto& f : frames) {
    CHECK(f.width() == frames[0].width());
    CHECK(f.height() == frames[0].height());
  }
  CHECK(frames[0].height() > 4 * 48);  // the status bar
  const TilePalette p;
  // The bar's text differs between frames; the grid part is the same where nothing moved.
  CHECK(frames[5].at(2, 4 * 48 + 2) == p.bar);
  CHECK(count_color(frames[5], p.bar_text) > 0);
  CHECK(frames[5] != frames[6]);
  // Frame 5 (the agent in 28) dots states 36, 24..27 (the trail), not 29 (ahead).
  auto centre = [](int s) { return std::pair<int, int>((s % 12) * 48 + 24, (s / 12) * 48 + 24); };
  for (const int s : {24, 25, 27}) {
    const auto [x, y] = centre(s);
    CHECK(frames[5].at(x, y) == p.trail);
  }
  CHECK(frames[5].at(centre(29).first, centre(29).second) == p.floor);
  TileOptions no_bar;
  no_bar.status_bar = false;
  no_bar.trail = false;
  const auto plain = rollout_frames(env, r, no_bar);
  CHECK(plain[5].height() == 4 * 48);
  CHECK(plain[5].at(centre(25).first, centre(25).second) == p.floor);
  // A falling step: the model says -100 and the agent is back at the start.
  tabrl::Rollout fall;
  fall.states = {36, 24, 25, 37 - 1};
  fall.actions = {0, 1, 2};
  fall.total_return = -102;
  CHECK(rollout_rewards(env, fall) == std::vector<double>{-1, -1, -100});
  CHECK(rollout_captions(env, fall).back().line2 == "return -102, cut off");
}

TEST_CASE("frames of FrozenLake, Taxi and a maze: tiles, sprites, stands", "[viz][tiles]") {
  const TilePalette p;
  const auto lake = tabrl::make_frozen_lake(false);  // TimeLimit<FrozenLake>: unwrapped inside
  tabrl::Rollout lr;
  lr.states = {0, 4};
  lr.actions = {tabrl::FrozenLake::down};
  const auto lf = rollout_frames(lake, lr);
  REQUIRE(lf.size() == 2);
  CHECK(lf[1].width() == 4 * 48);
  CHECK(lf[1].at(1 * 48 + 8 * 3, 1 * 48 + 4 * 3) == p.hole);  // state 5 is a hole (its rim)
  CHECK(lf[1].at(1 * 48 + 8 * 3, 1 * 48 + 8 * 3) == p.hole_inner);
  CHECK(lf[1].at(3 * 48 + 40, 3 * 48 + 40) == p.goal);
  CHECK(lf[1].at(2 * 48 + 1, 0 * 48 + 1) == p.ice);
  CHECK(rollout_captions(lake, lr)[1].line1 == "step 1/1  down");

  const int s = tabrl::Taxi::encode(2, 2, 0, 1);  // passenger at R, destination G
  const RgbImage t = taxi_frame(s);
  CHECK(t.width() == 5 * 48);
  CHECK(t.at(2 * 48 + 8 * 3, 2 * 48 + 9 * 3) == p.taxi);
  CHECK(t.at(0 * 48 + 11 * 3 + 1, 0 * 48 + 7 * 3) == p.passenger);  // waiting at R
  CHECK(t.at(4 * 48 + 1, 0 * 48 + 1) == p.mortar);  // G, the destination, is framed
  CHECK(t.at(4 * 48 + 13 * 3, 0 * 48 + 13 * 3) == p.stands[1]);
  CHECK(t.at(3 * 48 + 1 * 3 + 1, 4 * 48 + 1 * 3 + 1) == p.stands[3]);  // B, not framed
  const RgbImage aboard = taxi_frame(tabrl::Taxi::encode(2, 2, tabrl::Taxi::in_taxi, 1));
  CHECK(aboard.at(2 * 48 + 9 * 3 + 2, 2 * 48 + 5 * 3 + 1) == p.passenger);  // a head in the window
  CHECK(aboard.at(0 * 48 + 11 * 3 + 1, 0 * 48 + 7 * 3) != p.passenger);
  // The wall east of (0, 1): a bar across the border between columns 1 and 2.
  CHECK(t.at(2 * 48, 0 * 48 + 24) == p.mortar);
  CHECK(t.at(2 * 48, 2 * 48 + 24) != p.mortar);  // no wall in row 2
  CHECK_THROWS_WITH(taxi_frame(500), Catch::Contains("state must be in [0, 500), got 500"));

  const auto maze = tabrl::GridMaze::dyna_maze();
  const RgbImage m = maze_frame(maze, maze.layout().start);
  CHECK(m.width() == 9 * 48);
  const int wall = maze.layout().walls.front();
  CHECK(m.at((wall % 9) * 48 + 5 * 3, (wall / 9) * 48 + 1 * 3) == p.wall);
  const int g = maze.layout().goal;
  CHECK(m.at((g % 9) * 48 + 40, (g / 9) * 48 + 40) == p.goal);
  CHECK(action_names(maze) == std::vector<std::string>{"up", "right", "down", "left"});
  CHECK(action_names(tabrl::Taxi{})[4] == "pickup");
}

TEST_CASE("grid_view, grid_cell and grid_values fold states onto cells", "[viz][tiles]") {
  const GridView c = grid_view(tabrl::CliffWalking{});
  CHECK(c.rows == 4);
  CHECK(c.cols == 12);
  CHECK(c.marks[36] == "S");
  CHECK(c.marks[47] == "G");
  CHECK(c.marks[40] == "C");
  CHECK(c.marks[0].empty());
  const GridView t = grid_view(tabrl::make_taxi());
  CHECK(t.rows * t.cols == 25);
  CHECK(t.cell_name == "taxi cell");
  CHECK(t.marks[4] == "G");
  CHECK(t.marks[23] == "B");
  CHECK(grid_cell(tabrl::Taxi{}, tabrl::Taxi::encode(3, 1, 2, 0)) == 16);
  std::vector<std::int64_t> visits(500, 1);
  const auto cells = grid_values(tabrl::Taxi{}, std::span<const std::int64_t>(visits));
  REQUIRE(cells.size() == 25);
  CHECK(cells[7] == 20.0);  // 5 passenger places x 4 destinations
  const std::vector<double> short_list(10, 0.0);
  CHECK_THROWS_WITH(grid_values(tabrl::CliffWalking{}, std::span<const double>(short_list)),
                    Catch::Contains("per_state must have 48 entries, got 10"));
  const GridView l = grid_view(tabrl::FrozenLake{});
  CHECK(l.marks[5] == "H");
  CHECK(l.marks[0] == "S");
  const GridView m = grid_view(tabrl::GridMaze::dyna_maze());
  CHECK(m.marks[static_cast<std::size_t>(tabrl::GridMaze::dyna_maze().layout().walls[0])] == "#");
}
