#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include <tabrl/viz/frame.hpp>
#include <tabrl/viz/gif.hpp>
#include <tabrl/viz/png.hpp>

using namespace tabrl::viz;

#if defined(TABRL_HAS_GIFLIB)
namespace {
tabrl::Rollout optimal_path() {
  tabrl::Rollout r;
  r.states.push_back(36);
  r.states.push_back(24);
  r.actions.push_back(0);
  for (int s = 25; s <= 35; ++s) {
    r.states.push_back(s);
    r.actions.push_back(1);
  }
  r.states.push_back(47);
  r.actions.push_back(2);
  return r;
}
}  // namespace
#endif

TEST_CASE("gif_palette lists distinct colours in first-seen order", "[viz][gif]") {
  RgbImage a(2, 1, Rgb{1, 1, 1});
  a.set(1, 0, Rgb{2, 2, 2});
  RgbImage b(2, 1, Rgb{2, 2, 2});
  b.set(0, 0, Rgb{3, 3, 3});
  const std::vector<RgbImage> frames{a, b};
  CHECK(gif_palette(frames) == std::vector<Rgb>{{1, 1, 1}, {2, 2, 2}, {3, 3, 3}});
  RgbImage many(300, 1);
  for (int x = 0; x < 300; ++x) many.set(x, 0, Rgb{static_cast<std::uint8_t>(x % 256), static_cast<std::uint8_t>(x / 256), 0});
  const std::vector<RgbImage> too_many{many};
  CHECK_THROWS_WITH(gif_palette(too_many), "tabrl::viz::write_gif: frames must use at most 256 colours, got 257");
}

TEST_CASE("write_gif rejects empty input and mismatched frames", "[viz][gif]") {
  const std::vector<RgbImage> none;
  CHECK_THROWS_AS(write_gif("x.gif", none), tabrl::InvalidArgument);
  const std::vector<RgbImage> mixed{RgbImage(2, 2), RgbImage(3, 2)};
  CHECK_THROWS_WITH(write_gif("x.gif", mixed), "tabrl::viz::write_gif: every frame must be 2x2, got 3x2");
}

#if defined(TABRL_HAS_GIFLIB)
TEST_CASE("GIF round trip: giflib decodes the same frames, size and pixels", "[viz][gif]") {
  const auto frames = render_rollout(optimal_path());
  REQUIRE(frames.size() == 14);
  const std::string path = "tabrl_viz_roundtrip_test.gif";
  write_gif(path, frames, GifOptions{7, true});

  int err = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &err);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  CHECK(gif->ImageCount == 14);
  CHECK(gif->SWidth == frames[0].width());
  CHECK(gif->SHeight == frames[0].height());
  const ColorMapObject* global = gif->SColorMap;
  REQUIRE(global != nullptr);
  std::size_t mismatches = 0;
  // A player draws each image over the last (frames after the first store only what changed):
  // the canvas after image i must be frame i, pixel for pixel.
  RgbImage canvas(frames[0].width(), frames[0].height());
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& img = gif->SavedImages[i];
    const GifImageDesc& d = img.ImageDesc;
    if (i == 0) {
      REQUIRE(d.Width == frames[0].width());
      REQUIRE(d.Height == frames[0].height());
    } else {
      // One step moves the agent to the next cell: far less than the whole picture.
      CHECK(d.Width * d.Height < frames[0].width() * frames[0].height() / 4);
    }
    REQUIRE(d.Left + d.Width <= frames[0].width());
    REQUIRE(d.Top + d.Height <= frames[0].height());
    const ColorMapObject* map = d.ColorMap != nullptr ? d.ColorMap : global;
    for (int y = 0; y < d.Height; ++y) {
      for (int x = 0; x < d.Width; ++x) {
        const GifColorType c = map->Colors[img.RasterBits[y * d.Width + x]];
        canvas.set(d.Left + x, d.Top + y, Rgb{c.Red, c.Green, c.Blue});
      }
    }
    const RgbImage& want = frames[static_cast<std::size_t>(i)];
    for (int y = 0; y < want.height(); ++y) {
      for (int x = 0; x < want.width(); ++x) {
        if (canvas.at(x, y) != want.at(x, y)) ++mismatches;
      }
    }
    GraphicsControlBlock gcb;
    REQUIRE(DGifSavedExtensionToGCB(gif, i, &gcb) == GIF_OK);
    CHECK(gcb.DelayTime == 7);
  }
  CHECK(mismatches == 0);
  DGifCloseFile(gif, &err);
  std::remove(path.c_str());
}

TEST_CASE("write_gif reports an unwritable path", "[viz][gif]") {
  const std::vector<RgbImage> one{RgbImage(2, 2)};
  CHECK_THROWS_AS(write_gif("/nonexistent-dir/x.gif", one), tabrl::Error);
}
#else
TEST_CASE("without giflib write_gif says so", "[viz][gif]") {
  STATIC_REQUIRE_FALSE(gif_available);
  const std::vector<RgbImage> one{RgbImage(2, 2)};
  CHECK_THROWS_AS(write_gif("x.gif", one), tabrl::LogicError);
}
#endif

#if defined(TABRL_HAS_LIBPNG)
TEST_CASE("PNG round trip of a frame is pixel-exact", "[viz][png]") {
  const RgbImage frame = render_cliff_walking(30, std::vector<int>{36, 24, 25});
  const std::string path = "tabrl_viz_roundtrip_test.png";
  write_png(path, frame);
  const RgbImage back = read_png(path);
  CHECK(back.width() == frame.width());
  CHECK(back.height() == frame.height());
  CHECK(back == frame);
  std::remove(path.c_str());
  CHECK_THROWS_AS(read_png("/nonexistent-dir/x.png"), tabrl::Error);
}
#else
TEST_CASE("without libpng write_png says so", "[viz][png]") {
  STATIC_REQUIRE_FALSE(png_available);
  CHECK_THROWS_AS(write_png("x.png", RgbImage(2, 2)), tabrl::LogicError);
}
#endif
