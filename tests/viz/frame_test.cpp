#include <catch2/catch.hpp>

#include <vector>

#include <tabrl/viz/frame.hpp>

using namespace tabrl::viz;
using tabrl::CliffWalking;

namespace {
// A pixel well inside a cell but away from the centre discs (near its top-left corner).
Rgb corner_of(const RgbImage& img, int state, const FrameStyle& st = {}) {
  return img.at((state % 12) * st.cell + 3, (state / 12) * st.cell + 3);
}
Rgb centre_of(const RgbImage& img, int state, const FrameStyle& st = {}) {
  const auto [x, y] = cell_center(state, st);
  return img.at(x, y);
}
}  // namespace

TEST_CASE("frame size is cols*cell+1 by rows*cell+1", "[viz][frame]") {
  const RgbImage img = render_cliff_walking(CliffWalking::start_state);
  CHECK(img.width() == 12 * 32 + 1);
  CHECK(img.height() == 4 * 32 + 1);
  CHECK(img.pixels().size() == static_cast<std::size_t>(385 * 129 * 3));
  FrameStyle big;
  big.cell = 40;
  const RgbImage b = render_cliff_walking(0, {}, big);
  CHECK(b.width() == 481);
  CHECK(b.height() == 161);
}

TEST_CASE("frame colours of start, goal, cliff, free cells, grid and agent are exact", "[viz][frame]") {
  const FrameStyle st;
  const RgbImage img = render_cliff_walking(5);
  CHECK(corner_of(img, CliffWalking::start_state) == st.start);
  CHECK(centre_of(img, CliffWalking::start_state) == st.start);  // agent is elsewhere
  CHECK(corner_of(img, CliffWalking::goal_state) == st.goal);
  CHECK(centre_of(img, CliffWalking::goal_state) == st.goal);
  for (int s = 37; s <= 46; ++s) CHECK(centre_of(img, s) == st.cliff);
  CHECK(centre_of(img, 0) == st.background);
  CHECK(centre_of(img, 5) == st.agent);
  CHECK(corner_of(img, 5) == st.background);  // the disc leaves the cell's corner free
  CHECK(img.at(0, 0) == st.grid);
  CHECK(img.at(32, 50) == st.grid);                          // vertical line between columns 0 and 1
  CHECK(img.at(img.width() - 1, img.height() - 1) == st.grid);  // border
}

TEST_CASE("trail cells get a dot, the agent disc covers its own cell", "[viz][frame]") {
  const FrameStyle st;
  const std::vector<int> trail{36, 24, 25, 26};
  const RgbImage img = render_cliff_walking(27, trail);
  CHECK(centre_of(img, 36) == st.trail);
  CHECK(corner_of(img, 36) == st.start);
  CHECK(centre_of(img, 25) == st.trail);
  CHECK(centre_of(img, 27) == st.agent);
  CHECK(centre_of(img, 28) == st.background);
  // The trail dot is smaller than the agent disc: 8 px right of the centre is outside it.
  const auto [x, y] = cell_center(25);
  CHECK(img.at(x + 8, y) == st.background);
  const auto [ax, ay] = cell_center(27);
  CHECK(img.at(ax + 8, ay) == st.agent);
}

TEST_CASE("render_rollout gives one frame per state with a growing trail", "[viz][frame]") {
  tabrl::Rollout r;
  r.states = {36, 24, 25};
  r.actions = {0, 1};
  const auto frames = render_rollout(r);
  REQUIRE(frames.size() == 3);
  CHECK(centre_of(frames[0], 36) == FrameStyle{}.agent);
  CHECK(centre_of(frames[2], 25) == FrameStyle{}.agent);
  CHECK(centre_of(frames[2], 36) == FrameStyle{}.trail);
  CHECK(centre_of(frames[1], 25) == FrameStyle{}.background);
}

TEST_CASE("render_cliff_walking rejects bad states and cells", "[viz][frame]") {
  CHECK_THROWS_WITH(render_cliff_walking(48), "tabrl::viz::render_cliff_walking: state must be in [0, 48), got 48");
  const std::vector<int> bad{-1};
  CHECK_THROWS_AS(render_cliff_walking(0, bad), tabrl::InvalidArgument);
  FrameStyle tiny;
  tiny.cell = 4;
  CHECK_THROWS_WITH(render_cliff_walking(0, {}, tiny), "tabrl::viz::render_cliff_walking: cell must be >= 8, got 4");
}

TEST_CASE("RgbImage checks bounds and fills rectangles clipped", "[viz][frame]") {
  RgbImage img(4, 3, Rgb{1, 2, 3});
  img.fill_rect(2, 1, 10, 10, Rgb{9, 9, 9});
  CHECK(img.at(1, 1) == Rgb{1, 2, 3});
  CHECK(img.at(3, 2) == Rgb{9, 9, 9});
  CHECK_THROWS_WITH(img.at(4, 0), "tabrl::viz::RgbImage: x must be in [0, 4), got 4");
  CHECK_THROWS_WITH(RgbImage(0, 3), "tabrl::viz::RgbImage: width must be >= 1, got 0");
}
