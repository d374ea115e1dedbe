#pragma once
/// \file viz/color.hpp
/// Colours and the colour map every tabrl picture uses.

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace tabrl::viz {

/// An 8-bit sRGB colour.
struct Rgb {
  std::uint8_t r = 0;  ///< red
  std::uint8_t g = 0;  ///< green
  std::uint8_t b = 0;  ///< blue

  /// Same colour.
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// "#rrggbb", as SVG and CSS spell it.
[[nodiscard]] inline std::string to_hex(Rgb c) {
  return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
}

/// Relative luminance (WCAG / sRGB, 0 black .. 1 white): picks a readable text colour on a fill.
[[nodiscard]] inline double relative_luminance(Rgb c) noexcept {
  auto lin = [](std::uint8_t v) {
    const double x = v / 255.0;
    return x <= 0.04045 ? x / 12.92 : std::pow((x + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/// Black or white, whichever reads better on `background`.
[[nodiscard]] inline Rgb text_color_on(Rgb background) noexcept {
  return relative_luminance(background) > 0.18 ? Rgb{0, 0, 0} : Rgb{255, 255, 255};
}

namespace detail {
// Nine evenly spaced samples of the viridis map (van der Walt & Smith, matplotlib's
// default): dark blue-violet to yellow with lightness rising monotonically, so it reads
// correctly in greyscale and for colour-blind viewers. Between samples we interpolate in sRGB.
inline constexpr std::array<Rgb, 9> viridis_samples{{{0x44, 0x01, 0x54},
                                                     {0x48, 0x28, 0x78},
                                                     {0x3e, 0x49, 0x89},
                                                     {0x31, 0x68, 0x8e},
                                                     {0x26, 0x82, 0x8e},
                                                     {0x1f, 0x9e, 0x89},
                                                     {0x35, 0xb7, 0x79},
                                                     {0x6e, 0xce, 0x58},
                                                     {0xfd, 0xe7, 0x25}}};
}  // namespace detail

/// The viridis colour map at t in [0, 1] (clamped; NaN gives the low end). colormap(0) is
/// `#440154`, colormap(1) is `#fde725`, colormap(0.5) is `#26828e`, exactly.
[[nodiscard]] inline Rgb colormap(double t) noexcept {
  if (!(t > 0.0)) return detail::viridis_samples.front();
  if (t >= 1.0) return detail::viridis_samples.back();
  constexpr auto segments = static_cast<double>(detail::viridis_samples.size() - 1);
  const double x = t * segments;
  const auto i = static_cast<std::size_t>(x);
  const double f = x - static_cast<double>(i);
  const Rgb a = detail::viridis_samples[i];
  const Rgb b = detail::viridis_samples[i + 1];
  auto mix = [f](std::uint8_t u, std::uint8_t v) {
    return static_cast<std::uint8_t>(std::lround(u + f * (static_cast<double>(v) - u)));
  };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

/// How values are mapped to [0, 1] before colouring.
enum class Scale : std::uint8_t {
  linear,  ///< (v - lo) / (hi - lo)
  log,     ///< log1p(v - lo) / log1p(hi - lo): for counts spanning several orders of magnitude
};

/// Maps v to [0, 1] given the range [lo, hi] (a degenerate range maps everything to 0).
[[nodiscard]] inline double normalize(double v, double lo, double hi,
                                      Scale scale = Scale::linear) noexcept {
  if (!(hi > lo)) return 0.0;
  double t = 0.0;
  if (scale == Scale::log) {
    t = std::log1p(std::max(0.0, v - lo)) / std::log1p(hi - lo);
  } else {
    t = (v - lo) / (hi - lo);
  }
  return t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
}

}  // namespace tabrl::viz
