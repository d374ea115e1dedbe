#include <catch2/catch.hpp>

#include <tabrl/viz/color.hpp>

using tabrl::viz::colormap;
using tabrl::viz::Rgb;

TEST_CASE("colormap has viridis' exact endpoints and midpoint", "[viz][color]") {
  CHECK(colormap(0.0) == Rgb{0x44, 0x01, 0x54});
  CHECK(colormap(1.0) == Rgb{0xfd, 0xe7, 0x25});
  CHECK(colormap(0.5) == Rgb{0x26, 0x82, 0x8e});
  CHECK(colormap(0.25) == Rgb{0x3e, 0x49, 0x89});
}

TEST_CASE("colormap clamps out-of-range and NaN input", "[viz][color]") {
  CHECK(colormap(-3.0) == colormap(0.0));
  CHECK(colormap(7.0) == colormap(1.0));
  CHECK(colormap(std::nan("")) == colormap(0.0));
}

TEST_CASE("colormap interpolates between samples", "[viz][color]") {
  // Halfway between samples 0 (#440154) and 1 (#482878): (0x44+0x48)/2 = 0x46,
  // (0x01+0x28)/2 = 20.5 -> 21 (round half away from zero), (0x54+0x78)/2 = 0x66.
  CHECK(colormap(1.0 / 16.0) == Rgb{0x46, 21, 0x66});
}

TEST_CASE("colormap lightness rises monotonically (a perceptual map)", "[viz][color]") {
  // At the scale of the sample spacing (1/8) and well below it (1/32) lightness strictly rises.
  double previous = -1.0;
  for (int i = 0; i <= 32; ++i) {
    const double l = tabrl::viz::relative_luminance(colormap(i / 32.0));
    CHECK(l > previous);
    previous = l;
  }
  // At 1/256 steps each channel moves by about one 8-bit unit, and rounding can make the
  // luminance dip by at most one such unit of green (~0.0025 in luminance): allow 1e-3.
  previous = -1.0;
  for (int i = 0; i <= 256; ++i) {
    const double l = tabrl::viz::relative_luminance(colormap(i / 256.0));
    CHECK(l >= previous - 1e-3);
    previous = l;
  }
  CHECK(tabrl::viz::relative_luminance(colormap(1.0)) > 10 * tabrl::viz::relative_luminance(colormap(0.0)));
}

TEST_CASE("to_hex and the readable text colour", "[viz][color]") {
  CHECK(tabrl::viz::to_hex(Rgb{0x44, 0x01, 0x54}) == "#440154");
  CHECK(tabrl::viz::to_hex(Rgb{255, 0, 16}) == "#ff0010");
  CHECK(tabrl::viz::text_color_on(colormap(0.0)) == Rgb{255, 255, 255});
  CHECK(tabrl::viz::text_color_on(colormap(1.0)) == Rgb{0, 0, 0});
}

TEST_CASE("normalize maps linear and log scales into 0..1", "[viz][color]") {
  using tabrl::viz::normalize;
  using tabrl::viz::Scale;
  REQUIRE_THAT(normalize(5, 0, 10), Catch::Matchers::WithinAbs(0.5, 1e-15));
  CHECK(normalize(-1, 0, 10) == 0.0);
  CHECK(normalize(11, 0, 10) == 1.0);
  CHECK(normalize(3, 3, 3) == 0.0);  // degenerate range
  REQUIRE_THAT(normalize(9, 0, 99, Scale::log), Catch::Matchers::WithinAbs(0.5, 1e-12));  // log(10)/log(100)
  CHECK(normalize(99, 0, 99, Scale::log) == 1.0);
}
